"""The look every chart shares: palette, fonts, the "gunma" template, the shared layout and the small
pieces (reference lines, legend entries, wrapped titles, title bands) the chart modules build from.

One palette (Okabe-Ito, colour-blind safe); words in INK, which meets WCAG AA on white.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from dashboard import fmt
from dashboard.catalog import Indicator
from dashboard.i18n import t

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
FONT = "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Meiryo, sans-serif"
SEQUENTIAL = "Cividis"  # perceptually uniform and colour-blind safe
GREY = "#999999"
INK = "#31333F"  # 12.6:1 on white: chart words meet WCAG AA (4.5:1)
NOT_REPORTED_COLOUR = "#BDBDBD"  # grey: no value, named 未報告 in the legend and in every mark's text
PRESENT_FONT = 18  # presenter mode: nothing smaller on a projector at 1280×720
PRESENT_TITLE = 24
LINE = 1.3  # line height as a multiple of the font size (what Plotly draws for <br>)

# A lean template with only the layout parts of "plotly_white" these charts use. Plotly deep-copies
# and validates the whole template (trace defaults for every chart type) into each figure: with the
# built-in ones that was about half of a page's server time. Being the default, it also replaces the
# "plotly" template every go.Figure() would otherwise start from.
_AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": "", "title": {"standoff": 15},
         "zerolinecolor": "#EBF0F8", "automargin": True, "zerolinewidth": 2}
pio.templates["gunma"] = go.layout.Template(layout={
    "autotypenumbers": "strict", "font": {"color": "#2a3f5f"}, "hovermode": "closest",
    "hoverlabel": {"align": "left"}, "paper_bgcolor": "white", "plot_bgcolor": "white",
    "xaxis": _AXIS, "yaxis": _AXIS, "colorway": list(OKABE_ITO),
    "shapedefaults": {"line": {"color": "#2a3f5f"}},
    "annotationdefaults": {"arrowcolor": "#2a3f5f", "arrowhead": 0, "arrowwidth": 1}})
pio.templates.default = "gunma"


def from_spec(spec: Mapping[str, Any]) -> go.Figure:
    """A figure again from its to_dict() output, not validated a second time (~0.2 ms; building one: 2-4 ms)."""
    return go.Figure(spec, _validate=False)


def is_wide(ch: str) -> bool:
    """Whether a character is drawn full width (Japanese): it takes two columns."""
    return ord(ch) > 0x2E7F


def cols(text: str) -> int:
    """The width of a text in half-width columns (a Japanese character counts two)."""
    return sum(2 if is_wide(c) else 1 for c in text)


def _wrap_cjk(text: str, width: int) -> list[str]:
    """Japanese lines: a break before the last bracket, then breaks by width."""
    cut = text.rfind("（")
    parts = [text[:cut], text[cut:]] if cut > 0 else [text]
    lines: list[str] = []
    for part in parts:
        cur = ""
        for ch in part:
            if cols(cur + ch) > width:
                lines.append(cur)
                cur = ""
            cur += ch
        lines.append(cur)
    return lines


def wrap(text: str, width: int = 50) -> str:
    """Break a long chart title into lines (<br>) so it fits a half-width column.

    Width is in half-width columns (a Japanese character counts two). English breaks at spaces,
    Japanese before its last bracket, then by width.
    """
    if cols(text) <= width:
        return text
    if not any(is_wide(c) for c in text):  # no Japanese: break at spaces ("FY2021–23" included)
        return "<br>".join(textwrap.wrap(text, width))
    return "<br>".join(_wrap_cjk(text, width))


def rewrap(title: str, width: int) -> str:
    """A wrapped title wrapped again for another width (a <br><sup> subtitle stays on its own line)."""
    main, sep, sub = title.partition("<br><sup>")
    cjk = any(is_wide(c) for c in main)
    out = wrap(main.replace("<br>", "" if cjk else " "), width)
    if sep:  # the subtitle is drawn smaller (~70 %): more fits on a line; each line is its own <sup>
        lines = wrap(sub.removesuffix("</sup>"), int(width / 0.7)).split("<br>")
        out += "".join(f"<br><sup>{x}</sup>" for x in lines)
    return out


def line_count(text: str) -> int:
    """How many lines a chart text takes (<br> breaks)."""
    return text.count("<br>") + 1


def title_band(text: str, size: int, height: int, pad: int = 10) -> dict[str, Any]:
    """A title whose first line sits `pad` px below the figure's top edge and whose other lines follow
    below it. Plotly anchors a multi-line title by its first line only, so the title is placed by that
    line; the caller gives the top margin room for title_height() (and a legend under it)."""
    return {"text": text, "x": 0, "xanchor": "left", "font": {"size": size}, "yref": "container",
            "y": 1 - (pad + size * LINE) / max(height, 1), "yanchor": "bottom"}


def title_height(text: str, size: int, pad: int = 10) -> float:
    """Pixels from the figure's top edge to the bottom of a title of this many lines at this size."""
    return pad + line_count(text) * size * LINE


