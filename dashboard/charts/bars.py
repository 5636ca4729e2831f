"""Progress towards each target on one shared '% of the way' axis (the headline chart of every page).

The table's rows become one row model (BarRows: the words and numbers every layout writes); a BarScreen
then says how a desktop column, a phone or a projector lays those rows out.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt
from dashboard.charts.theme import (
    FONT,
    LINE,
    PRESENT_FONT,
    PRESENT_TITLE,
    figure,
    line_count,
    look,
    rewrap,
    title_band,
    title_height,
    vline,
    wrap,
)
from dashboard.i18n import t
from dashboard.views import paren

SHARE_MIN, SHARE_MAX = -50.0, 150.0  # progress bars are clipped here; their text shows the true value


@dataclasses.dataclass(frozen=True)
class BarScreen:
    """How one screen lays the bars out: text sizes, wrapping widths and where the status words go."""

    font: int  # the target names (the y ticks)
    small: int  # the status column, axis and legend
    label_width: int  # a target's name wraps at this many half-width columns
    title_width: int
    title_size: int
    phone: bool = False  # the status under each name, not in a column of its own
    projector: bool = False  # rows on a pixel axis, each as tall as its own text


DESKTOP = BarScreen(font=14, small=12, label_width=40, title_width=60, title_size=18)
PHONE = BarScreen(font=12, small=11, label_width=20, title_width=28, title_size=15, phone=True)
PROJECTOR = BarScreen(font=PRESENT_FONT, small=PRESENT_FONT, label_width=30, title_width=60,
                      title_size=PRESENT_TITLE, projector=True)


@dataclasses.dataclass(frozen=True)
class BarRows:
    """One entry per drawn target, in the order drawn: what its bar, marks and words say."""

    labels: list[str]  # the y tick text (on a phone, with the status under the name)
    shown: list[float]  # the bar's length in %, clipped to SHARE_MIN…SHARE_MAX
    colours: list[str]
    pct: list[str]  # the true percentage in words (or "met at baseline")
    heads: list[str]  # percentage and status, e.g. 「96%　○ 順調」
    why: list[str]  # the reason in brackets, or ""
    reasons: list[str]  # what the verdict rests on, or ""
    expected: list[float | None]  # where a straight line would be by now, clipped
    years: list[Any]  # the year of the latest actual
    kinds: list[Any]  # official or sample
    custom: list[tuple[Any, ...]]  # the bars' hover data


def _reasons(table: pl.DataFrame) -> list[str]:
    """Per drawn row, what its verdict rests on (the gap of a final result, the result awaited), else ""."""
    return [r or "" for r in table["reason"].to_list()] if "reason" in table.columns else [""] * table.height


def _clip(v: float) -> float:
    return max(SHARE_MIN, min(SHARE_MAX, v))


def _shares(drawn: pl.DataFrame, lang: str) -> tuple[list[float], list[str]]:
    """Each bar's drawn length and its percentage in words."""
    share = [None if s is None else s * 100 for s in drawn["share"].to_list()]
    # A target already met at the place's baseline has no "share of the way": draw it as met.
    met_at_start = [s is None and st in ("achieved", "reached_early")
                    for s, st in zip(share, drawn["status"].to_list(), strict=True)]
    shown = [100.0 if m else 0.0 if s is None else _clip(s) for s, m in zip(share, met_at_start, strict=True)]
    pct = [t("met_at_baseline", lang) if m else "－%" if s is None else fmt.share(s / 100, lang)
           for s, m in zip(share, met_at_start, strict=True)]
    return shown, pct


def _column(df: pl.DataFrame, name: str) -> list[Any]:
    """A column's values, or "" for each row when the table has no such column."""
    return df[name].to_list() if name in df.columns else [""] * df.height


def _hover(drawn: pl.DataFrame, lang: str, heads: list[str], why: list[str], labels: list[str]
           ) -> list[tuple[Any, ...]]:
    """The bars' hover data: status, baseline, actual and its year, target, data kind, progress, roll-up notes
    and the target's name on one line."""
    # Roll-ups: how many municipalities reported, and a newer provisional year, in the hover.
    extra = [("<br>" + c if c else "") + ("<br>" + t("col_provisional", lang) + ": " + pv if pv else "")
             for c, pv in zip(_column(drawn, "coverage"), _column(drawn, "provisional"), strict=True)]
    progress = [t("col_progress", lang) + f" {h}{w}" for h, w in zip(heads, why, strict=True)]
    return list(zip(drawn["status_text"].to_list(), drawn["baseline_text"].to_list(),
                    drawn["actual_text"].to_list(), drawn["actual_year"].to_list(), drawn["target_text"].to_list(),
                    drawn["data"].to_list(), progress, extra, [re.sub("<br>", " ", x) for x in labels], strict=True))


