"""Exports for slides, spreadsheets and paper (no Streamlit here).

- png(): a Plotly figure as PNG through kaleido and Debian chromium, Japanese in Noto Sans CJK JP.
  One kaleido export server per process, started on first use (a cold export starts a browser,
  ~2 s; with the server running ~0.15 s per image).
- csv_bytes() / xlsx_bytes(): the data behind a chart or table; CSV is UTF-8 with a BOM so Excel
  opens Japanese correctly. Sample (fictional) data is labelled in a column of its own.
- deck(): a .pptx for the current filters: title slide, one slide per policy area with its
  headline chart and written summary, source and as-of date on every slide.
- briefing_html(): a one-page A4 briefing for a place as print-ready HTML (all text escaped).
"""

from __future__ import annotations

import base64
import copy
import html
import io
import os
import shutil
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt, slides, views
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
        for line in (meta.title, meta.place_name, fmt.fy_label(meta.year, lang), meta.as_of_text(),
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
    """Target, latest actual, target value, share of the way: the numbers printed on a slide."""
    head = [t("export_col_target", lang), t("export_col_actual", lang), t("export_col_target_value", lang),
            t("export_col_progress", lang), t("export_col_status", lang)]
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
            actual += t("export_bracket", lang, text=cov)
        out.append([tgt.label(lang), actual, fmt.value(r.target_value, ind.unit(lang), ind.kind, lang),
                    fmt.share(r.share_of_way, lang),
                    views.status_text(r.status, lang)])
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
COLUMN_X, COLUMN_W = 7.6, 5.4  # right column: takeaway, sentences, table
TABLE_WIDTHS = (2.4, 1.3, 0.95, 0.75)  # target, latest actual, target value, progress
WIDE_WIDTHS = (6.2, 3.1, 1.9, 1.3)  # a continued table across the whole slide
CELL_MARGIN_X, CELL_MARGIN_Y = 0.05, 0.02
BOX_INSET_X, BOX_INSET_Y = 0.1, 0.05  # a text box's default insets
LINE_EM = 1.5  # line pitch of Noto Sans CJK JP (ascent + descent ≈ 1.45 em), rounded up
GAP = 0.1


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
        for tok in tokens:
            w = sum(_em(c) for c in tok)
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


def deck(catalog: Catalog, slides: Sequence[Slide], meta: ExportMeta, images: Sequence[bytes] | None = None
         ) -> bytes:
    """A 16:9 .pptx: title slide, then one slide per screen (chart, takeaway, sentences, numbers),
    the source and as-of date on every slide, SAMPLE marked on every slide when sample data is shown.

    Every box is as tall as its wrapped text (estimated on the safe side) and stacked under the one
    before; a table whose rows would reach the footer continues on a slide of its own (「（続き）」).
    Charts are drawn at their own height (rows never squashed together) and scaled into their box.
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
        text(slide, 0.4, FOOTER_TOP, 12.5, SLIDE_H - FOOTER_TOP - 0.05, [meta.footer()], 10,
             colour="C00000" if meta.sample else "444444")

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

    first = prs.slides.add_slide(blank)
    text(first, 0.6, 1.6, 12.1, 1.4, [meta.title], 34, bold=True)
    text(first, 0.6, 3.1, 12.1, 1.2, [f"{meta.place_name}　{fmt.fy_label(meta.year, lang)}", meta.as_of_text()], 20)
    if meta.sample:
        text(first, 0.6, 4.5, 12.1, 0.8, [t(SAMPLE_WARNING, lang)], 20, bold=True, colour="C00000")
    footer(first)

    pics = list(images) if images is not None else [png(s.fig, 1200, int(s.fig.layout.height or 750))
                                                    for s in slides]
    for s, img in zip(slides, pics, strict=True):
        sl = prs.slides.add_slide(blank)
        text(sl, 0.4, 0.25, 12.5, 0.7, [s.title], 26, bold=True)
        w_px, h_px = png_size(img)
        box_w, box_h = 7.0, FOOTER_TOP - GAP - 1.0
        scale = min(box_w / w_px, box_h / h_px)
        sl.shapes.add_picture(io.BytesIO(img), Inches(0.4), Inches(1.0),
                              Emu(int(Inches(1) * w_px * scale)), Emu(int(Inches(1) * h_px * scale)))
        # Right column, stacked: the takeaway, one supporting sentence (and any provisional roll-up), the numbers.
        y = 1.0
        h = text_height([s.takeaway], COLUMN_W, 16)
        text(sl, COLUMN_X, y, COLUMN_W, h, [s.takeaway], 16, bold=True)
        y += h + GAP
        # (Newer roll-ups not every municipality reported: named as provisional, never judged.)
        prov = provisional_lines(catalog, s.rows, lang)
        lines, size = s.details[:1] + prov, 11 if not prov else 9
        if lines:
            h = text_height(lines, COLUMN_W, size)
            text(sl, COLUMN_X, y, COLUMN_W, h, lines, size)
            y += h + GAP
        cells = _progress_cells(catalog, s.rows, lang)
        if len(cells) > 1:
            tsize = 8 if len(cells) <= 6 else 7
            body = cells[1:]
            head_h = row_height(cells[0], TABLE_WIDTHS, tsize)
            counts = split_rows([row_height(r, TABLE_WIDTHS, tsize) for r in body], FOOTER_TOP - GAP - y, head_h)
            n = counts[0]
            if n:
                rows = [cells[0], *body[:n]]
                table(sl, rows, COLUMN_X, y, TABLE_WIDTHS, [row_height(r, TABLE_WIDTHS, tsize) for r in rows], tsize)
            footer(sl)
            for m in counts[1:]:  # the rest on continuation slides, the whole width, header repeated
                more = prs.slides.add_slide(blank)
                text(more, 0.4, 0.25, 12.5, 0.7, [s.title + t("continued", lang)], 26, bold=True)
                rows = [cells[0], *body[n:n + m]]
                table(more, rows, 0.4, 1.0, WIDE_WIDTHS, [row_height(r, WIDE_WIDTHS, tsize) for r in rows], tsize)
                footer(more)
                n += m
        else:
            footer(sl)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- one-page briefing

BRIEFING_CSS = """
@page { size: A4 portrait; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 9.5pt; color: #1a1a1a;
       margin: 0; }
.sheet { width: 186mm; }
/* Nothing is cut: rows, list items and the footer never split across pages, a table continues on a
   second page with its header repeated. */
tr, li, img, footer, .provisional { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
.provisional { color: #333; font-size: 8.5pt; margin: 1mm 0 2mm; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
.meta { color: #444; margin-bottom: 2mm; }
.sample { border: 2px solid #C00000; color: #C00000; font-weight: 700; padding: 1.5mm 3mm; margin: 2mm 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #eef2f7; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
ul { margin: 1mm 0 2mm 5mm; padding: 0; }
li { margin: 0.6mm 0; }
img.chart { display: block; width: 100%; max-height: 150mm; object-fit: contain; }
footer { border-top: 1px solid #999; color: #444; font-size: 8pt; padding-top: 1.5mm; margin-top: 2mm; }
@media screen { body { background: #888; } .sheet { background: #fff; margin: 10mm auto; padding: 12mm;
  width: 210mm; } }
"""


def briefing_html(catalog: Catalog, rows: Sequence[pg.Progress], sentences: Sequence[str], meta: ExportMeta,
                  chart_png: bytes | None = None) -> str:
    """A one-page A4 briefing (print-ready HTML): header, sample notice, summary, targets, source, as-of."""
    e = html.escape
    lang = meta.lang
    cells = _progress_cells(catalog, rows, lang)
    head = "".join(f"<th>{e(c)}</th>" for c in cells[0])
    num = ' class="num"'
    body = "".join("<tr>" + "".join(f"<td{num if j in (1, 2, 3) else ''}>{e(c)}</td>"
                                    for j, c in enumerate(r)) + "</tr>" for r in cells[1:])
    img = (f'<img class="chart" alt="" src="data:image/png;base64,{base64.b64encode(chart_png).decode()}">'
           if chart_png else "")
    sample = f'<div class="sample">{e(t(SAMPLE_WARNING, lang))}</div>' if meta.sample else ""
    items = "".join(f"<li>{e(s)}</li>" for s in sentences)
    link = f"<br>{e(meta.url)}" if meta.url else ""
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if len(cells) > 1 else ""
    prov = provisional_lines(catalog, rows, lang)
    provisional = (f'<div class="provisional"><b>{e(t("provisional_heading", lang))}</b><ul>'
                   + "".join(f"<li>{e(x)}</li>" for x in prov) + "</ul></div>") if prov else ""
    return (f'<!doctype html><html lang="{e(lang)}"><head><meta charset="utf-8">'
            f"<title>{e(meta.title)}</title><style>{BRIEFING_CSS}</style></head><body><div class=\"sheet\">"
            f"<h1>{e(meta.title)}</h1><div class=\"meta\">{e(meta.place_name)}　{e(fmt.fy_label(meta.year, lang))}"
            f"　{e(meta.as_of_text())}</div>{sample}<ul>{items}</ul>{img}{table}{provisional}"
            f"<footer>{e(meta.footer())}{link}</footer></div></body></html>")


# ---------------------------------------------------------------- builders for the current filters

def deck_for(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta) -> bytes:
    """The deck for a place and year: the same screens as presenter mode."""
    return deck(catalog, slides.key_slides(catalog, values, place, year, meta.lang), meta)


def briefing_for(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta,
                 with_chart: bool = True) -> str:
    """The one-page briefing for a place: status counts, one sentence per policy area, every target."""
    lang = meta.lang
    rows = pg.progress_for_place(catalog, values, place, year)
    sentences = slides.overview_sentences(catalog, rows, lang)
    chart = None
    if with_chart and any(r.status != "context" for r in rows):
        key = slides.key_slides(catalog, values, place, year, lang)[0]
        # At the figure's own height (it grows with the number of targets), so the wrapped target
        # labels keep their row each and never overprint; the page scales the image, not the chart.
        chart = png(key.fig, 1100, int(key.fig.layout.height or 500))
    return briefing_html(catalog, rows, sentences, meta, chart)


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
