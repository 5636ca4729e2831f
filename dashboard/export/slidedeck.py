"""The .pptx deck for the current filters: a title slide, then per screen its chart filling a slide in the
presenter layout (chart text >= 14 pt as placed) and a numbers slide with every target's verdict and what it
rests on; source and as-of date on every slide. Box heights come from an estimate of wrapped text
(wrapped_lines), on the safe side, so nothing overlaps and tables continue on slides of their own."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, slides
from dashboard.catalog import Catalog
from dashboard.export.images import png, png_size
from dashboard.export.meta import EXPORT_FONT, SAMPLE_WARNING, ExportMeta
from dashboard.export.targets import progress_cells, provisional_lines
from dashboard.i18n import t
from dashboard.slides import Slide

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


def _tokens(para: str) -> list[str]:
    """A paragraph as the pieces a line may break between: words of Latin text, spaces, single Japanese
    characters."""
    tokens: list[str] = []
    for ch in para:
        if ord(ch) > 0x2E7F or ch == " " or not tokens or ord(tokens[-1][-1]) > 0x2E7F or tokens[-1] == " ":
            tokens.append(ch)
        else:
            tokens[-1] += ch
    return tokens


def wrapped_lines(text: str, width_in: float, size_pt: float) -> int:
    """How many lines `text` takes in a box `width_in` wide at `size_pt` (greedy: Latin breaks at
    spaces, Japanese anywhere; each paragraph starts a new line). Rounded up, never under."""
    room = width_in * 72 / size_pt  # in em
    total = 0
    for para in text.split("\n"):
        lines, used = 1, 0.0
        prev = ""
        for tok in _tokens(para):
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


class _Deck:
    """The presentation being written, and the ways the deck puts text, tables and pictures on a slide."""

    def __init__(self, meta: ExportMeta) -> None:
        from pptx import Presentation
        from pptx.util import Inches

        self.meta = meta
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
        self.blank = self.prs.slide_layouts[6]

    def slide(self) -> object:
        """A new blank slide at the end."""
        return self.prs.slides.add_slide(self.blank)

    def text(self, slide: object, x: float, y: float, w: float, h: float, lines: Sequence[str], size: int,
             bold: bool = False, colour: str | None = None) -> None:
        """A text box, one paragraph per line, in the export font."""
        from pptx.dml.color import RGBColor
        from pptx.util import Inches, Pt

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

    def stacked(self, slide: object, y: float, lines: Sequence[str], size: int, bold: bool = False) -> float:
        """A text box across the content width at `y`, as tall as its wrapped text; the `y` for the next box."""
        h = text_height(lines, CONTENT_W, size)
        self.text(slide, CONTENT_X, y, CONTENT_W, h, lines, size, bold=bold)
        return y + h + GAP

    def footer(self, slide: object) -> None:
        """Source, as-of date and (in red) the sample warning at the foot of the slide."""
        self.text(slide, CONTENT_X, FOOTER_TOP, CONTENT_W, SLIDE_H - FOOTER_TOP - 0.05, [self.meta.footer()], 10,
                  colour="C00000" if self.meta.sample else "444444")

    def titled(self, title: str) -> object:
        """A new slide with its title in the title band (smaller type for a long title)."""
        sl = self.slide()
        size = title_size(title)
        self.text(sl, CONTENT_X, TITLE_TOP, CONTENT_W, max(TITLE_H, text_height([title], CONTENT_W, size)), [title],
                  size, bold=True)
        return sl

    def table(self, slide: object, rows: Sequence[Sequence[str]], y: float, widths: Sequence[float]) -> None:
        """A table at `y` across the content width, each row as tall as its most wrapped cell (TABLE_PT)."""
        from pptx.util import Inches, Pt

        heights = [row_height(r, widths, TABLE_PT) for r in rows]
        shape = slide.shapes.add_table(len(rows), len(widths), Inches(CONTENT_X), Inches(y),  # type: ignore[attr-defined]
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
                        run.font.size = Pt(TABLE_PT)
                        run.font.name = EXPORT_FONT

    def picture(self, slide: object, img: bytes, alt: str) -> None:
        """A PNG under the title, as large as the chart box allows, with `alt` as its alternative text."""
        from pptx.util import Emu, Inches

        w_px, h_px = png_size(img)
        scale = min(CONTENT_W / w_px, CHART_BOX_H / h_px)
        pic = slide.shapes.add_picture(io.BytesIO(img), Inches(CONTENT_X), Inches(CHART_TOP),  # type: ignore[attr-defined]
                                       Emu(int(Inches(1) * w_px * scale)), Emu(int(Inches(1) * h_px * scale)))
        pic._element.nvPicPr.cNvPr.set("descr", alt)  # alternative text: what the chart says

    def save(self) -> bytes:
        """The .pptx file."""
        buf = io.BytesIO()
        self.prs.save(buf)
        return buf.getvalue()


def _title_slide(d: _Deck) -> None:
    """The first slide: title, place and year, as-of date and, for sample data, the warning in red."""
    meta = d.meta
    first = d.slide()
    d.text(first, 0.6, 1.6, 12.1, 1.4, [meta.title], 34, bold=True)
    d.text(first, 0.6, 3.1, 12.1, 1.2, [f"{meta.place_name}　{meta.year_text()}", meta.as_of_text()], 20)
    if meta.sample:
        d.text(first, 0.6, 4.5, 12.1, 0.8, [t(SAMPLE_WARNING, meta.lang)], 20, bold=True, colour="C00000")
    d.footer(first)


def _chart_slides(d: _Deck, s: Slide, pics: Sequence[bytes]) -> None:
    """A screen's chart filling the slide under its title (continued on further slides when long)."""
    for i, img in enumerate(pics):
        sl = d.titled(s.title + (t("continued", d.meta.lang) if i else ""))
        d.picture(sl, img, s.takeaway)
        d.footer(sl)


