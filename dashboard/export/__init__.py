"""Exports for slides, spreadsheets and paper (no Streamlit here).

- png(): a Plotly figure as PNG through kaleido and Debian chromium, Japanese in Noto Sans CJK JP.
  One kaleido export server per process, started on first use (a cold export starts a browser,
  ~2 s; with the server running ~0.15 s per image).
- csv_bytes() / xlsx_bytes(): the data behind a chart or table; CSV is UTF-8 with a BOM so Excel
  opens Japanese correctly. Sample (fictional) data is labelled in a column of its own.
- deck(): a .pptx for the current filters: title slide, then per screen its chart filling a slide in the
  presenter layout (chart text ≥ 14 pt as placed) and a numbers slide with every target's verdict and
  what it rests on; source and as-of date on every slide.
- briefing_pdf(): the A4 briefing for a place as PDF (Jinja2 template dashboard/templates/briefing.html.j2,
  printed by Chromium through Playwright): one page where it fits, else numbered 「2枚中1枚」; bars are
  HTML, so every word prints as text.
"""

from __future__ import annotations

import concurrent.futures
import copy
import functools
import io
import os
import re
import shutil
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, fmt, slides, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.i18n import N_, t
from dashboard.slides import Slide

EXPORT_FONT = "Noto Sans CJK JP"
# Message keys of the words every export carries (locale/<lang>/LC_MESSAGES/messages.po).
SAMPLE_LABEL = N_("export_sample_label")
OFFICIAL_LABEL = N_("export_official_label")
SAMPLE_WARNING = N_("export_sample_warning")
SOURCE = N_("export_source")
DATA_COLUMN = N_("export_data_column")

_server_lock = threading.Lock()
_server_started = False


@dataclass(frozen=True)
class ExportMeta:
    """What every export says about itself: place, year, as-of snapshot, source, sample or not."""

    title: str
    place_name: str
    year: int
    snapshot_id: str | None
    snapshot_label: str | None
    sample: bool
    lang: str = "ja"
    url: str | None = None  # link to the view the export came from
    provisional: str = ""  # 「暫定：35市町村中3市町村」 when the year is one not every municipality reported

    def year_text(self) -> str:
        """The fiscal year as every export names it, with its provisional tag when there is one."""
        year = fmt.fy_label(self.year, self.lang)
        return f"{year}　{self.provisional}" if self.provisional else year

    def as_of_text(self) -> str:
        """「データ時点：<label>（<id>）」 / "Data as of: <label> (<id>)"."""
        if not self.snapshot_id:
            return t("export_as_of_none", self.lang)
        return t("export_as_of", self.lang, label=self.snapshot_label or "", id=self.snapshot_id)

    def footer(self) -> str:
        """Source, as-of snapshot and, for sample data, the sample label: on every slide and page."""
        parts = [t(SOURCE, self.lang), self.as_of_text()]
        if self.sample:
            parts.append(t(SAMPLE_WARNING, self.lang))
        return t("export_footer_sep", self.lang).join(parts)


# ---------------------------------------------------------------- PNG

def ensure_server() -> None:
    """Start this process's kaleido export server once (later calls return at once)."""
    global _server_started
    with _server_lock:
        if _server_started:
            return
        import kaleido

        if not os.environ.get("BROWSER_PATH"):
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            if os.path.exists(chromium):
                os.environ["BROWSER_PATH"] = chromium
        kaleido.start_sync_server(silence_warnings=True)
        _server_started = True


def for_export(fig: go.Figure, font_family: str = EXPORT_FONT) -> go.Figure:
    """A copy of the figure with the export font (the browser's CSS font list does not apply)."""
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    out.update_layout(font_family=font_family)
    return out


def png(fig: go.Figure, width: int = 1200, height: int | None = None, scale: float = 1.0,
        font_family: str = EXPORT_FONT) -> bytes:
    """The figure as PNG bytes of width×height (times scale) pixels; height defaults to the figure's."""
    ensure_server()
    h = height or (int(fig.layout.height) if fig.layout.height else 600)
    with warnings.catch_warnings():
        # plotly passes kaleido options that a running server ignores; the warning is noise
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        data: bytes = for_export(fig, font_family).to_image(format="png", width=width, height=h, scale=scale)
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG header (IHDR), checking the signature."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# ---------------------------------------------------------------- tables

