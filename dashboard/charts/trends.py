"""Trend charts: a place's actuals by year with its target points, baseline→target paths and the
current-pace projection (trend_chart), several places on one scale (compare_lines), and the placement
of the target labels where no drawn line crosses them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from dashboard import fmt
from dashboard.catalog import Indicator
from dashboard.charts.fitting import banded
from dashboard.charts.theme import GREY, OKABE_ITO, figure, hline, legend_line, look, unit_label, value_text, wrap
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import N_, t
from dashboard.views import TrendView, paren

Box = tuple[float, float, float, float]
Trace = dict[str, Any]
POINT_HOVER = "%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>"


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


# ---------------------------------------------------------------- label placement

LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def label_box(x: float, y: float, position: str, xspan: float, yspan: float) -> Box:
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


def _crosses(box: Box, seg: Box) -> bool:
    """Whether a straight segment passes through a box (sampled finely: enough for chart labels)."""
    x0, x1, y0, y1 = box
    ax, ay, bx, by = seg
    return any(x0 <= ax + (bx - ax) * k / 60 <= x1 and y0 <= ay + (by - ay) * k / 60 <= y1 for k in range(61))


def _segments(traces: Sequence[Mapping[str, Any]]) -> list[Box]:
    """Every drawn line segment of the line traces (actuals, national, paths, projection)."""
    out = []
    for tr in traces:
        if "lines" not in str(tr.get("mode", "")):
            continue
        pts = [(x, y) for x, y in zip(tr.get("x") or [], tr.get("y") or [], strict=False)
               if x is not None and y is not None]
        out += [(a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(pts)]
    return out


def _spans(view: TrendView) -> tuple[float, float]:
    """The x and y extents a label's box is measured in: a sixth of the years shown (at most one year) and the
    value range from zero."""
    xs = [*view.years, *(x[0] for x in view.targets)]
    ys = [v for v in [*view.values, *(x[1] for x in view.targets), *view.national.values()] if v is not None]
    yspan = (max(ys) - min(0.0, min(ys))) or 1.0 if ys else 1.0
    xspan = 1.0 if len(set(xs)) < 2 else min(1.0, (max(xs) - min(xs)) / 6)
    return xspan, yspan


def _clear_positions(view: TrendView, traces: Sequence[Mapping[str, Any]]) -> list[str | None]:
    """For each target point, the first label position that no line crosses (None: none is clear)."""
    xs = [*view.years, *(x[0] for x in view.targets)]
    xspan, yspan = _spans(view)
    hlines = [(min(xs) - 1, v, max(xs) + 1, v) for v, _ in view.hlines] if xs else []
    lines = _segments(traces) + hlines
    out: list[str | None] = []
    for x, y, _ in view.targets:
        clear = [p for p in LABEL_POSITIONS if not any(_crosses(label_box(x, y, p, xspan, yspan), sg) for sg in lines)]
        out.append(clear[0] if clear else None)
    return out


# ---------------------------------------------------------------- trend chart

def one_municipality(view: TrendView) -> bool:
    """Whether a trend is one municipality's own series (a yes/no measure there reads 実施/未実施)."""
    return view.place.isdigit() and view.place not in (PREFECTURE, NATIONAL)


def _point_hovers(view: TrendView, lang: str, flag: bool) -> list[list[str]]:
    """Each actual's hover: its year, its value (実施/未実施 for one municipality's yes/no measure) and its
    kind, with how many municipalities reported under a roll-up."""
    kinds = [t("sample" if s else "official", lang) for s in view.sample]
    cov = view.coverage or [""] * len(view.years)
    shown = [fmt.flag(v, lang) if flag else value_text(view.indicator, v, lang) for v in view.values]
    return [[fmt.fy_label(y, lang), sv, k + (f"<br>{c}" if c else "")]
            for y, sv, k, c in zip(view.years, shown, kinds, cov, strict=True)]


def _kind_points(view: TrendView, lang: str, full: list[int], points: list[list[str]]) -> list[Trace]:
    """Official and sample points drawn apart (filled / open diamond) and named in the legend."""
    traces = []
    for is_sample, symbol, key in ((False, "circle", N_("kind_official")), (True, "diamond-open", N_("kind_sample"))):
        idx = [i for i in full if bool(view.sample[i]) == is_sample]
        if idx:
            traces.append({
                "type": "scatter", "x": [view.years[i] for i in idx], "y": [view.values[i] for i in idx],
                "mode": "markers", "name": t("actual_points", lang, kind=t(key, lang)),
                "marker": {"size": 10, "symbol": symbol, "color": OKABE_ITO[0], "line": {"width": 2,
                                                                                        "color": OKABE_ITO[0]}},
                "customdata": [points[i] for i in idx], "hovertemplate": POINT_HOVER})
    return traces


