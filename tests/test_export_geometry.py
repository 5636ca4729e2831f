"""The deck's geometry read back with python-pptx: every table ends above the footer (top + the sum of
its row heights), every row is tall enough for its wrapped text, nothing in the right column overlaps,
a long table continues on a （続き） slide with every target printed exactly once; the briefing's
chart is drawn at its own height."""

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

CAT = load_catalog()
SAMPLE_SNAP = "0004-2fadb81b"
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


def _deck(vals: pl.DataFrame, place: str, lang: str) -> tuple[Any, list[slides.Slide]]:
    from pptx import Presentation

    screens = slides.key_slides(CAT, vals, place, 2024, lang)
    m = export.ExportMeta("t", CAT.place_name(place, lang), 2024, SAMPLE_SNAP, "label", True, lang)
    # Pictures as tall as the charts are (what png() makes), so the layout is the real one.
    raw = export.deck(CAT, screens, m, images=[_png(1200, int(s.fig.layout.height or 600)) for s in screens])
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
    judged = [r for r in pg.progress_for_place(CAT, vals, "10000", 2024) if r.status != "no_target"]
    labels = {tg.id: tg.label("en") for tg in CAT.targets}
    printed = []
    titles = []
    for slide in list(prs.slides)[1:]:
        titles.append(slide.shapes[0].text_frame.text)
        for sh in slide.shapes:
            if sh.has_table:
                printed += [r.cells[0].text for r in list(sh.table.rows)[1:]]  # (row 0 repeats the header)
    # Every target of every screen, in order, once; the overview's 14 plus the areas' own.
    want = [labels[r.target_id] for s in screens for r in s.rows if r.status != "no_target"]
    assert printed == want and len([x for x in want[:len(judged)]]) == len(judged)
    continued = [x for x in titles if x.endswith("(continued)")]
    assert len(prs.slides) == 1 + len(screens) + len(continued)
    for x in continued:
        assert x.removesuffix(" (continued)") in titles


def test_overview_chart_goes_into_the_deck_at_its_own_height(vals: pl.DataFrame) -> None:
    screens = slides.key_slides(CAT, vals, "10000", 2024, "ja")
    fig = screens[0].fig
    rows = len(fig.data[0].y)
    assert rows == 14
    # Rows keep their pitch: the wrapped names (up to three lines) fit one row each, at the export size.
    pitch = (fig.layout.height - fig.layout.margin.t - fig.layout.margin.b) / rows
    most = max(len(y.split("<br>")) for y in fig.data[0].y)
    assert pitch >= most * fig.layout.yaxis.tickfont.size * 1.2
    words = fig.data[2]
    assert pitch >= max(len(x.split("<br>")) for x in words.text) * words.textfont.size * 1.2