def bar_rows(table: pl.DataFrame, lang: str, screen: BarScreen) -> BarRows:
    """The row model of the targets a progress chart draws (those with a share, or not mere context)."""
    drawn = table.filter(pl.col("share").is_not_null() | (pl.col("status") != "context"))
    reasons = _reasons(drawn)
    shown, pct = _shares(drawn, lang)
    heads = [t("share_status", lang, share=p, status=st)
             for p, st in zip(pct, drawn["status_text"].to_list(), strict=True)]
    why = [paren(r, lang) if r else "" for r in reasons]
    names = [wrap(x, screen.label_width) for x in drawn["label"].to_list()]
    if screen.phone:
        # A phone has no room for a column of words: the status goes under the target's name.
        w = screen.label_width
        labels = [f"{n}<br><b>{wrap(h + r, w)}</b>" for n, h, r in zip(names, heads, why, strict=True)]
    else:
        labels = names
    expected = [None if e is None else _clip(e * 100) for e in drawn["expected_share"].to_list()]
    return BarRows(labels, shown, [fmt.STATUS_COLOURS[s] for s in drawn["status"].to_list()], pct, heads, why,
                   reasons, expected, drawn["actual_year"].to_list(), drawn["data"].to_list(),
                   _hover(drawn, lang, heads, why, labels))


def _bar_trace(rows: BarRows, lang: str) -> dict[str, Any]:
    return {
        "type": "bar", "y": rows.labels, "x": rows.shown, "orientation": "h",
        "marker": {"color": rows.colours, "line": {"color": "#333", "width": 0.5}},
        "text": rows.pct, "textposition": "none", "name": t("actual", lang), "customdata": rows.custom,
        "showlegend": False,  # bar colours are statuses, written beside each bar; a legend swatch would mislead
        "hovertemplate": ("<b>%{customdata[8]}</b><br>%{customdata[0]}<br>" + t("col_baseline", lang)
                          + ": %{customdata[1]}<br>"
                          + t("col_actual", lang) + ": %{customdata[2]}" + paren("%{customdata[3]}", lang)
                          + "%{customdata[7]}<br>"
                          + t("col_target_value", lang) + ": %{customdata[4]}<br>%{customdata[6]}<br>"
                          + t("col_data", lang) + ": %{customdata[5]}<extra></extra>")}


def _expected_trace(rows: BarRows, lang: str) -> dict[str, Any]:
    return {
        "type": "scatter", "y": rows.labels, "x": rows.expected, "mode": "markers", "name": t("expected_mark", lang),
        "marker": {"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#000000"}},
        "customdata": [re.sub("<br>", " ", x) for x in rows.labels],
        "hovertemplate": "%{customdata}<br>" + t("expected_mark", lang) + ": %{x:.0f}%<extra></extra>"}


def _status_column(rows: BarRows, lang: str, screen: BarScreen) -> dict[str, Any]:
    """The percentage and status in words beside every bar, in their own column right of the axis (never
    colour alone, never on a line), with the year of the latest actual and official or sample below.

    On a projector the year and kind stay in the hover (the screen's footer names the snapshot and says
    sample, and a third line per row would not fit 720 px at 18 px), and the words wrap to the column right
    of the axis (「96%　○ 順調」 over 「（目標達成ペース）」)."""
    side = [f"<b>{rewrap(h, 22) if screen.projector else h}</b>{'<br>' + r if r else ''}" + (
        "" if screen.projector else "<br>" + t("year_kind", lang, year=yr, kind=kind))
            for h, r, yr, kind in zip(rows.heads, rows.reasons, rows.years, rows.kinds, strict=True)]
    return {"type": "scatter", "y": rows.labels, "x": [SHARE_MAX + 8] * len(rows.labels), "mode": "text",
            "text": side, "textposition": "middle right", "showlegend": False, "hoverinfo": "skip",
            "cliponaxis": False, "textfont": {"color": "#1A1A1A", "size": screen.small}}


def _pixel_rows(traces: list[dict[str, Any]], labels: list[str], line_counts: list[int], font: int
                ) -> tuple[dict[str, Any], float]:
    """A projector's rows (it has 720 px): each gets the height of its own text (a three-line name does not
    make every row three lines tall), on a numeric axis in pixels whose ticks carry the names."""
    pitches = [max(44.0, n * font * LINE + 10) for n in line_counts]
    centres = [sum(pitches[:i]) + p / 2 for i, p in enumerate(pitches)]
    rows_height = sum(pitches) or 44.0
    for tr in traces:
        tr["y"] = centres
    traces[0]["width"] = [0.65 * p for p in pitches]
    yaxis = {"range": [rows_height, 0], "automargin": True, "tickfont": {"size": font}, "tickmode": "array",
             "tickvals": centres, "ticktext": labels, "showgrid": False, "zeroline": False}
    return yaxis, rows_height