def labelled(df: pl.DataFrame, sample: bool, lang: str = "ja") -> pl.DataFrame:
    """The frame with a data-kind column: per row where it says (has_sample / is_sample), else for all."""
    col = t(DATA_COLUMN, lang)
    s_lab, o_lab = t(SAMPLE_LABEL, lang), t(OFFICIAL_LABEL, lang)
    flag = next((c for c in ("has_sample", "is_sample", "actual_is_sample") if c in df.columns), None)
    if col in df.columns:
        return df
    if flag is not None:
        return df.with_columns(pl.when(pl.col(flag)).then(pl.lit(s_lab)).otherwise(pl.lit(o_lab)).alias(col))
    return df.with_columns(pl.lit(s_lab if sample else o_lab).alias(col))


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Nested or object columns as text (CSV and spreadsheets hold scalars)."""
    casts = [pl.col(c).cast(pl.Utf8) for c, d in df.schema.items()
             if isinstance(d, (pl.List, pl.Struct, pl.Array, pl.Object))]
    return df.with_columns(casts) if casts else df


# OWASP CSV injection: a spreadsheet reads a text cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading single quote (OWASP)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """The frame as it may go into a CSV or .xlsx: text cells (and headers) that a spreadsheet would
    run as formulas neutralised; numbers stay numbers, non-finite ones become blank."""
    exprs = []
    for c, d in df.schema.items():
        if d == pl.Utf8:
            exprs.append(pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c))
                         .otherwise(pl.col(c)).alias(c))
        elif d.is_float():
            exprs.append(pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c))
    out = df.with_columns(exprs) if exprs else df
    names = {c: neutralise(c) for c in out.columns if neutralise(c) != c}
    return out.rename(names) if names else out


def _width(text: str) -> int:
    """Display width of a line of text (full-width characters count two)."""
    import unicodedata

    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.splitlines() or [""]), default=0)


def csv_bytes(df: pl.DataFrame, sample: bool = False, lang: str = "ja") -> bytes:
    """CSV in UTF-8 with a BOM (Excel opens Japanese), sample data labelled in a column; no cell runs
    as a formula, no number is inf or NaN."""
    text = csv_safe(_plain(labelled(df, sample, lang))).write_csv()
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def xlsx_bytes(df: pl.DataFrame, meta: ExportMeta | None = None, sheet: str = "data",
               names: dict[str, str] | None = None) -> bytes:
    """An .xlsx workbook: the data (sample labelled; header row frozen, columns sized to their content) and an
    'about' sheet with source, as-of and, given `names`, each header's stable machine name."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    lang = meta.lang if meta else "ja"
    out = csv_safe(_plain(labelled(df, meta.sample if meta else False, lang)))
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(out.columns)
    for row in out.iter_rows():
        ws.append(list(row))
    ws.freeze_panes = "A2"
    for i, col in enumerate(out.columns, 1):
        # East Asian characters take about two columns of width; a cell's width is its longest line.
        longest = max((_width(str(v)) for v in [col, *out[col].to_list()] if v is not None), default=8)
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    if meta is not None:
        about = wb.create_sheet("about")
        for line in (meta.title, meta.place_name, meta.year_text(), meta.as_of_text(),
                     t(SOURCE, lang), t(SAMPLE_WARNING, lang) if meta.sample else "",
                     meta.url or ""):
            about.append([neutralise(line)])
    if names:
        about = wb["about"] if "about" in wb.sheetnames else wb.create_sheet("about")
        about.append([])
        about.append([t("dl_header", lang), t("dl_machine_name", lang)])
        for head, machine in names.items():
            about.append([neutralise(head), machine])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# A progress table as a download: (machine name, header message key, how the value is written). Numbers stay
# numbers, rounded as the page shows them; shares as percentages.
PROGRESS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("target_id", N_("dl_target_id"), "text"), ("label", N_("col_target"), "text"),
    ("target_fy", N_("col_target_year"), "int"), ("status_text", N_("col_status"), "text"),
    ("reason", N_("col_verdict_detail"), "text"), ("unit", N_("dl_unit"), "text"),
    ("actual_value", N_("dl_actual"), "value"), ("actual_fy", N_("col_actual_year"), "int"),
    ("target_value", N_("dl_target"), "value"), ("gap", N_("dl_gap"), "value"),
    ("share_of_target", N_("dl_share_of_target"), "pct1"), ("share", N_("dl_progress"), "pct0"),
    ("baseline_value", N_("dl_baseline"), "value"), ("baseline_fy", N_("dl_baseline_year"), "int"),
    ("share_of_prefecture", N_("dl_share_of_prefecture"), "pct0"), ("per_1000_65", N_("per_1000"), "round1"),
    ("coverage", N_("col_coverage"), "text"), ("provisional", N_("col_provisional"), "text"),
)


