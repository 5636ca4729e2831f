"""Exports for slides, spreadsheets and paper (no Streamlit here), one module per kind of file:

- meta: ExportMeta (place, year, as-of snapshot, source, sample or not: what every export says about itself),
  the message keys of the words every export carries, safe_name() for file names.
- tables: csv_bytes() / xlsx_bytes(), the data behind a chart or table; CSV is UTF-8 with a BOM so Excel opens
  Japanese correctly, sample (fictional) data is labelled in a column of its own, no cell runs as a formula
  (csv_safe); progress_frame() and figure_frame() give a progress table or a figure's points as such a frame.
- images: png(), a Plotly figure as PNG through kaleido and Debian chromium, Japanese in Noto Sans CJK JP;
  one kaleido export server per process, started on first use (a cold export starts a browser, ~2 s; with
  the server running ~0.15 s per image).
- slidedeck: deck() / deck_for(), a .pptx for the current filters: title slide, then per screen its chart
  filling a slide in the presenter layout (chart text ≥ 14 pt as placed) and a numbers slide with every
  target's verdict and what it rests on; source and as-of date on every slide. Its text metrics
  (wrapped_lines, text_height, row_height, split_rows, title_size) size every box to its text.
- briefing: briefing_for() / briefing_pdf(), the A4 briefing for a place as HTML or PDF (Jinja2 template
  dashboard/templates/briefing.html.j2, autoescape on, printed by Chromium through Playwright): one page where
  it fits, else numbered 「2枚中1枚」; bars are HTML, so every word prints as text.
- targets: a target's numbers as the deck's tables and the briefing print them (shared by the two).

Every public name is importable from dashboard.export itself, as it was when this was one module. The
submodules are not named after functions (images, not png; slidedeck, not deck), so `dashboard.export.deck`
is always the function and `dashboard.export.slidedeck` always the module. A test that replaces a name
(monkeypatch) replaces it in the submodule that uses it: a name rebound here is not seen there.
"""

from __future__ import annotations

from dashboard.export.briefing import (
    BAR_MAX,
    BRIEFING_MARGIN,
    CHROMIUM_ARGS,
    TEMPLATES,
    BriefRow,
    brief_rows,
    briefing_for,
    briefing_html,
    briefing_pdf,
    chromium_path,
    pdf_pages,
    print_pdf,
    running_footer,
)
from dashboard.export.briefing import _templates as _templates  # (tests read the Jinja2 environment)
from dashboard.export.images import ensure_server, font_sizes, for_export, png, png_size
from dashboard.export.meta import (
    DATA_COLUMN,
    EXPORT_FONT,
    OFFICIAL_LABEL,
    SAMPLE_LABEL,
    SAMPLE_WARNING,
    SOURCE,
    ExportMeta,
    safe_name,
)
from dashboard.export.slidedeck import (
    AUTOSPACE_EM,
    BOX_INSET_X,
    BOX_INSET_Y,
    CELL_MARGIN_X,
    CELL_MARGIN_Y,
    CHART_BOX_H,
    CHART_MAX_PX,
    CHART_MIN_PX,
    CHART_PT_PER_PX,
    CHART_PX,
    CHART_TOP,
    COLUMN_W,
    COLUMN_X,
    CONTENT_W,
    CONTENT_X,
    CONTINUED_ROOM,
    FOOTER_TOP,
    GAP,
    LINE_EM,
    MIN_CHART_PT,
    REASON_COLS,
    SLIDE_H,
    SLIDE_W,
    TABLE_PT,
    TABLE_WIDTHS,
    TITLE_H,
    TITLE_TOP,
    WIDE_WIDTHS,
    at_height,
    deck,
    deck_charts,
    deck_for,
    row_height,
    split_rows,
    text_height,
    title_size,
    wrapped_lines,
)
from dashboard.export.tables import (
    FORMULA_START,
    PROGRESS_COLUMNS,
    csv_bytes,
    csv_safe,
    display_width,
    figure_frame,
    labelled,
    neutralise,
    progress_frame,
    xlsx_bytes,
)
from dashboard.export.targets import progress_cells, provisional_lines

__all__ = [
    "AUTOSPACE_EM", "BAR_MAX", "BOX_INSET_X", "BOX_INSET_Y", "BRIEFING_MARGIN", "CELL_MARGIN_X", "CELL_MARGIN_Y",
    "CHART_BOX_H", "CHART_MAX_PX", "CHART_MIN_PX", "CHART_PT_PER_PX", "CHART_PX", "CHART_TOP", "CHROMIUM_ARGS",
    "COLUMN_W", "COLUMN_X", "CONTENT_W", "CONTENT_X", "CONTINUED_ROOM", "DATA_COLUMN", "EXPORT_FONT",
    "FOOTER_TOP", "FORMULA_START", "GAP", "LINE_EM", "MIN_CHART_PT", "OFFICIAL_LABEL", "PROGRESS_COLUMNS",
    "REASON_COLS", "SAMPLE_LABEL", "SAMPLE_WARNING", "SLIDE_H", "SLIDE_W", "SOURCE", "TABLE_PT", "TABLE_WIDTHS",
    "TEMPLATES", "TITLE_H", "TITLE_TOP", "WIDE_WIDTHS", "BriefRow", "ExportMeta", "at_height", "brief_rows",
    "briefing_for", "briefing_html", "briefing_pdf", "chromium_path", "csv_bytes", "csv_safe", "deck",
    "deck_charts", "deck_for", "display_width", "ensure_server", "figure_frame", "font_sizes", "for_export", "labelled",
    "neutralise", "pdf_pages", "png", "png_size", "print_pdf", "progress_cells", "progress_frame",
    "provisional_lines", "row_height", "running_footer", "safe_name", "split_rows", "text_height", "title_size",
    "wrapped_lines", "xlsx_bytes",
]
