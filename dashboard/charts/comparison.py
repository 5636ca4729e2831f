"""Municipalities compared on one indicator: ranked bars (ranking_bar), one equal tile per municipality
laid out like the map (tile_map) and the municipal boundaries (choropleth). A municipality without a
value is never a silent gap: it is drawn grey or as a ×, and named 未報告 (not reported).
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
from dashboard.charts.theme import (
    NOT_REPORTED_COLOUR,
    OKABE_ITO,
    SEQUENTIAL,
    figure,
    hline,
    legend_box,
    legend_line,
    line_count,
    look,
    title_band,
    title_height,
    unit_label,
    value_text,
    vline,
    wrap,
)
from dashboard.i18n import t
from dashboard.views import paren

Trace = dict[str, Any]
Grid = list[list[Any]]


# ---------------------------------------------------------------- ranking

def _count_missing(traces: Sequence[Mapping[str, Any]]) -> int:
    return sum(len(tr.get("x" if tr.get("orientation") != "h" else "y") or []) for tr in traces)


def _missing_marks(df: pl.DataFrame, lang: str, compact: bool) -> list[Trace]:
    """The municipalities without a value in the ranking: a grey × at zero after the ranked ones, each named,
    with 未報告 in its hover and one legend entry (never a silent gap)."""
    d = df.filter(pl.col("value").is_null()).sort("code")  # (a value without a population is not "未報告")
    if not d.height:
        return []
    word = t("not_reported", lang)
    names = d["name"].to_list()
    mark: Trace = {
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


def _ranking_trace(d: pl.DataFrame, ind: Indicator, lang: str, col: str, highlight: Sequence[str],
                   compact: bool) -> Trace:
    """The ranked bars: highlighted municipalities in another colour, the exact values in the hover."""
    per = col == "per_1000"
    hl = set(highlight)
    colours = [OKABE_ITO[3] if c in hl else OKABE_ITO[0] for c in d["code"].to_list()]
    custom = [[n, a, value_text(ind, v, lang), value_text(ind, p, lang, True) if per else "", f"{r}"]
              for n, a, v, p, r in zip(d["name"].to_list(), d["area"].to_list(), d["value"].to_list(),
                                       d["per_1000"].to_list(), d["rank"].to_list(), strict=True)]
    names, values = d["name"].to_list(), d[col].to_list()
    bars: Trace = {
        "type": "bar", "marker": {"color": colours}, "showlegend": False,
        "customdata": custom, "name": unit_label(ind, lang, per),
        "hovertemplate": ("<b>%{customdata[0]}</b>" + paren("%{customdata[1]}", lang)
                          + "<br>%{customdata[2]}<br>%{customdata[3]}<br>"
                          + t("col_rank", lang) + ": %{customdata[4]}<extra></extra>")}
    bars.update({"y": names, "x": values, "orientation": "h"} if compact else {"x": names, "y": values})
    return bars


def _references(ind: Indicator, lang: str, per: bool, benchmark: tuple[float, str] | None,
                prefecture: float | None) -> list[tuple[float, str, dict[str, Any]]]:
    """The reference lines (value, name, line style): the benchmark, then the prefecture's own value."""
    refs = []
    if benchmark:  # (in the chart's own units: per 1,000 aged 65+ where counts are compared that way)
        refs.append((benchmark[0], benchmark[1], {"color": "#000", "width": 2, "dash": "dash"}))
    if prefecture is not None:
        pref_text = t("ranking_prefecture", lang, value=value_text(ind, prefecture, lang, per))
        refs.append((prefecture, pref_text, {"color": OKABE_ITO[1], "width": 2, "dash": "dot"}))
    return refs