def _x_axis(shown: list[float], lang: str, screen: BarScreen) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The '% of the way' axis and the target line's label (a phone names the target under its 100% tick)."""
    title = {"text": t("progress_axis", lang), "font": {"size": screen.small}}
    low = min(0.0, *shown) - 5
    if screen.phone:
        return {"title": title, "ticksuffix": "%", "range": [low, SHARE_MAX + 5], "zeroline": False,
                "tickmode": "array", "tickvals": [0, 50, 100, 150],
                "ticktext": ["0%", "50%", "100%<br>" + t("col_target", lang), "150%"],
                "tickfont": {"size": screen.small}}, []
    xaxis = {"title": title, "ticksuffix": "%",
             "range": [low, SHARE_MAX + (150 if screen.projector else 130)], "zeroline": False,
             # Steps of 50: eight ticks 25 apart ran together ("0255075100…") once the chart got narrow.
             "tickvals": [-50, 0, 50, 100, 150],
             "tickfont": {"size": screen.small}}
    target = {"text": t("target_line", lang), "yanchor": "bottom", "showarrow": False, "xref": "x", "x": 100,
              "xanchor": "center", "yref": "y domain", "y": 1, "font": {"size": screen.small}}
    return xaxis, [target]


def progress_bars(table: pl.DataFrame, lang: str, title: str, *, compact: bool = False, present: bool = False,
                  ) -> go.Figure:
    """Targets on one shared '% of the way' axis: bar to the latest actual, 0% baseline, 100% target,
    a mark where a straight line would be by now; status coloured and written beside each bar.

    No number is printed on the plot (where it could sit on the target line or the expected-by-now
    mark): the percentage leads the status words in their own column right of the axis, or, with
    `compact` (a phone), under the target's name, and the axis keeps four legible ticks. `present`
    sets every text to ≥ 18 px for a projector (and wins over `compact`). The table's "reason" column
    (views.verdict_detail) is written under each verdict: the gap of a final result, or which result is awaited.
    """
    screen = PROJECTOR if present else PHONE if compact else DESKTOP
    return bars_figure(bar_rows(table, lang, screen), lang, title, screen)


def bars_figure(rows: BarRows, lang: str, title: str, screen: BarScreen) -> go.Figure:
    """The progress chart of these rows laid out for the screen."""
    font, small = screen.font, screen.small
    traces: list[dict[str, Any]] = [_bar_trace(rows, lang), _expected_trace(rows, lang)]
    line_counts = [line_count(x) for x in rows.labels]
    if not screen.phone:
        side = _status_column(rows, lang, screen)
        traces.append(side)
        line_counts = [max(n, line_count(x)) for n, x in zip(line_counts, side["text"], strict=True)]
    # Every row gets the height its text needs, so wrapped names and statuses never overprint.
    pitch = max(44.0, max(line_counts, default=1) * font * LINE + 20)
    yaxis: dict[str, Any] = {"autorange": "reversed", "automargin": True, "tickfont": {"size": font}}
    rows_height = pitch * max(1, len(rows.labels))
    if screen.projector:
        yaxis, rows_height = _pixel_rows(traces, rows.labels, line_counts, font)
    title_text = wrap(title, screen.title_width)
    top = title_height(title_text, screen.title_size) + small * LINE + (14 if screen.projector else 24)  # title, legend
    # Ticks (two lines on a phone: "100%" over "目標"), axis title; a projector's ticks are one line and every
    # pixel of its 720 counts.
    bottom = 2 * small * LINE + 28 if screen.projector else 2 * small * LINE + font * LINE + 30
    height = int(top + bottom + rows_height)
    xaxis, annotations = _x_axis(rows.shown, lang, screen)
    layout = look(
        title_text, height=height, bargap=0.35, xaxis=xaxis, font={"family": FONT, "size": font},
        yaxis=yaxis,
        shapes=[vline(0, {"color": "#333333", "width": 1.5}),
                vline(100, {"color": "#000000", "width": 2, "dash": "dash"})],
        annotations=annotations, hoverlabel={"font_size": font},
        # Legend above the bars, under the title (under the plot it collides with the axis title); on a
        # phone it starts at the left, where the target line's label is not.
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0 if screen.phone else 1,
                "xanchor": "left" if screen.phone else "right", "font": {"size": small}},
        margin={"l": 10, "r": 10 if screen.phone else 20, "t": int(top), "b": int(bottom)})
    layout["title"] = title_band(title_text, screen.title_size, height)
    return figure(traces, layout)
