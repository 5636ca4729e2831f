"""Plotly figure builders: pure functions from prepared data to go.Figure (no Streamlit here).

One palette (Okabe-Ito, colour-blind safe), titles and axis titles with units everywhere,
hover with exact values and units, and status always in words and symbols as well as colour.

The package by what a reader looks for (every name is re-exported here, so `charts.trend_chart(...)`
and `from dashboard.charts import X` work as they always have):

- theme: colours, fonts, the "gunma" template, the shared layout and title/legend pieces
- bars: progress towards each target (progress_bars)
- trends: trend charts and where their target labels go (trend_chart, compare_lines)
- comparison: municipalities compared (ranking_bar, tile_map, choropleth)
- matrix: the implementation matrix of a yes/no measure
- fitting: a finished figure re-laid for a phone, a projector or a narrow desktop column
"""

from __future__ import annotations

from dashboard.charts.bars import SHARE_MAX, SHARE_MIN, progress_bars
from dashboard.charts.comparison import choropleth, ranking_bar, short_name, tile_map
from dashboard.charts.fitting import DESKTOP_WIDTH, PHONE_WIDTH, for_phone, presented
from dashboard.charts.matrix import implementation_matrix
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
from dashboard.charts.trends import LABEL_POSITIONS, compare_lines, label_box, one_municipality, trend_chart
from dashboard.i18n import t

__all__ = [
    "DESKTOP_WIDTH", "FONT", "GREY", "INK", "LABEL_POSITIONS", "LINE", "NOT_REPORTED_COLOUR", "OKABE_ITO",
    "PHONE_WIDTH", "PRESENT_FONT", "PRESENT_TITLE", "SEQUENTIAL", "SHARE_MAX", "SHARE_MIN", "_cols", "choropleth",
    "compare_lines", "for_phone", "from_spec", "implementation_matrix", "inked", "label_box", "one_municipality",
    "presented", "progress_bars", "ranking_bar", "rewrap", "short_name", "t", "tile_map", "title_band",
    "title_height", "trend_chart", "unit_label", "wrap"]