def _ranking_layout(title: str, lang: str, value_axis: dict[str, Any], rows: int, legend_lines: int,
                    legend: bool, compact: bool) -> dict[str, Any]:
    """The ranking's layout: names along x on a desktop, down y (one row each) on a phone."""
    size = 15 if compact else 18
    title_text = wrap(title, 28) if compact else title
    top = title_height(title_text, size) + legend_lines * 14 * 1.6 + 16
    name_axis = {"title": {"text": t("col_municipality", lang)}}
    height = int(top + 60 + 22 * rows) if compact else 460
    layout = look(title_text, height=height, showlegend=legend,
                  margin={"l": 10, "r": 10 if compact else 20, "t": int(top), "b": 10},
                  legend={"orientation": "v" if compact else "h", "yanchor": "bottom", "y": 1.0, "x": 0,
                          "xanchor": "left"},
                  xaxis=value_axis if compact else {**name_axis, "tickangle": -60},
                  yaxis={**name_axis, "autorange": "reversed", "tickfont": {"size": 12}} if compact else value_axis)
    layout["title"] = title_band(title_text, size, height)
    return layout


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
    traces: list[Trace] = [_ranking_trace(d, ind, lang, col, highlight, compact)]
    missing = _missing_marks(df, lang, compact)
    traces += missing
    shapes = []
    legend_lines = 0
    for value, label, style in _references(ind, lang, per, benchmark, prefecture):
        shapes.append(vline(value, style) if compact else hline(value, style, label, "top right")[0])
        name = wrap(label, 30) if compact else label  # on a phone: one entry per row, wrapped to fit
        traces.append(legend_line(name, style))
        legend_lines += line_count(name) if compact else 0
    # A phone's legend has a row per entry; a desktop's one row, when there is a legend at all.
    legend_lines = legend_lines + (1 if missing else 0) if compact else (1 if shapes or missing else 0)
    value_axis = {"title": {"text": unit_label(ind, lang, per)}, "tickformat": ","}
    layout = _ranking_layout(title, lang, value_axis, d.height + _count_missing(missing), legend_lines,
                             bool(shapes or missing), compact)
    if shapes:
        layout.update(shapes=shapes)
    return figure(traces, layout)


# ---------------------------------------------------------------- tile map

def short_name(name: str) -> str:
    """A municipality's name short enough for a phone's tile: 前橋市 → 前橋, Higashiagatsuma → Higash."""
    if any(ord(c) > 0x2E7F for c in name):
        return name[:-1] if len(name) > 2 and name[-1] in "市町村" else name
    return name if len(name) <= 7 else name[:6] + "."


def _tile_value(ind: Indicator, v: float | None, lang: str, per: bool) -> str:
    """A reported value as a tile writes it: ✓/× for yes/no, one decimal for rates and per 1,000."""
    if ind.kind == "flag":
        return "✓" if v and v >= 0.5 else ("－" if v is None else "×")
    return fmt.number(v, 1 if (per or ind.kind == "rate") else 0, lang=lang)


def _tile_grids(df: pl.DataFrame, ind: Indicator, lang: str, col: str, highlight: Sequence[str], compact: bool
                ) -> tuple[Grid, Grid, Grid, Grid, int]:
    """The tile grids by map row and column: values, tile text, hover text, the tiles without a value (1.0),
    and how many municipalities have none."""
    per = col == "per_1000"
    rows = max(int(x) for x in df["tile_row"].to_list()) + 1
    cols = max(int(x) for x in df["tile_col"].to_list()) + 1
    z: Grid = [[None] * cols for _ in range(rows)]
    text: Grid = [[""] * cols for _ in range(rows)]
    hover: Grid = [[""] * cols for _ in range(rows)]
    gaps: Grid = [[None] * cols for _ in range(rows)]
    hl = set(highlight)
    word = t("not_reported", lang)
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
        shown = _tile_value(ind, v, lang, per) if reported else word
        text[i][j] = f"{mark}{short_name(r['name']) if compact else r['name']}<br>{shown}"
        hover[i][j] = f"{r['name']}{paren(r['area'], lang)}<br>{value_text(ind, v, lang, per) if reported else word}"
    return z, text, hover, gaps, n_missing


