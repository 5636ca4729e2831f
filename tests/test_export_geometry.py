"""The deck's geometry read back with python-pptx: every table ends above the footer (top + the sum of
its row heights), every row is tall enough for its wrapped text, nothing overlaps, a long table continues on
a （続き） slide with every target printed exactly once and carries the verdict; each chart fills its slide
and prints every text at 14 pt or more at the size the slide gives it."""

from __future__ import annotations

import io
import itertools
import math
import shutil
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest

from dashboard import data, db, export, slides
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore
from tests.grids import bundled_id

CAT = load_catalog()
SAMPLE_SNAP = bundled_id(4)  # the newest bundled sample
EMU = 914400  # per inch


@pytest.fixture(scope="module")
def vals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pl.DataFrame]:
    dst = tmp_path_factory.mktemp("geometry") / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))
    yield data.values(db.connect(), LocalStore(dst), CAT, SAMPLE_SNAP, (), ["10000", "00000", "10201"])


def _png(w: int = 1200, h: int = 900) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, format="PNG")
    return buf.getvalue()


def _blank(fig: Any) -> bytes:
    """A white PNG as large as the chart would be drawn (what png() makes), so the layout is the real one."""
    return _png(export.CHART_PX, int(fig.layout.height))


def _deck(vals: pl.DataFrame, place: str, lang: str) -> tuple[Any, list[slides.Slide]]:
    from pptx import Presentation

    screens = slides.key_slides(CAT, vals, place, 2024, lang)
    m = export.ExportMeta("t", CAT.place_name(place, lang), 2024, SAMPLE_SNAP, "label", True, lang)
    raw = export.deck(CAT, screens, m, render=_blank)
    return Presentation(io.BytesIO(raw)), screens


def _lines(text: str, width_in: float, size_pt: float) -> int:
    """Lines of wrapped text, by the test's own count: a kanji is 1 em, anything else 0.5 em, breaking
    anywhere (a lower bound: real text breaks at words and is wider)."""
    room = width_in * 72 / size_pt
    return sum(max(1, math.ceil(sum(1.0 if ord(c) > 0x2E7F else 0.5 for c in para) / room))
               for para in text.split("\n"))


def _footer(slide: Any) -> Any:
    return next(sh for sh in slide.shapes if sh.has_text_frame and ("出典" in sh.text_frame.text
                                                                    or "Source:" in sh.text_frame.text))


def _size(frame: Any) -> float:
    sizes = [r.font.size.pt for p in frame.paragraphs for r in p.runs if r.font.size is not None]
    return max(sizes) if sizes else 18.0


@pytest.mark.parametrize(("place", "lang"), [("10000", "ja"), ("10000", "en"), ("10201", "ja")])
def test_every_table_ends_above_the_footer_and_no_box_overlaps(vals: pl.DataFrame, place: str, lang: str) -> None:
    prs, _ = _deck(vals, place, lang)
    for n, slide in enumerate(prs.slides):
        footer = _footer(slide)
        assert footer.top + footer.height <= prs.slide_height
        size = _size(footer.text_frame)
        assert footer.height / EMU >= _lines(footer.text_frame.text, footer.width / EMU - 0.2, size) * size * 1.2 / 72
        column = []
        for sh in slide.shapes:
            if sh.shape_id == footer.shape_id:
                continue
            if sh.has_table:
                rows = list(sh.table.rows)
                widths = [c.width / EMU for c in sh.table.columns]
                bottom = sh.top + sum(r.height for r in rows)
                assert bottom <= footer.top, (n, bottom / EMU, footer.top / EMU)
                for r in rows:  # each row at least as tall as its wrapped text
                    need = max(_lines(c.text, w - (c.margin_left + c.margin_right) / EMU, _size(c.text_frame))
                               * _size(c.text_frame) * 1.2 / 72 for c, w in zip(r.cells, widths, strict=True))
                    assert r.height / EMU >= need, (n, [c.text for c in r.cells])
                top_bottom = (sh.top, bottom)
            else:
                assert sh.top + sh.height <= footer.top, (n, sh.shape_type)
                if sh.has_text_frame:
                    size = _size(sh.text_frame)
                    need = _lines(sh.text_frame.text, sh.width / EMU - 0.2, size) * size * 1.2 / 72
                    assert sh.height / EMU >= need, (n, sh.text_frame.text)
                top_bottom = (sh.top, sh.top + sh.height)
            if sh.left >= export.COLUMN_X * EMU - 1:
                column.append(top_bottom)
        column.sort()
        for (_, end), (start, _) in itertools.pairwise(column):
            assert end <= start, n  # the takeaway, the sentences and the table are stacked, never on top


