"""Re-laying a finished figure for another screen: a phone (390 px), a projector (text ≥ 18 px) or the
narrowest desktop column. Each screen is one Screen; `fit` applies it to any figure of this package:
text sizes, the title wrapped to the width in a band of its own on top, the legend in a band of its own
(under the axis title, or above the plot where the chart put it there) and the height grown by the bands.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import plotly.graph_objects as go

from dashboard.charts.theme import LINE, PRESENT_FONT, PRESENT_TITLE, cols, line_count, rewrap, title_band, title_height


@dataclasses.dataclass(frozen=True)
class Screen:
    """Where a figure is shown: its width in px, text and title sizes in px, and whether text already larger
    than `size` keeps its size (`grow`: at least `size`) or is set to it."""

    width: int
    size: int
    head: int
    grow: bool


PHONE_WIDTH = 390
DESKTOP_WIDTH = 600  # a chart in half a desktop page: the narrowest it is drawn outside phones
PHONE = Screen(PHONE_WIDTH, 12, 15, grow=False)
PROJECTOR = Screen(1200, PRESENT_FONT, PRESENT_TITLE, grow=True)
DESKTOP = Screen(DESKTOP_WIDTH, 14, 18, grow=True)


def presented(fig: go.Figure, width: int = 1200) -> go.Figure:
    """A copy of a figure for a projector: every text ≥ 18 px, the title in its own band above the plot
    (so a wrapped title never runs into an axis), the legend in its own band under the axis title.

    Works on any figure of this package; `width` is the pixel width it will be shown at.
    """
    return fit(fig, dataclasses.replace(PROJECTOR, width=width))


def for_phone(fig: go.Figure, width: int = PHONE_WIDTH) -> go.Figure:
    """A copy of a figure for a phone (390 px): 12 px text, the title wrapped to the width in its own band,
    the legend in rows of its own under the axis title (never over the ticks). For trends, comparisons
    and maps; the progress bars and the ranking have their own `compact` layouts."""
    return fit(fig, dataclasses.replace(PHONE, width=width))


def banded(fig: go.Figure) -> go.Figure:
    """The figure with its title in a band above the plot and its legend in a band under the axis title,
    sized for the narrowest desktop column (a legend under the plot otherwise overprints the axis title)."""
    return fit(fig, DESKTOP)


def legend_rows(fig: go.Figure, font: int, width: int) -> int:
    """How many rows a horizontal legend takes at this font size and figure width (estimated)."""
    names = [str(tr.name) for tr in fig.data if tr.name and tr.showlegend is not False
             and not (tr.type in ("bar", "heatmap") and tr.showlegend is None)]
    if not names or fig.layout.showlegend is False or (len(names) == 1 and fig.layout.showlegend is None):
        return 0  # (Plotly shows no legend for a single trace unless asked to)
    rows, used = 1, 0.0
    for n in names:
        w = cols(n) * font * 0.55 + 50  # symbol and gap
        if used and used + w > width - 40:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def _font_size(screen: Screen, old: float | None) -> float:
    """The size of a text that chose `old`: at least the screen's size when it grows, else exactly that."""
    return max(screen.size, old or 0) if screen.grow else screen.size


def _size_layout_text(lay: dict[str, Any], screen: Screen) -> None:
    """The layout's own text (font, hover, axes, annotations) at the screen's size."""
    size = screen.size
    lay["font"] = {**lay.get("font", {}), "size": _font_size(screen, lay.get("font", {}).get("size", 0))}
    lay["hoverlabel"] = {**lay.get("hoverlabel", {}), "font": {"size": size}}
    for ax in [k for k in lay if k.startswith(("xaxis", "yaxis"))]:
        axis = lay[ax]
        axis["tickfont"] = {**axis.get("tickfont", {}), "size": size}
        if isinstance(axis.get("title"), dict):
            axis["title"] = {**axis["title"], "font": {**axis["title"].get("font", {}), "size": size}}
    for ann in lay.get("annotations", []):
        ann["font"] = {**ann.get("font", {}), "size": _font_size(screen, ann.get("font", {}).get("size", 0))}


def _size_trace_text(traces: list[dict[str, Any]], size: int) -> None:
    """The traces' text and colour bars at `size` px."""
    for tr in traces:
        if "textfont" in tr or tr.get("texttemplate") or "text" in str(tr.get("mode", "")):
            tr["textfont"] = {**tr.get("textfont", {}), "size": size}
        colorbar = tr.get("marker", {}).get("colorbar") if isinstance(tr.get("marker"), dict) else None
        for bar in [b for b in (tr.get("colorbar"), colorbar) if isinstance(b, dict)]:
            bar["tickfont"] = {"size": size}
            if isinstance(bar.get("title"), dict):
                bar["title"]["font"] = {"size": size}


def _top_ticks(spec: dict[str, Any], size: int) -> float:
    """The height of an x axis's tick labels on top (the implementation matrix), between title and plot."""
    lay = spec["layout"]
    if lay.get("xaxis", {}).get("side") != "top":
        return 0.0
    labels = [str(x) for tr in spec["data"] for x in (tr.get("x") or [])] + \
        [str(x) for x in (lay["xaxis"].get("ticktext") or [])]
    return max((line_count(x) for x in labels), default=1) * size * LINE + 12


def _bottom_margin(lay: dict[str, Any], size: int, legend_h: float) -> int:
    """Room under the plot for the x ticks, the axis title and the legend's band below them."""
    ticks = max((line_count(str(x)) for ax in ("xaxis", "xaxis2") for x in (lay.get(ax, {}).get("ticktext") or [""])),
                default=1)
    return int(ticks * size * LINE + size * LINE + 30 + legend_h)


def fit(fig: go.Figure, screen: Screen) -> go.Figure:
    """The figure re-laid for the screen: its text sizes, title band on top, legend band at the bottom (or
    above the plot where the chart put it), height grown by what the bands need."""
    spec = fig.to_dict()
    lay = spec["layout"]
    size = screen.size
    _size_layout_text(lay, screen)
    _size_trace_text(spec["data"], size)
    text = str(lay.get("title", {}).get("text", "") or "")
    text = rewrap(text, int(2 * (screen.width - 40) / screen.head)) if text else ""
    title_h = title_height(text, screen.head) if text else 0
    legend = lay.get("legend", {})
    rows = legend_rows(fig, size, screen.width)
    legend_h = rows * size * 1.6
    margin = dict(lay.get("margin", {}))
    old_t, old_b = margin.get("t", 60), margin.get("b", 10)
    above = legend.get("y", 1) >= 1 and legend.get("yanchor") == "bottom"
    margin["t"] = int(title_h + 12 + (legend_h if above else 0) + _top_ticks(spec, size))
    if rows and not above:
        # Under the plot: in a band of its own at the bottom of the figure, below ticks and axis title.
        margin["b"] = _bottom_margin(lay, size, legend_h)
        lay["legend"] = {**legend, "yref": "container", "y": 0, "yanchor": "bottom", "font": {"size": size}}
    else:
        lay["legend"] = {**legend, "font": {"size": size}}
    lay["margin"] = margin
    lay["height"] = int(lay.get("height", 450)) + (margin["t"] - old_t) + (margin["b"] - old_b)
    if text:
        lay["title"] = title_band(text, screen.head, lay["height"])
    return go.Figure(spec, _validate=False)