def look(title: str, height: int = 420, **kw: Any) -> dict[str, Any]:
    """Shared layout: title, font, margins, legend under the plot (keyword arguments replace entries)."""
    base: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 18}},
        "font": {"family": FONT, "size": 14}, "height": height,
        "margin": {"l": 10, "r": 20, "t": 60, "b": 10}, "colorway": list(OKABE_ITO),
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0}, "hoverlabel": {"font_size": 14}}
    return {**base, **kw}


def figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """The figure from plain trace and layout dicts, validated once, with the "gunma" template.

    Built this way rather than with add_trace/update_layout calls: each of those re-validates and copies
    the figure, which made building it about four times slower. The default template is copied in without
    being validated again; naming it in the layout validates it (~1/3 of the time), so that is done only
    when something has changed the default since this module set it (importing Streamlit's Plotly element
    after this module does).
    """
    if pio.templates.default != "gunma":
        layout = {**layout, "template": "gunma"}
    return go.Figure({"data": traces, "layout": inked(layout)})


def _ink(part: Any) -> dict[str, Any]:
    part = dict(part or {})
    part["font"] = {**dict(part.get("font") or {}), "color": part.get("font", {}).get("color") or INK}
    return part


def _inked_axis(axis: Any) -> dict[str, Any]:
    """An axis with its tick labels and title in INK unless it chooses their colours."""
    axis = dict(axis or {})
    axis["tickfont"] = {**dict(axis.get("tickfont") or {}), "color": (axis.get("tickfont") or {}).get("color") or INK}
    title = axis.get("title")
    axis["title"] = _ink(title) if isinstance(title, dict) else _ink({"text": title} if title else {})
    return axis


def inked(layout: dict[str, Any]) -> dict[str, Any]:
    """The layout with its words in INK wherever it does not choose a colour itself.

    Streamlit's Plotly theme replaces the template and draws axis ticks and titles in its gray70 (#808495,
    3.7:1 on white, below AA); colours set on the figure itself are kept, so they are set here."""
    out = dict(layout)
    out["font"] = {**dict(out.get("font") or {}), "color": (out.get("font") or {}).get("color") or INK}
    for key in ("title", "legend"):
        if isinstance(out.get(key), dict):
            out[key] = _ink(out[key])
    for key in [k for k in out if k.startswith(("xaxis", "yaxis"))] or ["xaxis", "yaxis"]:
        out[key] = _inked_axis(out.get(key))
    return out


def hline(y: float, line: dict[str, Any], text: str, position: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A line across the plot at y and its label (what add_hline draws); position e.g. "top left"."""
    vertical, side = position.split()
    shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y, "line": line}
    label = {"text": text, "showarrow": False, "xref": "x domain", "x": 0 if side == "left" else 1, "xanchor": side,
             "yref": "y", "y": y, "yanchor": "bottom" if vertical == "top" else "top"}
    return shape, label


def vline(x: float, line: dict[str, Any]) -> dict[str, Any]:
    """A line from bottom to top of the plot at x (what add_vline draws)."""
    return {"type": "line", "xref": "x", "x0": x, "x1": x, "yref": "y domain", "y0": 0, "y1": 1, "line": line}


def legend_line(name: str, line: dict[str, Any]) -> dict[str, Any]:
    """A legend entry for a reference line drawn as a shape: its label goes in the legend, not on the bars."""
    return {"type": "scatter", "x": [None], "y": [None], "mode": "lines", "name": name, "line": line,
            "hoverinfo": "skip", "showlegend": True}


def legend_box(name: str, colour: str) -> dict[str, Any]:
    """A legend entry only (a square of the colour): for what a heatmap or polygons draw without one."""
    return {"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": name, "hoverinfo": "skip",
            "marker": {"symbol": "square", "size": 14, "color": colour, "line": {"width": 1, "color": "#757575"}},
            "showlegend": True}


def unit_label(ind: Indicator, lang: str, per_1000: bool = False) -> str:
    """Axis unit text: 人, % or 人（65歳以上1,000人あたり）."""
    unit = ind.unit(lang)
    if per_1000:
        return t("unit_per_1000", lang, unit=unit)
    return unit


def value_text(ind: Indicator, v: float | None, lang: str, per_1000: bool = False) -> str:
    """A value with its unit, as the hover and the text on a chart write it."""
    if per_1000:
        return fmt.per_1000(v, ind.unit(lang), lang)
    return fmt.value(v, ind.unit(lang), ind.kind, lang)