def _tile_colours(ind: Indicator, lang: str, per: bool, compact: bool) -> dict[str, Any]:
    """Yes/no measures get two colours (and ✓/× in every tile), not a continuous scale; on a phone the colour
    bar lies under the map."""
    if ind.kind == "flag":
        return {"colorscale": [[0, "#E8E8E8"], [1, OKABE_ITO[2]]], "zmin": 0, "zmax": 1, "showscale": False}
    colours: dict[str, Any] = {"colorscale": SEQUENTIAL, "colorbar": {"title": {"text": unit_label(ind, lang, per)}}}
    if compact:
        colours["colorbar"] = {**colours["colorbar"], "orientation": "h", "y": -0.02, "yanchor": "top",
                               "thickness": 12, "title": {"text": wrap(unit_label(ind, lang, per), 40),
                                                          "side": "top"}}
    return colours


def tile_map(df: pl.DataFrame, ind: Indicator, lang: str, title: str, col: str = "value",
             highlight: Sequence[str] = (), *, compact: bool = False) -> go.Figure:
    """One equal tile per municipality laid out like the map; value in colour and in text.

    `compact` (a phone, 8 tiles across ~370 px): shortened names in smaller type (the hover has the full
    name) and the colour bar under the map instead of beside it."""
    z, text, hover, gaps, n_missing = _tile_grids(df, ind, lang, col, highlight, compact)
    tiles = {"type": "heatmap", "z": z, "text": text, "texttemplate": "%{text}",
             "textfont": {"size": 9 if compact else 11},
             "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>", "xgap": 2 if compact else 3,
             "ygap": 3, "hoverongaps": False, **_tile_colours(ind, lang, col == "per_1000", compact)}
    traces: list[Trace] = [tiles]
    if n_missing:  # grey tiles with 未報告 written in them, and the colour named in the legend
        traces.append({"type": "heatmap", "z": gaps, "text": text, "texttemplate": "%{text}",
                       "textfont": tiles["textfont"], "customdata": hover,
                       "hovertemplate": "%{customdata}<extra></extra>", "xgap": tiles["xgap"], "ygap": 3,
                       "hoverongaps": False, "showscale": False, "zmin": 0, "zmax": 1,
                       "colorscale": [[0, NOT_REPORTED_COLOUR], [1, NOT_REPORTED_COLOUR]]})
        traces.append(legend_box(t("not_reported_n", lang, n=n_missing), NOT_REPORTED_COLOUR))
    title_text = wrap(title, 28) if compact else title
    layout = look(title_text, height=560, xaxis={"visible": False},
                  yaxis={"visible": False, "autorange": "reversed"}, showlegend=bool(n_missing),
                  legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0, "xanchor": "left"})
    if compact:
        # On a phone the colour bar sits under the map: the 未報告 entry goes between the title and the tiles.
        legend_h = 26 if n_missing else 0
        layout.update(margin={"l": 4, "r": 4, "t": int(title_height(title_text, 15) + 12 + legend_h), "b": 90},
                      title=title_band(title_text, 15, 560),
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"})
    return figure(traces, layout)


# ---------------------------------------------------------------- choropleth

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
    traces: list[Trace] = []
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
        hover = f"{r['name']}{paren(r['area'], lang)}<br>{value_text(ind, v, lang, per) if reported else word}"
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
        traces.append(legend_box(t("not_reported_n", lang, n=missing), NOT_REPORTED_COLOUR))
    mid = (min(lats) + max(lats)) / 2 if lats else 36.4
    note = {"text": t("choropleth_note", lang), "showarrow": False, "xref": "paper", "yref": "paper", "x": 0,
            "y": -0.02, "font": {"size": 11, "color": "#555"}}
    # Equal distances on the ground: a degree of longitude is cos(latitude) of a degree of latitude.
    return figure(traces, look(title, height=560, xaxis={"visible": False}, annotations=[note],
                               showlegend=bool(missing),
                               legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
                               yaxis={"visible": False, "scaleanchor": "x",
                                      "scaleratio": 1 / math.cos(math.radians(mid))}))