def progress_frame(table: pl.DataFrame, lang: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """A progress table (views.progress_table) as a spreadsheet can reuse it: headers in the user's language,
    figures as numbers rounded as shown (counts whole, rates to one decimal, shares as percentages), the unit
    in a column of its own; and header -> stable machine name (for the 'about' sheet)."""
    exprs, names = [], {}
    for col, key, how in PROGRESS_COLUMNS:
        if col not in table.columns:
            continue
        head = t(key, lang)
        names[head] = col
        e = pl.col(col)
        if how == "value":  # each row to its own indicator's decimals (rates 1, counts and scores 0)
            e = pl.when(pl.col("decimals") == 0).then(e.round(0)).otherwise(e.round(1))
        elif how in ("pct0", "pct1"):
            e = (e * 100).round(0 if how == "pct0" else 1)
        elif how == "round1":
            e = e.round(1)
        exprs.append(e.alias(head))
    return table.select(exprs), names


def safe_name(text: str) -> str:
    """A file name part from user-facing text (letters, digits, -, _; everything else '_')."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:80] or "export"


# ---------------------------------------------------------------- slide deck

def _progress_cells(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> list[list[str]]:
    """Target, latest actual, target value, share of the way, verdict and what it rests on: a slide's numbers."""
    head = [t("export_col_target", lang), t("export_col_actual", lang), t("export_col_target_value", lang),
            t("export_col_progress", lang), t("export_col_status", lang), t("col_verdict_detail", lang)]
    out = [head]
    for r in rows:
        if r.status == "context":
            continue
        ind = catalog.indicators[r.indicator_id]
        tgt = next(tg for tg in catalog.targets if tg.id == r.target_id)
        actual = fmt.value(r.actual_value, ind.unit(lang), ind.kind, lang)
        if r.actual_year is not None:
            actual += views.paren(fmt.fiscal_year(r.actual_year, lang), lang)
        if r.actual_n_reporting is not None and r.actual_n_expected is not None:
            cov = t("coverage_short", lang, n=fmt.number(r.actual_n_reporting), of=fmt.number(r.actual_n_expected))
            actual += "\n" + t("export_bracket", lang, text=cov)  # a line of its own: never split mid-bracket
        out.append([tgt.label(lang), actual, fmt.value(r.target_value, ind.unit(lang), ind.kind, lang),
                    fmt.share(r.share_of_way, lang), views.status_text(r.status, lang),
                    views.verdict_detail(catalog, r, lang) or "－"])
    return out


def provisional_lines(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> list[str]:
    """One line per target with a newer roll-up that not every municipality reported (shown, never judged)."""
    tgts = {tg.id: tg for tg in catalog.targets}
    seen: set[tuple[str, int]] = set()
    out = []
    for r in rows:
        if r.provisional_year is None or (r.indicator_id, r.provisional_year) in seen:
            continue
        seen.add((r.indicator_id, r.provisional_year))
        name = catalog.indicators[r.indicator_id].name(lang) if r.target_id in tgts else r.target_id
        out.append(t("export_provisional_line", lang, name=name, text=views.provisional_text(catalog, r, lang)))
    return out


# Slide geometry (inches, 16:9): everything above the footer, nothing on top of anything else.
SLIDE_W, SLIDE_H = 13.333, 7.5
FOOTER_TOP = 6.85
CONTENT_X, CONTENT_W = 0.4, 12.5
COLUMN_X, COLUMN_W = CONTENT_X, CONTENT_W  # the numbers slide: takeaway, sentences, table across the slide
TABLE_WIDTHS = (3.3, 2.3, 1.7, 1.0, 1.7, 2.5)  # target, actual, target value, progress, verdict, detail
WIDE_WIDTHS = TABLE_WIDTHS  # a continued table: the same columns
TABLE_PT = 14  # table text on a projector
CELL_MARGIN_X, CELL_MARGIN_Y = 0.05, 0.02
BOX_INSET_X, BOX_INSET_Y = 0.1, 0.05  # a text box's default insets
LINE_EM = 1.5  # line pitch of Noto Sans CJK JP (ascent + descent ≈ 1.45 em), rounded up
GAP = 0.1
AUTOSPACE_EM = 0.25  # the space LibreOffice puts between Japanese and Latin text or digits
TITLE_TOP, TITLE_H = 0.2, 0.7  # a two-line title at 16 pt takes 0.77: still above CHART_TOP
# A chart fills the slide under its title: drawn in presenter layout (every text ≥ 18 px) at CHART_PX wide and
# placed CONTENT_W inches wide, so 18 px print at 18 × CHART_PT_PER_PX ≈ 14.1 pt.
CHART_TOP = 1.0
CHART_BOX_H = FOOTER_TOP - GAP - CHART_TOP
CHART_PX = 1150
CHART_PT_PER_PX = CONTENT_W * 72 / CHART_PX
CHART_MAX_PX = int(CHART_BOX_H * 72 / CHART_PT_PER_PX)  # the tallest chart that still fits at that scale
CHART_MIN_PX = int(CHART_MAX_PX * 0.7)  # a short chart is drawn this tall, so it still fills most of the slide
MIN_CHART_PT = 14.0
REASON_COLS = 34  # half-width columns of the verdict detail beside a bar (its column is ~380 px at 18 px)


def _em(ch: str) -> float:
    """Width of a character in em: full-width (Japanese) 1, others 0.62 (rounded up for Noto Sans)."""
    return 1.0 if ord(ch) > 0x2E7F else 0.62


def wrapped_lines(text: str, width_in: float, size_pt: float) -> int:
    """How many lines `text` takes in a box `width_in` wide at `size_pt` (greedy: Latin breaks at
    spaces, Japanese anywhere; each paragraph starts a new line). Rounded up, never under."""
    room = width_in * 72 / size_pt  # in em
    total = 0
    for para in text.split("\n"):
        lines, used = 1, 0.0
        tokens: list[str] = []
        for ch in para:  # words of Latin text, single Japanese characters
            if ord(ch) > 0x2E7F or ch == " " or not tokens or ord(tokens[-1][-1]) > 0x2E7F or tokens[-1] == " ":
                tokens.append(ch)
            else:
                tokens[-1] += ch
        prev = ""
        for tok in tokens:
            w = sum(_em(c) for c in tok)
            if prev and tok != " " and prev != " " and _em(prev[-1]) != _em(tok[0]):
                w += AUTOSPACE_EM  # a renderer may space Japanese from Latin text and digits (LibreOffice does)
            prev = tok
            if used + w > room and used > 0:
                lines, used = lines + 1, 0.0
                if tok == " ":
                    continue
            while w > room:  # a word longer than the line breaks inside
                lines, w = lines + 1, w - room
            used += w
        total += lines
    return total


def text_height(lines: Sequence[str], width_in: float, size_pt: float) -> float:
    """Height in inches of a text box holding these paragraphs (insets included)."""
    n = sum(wrapped_lines(x, width_in - 2 * BOX_INSET_X, size_pt) for x in lines)
    return n * size_pt * LINE_EM / 72 + 2 * BOX_INSET_Y


def row_height(row: Sequence[str], widths: Sequence[float], size_pt: float) -> float:
    """Height in inches a table row needs: its cell with the most wrapped lines, plus the cell margins."""
    n = max(wrapped_lines(c, w - 2 * CELL_MARGIN_X, size_pt) for c, w in zip(row, widths, strict=False))
    return n * size_pt * LINE_EM / 72 + 2 * CELL_MARGIN_Y + 0.02


def split_rows(heights: Sequence[float], room: float, head: float) -> list[int]:
    """How many body rows go on each slide: a table holds its header and as many rows as fit in `room`
    inches; the rest continue (header repeated) on slides with `CONTINUED_ROOM` inches."""
    counts: list[int] = []
    i, space = 0, room
    while i < len(heights):
        used, n = head, 0
        while i + n < len(heights) and used + heights[i + n] <= space:
            used += heights[i + n]
            n += 1
        if n == 0 and space == CONTINUED_ROOM:
            n = 1  # a single row taller than a whole slide: placed anyway (cannot happen with plan labels)
        counts.append(n)
        i += n
        space = CONTINUED_ROOM
    return counts


CONTINUED_ROOM = FOOTER_TOP - GAP - 1.0  # a continuation slide's table starts under the title


def title_size(title: str) -> int:
    """A slide title's size: 26 pt where it fits its band on one line, else smaller (two lines at 16 pt)."""
    return next((size for size in (26, 22, 20) if text_height([title], CONTENT_W, size) <= TITLE_H), 16)


def at_height(fig: go.Figure, height: int) -> go.Figure:
    """A copy of a figure drawn `height` px tall, its title band kept at the top."""
    out = go.Figure(fig.to_dict(), skip_invalid=True)
    out.layout.height = height
    title = out.layout.title
    if title.text and title.yref == "container":
        size = int(title.font.size or charts.PRESENT_TITLE)
        out.layout.title = charts.title_band(str(title.text), size, height)
    return out


def _drawn(s: Slide) -> pl.DataFrame | None:
    """The progress rows a slide's bars draw (None for a slide whose chart is not progress bars)."""
    tbl = s.data
    if not s.rows or tbl is None or "status" not in tbl.columns or "share" not in tbl.columns:
        return None
    drawn = tbl.filter(pl.col("share").is_not_null() | (pl.col("status") != "context"))
    return drawn if drawn.height else None


def deck_charts(s: Slide, lang: str) -> list[go.Figure]:
    """A screen's chart as the deck draws it: presenter layout, CHART_PX wide, between CHART_MIN_PX and
    CHART_MAX_PX tall; progress bars with more rows than fit are split over several charts (one per slide)."""
    drawn = _drawn(s)
    if drawn is None:
        fig = go.Figure(s.fig.to_dict(), skip_invalid=True)
        # charts.presented reads every side of the margin; Plotly's defaults for the sides a chart leaves out.
        fig.update_layout(margin={k: v if v is not None else d for k, d in (("l", 80), ("r", 80), ("t", 100), ("b", 80))
                                  for v in [getattr(fig.layout.margin, k)]})
        fig = charts.presented(fig, CHART_PX)
        return [at_height(fig, max(CHART_MIN_PX, min(CHART_MAX_PX, int(fig.layout.height or CHART_MAX_PX))))]

    if "reason" in drawn.columns:  # what each verdict rests on, wrapped to the column right of the axis
        drawn = drawn.with_columns(pl.Series("reason", [charts.wrap(r, REASON_COLS) if r else r
                                                        for r in drawn["reason"].to_list()], dtype=pl.Utf8))

    def bars(part: pl.DataFrame) -> go.Figure:
        return charts.progress_bars(part, lang, t("progress_title", lang), present=True)

    out, i = [], 0
    while i < drawn.height:
        n = drawn.height - i
        fig = bars(drawn.slice(i, n))
        while n > 1 and int(fig.layout.height) > CHART_MAX_PX:
            n -= 1
            fig = bars(drawn.slice(i, n))
        out.append(at_height(fig, max(CHART_MIN_PX, int(fig.layout.height))))
        i += n
    return out


def font_sizes(fig: go.Figure) -> list[float]:
    """Every font size (px) a figure sets, layout and traces (for checking what prints)."""
    found: list[float] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "size" and key.endswith("font") and isinstance(v, (int, float)):
                    found.append(float(v))
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    walk(fig.to_dict())
    return found


def deck(catalog: Catalog, slides: Sequence[Slide], meta: ExportMeta, images: Sequence[bytes] | None = None,
         progress: Callable[[int, int], None] | None = None,
         render: Callable[[go.Figure], bytes] | None = None) -> bytes:
    """A 16:9 .pptx: title slide, then per screen its chart filling a slide (presenter layout, every chart
    text ≥ 14 pt as placed; long progress charts over several slides) and a numbers slide (takeaway,
    sentences, every target with its verdict and what the verdict rests on). Source and as-of date on every
    slide, SAMPLE marked on every slide when sample data is shown.

    Every box is as tall as its wrapped text (estimated on the safe side) and stacked under the one
    before; a table whose rows would reach the footer continues on a slide of its own (「（続き）」).
    `images` (one per screen) replaces the charts, `render` the way a chart becomes a PNG (tests);
    `progress(done, total)` is called after each chart is drawn.
    """
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    lang = meta.lang
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    blank = prs.slide_layouts[6]

    def text(slide: object, x: float, y: float, w: float, h: float, lines: Sequence[str], size: int,
             bold: bool = False, colour: str | None = None) -> None:
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))  # type: ignore[attr-defined]
        tf = box.text_frame
        tf.word_wrap = True
        for i, line in enumerate(lines):
            para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            run = para.add_run()
            run.text = line
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.name = EXPORT_FONT
            if colour:
                run.font.color.rgb = RGBColor.from_string(colour)

    def footer(slide: object) -> None:
        text(slide, CONTENT_X, FOOTER_TOP, CONTENT_W, SLIDE_H - FOOTER_TOP - 0.05, [meta.footer()], 10,
             colour="C00000" if meta.sample else "444444")

    def titled(title: str) -> object:
        sl = prs.slides.add_slide(blank)
        size = title_size(title)
        text(sl, CONTENT_X, TITLE_TOP, CONTENT_W, max(TITLE_H, text_height([title], CONTENT_W, size)), [title], size,
             bold=True)
        return sl

    def table(slide: object, rows: Sequence[Sequence[str]], x: float, y: float, widths: Sequence[float],
              heights: Sequence[float], size: int) -> None:
        shape = slide.shapes.add_table(len(rows), len(widths), Inches(x), Inches(y),  # type: ignore[attr-defined]
                                       Inches(sum(widths)), Inches(sum(heights)))
        for j, width in enumerate(widths):
            shape.table.columns[j].width = Inches(width)
        for i, row in enumerate(rows):
            shape.table.rows[i].height = Inches(heights[i])
            for j, val in enumerate(row[:len(widths)]):
                cell = shape.table.cell(i, j)
                cell.text = val
                cell.margin_top = cell.margin_bottom = Inches(CELL_MARGIN_Y)
                cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_X)
                for para in cell.text_frame.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(size)
                        run.font.name = EXPORT_FONT

    def picture(slide: object, img: bytes, alt: str) -> None:
        w_px, h_px = png_size(img)
        scale = min(CONTENT_W / w_px, CHART_BOX_H / h_px)
        pic = slide.shapes.add_picture(io.BytesIO(img), Inches(CONTENT_X), Inches(CHART_TOP),  # type: ignore[attr-defined]
                                       Emu(int(Inches(1) * w_px * scale)), Emu(int(Inches(1) * h_px * scale)))
        pic._element.nvPicPr.cNvPr.set("descr", alt)  # alternative text: what the chart says

    first = prs.slides.add_slide(blank)
    text(first, 0.6, 1.6, 12.1, 1.4, [meta.title], 34, bold=True)
    text(first, 0.6, 3.1, 12.1, 1.2, [f"{meta.place_name}　{meta.year_text()}", meta.as_of_text()], 20)
    if meta.sample:
        text(first, 0.6, 4.5, 12.1, 0.8, [t(SAMPLE_WARNING, lang)], 20, bold=True, colour="C00000")
    footer(first)

    figs = [[] if images is not None else deck_charts(s, lang) for s in slides]
    total, done = sum(len(f) for f in figs) or len(slides), 0
    for k, s in enumerate(slides):
        # The chart, filling the slide under its title (continued on further slides when long).
        pics = [images[k]] if images is not None else []
        for fig in figs[k]:
            pics.append(render(fig) if render else png(fig, CHART_PX, int(fig.layout.height)))
            done += 1
            if progress:
                progress(done, total)
        for i, img in enumerate(pics):
            sl = titled(s.title + (t("continued", lang) if i else ""))
            picture(sl, img, s.takeaway)
            footer(sl)
        if images is not None and progress:
            done += 1
            progress(done, total)
        # The numbers: takeaway, one supporting sentence (and any provisional roll-up), the verdict per target.
        sl = titled(t("deck_numbers_title", lang, title=s.title))
        y = CHART_TOP
        h = text_height([s.takeaway], CONTENT_W, 18)
        text(sl, CONTENT_X, y, CONTENT_W, h, [s.takeaway], 18, bold=True)
        y += h + GAP
        # (Newer roll-ups not every municipality reported: named as provisional, never judged.)
        prov = provisional_lines(catalog, s.rows, lang)
        lines = s.details[:1] + prov
        if lines:
            h = text_height(lines, CONTENT_W, 14)
            text(sl, CONTENT_X, y, CONTENT_W, h, lines, 14)
            y += h + GAP
        cells = _progress_cells(catalog, s.rows, lang)
        if len(cells) > 1:
            body = cells[1:]
            head_h = row_height(cells[0], TABLE_WIDTHS, TABLE_PT)
            counts = split_rows([row_height(r, TABLE_WIDTHS, TABLE_PT) for r in body], FOOTER_TOP - GAP - y, head_h)
            n = counts[0]
            if n:
                rows = [cells[0], *body[:n]]
                table(sl, rows, CONTENT_X, y, TABLE_WIDTHS, [row_height(r, TABLE_WIDTHS, TABLE_PT) for r in rows],
                      TABLE_PT)
            footer(sl)
            for m in counts[1:]:  # the rest on continuation slides, header repeated
                more = titled(t("deck_numbers_title", lang, title=s.title) + t("continued", lang))
                rows = [cells[0], *body[n:n + m]]
                table(more, rows, CONTENT_X, CHART_TOP, WIDE_WIDTHS,
                      [row_height(r, WIDE_WIDTHS, TABLE_PT) for r in rows], TABLE_PT)
                footer(more)
                n += m
        else:
            footer(sl)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- one-page briefing (PDF through Chromium)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"  # dashboard/templates, beside this package