def _numbers_slides(d: _Deck, catalog: Catalog, s: Slide) -> None:
    """A screen's numbers: takeaway, one supporting sentence (and any provisional roll-up), the verdict per
    target; the rows that would reach the footer continue on slides of their own, header repeated."""
    lang = d.meta.lang
    title = t("deck_numbers_title", lang, title=s.title)
    sl = d.titled(title)
    y = d.stacked(sl, CHART_TOP, [s.takeaway], 18, bold=True)
    # (Newer roll-ups not every municipality reported: named as provisional, never judged.)
    lines = s.details[:1] + provisional_lines(catalog, s.rows, lang)
    if lines:
        y = d.stacked(sl, y, lines, 14)
    head, *body = progress_cells(catalog, s.rows, lang)
    if not body:
        d.footer(sl)
        return
    counts = split_rows([row_height(r, TABLE_WIDTHS, TABLE_PT) for r in body], FOOTER_TOP - GAP - y,
                        row_height(head, TABLE_WIDTHS, TABLE_PT))
    n = counts[0]
    if n:
        d.table(sl, [head, *body[:n]], y, TABLE_WIDTHS)
    d.footer(sl)
    for m in counts[1:]:  # the rest on continuation slides, header repeated
        more = d.titled(title + t("continued", lang))
        d.table(more, [head, *body[n:n + m]], CHART_TOP, WIDE_WIDTHS)
        d.footer(more)
        n += m


def _counter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[], None]:
    """A step of the build: `progress(done, total)` with one more done (nothing without `progress`)."""
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    return step


def _chart_png(fig: go.Figure) -> bytes:
    """A deck chart as PNG, CHART_PX wide and as tall as the figure."""
    return png(fig, CHART_PX, int(fig.layout.height))


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
    d = _Deck(meta)
    _title_slide(d)
    figs = [[] if images is not None else deck_charts(s, meta.lang) for s in slides]
    step = _counter(progress, sum(len(f) for f in figs) or len(slides))
    draw = render or _chart_png
    for k, s in enumerate(slides):
        if images is not None:
            _chart_slides(d, s, [images[k]])
            step()
        else:
            pics = []
            for fig in figs[k]:
                pics.append(draw(fig))
                step()
            _chart_slides(d, s, pics)
        _numbers_slides(d, catalog, s)
    return d.save()


def deck_for(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta,
             progress: Callable[[int, int], None] | None = None) -> bytes:
    """The deck for a place and year: the same screens as presenter mode, in its layout."""
    # Desktop figures here: deck_charts lays each out for the projector at the deck's width.
    screens = slides.key_slides(catalog, values, place, year, meta.lang)
    return deck(catalog, screens, meta, progress=progress)
