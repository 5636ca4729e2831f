"""Plotly figure builders: pure functions from prepared data to go.Figure (no Streamlit here).

One palette (Okabe-Ito, colour-blind safe), titles and axis titles with units everywhere,
hover with exact values and units, and status always in words and symbols as well as colour.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.colors import sample_colorscale

from dashboard import fmt
from dashboard.catalog import Indicator
from dashboard.charts.fitting import DESKTOP_WIDTH, PHONE_WIDTH, for_phone, presented
from dashboard.charts.fitting import banded as _banded
from dashboard.charts.theme import (
    FONT,
    GREY,
    INK,
    LINE,
    NOT_REPORTED_COLOUR,
    OKABE_ITO,
    PRESENT_FONT,
    PRESENT_TITLE,
    SEQUENTIAL,
    from_spec,
    inked,
    rewrap,
    title_band,
    title_height,
    unit_label,
    wrap,
)
from dashboard.charts.theme import cols as _cols
from dashboard.charts.theme import figure as _figure
from dashboard.charts.theme import hline as _hline
from dashboard.charts.theme import legend_box as _legend_box
from dashboard.charts.theme import legend_line as _legend_line
from dashboard.charts.theme import line_count as _lines
from dashboard.charts.theme import look as _look
from dashboard.charts.theme import value_text as _val
from dashboard.charts.theme import vline as _vline
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import N_, t
from dashboard.views import TrendView, paren

SHARE_MIN, SHARE_MAX = -50.0, 150.0  # progress bars are clipped here; their text shows the true value


# ---------------------------------------------------------------- progress bars

def _reasons(table: pl.DataFrame) -> list[str]:
    """Per drawn row, what its verdict rests on (the gap of a final result, the result awaited), else ""."""
    return [r or "" for r in table["reason"].to_list()] if "reason" in table.columns else [""] * table.height


def progress_bars(table: pl.DataFrame, lang: str, title: str, *, compact: bool = False, present: bool = False,
                  ) -> go.Figure:
    """Targets on one shared '% of the way' axis: bar to the latest actual, 0% baseline, 100% target,
    a mark where a straight line would be by now; status coloured and written beside each bar.

    No number is printed on the plot (where it could sit on the target line or the expected-by-now
    mark): the percentage leads the status words in their own column right of the axis, or, with
    `compact` (a phone), under the target's name, and the axis keeps four legible ticks. `present`
    sets every text to ≥ 18 px for a projector. The table's "reason" column (views.verdict_detail) is
    written under each verdict: the gap of a final result, or which result is awaited.
    """
    drawn = table.filter(pl.col("share").is_not_null() | (pl.col("status") != "context"))
    reasons = _reasons(drawn)
    rows_ = drawn
    font = PRESENT_FONT if present else 12 if compact else 14
    small = PRESENT_FONT if present else 11 if compact else 12
    share = [None if s is None else s * 100 for s in rows_["share"].to_list()]
    status = rows_["status"].to_list()
    # A target already met at the place's baseline has no "share of the way": draw it as met.
    met_at_start = [s is None and st in ("achieved", "reached_early") for s, st in zip(share, status, strict=True)]
    shown = [100.0 if m else 0.0 if s is None else max(SHARE_MIN, min(SHARE_MAX, s))
             for s, m in zip(share, met_at_start, strict=True)]
    colours = [fmt.STATUS_COLOURS[s] for s in status]
    pct = [t("met_at_baseline", lang) if m else "－%" if s is None else fmt.share(s / 100, lang)
           for s, m in zip(share, met_at_start, strict=True)]
    heads = [t("share_status", lang, share=p, status=st) for p, st in zip(pct, rows_["status_text"].to_list(),
                                                                         strict=True)]
    why = [paren(r, lang) if r else "" for r in reasons]
    label_width = 20 if compact else 30 if present else 40
    names = [wrap(x, label_width) for x in rows_["label"].to_list()]
    if compact:
        # A phone has no room for a column of words: the status goes under the target's name.
        labels = [f"{n}<br><b>{wrap(h + w, label_width)}</b>" for n, h, w in zip(names, heads, why, strict=True)]
    else:
        labels = names
    # Roll-ups: how many municipalities reported, and a newer provisional year, in the hover.
    extra = [("<br>" + c if c else "") + ("<br>" + t("col_provisional", lang) + ": " + pv if pv else "")
             for c, pv in zip(rows_["coverage"].to_list() if "coverage" in rows_.columns else [""] * rows_.height,
                              rows_["provisional"].to_list() if "provisional" in rows_.columns else [""] * rows_.height,
                              strict=True)]
    custom = list(zip(rows_["status_text"].to_list(), rows_["baseline_text"].to_list(),
                      rows_["actual_text"].to_list(), rows_["actual_year"].to_list(), rows_["target_text"].to_list(),
                      rows_["data"].to_list(), [t("col_progress", lang) + f" {h}{w}" for h, w in zip(heads, why,
                                                                                                    strict=True)],
                      extra, [re.sub("<br>", " ", x) for x in labels], strict=True))
    bars = {
        "type": "bar", "y": labels, "x": shown, "orientation": "h",
        "marker": {"color": colours, "line": {"color": "#333", "width": 0.5}},
        "text": pct, "textposition": "none", "name": t("actual", lang), "customdata": custom,
        "showlegend": False,  # bar colours are statuses, written beside each bar; a legend swatch would mislead
        "hovertemplate": ("<b>%{customdata[8]}</b><br>%{customdata[0]}<br>" + t("col_baseline", lang)
                          + ": %{customdata[1]}<br>"
                          + t("col_actual", lang) + ": %{customdata[2]}" + paren("%{customdata[3]}", lang)
                          + "%{customdata[7]}<br>"
                          + t("col_target_value", lang) + ": %{customdata[4]}<br>%{customdata[6]}<br>"
                          + t("col_data", lang) + ": %{customdata[5]}<extra></extra>")}
    exp = [None if e is None else max(SHARE_MIN, min(SHARE_MAX, e * 100)) for e in rows_["expected_share"].to_list()]
    expected = {
        "type": "scatter", "y": labels, "x": exp, "mode": "markers", "name": t("expected_mark", lang),
        "marker": {"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#000000"}},
        "customdata": [re.sub("<br>", " ", x) for x in labels],
        "hovertemplate": "%{customdata}<br>" + t("expected_mark", lang) + ": %{x:.0f}%<extra></extra>"}
    traces: list[dict[str, Any]] = [bars, expected]
    line_counts = [_lines(x) for x in labels]
    if not compact:
        # The percentage and status in words beside every bar, in their own column right of the axis (never
        # colour alone, never on a line), with the year of the latest actual and official or sample below.
        # (On a projector the year and kind stay in the hover: the screen's footer names the snapshot and
        # says sample, and a third line per row would not fit 720 px at 18 px.)
        # On a projector the words wrap to the column right of the axis (「96%　○ 順調」 over 「（目標達成ペース）」).
        side = [f"<b>{rewrap(h, 22) if present else h}</b>{'<br>' + r if r else ''}" + (
            "" if present else "<br>" + t("year_kind", lang, year=yr, kind=kind))
                for h, r, yr, kind in zip(heads, reasons, rows_["actual_year"].to_list(), rows_["data"].to_list(),
                                          strict=True)]
        traces.append({"type": "scatter", "y": labels, "x": [SHARE_MAX + 8] * len(labels), "mode": "text",
                       "text": side, "textposition": "middle right", "showlegend": False, "hoverinfo": "skip",
                       "cliponaxis": False, "textfont": {"color": "#1A1A1A", "size": small}})
        line_counts = [max(n, _lines(x)) for n, x in zip(line_counts, side, strict=True)]
    # Every row gets the height its text needs, so wrapped names and statuses never overprint.
    pitch = max(44.0, max(line_counts, default=1) * font * LINE + 20)
    yaxis: dict[str, Any] = {"autorange": "reversed", "automargin": True, "tickfont": {"size": font}}
    rows_height = pitch * max(1, len(labels))
    if present:
        # A projector has 720 px: each row gets the height of its own text (a three-line name does not make
        # every row three lines tall), on a numeric axis in pixels whose ticks carry the names.
        pitches = [max(44.0, n * font * LINE + 10) for n in line_counts]
        centres = [sum(pitches[:i]) + p / 2 for i, p in enumerate(pitches)]
        rows_height = sum(pitches) or 44.0
        for tr in traces:
            tr["y"] = centres
        bars["width"] = [0.65 * p for p in pitches]
        yaxis = {"range": [rows_height, 0], "automargin": True, "tickfont": {"size": font}, "tickmode": "array",
                 "tickvals": centres, "ticktext": labels, "showgrid": False, "zeroline": False}
    title_text = wrap(title, 28 if compact else 60)
    title_size = PRESENT_TITLE if present else 15 if compact else 18
    top = title_height(title_text, title_size) + small * LINE + (14 if present else 24)  # title, then the legend row
    # Ticks (two lines on a phone: "100%" over "目標"), axis title; a projector's ticks are one line and every
    # pixel of its 720 counts.
    bottom = 2 * small * LINE + 28 if present else 2 * small * LINE + font * LINE + 30
    height = int(top + bottom + rows_height)
    if compact:
        xaxis = {"title": {"text": t("progress_axis", lang), "font": {"size": small}}, "ticksuffix": "%",
                 "range": [min(0.0, *shown) - 5, SHARE_MAX + 5], "zeroline": False, "tickmode": "array",
                 "tickvals": [0, 50, 100, 150], "ticktext": ["0%", "50%", "100%<br>" + t("col_target", lang), "150%"],
                 "tickfont": {"size": small}}
        annotations: list[dict[str, Any]] = []
    else:
        xaxis = {"title": {"text": t("progress_axis", lang), "font": {"size": small}}, "ticksuffix": "%",
                 "range": [min(0.0, *shown) - 5, SHARE_MAX + (150 if present else 130)], "zeroline": False,
                 # Steps of 50: eight ticks 25 apart ran together ("0255075100…") once the chart got narrow.
                 "tickvals": [-50, 0, 50, 100, 150],
                 "tickfont": {"size": small}}
        annotations = [{"text": t("target_line", lang), "yanchor": "bottom", "showarrow": False, "xref": "x",
                        "x": 100, "xanchor": "center", "yref": "y domain", "y": 1, "font": {"size": small}}]
    layout = _look(
        title_text, height=height, bargap=0.35, xaxis=xaxis, font={"family": FONT, "size": font},
        yaxis=yaxis,
        shapes=[_vline(0, {"color": "#333333", "width": 1.5}),
                _vline(100, {"color": "#000000", "width": 2, "dash": "dash"})],
        annotations=annotations, hoverlabel={"font_size": font},
        # Legend above the bars, under the title (under the plot it collides with the axis title); on a
        # phone it starts at the left, where the target line's label is not.
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0 if compact else 1,
                "xanchor": "left" if compact else "right", "font": {"size": small}},
        margin={"l": 10, "r": 10 if compact else 20, "t": int(top), "b": int(bottom)})
    layout["title"] = title_band(title_text, title_size, height)
    return _figure(traces, layout)


# ---------------------------------------------------------------- trends

def _years_axis(years: list[int], lang: str) -> dict[str, Any]:
    """A numeric fiscal-year x axis (a gap between years shows as a gap, a straight path stays straight) with
    one two-line tick per year from the first to the last."""
    ticks = list(range(min(years), max(years) + 1)) if years else []
    return {"type": "linear", "range": [min(years) - 0.5, max(years) + 0.5] if years else None,
            "tickmode": "array", "tickvals": ticks, "tickangle": 0, "tickfont": {"size": 11},
            "ticktext": [fmt.fy_tick(y, lang) for y in ticks], "title": {"text": t("fiscal_year_axis", lang)}}


def _value_axis(ind: Indicator, ys: Sequence[float], lang: str) -> dict[str, Any]:
    """The value axis: counts and scores from zero (whole-number ticks for small counts); a rate may zoom to its
    values, and then its title states the range shown, so a small change is not read as a large one."""
    axis: dict[str, Any] = {"title": {"text": unit_label(ind, lang)}, "tickformat": ","}
    top = max(ys, default=0.0)
    if ind.kind != "rate":
        axis["rangemode"] = "tozero"
        if ind.integer and top <= 10:  # a count of a few: ticks at whole numbers, the top value under a tick
            axis.update(dtick=1, tickformat=",d", range=[0, math.floor(top) + 1])
        return axis
    lo, hi = min(ys, default=0.0), top
    pad = max((hi - lo) * 0.15, 0.5)
    lo, hi = max(0.0, math.floor((lo - pad) * 2) / 2), math.ceil((hi + pad) * 2) / 2
    axis["range"] = [lo, hi]
    if lo > 0:
        axis["title"] = {"text": unit_label(ind, lang) + paren(t("axis_range", lang, lo=fmt.number(lo, 1, lang=lang),
                                                                  hi=fmt.number(hi, 1, lang=lang)), lang)}
    return axis


def _title_margin(title: str) -> dict[str, int]:
    """Top margin for a title of one or more lines."""
    return {"l": 10, "r": 20, "t": 30 + 24 * (title.count("<br>") + 1), "b": 10}


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def label_box(x: float, y: float, position: str, xspan: float, yspan: float) -> tuple[float, float, float, float]:
    """The data-space box (x0, x1, y0, y1) a point's text label covers: about 0.5 year either side of a
    centred label (1 year beside the point) and 9 % of the value range tall, a little away from the point."""
    h, w, gap = 0.09 * yspan, 0.5 * xspan, 0.03 * yspan
    if position == "top center":
        return x - w, x + w, y + gap, y + gap + h
    if position == "bottom center":
        return x - w, x + w, y - gap - h, y - gap
    if position == "middle right":
        return x + 0.12 * xspan, x + 0.12 * xspan + 2 * w, y - h / 2, y + h / 2
    return x - 0.12 * xspan - 2 * w, x - 0.12 * xspan, y - h / 2, y + h / 2


def _crosses(box: tuple[float, float, float, float], seg: tuple[float, float, float, float]) -> bool:
    """Whether a straight segment passes through a box (sampled finely: enough for chart labels)."""
    x0, x1, y0, y1 = box
    ax, ay, bx, by = seg
    return any(x0 <= ax + (bx - ax) * k / 60 <= x1 and y0 <= ay + (by - ay) * k / 60 <= y1 for k in range(61))


def _segments(traces: Sequence[Mapping[str, Any]]) -> list[tuple[float, float, float, float]]:
    """Every drawn line segment of the line traces (actuals, national, paths, projection)."""
    out = []
    for tr in traces:
        if "lines" not in str(tr.get("mode", "")):
            continue
        pts = [(x, y) for x, y in zip(tr.get("x") or [], tr.get("y") or [], strict=False)
               if x is not None and y is not None]
        out += [(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(pts)]
    return out


def _clear_positions(view: TrendView, traces: Sequence[Mapping[str, Any]]) -> list[str | None]:
    """For each target point, the first label position that no line crosses (None: none is clear)."""
    segs = _segments(traces)
    xs = [*view.years, *(x[0] for x in view.targets)]
    ys = [v for v in [*view.values, *(x[1] for x in view.targets), *view.national.values()] if v is not None]
    yspan = (max(ys) - min(0.0, min(ys))) or 1.0 if ys else 1.0
    xspan = 1.0 if len(set(xs)) < 2 else min(1.0, (max(xs) - min(xs)) / 6)
    hlines = [(min(xs) - 1, v, max(xs) + 1, v) for v, _ in view.hlines] if xs else []
    out: list[str | None] = []
    for x, y, _ in view.targets:
        clear = [p for p in LABEL_POSITIONS
                 if not any(_crosses(label_box(x, y, p, xspan, yspan), sg) for sg in segs + hlines)]
        out.append(clear[0] if clear else None)
    return out


def one_municipality(view: TrendView) -> bool:
    """Whether a trend is one municipality's own series (a yes/no measure there reads 実施/未実施)."""
    return view.place.isdigit() and view.place not in (PREFECTURE, NATIONAL)