def _provisional_trace(view: TrendView, lang: str, part: list[int], points: list[list[str]]) -> Trace:
    """Roll-ups not every municipality reported: hollow points apart from the line, named provisional."""
    return {
        "type": "scatter", "x": [view.years[i] for i in part], "y": [view.values[i] for i in part],
        "mode": "markers+text", "name": t("provisional_trace", lang),
        "text": [view.coverage_short[i] if view.coverage_short else "" for i in part],
        "textposition": "bottom center", "cliponaxis": False, "textfont": {"size": 11},
        "marker": {"size": 11, "symbol": "circle-open", "color": OKABE_ITO[0], "line": {"width": 2}},
        "customdata": [points[i] for i in part], "hovertemplate": POINT_HOVER}


def _actual_traces(view: TrendView, lang: str, place_name: str, flag: bool) -> list[Trace]:
    """The actuals: their line, official and sample points apart, and provisional roll-ups apart from the line."""
    points = _point_hovers(view, lang, flag)
    prov = view.provisional or [False] * len(view.years)
    full = [i for i, p in enumerate(prov) if not p]
    part = [i for i, p in enumerate(prov) if p]
    line: dict[str, Any] = {"color": OKABE_ITO[0], "width": 3, **({"shape": "hv"} if flag else {})}
    traces: list[Trace] = [{
        "type": "scatter", "x": [view.years[i] for i in full], "y": [view.values[i] for i in full],
        "mode": "lines", "name": t("actual", lang) + paren(place_name, lang), "line": line, "hoverinfo": "skip"}]
    traces += _kind_points(view, lang, full, points)
    if part:
        traces.append(_provisional_trace(view, lang, part, points))
    return traces