BRIEFING_MARGIN = {"top": "10mm", "right": "11mm", "bottom": "17mm", "left": "11mm"}  # bottom: the running footer
BAR_MAX = 150.0  # the bars' axis runs 0–150 % of the way; the target line sits at 100 %
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]


@functools.cache
def _templates() -> Any:
    """The Jinja2 environment over dashboard/templates (autoescape on: every value is text, never markup)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class BriefRow:
    """One target on the briefing: its numbers as text and its bar (0–100 = 0–BAR_MAX % of the way)."""

    label: str
    actual: str
    target: str
    share: str
    status: str
    detail: str
    colour: str
    bar: float
    pace: float | None  # where a straight line would be by now (same scale), None when not drawn


def brief_rows(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> list[BriefRow]:
    """The briefing's rows: every target judged at the place (context rows left out), bar and verdict."""
    cells = _progress_cells(catalog, rows, lang)[1:]
    judged = [r for r in rows if r.status != "context"]
    out = []
    for r, c in zip(judged, cells, strict=True):
        share = r.share_of_way
        met = share is None and r.status in ("achieved", "reached_early")
        shown = 100.0 if met else 0.0 if share is None else max(0.0, min(BAR_MAX, share * 100))
        exp = views.expected_share(r)
        out.append(BriefRow(c[0], c[1], c[2], t("met_at_baseline", lang) if met else c[3], c[4], c[5],
                            fmt.STATUS_COLOURS[r.status], shown / BAR_MAX * 100,
                            None if exp is None else max(0.0, min(BAR_MAX, exp * 100)) / BAR_MAX * 100))
    return out