def trend_chart(view: TrendView, lang: str, place_name: str, marks: bool = True, *,
                yes_no: bool | None = None) -> go.Figure:
    """Actuals by year, target points, straight baseline→target paths and the current-pace projection.

    A yes/no measure at one municipality (`yes_no`, by default when the place is a municipality) has a
    実施/未実施 axis, not a 0…1 "municipalities" scale. Rate targets drawn across the chart are named in
    the legend, so no label sits on the line or the points.
    """
    ind = view.indicator
    flag = ind.kind == "flag" and (one_municipality(view) if yes_no is None else yes_no)
    kinds = [t("sample" if s else "official", lang) for s in view.sample]
    cov = view.coverage or [""] * len(view.years)
    prov = view.provisional or [False] * len(view.years)
    shown = [fmt.flag(v, lang) if flag else _val(ind, v, lang) for v in view.values]
    points = [[fmt.fy_label(y, lang), sv, k + (f"<br>{c}" if c else "")]
              for y, sv, k, c in zip(view.years, shown, kinds, cov, strict=True)]
    full = [i for i, p in enumerate(prov) if not p]
    part = [i for i, p in enumerate(prov) if p]
    line: dict[str, Any] = {"color": OKABE_ITO[0], "width": 3, **({"shape": "hv"} if flag else {})}
    traces: list[dict[str, Any]] = [{
        "type": "scatter", "x": [view.years[i] for i in full], "y": [view.values[i] for i in full],
        "mode": "lines", "name": t("actual", lang) + paren(place_name, lang), "line": line, "hoverinfo": "skip"}]
    # Official and sample points drawn apart (filled / open diamond) and named in the legend.
    for is_sample, symbol, key in ((False, "circle", N_("kind_official")), (True, "diamond-open", N_("kind_sample"))):
        idx = [i for i in full if bool(view.sample[i]) == is_sample]
        if idx:
            traces.append({
                "type": "scatter", "x": [view.years[i] for i in idx], "y": [view.values[i] for i in idx],
                "mode": "markers", "name": t("actual_points", lang, kind=t(key, lang)),
                "marker": {"size": 10, "symbol": symbol, "color": OKABE_ITO[0], "line": {"width": 2,
                                                                                        "color": OKABE_ITO[0]}},
                "customdata": [points[i] for i in idx],
                "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>"})
    if part:
        # Roll-ups not every municipality reported: hollow points apart from the line, named provisional.
        traces.append({
            "type": "scatter", "x": [view.years[i] for i in part], "y": [view.values[i] for i in part],
            "mode": "markers+text", "name": t("provisional_trace", lang),
            "text": [view.coverage_short[i] if view.coverage_short else "" for i in part],
            "textposition": "bottom center", "cliponaxis": False, "textfont": {"size": 11},
            "marker": {"size": 11, "symbol": "circle-open", "color": OKABE_ITO[0], "line": {"width": 2}},
            "customdata": [points[i] for i in part],
            "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>"})
    if view.national:
        ny = sorted(view.national)
        traces.append({
            "type": "scatter", "x": ny, "y": [view.national[y] for y in ny], "mode": "lines+markers",
            "name": t("national", lang), "line": {"color": OKABE_ITO[1], "width": 2},
            "marker": {"symbol": "square", "size": 8},
            "customdata": [[fmt.fy_label(y, lang), _val(ind, view.national[y], lang)] for y in ny],
            "hovertemplate": t("national", lang) + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"})
    lines: list[tuple[dict[str, Any], dict[str, Any]]] = []
    if marks:
        for i, (by, bv, ty, tv) in enumerate(view.paths):
            traces.append({"type": "scatter", "x": [by, ty], "y": [bv, tv], "mode": "lines", "name": t("path", lang),
                           "showlegend": i == 0, "line": {"color": GREY, "width": 2, "dash": "dash"},
                           "hoverinfo": "skip"})
        if view.projection:
            ay, av, ty, pv = view.projection
            traces.append({
                "type": "scatter", "x": [ay, ty], "y": [av, pv], "mode": "lines",
                "name": t("projection", lang),  # (year reached: subtitle)
                "line": {"color": OKABE_ITO[3], "width": 2, "dash": "dot"},
                "customdata": [[fmt.fy_label(ay, lang), _val(ind, av, lang)],
                               [fmt.fy_label(ty, lang), _val(ind, pv, lang)]],
                "hovertemplate": t("projection", lang) + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"})
        if view.targets:
            positions = _clear_positions(view, traces)
            traces.append({
                "type": "scatter", "x": [x[0] for x in view.targets], "y": [x[1] for x in view.targets],
                "mode": "markers+text", "name": t("target_point", lang),
                "marker": {"symbol": "star", "size": 16, "color": OKABE_ITO[2], "line": {"color": "#000", "width": 1}},
                # A target also drawn as a line across the chart is named in the legend; its number is not
                # written again on that line.
                # A label that would touch a line anywhere around its point is left to the hover.
                "text": ["" if pos is None or any(x[1] == v for v, _ in view.hlines) else _val(ind, x[1], lang)
                         for x, pos in zip(view.targets, positions, strict=True)],
                "textposition": [pos or "top center" for pos in positions],
                "cliponaxis": False,  # the label of the highest target sits above the plot area
                "customdata": [[x[2], fmt.fy_label(x[0], lang), _val(ind, x[1], lang)] for x in view.targets],
                "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>"})
        style = {"color": OKABE_ITO[2], "width": 2, "dash": "dash"}
        lines = [_hline(value, style, label, "top left") for value, label in view.hlines]
        traces += [_legend_line(label, style) for _, label in view.hlines]
    years = view.years + [x[0] for x in view.targets] + list(view.national)
    xaxis = _years_axis(sorted(set(years)), lang) if years else {"title": {"text": t("fiscal_year_axis", lang)}}
    ys = [v for v in [*view.values, *(x[1] for x in view.targets), *view.national.values(),
                      *(v for p in view.paths for v in (p[1], p[3])), *(v for v, _ in view.hlines),
                      *((view.projection[3],) if view.projection and marks else ())] if v is not None]
    yaxis = _value_axis(ind, ys, lang)
    if flag:
        yaxis = {"title": {"text": t("flag_axis", lang)}, "tickmode": "array", "tickvals": [0, 1],
                 "ticktext": [t("flag_no", lang), t("flag_yes", lang)], "range": [-0.25, 1.25]}
    title = wrap(ind.name(lang) + paren(place_name, lang), 46)
    if view.reached and marks:
        title += f"<br><sup>{view.reached}</sup>"
    if view.note:  # inside the chart's own frame, not between one chart's buttons and the next chart
        title += f"<br><sup>{wrap(view.note, 60)}</sup>"
    layout = _look(title, height=460, margin=_title_margin(title), xaxis=xaxis, yaxis=yaxis)
    if lines:
        layout.update(shapes=[sh for sh, _ in lines])  # (their labels are legend entries)
    return _banded(_figure(traces, layout))


def compare_lines(ind: Indicator, lines: Mapping[str, tuple[list[int], list[float]]], names: Mapping[str, str],
                  lang: str, coverage: Mapping[str, Mapping[int, str]] | None = None) -> go.Figure:
    """Several places on one comparable scale (rates, or counts per 1,000 aged 65+); a roll-up's hover says
    how many municipalities reported (`coverage`: place -> year -> text)."""
    per = ind.per_pop65
    cov = coverage or {}
    # A series identical to an earlier one (a 圏域 of one municipality: 前橋圏域 = 前橋市) would hide it under
    # the same line: drawn once, its name saying both.
    merged: dict[str, tuple[list[int], list[float]]] = {}
    names = dict(names)
    for code, series in lines.items():
        same = next((c for c, s2 in merged.items() if s2 == series), None)
        if same is None:
            merged[code] = series
        else:
            names[same] = t("same_series", lang, first=names[same], second=names[code])
    lines = merged

    def note(code: str, y: int) -> str:
        text = cov.get(code, {}).get(y, "")
        return f"<br>{text}" if text else ""

    traces = [{
        "type": "scatter", "x": years, "y": vals, "mode": "lines+markers", "name": names[code],
        "line": {"color": OKABE_ITO[i % len(OKABE_ITO)], "width": 3 if i == 0 else 2},
        "marker": {"symbol": ("circle", "square", "diamond", "triangle-up")[i % 4], "size": 8},
        "customdata": [[fmt.fy_label(y, lang), _val(ind, v, lang, per) + note(code, y)]
                       for y, v in zip(years, vals, strict=True)],
        "hovertemplate": names[code] + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"}
        for i, (code, (years, vals)) in enumerate(lines.items())]
    years = sorted({y for ys, _ in lines.values() for y in ys})
    title = wrap(ind.name(lang), 46)
    return _banded(_figure(traces, _look(title, height=360, margin=_title_margin(title),
                                         xaxis=_years_axis(years, lang),
                                         yaxis={"title": {"text": unit_label(ind, lang, per)}, "tickformat": ","})))


# ---------------------------------------------------------------- municipal comparison

def ranking_bar(df: pl.DataFrame, ind: Indicator, lang: str, title: str, highlight: Sequence[str] = (),
                benchmark: tuple[float, str] | None = None, prefecture: float | None = None, *,
                laggards_first: bool = False, compact: bool = False) -> go.Figure:
    """Municipalities ranked on one indicator (per 1,000 aged 65+ for counts), benchmark drawn as a line.

    `laggards_first` (遅れている順) puts the municipalities furthest from the goal first. The reference
    lines are named in the legend above the plot, never written over the bars. `compact` (a phone)
    turns the chart on its side: one readable row per municipality instead of 35 slanted names."""
    col = str(df["rank_by"][0]) if df.height else "value"
    per = col == "per_1000"
    leaders_first = (ind.direction == "higher") != laggards_first
    d = df.filter(pl.col(col).is_not_null()).sort(col, descending=leaders_first)
    hl = set(highlight)
    colours = [OKABE_ITO[3] if c in hl else OKABE_ITO[0] for c in d["code"].to_list()]
    custom = [[n, a, _val(ind, v, lang), _val(ind, p, lang, True) if per else "", f"{r}"]
              for n, a, v, p, r in zip(d["name"].to_list(), d["area"].to_list(), d["value"].to_list(),
                                       d["per_1000"].to_list(), d["rank"].to_list(), strict=True)]
    names, values = d["name"].to_list(), d[col].to_list()
    bars: dict[str, Any] = {
        "type": "bar", "marker": {"color": colours}, "showlegend": False,
        "customdata": custom, "name": unit_label(ind, lang, per),
        "hovertemplate": ("<b>%{customdata[0]}</b>" + paren("%{customdata[1]}", lang)
                          + "<br>%{customdata[2]}<br>%{customdata[3]}<br>"
                          + t("col_rank", lang) + ": %{customdata[4]}<extra></extra>")}
    bars.update({"y": names, "x": values, "orientation": "h"} if compact else {"x": names, "y": values})
    traces: list[dict[str, Any]] = [bars]
    missing = _missing_marks(df, lang, compact)
    traces += missing
    shapes = []
    refs = []
    if benchmark:  # (in the chart's own units: per 1,000 aged 65+ where counts are compared that way)
        refs.append((benchmark[0], benchmark[1], {"color": "#000", "width": 2, "dash": "dash"}))
    if prefecture is not None:
        pref_text = t("ranking_prefecture", lang, value=_val(ind, prefecture, lang, per))
        refs.append((prefecture, pref_text, {"color": OKABE_ITO[1], "width": 2, "dash": "dot"}))
    legend_lines = 0
    for value, label, style in refs:
        shapes.append(_vline(value, style) if compact else _hline(value, style, label, "top right")[0])
        name = wrap(label, 30) if compact else label  # on a phone: one entry per row, wrapped to fit
        traces.append(_legend_line(name, style))
        legend_lines += _lines(name) if compact else 0
    size = 15 if compact else 18
    title_text = wrap(title, 28) if compact else title
    legend_lines = legend_lines + (1 if missing else 0) if compact else (1 if refs or missing else 0)
    top = title_height(title_text, size) + legend_lines * 14 * 1.6 + 16
    value_axis = {"title": {"text": unit_label(ind, lang, per)}, "tickformat": ","}
    name_axis = {"title": {"text": t("col_municipality", lang)}}
    height = int(top + 60 + 22 * (len(names) + _count_missing(missing))) if compact else 460
    layout = _look(title_text, height=height, showlegend=bool(shapes or missing),
                   margin={"l": 10, "r": 10 if compact else 20, "t": int(top), "b": 10},
                   legend={"orientation": "v" if compact else "h", "yanchor": "bottom", "y": 1.0, "x": 0,
                           "xanchor": "left"},
                   xaxis=value_axis if compact else {**name_axis, "tickangle": -60},
                   yaxis={**name_axis, "autorange": "reversed", "tickfont": {"size": 12}} if compact else value_axis)
    layout["title"] = title_band(title_text, size, height)
    if shapes:
        layout.update(shapes=shapes)
    return _figure(traces, layout)


def _count_missing(traces: Sequence[Mapping[str, Any]]) -> int:
    return sum(len(tr.get("x" if tr.get("orientation") != "h" else "y") or []) for tr in traces)


def _missing_marks(df: pl.DataFrame, lang: str, compact: bool) -> list[dict[str, Any]]:
    """The municipalities without a value in the ranking: a grey × at zero after the ranked ones, each named,
    with 未報告 in its hover and one legend entry (never a silent gap)."""
    d = df.filter(pl.col("value").is_null()).sort("code")  # (a value without a population is not "未報告")
    if not d.height:
        return []
    word = t("not_reported", lang)
    names = d["name"].to_list()
    mark: dict[str, Any] = {
        "type": "scatter", "mode": "markers", "name": t("not_reported_n", lang, n=len(names)),
        "marker": {"symbol": "x-thin-open", "size": 10, "color": "#757575", "line": {"width": 2, "color": "#757575"}},
        "customdata": [[n, a] for n, a in zip(names, d["area"].to_list(), strict=True)],
        "hovertemplate": "<b>%{customdata[0]}</b>" + paren("%{customdata[1]}", lang) + f"<br>{word}<extra></extra>",
        "showlegend": True}
    if compact:
        mark.update({"y": names, "x": [0] * len(names), "orientation": "h"})
    else:
        mark.update({"x": names, "y": [0] * len(names)})
    return [mark]


def short_name(name: str) -> str:
    """A municipality's name short enough for a phone's tile: 前橋市 → 前橋, Higashiagatsuma → Higash."""
    if any(ord(c) > 0x2E7F for c in name):
        return name[:-1] if len(name) > 2 and name[-1] in "市町村" else name
    return name if len(name) <= 7 else name[:6] + "."


def tile_map(df: pl.DataFrame, ind: Indicator, lang: str, title: str, col: str = "value",
             highlight: Sequence[str] = (), *, compact: bool = False) -> go.Figure:
    """One equal tile per municipality laid out like the map; value in colour and in text.

    `compact` (a phone, 8 tiles across ~370 px): shortened names in smaller type (the hover has the full
    name) and the colour bar under the map instead of beside it."""
    per = col == "per_1000"
    rows = max(int(x) for x in df["tile_row"].to_list()) + 1
    cols = max(int(x) for x in df["tile_col"].to_list()) + 1
    z: list[list[float | None]] = [[None] * cols for _ in range(rows)]
    text: list[list[str]] = [[""] * cols for _ in range(rows)]
    hover: list[list[str]] = [[""] * cols for _ in range(rows)]
    hl = set(highlight)
    word = t("not_reported", lang)
    gaps: list[list[float | None]] = [[None] * cols for _ in range(rows)]  # the tiles of municipalities without a value
    n_missing = 0
    for r in df.iter_rows(named=True):
        i, j = r["tile_row"], r["tile_col"]
        v = r[col]
        z[i][j] = v
        mark = "★" if r["code"] in hl else ""
        reported = r["value"] is not None
        if not reported:
            gaps[i][j] = 1.0
            n_missing += 1
            shown = word
        elif ind.kind == "flag":
            shown = "✓" if v and v >= 0.5 else ("－" if v is None else "×")
        else:
            shown = fmt.number(v, 1 if (per or ind.kind == "rate") else 0, lang=lang)
        text[i][j] = f"{mark}{short_name(r['name']) if compact else r['name']}<br>{shown}"
        hover[i][j] = f"{r['name']}{paren(r['area'], lang)}<br>{_val(ind, v, lang, per) if reported else word}"
    # Yes/no measures get two colours (and ✓/× in every tile), not a continuous scale.
    colours: dict[str, Any] = (
        {"colorscale": [[0, "#E8E8E8"], [1, OKABE_ITO[2]]], "zmin": 0, "zmax": 1, "showscale": False}
        if ind.kind == "flag" else
        {"colorscale": SEQUENTIAL, "colorbar": {"title": {"text": unit_label(ind, lang, per)}}})
    if compact and "colorbar" in colours:
        colours["colorbar"] = {**colours["colorbar"], "orientation": "h", "y": -0.02, "yanchor": "top",
                               "thickness": 12, "title": {"text": wrap(unit_label(ind, lang, per), 40),
                                                          "side": "top"}}
    tiles = {"type": "heatmap", "z": z, "text": text, "texttemplate": "%{text}",
             "textfont": {"size": 9 if compact else 11},
             "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>", "xgap": 2 if compact else 3,
             "ygap": 3, "hoverongaps": False, **colours}
    traces: list[dict[str, Any]] = [tiles]
    if n_missing:  # grey tiles with 未報告 written in them, and the colour named in the legend
        traces.append({"type": "heatmap", "z": gaps, "text": text, "texttemplate": "%{text}",
                       "textfont": tiles["textfont"], "customdata": hover,
                       "hovertemplate": "%{customdata}<extra></extra>", "xgap": tiles["xgap"], "ygap": 3,
                       "hoverongaps": False, "showscale": False, "zmin": 0, "zmax": 1,
                       "colorscale": [[0, NOT_REPORTED_COLOUR], [1, NOT_REPORTED_COLOUR]]})
        traces.append(_legend_box(t("not_reported_n", lang, n=n_missing), NOT_REPORTED_COLOUR))
    title_text = wrap(title, 28) if compact else title
    layout = _look(title_text, height=560, xaxis={"visible": False},
                   yaxis={"visible": False, "autorange": "reversed"}, showlegend=bool(n_missing),
                   legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0, "xanchor": "left"})
    if compact:
        # On a phone the colour bar sits under the map: the 未報告 entry goes between the title and the tiles.
        legend_h = 26 if n_missing else 0
        layout.update(margin={"l": 4, "r": 4, "t": int(title_height(title_text, 15) + 12 + legend_h), "b": 90},
                      title=title_band(title_text, 15, 560),
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"})
    return _figure(traces, layout)


def _outer_rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


def choropleth(geojson: Mapping[str, Any], df: pl.DataFrame, ind: Indicator, lang: str, title: str,
               col: str = "value") -> go.Figure:
    """Geographic choropleth over municipal boundaries (properties.code5 keys the features).

    Drawn as filled SVG polygons on plain axes rather than go.Choropleth: Plotly's geo layer
    fetches its base topojson from a CDN, and the dashboard must work offline.
    """
    per = col == "per_1000"
    d = df.filter(pl.col(col).is_not_null())
    vals = dict(zip(d["code"].to_list(), d[col].to_list(), strict=True))
    info = {r["code"]: r for r in df.iter_rows(named=True)}
    lo, hi = (min(vals.values()), max(vals.values())) if vals else (0.0, 1.0)
    span = (hi - lo) or 1.0
    traces: list[dict[str, Any]] = []
    lats: list[float] = []
    word = t("not_reported", lang)
    missing = 0
    for feat in geojson.get("features", []):
        code = str(feat.get("properties", {}).get("code5", ""))
        if code not in info:
            continue
        v = vals.get(code)
        r = info[code]
        reported = r["value"] is not None
        missing += 0 if reported else 1
        colour = (sample_colorscale(SEQUENTIAL, [(v - lo) / span])[0] if v is not None else
                  NOT_REPORTED_COLOUR if not reported else "#DDDDDD")
        hover = f"{r['name']}{paren(r['area'], lang)}<br>{_val(ind, v, lang, per) if reported else word}"
        for n, ring in enumerate(_outer_rings(feat["geometry"])):
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            lats += ys
            polygon = {"type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself", "fillcolor": colour,
                       "hoveron": "fills", "line": {"color": "#FFFFFF", "width": 0.8}, "name": r["name"],
                       "text": hover, "hoverinfo": "text", "showlegend": False, "legendgroup": code,
                       "customdata": [code] * len(xs)}
            if n == 0:
                polygon["meta"] = code
            traces.append(polygon)
    # An invisible trace carries the colour bar.
    traces.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "showlegend": False,
                   "hoverinfo": "skip",
                   "marker": {"colorscale": SEQUENTIAL, "cmin": lo, "cmax": hi, "color": [lo], "showscale": True,
                              "colorbar": {"title": {"text": unit_label(ind, lang, per)}}}})
    if missing:
        traces.append(_legend_box(t("not_reported_n", lang, n=missing), NOT_REPORTED_COLOUR))
    mid = (min(lats) + max(lats)) / 2 if lats else 36.4
    note = {"text": t("choropleth_note", lang), "showarrow": False, "xref": "paper", "yref": "paper", "x": 0,
            "y": -0.02, "font": {"size": 11, "color": "#555"}}
    # Equal distances on the ground: a degree of longitude is cos(latitude) of a degree of latitude.
    return _figure(traces, _look(title, height=560, xaxis={"visible": False}, annotations=[note],
                                 showlegend=bool(missing),
                                 legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
                                 yaxis={"visible": False, "scaleanchor": "x",
                                        "scaleratio": 1 / math.cos(math.radians(mid))}))


# ---------------------------------------------------------------- area 4

def implementation_matrix(matrix: pl.DataFrame, lang: str, title: str, counts: Mapping[int, float] | None = None,
                          plan: Mapping[int, float] | None = None,
                          coverage: Mapping[int, tuple[str, bool]] | None = None) -> go.Figure:
    """Municipality × year grid of a yes/no measure; ✓ and × written in every cell.

    Under each year: how many municipalities (`counts`), how many reported (`coverage`: text and whether
    provisional; in the hover, and under the year when provisional) and, where the plan gives one, its
    figure (`plan`, e.g. 13 → 22 → 35).
    """
    years = [c for c in matrix.columns if c not in ("place_code", "name")]
    z = [[r[y] for y in years] for r in matrix.iter_rows(named=True)]
    text = [["✓" if v == 1 else ("×" if v == 0 else "") for v in row] for row in z]
    cov = [(coverage or {}).get(int(y), ("", False))[0] for y in years]
    words = [[(t("implemented", lang) if v == 1 else (t("not_implemented", lang) if v == 0 else "－"))
              + (f"<br>{c}" if c else "") for v, c in zip(row, cov, strict=True)] for row in z]
    ticks = []
    for y in years:
        tick = fmt.fy_label(int(y), lang)
        if counts is not None and int(y) in counts:
            tick += "<br>" + t("matrix_count", lang, n=fmt.number(counts[int(y)]))
            cov_text, provisional = (coverage or {}).get(int(y), ("", False))
            if provisional:
                tick += "<br>" + cov_text  # a partial count says so under its year
        if plan is not None and int(y) in plan:
            tick += "<br>" + t("matrix_plan", lang, n=fmt.number(plan[int(y)]))
        ticks.append(tick)
    grid = {"type": "heatmap", "z": z, "x": ticks, "y": matrix["name"].to_list(), "text": text,
            "texttemplate": "%{text}", "customdata": words, "zmin": 0, "zmax": 1, "showscale": False, "xgap": 2,
            "ygap": 2, "colorscale": [[0, "#F2F2F2"], [1, OKABE_ITO[2]]],
            "hovertemplate": "%{y}<br>%{x}<br>%{customdata}<extra></extra>"}
    return _figure([grid], _look(title, height=max(420, 24 * matrix.height + 140),
                                 margin={"l": 10, "r": 20, "t": 100, "b": 10}, xaxis={"side": "top"},
                                 yaxis={"autorange": "reversed", "title": {"text": t("col_municipality", lang)}}))


__all__ = ["DESKTOP_WIDTH", "FONT", "INK", "PHONE_WIDTH", "PRESENT_FONT", "_cols", "for_phone", "from_spec", "inked",
           "presented", "rewrap", "title_height"]
