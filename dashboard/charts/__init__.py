"""Plotly figure builders: pure functions from prepared data to go.Figure (no Streamlit here).

One palette (Okabe-Ito, colour-blind safe), titles and axis titles with units everywhere,
hover with exact values and units, and status always in words and symbols as well as colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.colors import sample_colorscale

from dashboard import fmt
from dashboard.catalog import Indicator
from dashboard.charts.bars import SHARE_MAX, SHARE_MIN, progress_bars
from dashboard.charts.fitting import DESKTOP_WIDTH, PHONE_WIDTH, for_phone, presented
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
from dashboard.charts.trends import LABEL_POSITIONS, compare_lines, label_box, one_municipality, trend_chart
from dashboard.i18n import t
from dashboard.views import paren

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


__all__ = [
    "DESKTOP_WIDTH", "FONT", "GREY", "INK", "LABEL_POSITIONS", "LINE", "PHONE_WIDTH", "PRESENT_FONT",
    "PRESENT_TITLE", "SHARE_MAX", "SHARE_MIN", "_cols", "compare_lines", "for_phone", "from_spec", "inked",
    "label_box", "one_municipality", "presented", "progress_bars", "rewrap", "title_height", "trend_chart"]