def briefing_html(catalog: Catalog, rows: Sequence[pg.Progress], sentences: Sequence[str], meta: ExportMeta,
                  chart_png: bytes | None = None, *, title: str | None = None) -> str:
    """The A4 briefing as print-ready HTML (Jinja2, every value escaped): header, sample notice, summary,
    every target with its bar and verdict, source, as-of and link. (`chart_png` is no longer drawn: the bars
    are HTML, so they print as vector text.)"""
    lang = meta.lang
    head = _progress_cells(catalog, [], lang)[0]
    return str(_templates().get_template("briefing.html.j2").render(
        lang=lang, title=title or meta.title, place=meta.place_name, year=meta.year_text(),
        as_of=meta.as_of_text(), sample=t(SAMPLE_WARNING, lang) if meta.sample else "",
        sentences=list(sentences), rows=brief_rows(catalog, rows, lang),
        head=[head[0], head[1], head[2], t("briefing_col_progress", lang), head[5]],
        legend=t("briefing_bar_legend", lang), goal=100 / BAR_MAX * 100,
        provisional=provisional_lines(catalog, rows, lang), provisional_heading=t("provisional_heading", lang),
        footer=meta.footer(), link=t("briefing_link", lang, url=meta.url) if meta.url else "",
        margin=BRIEFING_MARGIN))