def test_a_long_table_continues_and_prints_every_target_once(vals: pl.DataFrame) -> None:
    prs, screens = _deck(vals, "10000", "en")
    judged = [r for r in pg.progress_for_place(CAT, vals, "10000", 2024) if r.status != "context"]
    labels = {tg.id: tg.label("en") for tg in CAT.targets}
    printed = []
    titles = []
    for slide in list(prs.slides)[1:]:
        titles.append(slide.shapes[0].text_frame.text)
        for sh in slide.shapes:
            if sh.has_table:
                printed += [r.cells[0].text for r in list(sh.table.rows)[1:]]  # (row 0 repeats the header)
    # Every target of every screen, in order, once; the overview's 14 plus the areas' own.
    want = [labels[r.target_id] for s in screens for r in s.rows if r.status != "context"]
    assert printed == want and len(want[:len(judged)]) == len(judged) == 14
    continued = [x for x in titles if x.endswith("(continued)")]
    assert continued
    for x in continued:
        assert x.removesuffix(" (continued)") in titles


@pytest.mark.parametrize(("place", "lang"), [("10000", "ja"), ("10000", "en"), ("10201", "ja")])
def test_every_table_carries_the_verdict_and_what_it_rests_on(vals: pl.DataFrame, place: str, lang: str) -> None:
    from dashboard import views
    from dashboard.i18n import t

    prs, screens = _deck(vals, place, lang)
    words = {views.status_text(s, lang) for s in pg.STATUSES}
    rows = {r.target_id: r for s in screens for r in s.rows}
    details = {views.verdict_detail(CAT, r, lang) or "－" for r in rows.values()}
    tables = [sh.table for slide in prs.slides for sh in slide.shapes if sh.has_table]
    assert tables
    for tb in tables:
        head = [c.text for c in tb.rows[0].cells]
        assert head[-2:] == [t("export_col_status", lang), t("col_verdict_detail", lang)]
        for r in list(tb.rows)[1:]:
            cells = [c.text for c in r.cells]
            assert cells[-2] in words and cells[-1] in details, cells
    if place == "10000" and lang == "ja":  # a finished target's verdict with its gap, as the page says it
        text = [c.text for tb in tables for r in tb.rows for c in r.cells]
        assert "目標41,300人に240人不足（目標の99.4%）" in text and "× 未達成" in text


@pytest.mark.parametrize(("place", "lang"), [("10000", "ja"), ("10000", "en"), ("10201", "ja"), ("10201", "en")])
def test_each_chart_fills_its_slide_and_prints_at_projector_size(vals: pl.DataFrame, place: str, lang: str) -> None:
    from pptx import Presentation

    screens = slides.key_slides(CAT, vals, place, 2024, lang)
    drawn: list[Any] = []

    def render(fig: Any) -> bytes:
        drawn.append(fig)
        return _blank(fig)

    m = export.ExportMeta("t", CAT.place_name(place, lang), 2024, SAMPLE_SNAP, "label", True, lang)
    prs = Presentation(io.BytesIO(export.deck(CAT, screens, m, render=render)))
    pics = []
    for slide in prs.slides:
        mine = [sh for sh in slide.shapes if sh.shape_type == 13]
        assert len(mine) <= 1  # one chart per slide
        if mine:
            assert not any(sh.has_table for sh in slide.shapes)  # alone with its title and footer
            assert len(list(slide.shapes)) == 3
            pics.append(mine[0])
    assert len(pics) == len(drawn) >= len(screens)
    room_h = (_footer(prs.slides[1]).top / EMU) - export.CHART_TOP
    for pic, fig in zip(pics, drawn, strict=True):
        # Filling the slide: the whole width under the title, and most of the height above the footer.
        assert pic.width / prs.slide_width >= 0.9
        assert pic.height / EMU >= 0.65 * room_h and pic.top + pic.height <= _footer(prs.slides[1]).top
        # Every text of the chart at the size the slide prints it: px × (picture width in pt / picture px).
        pt_per_px = (pic.width / 12700) / export.CHART_PX
        sizes = export.font_sizes(fig)
        assert sizes and min(sizes) * pt_per_px >= 14.0, (min(sizes), pt_per_px)
        assert pic._element.nvPicPr.cNvPr.get("descr")  # alternative text: what the chart says


def test_the_charts_keep_their_rows_apart(vals: pl.DataFrame) -> None:
    screens = slides.key_slides(CAT, vals, "10000", 2024, "ja")
    figs = export.deck_charts(screens[0], "ja")
    assert len(figs) > 1  # the overview's 14 targets do not fit one slide at projector size: continued
    assert sum(len(f.data[0].y) for f in figs) == 14
    for fig in figs:
        assert export.CHART_MIN_PX <= fig.layout.height <= export.CHART_MAX_PX
        # Rows keep their pitch: each wrapped name and each status fits its own row.
        ys = list(fig.data[0].y)
        lines = [max(len(str(n).split("<br>")), len(str(w).split("<br>")))
                 for n, w in zip(fig.layout.yaxis.ticktext, fig.data[2].text, strict=True)]
        gaps = [b - a for a, b in itertools.pairwise(ys)]
        for gap, (a, b) in zip(gaps, itertools.pairwise(lines), strict=True):
            assert gap >= (a + b) / 2 * 18 * 1.2, (gap, a, b)