def _national_trace(view: TrendView, lang: str) -> Trace:
    """The national average by year, for comparison."""
    ny = sorted(view.national)
    return {
        "type": "scatter", "x": ny, "y": [view.national[y] for y in ny], "mode": "lines+markers",
        "name": t("national", lang), "line": {"color": OKABE_ITO[1], "width": 2},
        "marker": {"symbol": "square", "size": 8},
        "customdata": [[fmt.fy_label(y, lang), value_text(view.indicator, view.national[y], lang)] for y in ny],
        "hovertemplate": t("national", lang) + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"}


def _path_traces(view: TrendView, lang: str) -> list[Trace]:
    """The straight baseline→target paths (one legend entry for all) and the current-pace projection."""
    traces: list[Trace] = [{
        "type": "scatter", "x": [by, ty], "y": [bv, tv], "mode": "lines", "name": t("path", lang),
        "showlegend": i == 0, "line": {"color": GREY, "width": 2, "dash": "dash"}, "hoverinfo": "skip"}
        for i, (by, bv, ty, tv) in enumerate(view.paths)]
    if view.projection:
        ind = view.indicator
        ay, av, ty, pv = view.projection
        traces.append({
            "type": "scatter", "x": [ay, ty], "y": [av, pv], "mode": "lines",
            "name": t("projection", lang),  # (year reached: subtitle)
            "line": {"color": OKABE_ITO[3], "width": 2, "dash": "dot"},
            "customdata": [[fmt.fy_label(ay, lang), value_text(ind, av, lang)],
                           [fmt.fy_label(ty, lang), value_text(ind, pv, lang)]],
            "hovertemplate": t("projection", lang) + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"})
    return traces


def _target_trace(view: TrendView, lang: str, positions: list[str | None]) -> Trace:
    """The target points, each labelled with its value where no line crosses the label."""
    ind = view.indicator
    return {
        "type": "scatter", "x": [x[0] for x in view.targets], "y": [x[1] for x in view.targets],
        "mode": "markers+text", "name": t("target_point", lang),
        "marker": {"symbol": "star", "size": 16, "color": OKABE_ITO[2], "line": {"color": "#000", "width": 1}},
        # A target also drawn as a line across the chart is named in the legend; its number is not
        # written again on that line.
        # A label that would touch a line anywhere around its point is left to the hover.
        "text": ["" if pos is None or any(x[1] == v for v, _ in view.hlines) else value_text(ind, x[1], lang)
                 for x, pos in zip(view.targets, positions, strict=True)],
        "textposition": [pos or "top center" for pos in positions],
        "cliponaxis": False,  # the label of the highest target sits above the plot area
        "customdata": [[x[2], fmt.fy_label(x[0], lang), value_text(ind, x[1], lang)] for x in view.targets],
        "hovertemplate": POINT_HOVER}


def _mark_layers(view: TrendView, lang: str, traces: list[Trace]) -> list[dict[str, Any]]:
    """Adds the plan's marks to the traces (paths, projection, target points, legend entries of the rate
    targets drawn across the chart) and returns those lines' shapes."""
    traces += _path_traces(view, lang)
    if view.targets:
        traces.append(_target_trace(view, lang, _clear_positions(view, traces)))
    style = {"color": OKABE_ITO[2], "width": 2, "dash": "dash"}
    traces += [legend_line(label, style) for _, label in view.hlines]
    return [hline(value, style, label, "top left")[0] for value, label in view.hlines]


def _trend_y_axis(view: TrendView, lang: str, marks: bool, flag: bool) -> dict[str, Any]:
    """実施/未実施 for one municipality's yes/no measure, else a value axis over everything drawn."""
    if flag:
        return {"title": {"text": t("flag_axis", lang)}, "tickmode": "array", "tickvals": [0, 1],
                "ticktext": [t("flag_no", lang), t("flag_yes", lang)], "range": [-0.25, 1.25]}
    projected = (view.projection[3],) if view.projection and marks else ()
    ys = [v for v in [*view.values, *(x[1] for x in view.targets), *view.national.values(),
                      *(v for p in view.paths for v in (p[1], p[3])), *(v for v, _ in view.hlines), *projected]
          if v is not None]
    return _value_axis(view.indicator, ys, lang)


def _trend_title(view: TrendView, lang: str, place_name: str, marks: bool) -> str:
    """The indicator and place, with the year the target is reached and the view's note as subtitles."""
    title = wrap(view.indicator.name(lang) + paren(place_name, lang), 46)
    if view.reached and marks:
        title += f"<br><sup>{view.reached}</sup>"
    if view.note:  # inside the chart's own frame, not between one chart's buttons and the next chart
        title += f"<br><sup>{wrap(view.note, 60)}</sup>"
    return title


def trend_chart(view: TrendView, lang: str, place_name: str, marks: bool = True, *,
                yes_no: bool | None = None) -> go.Figure:
    """Actuals by year, target points, straight baseline→target paths and the current-pace projection.

    A yes/no measure at one municipality (`yes_no`, by default when the place is a municipality) has a
    実施/未実施 axis, not a 0…1 "municipalities" scale. Rate targets drawn across the chart are named in
    the legend, so no label sits on the line or the points.
    """
    flag = view.indicator.kind == "flag" and (one_municipality(view) if yes_no is None else yes_no)
    traces = _actual_traces(view, lang, place_name, flag)
    if view.national:
        traces.append(_national_trace(view, lang))
    shapes = _mark_layers(view, lang, traces) if marks else []
    years = view.years + [x[0] for x in view.targets] + list(view.national)
    xaxis = _years_axis(sorted(set(years)), lang) if years else {"title": {"text": t("fiscal_year_axis", lang)}}
    yaxis = _trend_y_axis(view, lang, marks, flag)
    title = _trend_title(view, lang, place_name, marks)
    layout = look(title, height=460, margin=_title_margin(title), xaxis=xaxis, yaxis=yaxis)
    if shapes:
        layout.update(shapes=shapes)  # (their labels are legend entries)
    return banded(figure(traces, layout))


# ---------------------------------------------------------------- several places

def _merged(lines: Mapping[str, tuple[list[int], list[float]]], names: Mapping[str, str], lang: str
            ) -> tuple[dict[str, tuple[list[int], list[float]]], dict[str, str]]:
    """A series identical to an earlier one (a 圏域 of one municipality: 前橋圏域 = 前橋市) would hide it under
    the same line: drawn once, its name saying both."""
    merged: dict[str, tuple[list[int], list[float]]] = {}
    out = dict(names)
    for code, series in lines.items():
        same = next((c for c, s2 in merged.items() if s2 == series), None)
        if same is None:
            merged[code] = series
        else:
            out[same] = t("same_series", lang, first=out[same], second=out[code])
    return merged, out


def compare_lines(ind: Indicator, lines: Mapping[str, tuple[list[int], list[float]]], names: Mapping[str, str],
                  lang: str, coverage: Mapping[str, Mapping[int, str]] | None = None) -> go.Figure:
    """Several places on one comparable scale (rates, or counts per 1,000 aged 65+); a roll-up's hover says
    how many municipalities reported (`coverage`: place -> year -> text)."""
    per = ind.per_pop65
    cov = coverage or {}
    merged, labels = _merged(lines, names, lang)

    def note(code: str, y: int) -> str:
        text = cov.get(code, {}).get(y, "")
        return f"<br>{text}" if text else ""

    traces = [{
        "type": "scatter", "x": years, "y": vals, "mode": "lines+markers", "name": labels[code],
        "line": {"color": OKABE_ITO[i % len(OKABE_ITO)], "width": 3 if i == 0 else 2},
        "marker": {"symbol": ("circle", "square", "diamond", "triangle-up")[i % 4], "size": 8},
        "customdata": [[fmt.fy_label(y, lang), value_text(ind, v, lang, per) + note(code, y)]
                       for y, v in zip(years, vals, strict=True)],
        "hovertemplate": labels[code] + "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"}
        for i, (code, (years, vals)) in enumerate(merged.items())]
    all_years = sorted({y for ys, _ in merged.values() for y in ys})
    title = wrap(ind.name(lang), 46)
    return banded(figure(traces, look(title, height=360, margin=_title_margin(title),
                                      xaxis=_years_axis(all_years, lang),
                                      yaxis={"title": {"text": unit_label(ind, lang, per)}, "tickformat": ","})))