def running_footer(meta: ExportMeta, numbered: bool) -> str:
    """Chromium's footer template: source, as-of and sample notice on every page, and with `numbered`
    「2枚中1枚」 / "Page 1 of 2" (Chromium fills the pageNumber and totalPages spans)."""
    from markupsafe import Markup, escape

    page_of = ""
    if numbered:
        text = str(escape(t("briefing_page_of", meta.lang, page="\x00", total="\x01")))
        page_of = Markup(text.replace("\x00", '<span class="pageNumber"></span>')
                         .replace("\x01", '<span class="totalPages"></span>'))
    return str(_templates().get_template("briefing_footer.html.j2").render(
        source=t(SOURCE, meta.lang), as_of=meta.as_of_text(),
        sample=t(SAMPLE_WARNING, meta.lang) if meta.sample else "", page_of=page_of,
        side=BRIEFING_MARGIN["left"]))


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF from Chromium has (its page objects; Chromium writes no object streams)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def chromium_path() -> str:
    """Debian's Chromium (or $BROWSER_PATH)."""
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def print_pdf(pages: Callable[[int], tuple[str, str]]) -> bytes:
    """A4 PDF through Playwright and Chromium: `pages(n)` gives (html, footer template) for a first print
    (n = 0) and, if that took more than one page, for a second one (n = page count); fonts embedded, tagged.
    Runs in a thread of its own (Playwright's sync API refuses a thread with a running event loop)."""
    def run() -> bytes:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()

                def once(n: int) -> bytes:
                    body, foot = pages(n)
                    page.set_content(body, wait_until="load")
                    page.evaluate("document.fonts.ready.then(() => true)")
                    data: bytes = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                                           display_header_footer=True, header_template="<span></span>",
                                           footer_template=foot, tagged=True,
                                           margin={"top": BRIEFING_MARGIN["top"], "right": BRIEFING_MARGIN["right"],
                                                   "bottom": BRIEFING_MARGIN["bottom"],
                                                   "left": BRIEFING_MARGIN["left"]})
                    return data

                data = once(0)
                n = pdf_pages(data)
                return once(n) if n > 1 else data
            finally:
                browser.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=120)


# ---------------------------------------------------------------- builders for the current filters

def deck_for(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta,
             progress: Callable[[int, int], None] | None = None) -> bytes:
    """The deck for a place and year: the same screens as presenter mode, in its layout."""
    # Desktop figures here: deck_charts lays each out for the projector at the deck's width.
    screens = slides.key_slides(catalog, values, place, year, meta.lang)
    return deck(catalog, screens, meta, progress=progress)


def _briefing_parts(catalog: Catalog, values: pl.DataFrame, place: str, year: int, lang: str
                    ) -> tuple[list[pg.Progress], list[str]]:
    """The briefing's targets and sentences (status counts, one sentence per policy area)."""
    rows = pg.progress_for_place(catalog, values, place, year)
    return rows, slides.overview_sentences(catalog, rows, lang)


def briefing_for(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta,
                 with_chart: bool = True) -> str:
    """The briefing for a place as HTML (the page the PDF prints; `with_chart` is kept for callers)."""
    rows, sentences = _briefing_parts(catalog, values, place, year, meta.lang)
    return briefing_html(catalog, rows, sentences, meta)


def briefing_pdf(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta,
                 title_more: str | None = None, rows: Sequence[pg.Progress] | None = None) -> bytes:
    """The A4 briefing for a place as PDF: one page where it fits; otherwise the title drops its one-page
    claim (`title_more`) and every page says 「2枚中1枚」 / "Page 1 of 2". `rows` replaces the place's targets."""
    got, sentences = _briefing_parts(catalog, values, place, year, meta.lang)
    targets = list(rows) if rows is not None else got

    def pages(n: int) -> tuple[str, str]:
        title = title_more if n > 1 and title_more else meta.title
        return briefing_html(catalog, targets, sentences, meta, title=title), running_footer(meta, n > 1)

    return print_pdf(pages)


def figure_frame(fig: go.Figure) -> pl.DataFrame:
    """The points drawn in a figure (series, x, y) for charts that have no prepared table."""
    recs: list[dict[str, object]] = []
    for tr in fig.data:
        xs, ys = getattr(tr, "x", None), getattr(tr, "y", None)
        if xs is None or ys is None:
            continue
        for x, y in zip(xs, ys, strict=False):
            recs.append({"series": str(tr.name or ""), "x": None if x is None else str(x),
                         "y": None if y is None else float(y) if isinstance(y, (int, float)) else None})
    return pl.DataFrame(recs, schema={"series": pl.Utf8, "x": pl.Utf8, "y": pl.Float64})
