"""The A4 briefing as Chromium prints it (Playwright, Debian chromium), read back with poppler: the prefecture
fits one A4 page in Japanese and English with every target and its footer on it; a place with more rows than
fit gets numbered pages and a title that does not claim one page; every word is text of 7 pt or more."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from dashboard import data, db, export, views
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.i18n import t
from dashboard.storage import LocalStore
from tests.grids import bundled_id

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no poppler-utils")]

CAT = load_catalog()
SAMPLE_SNAP = bundled_id(4)  # the newest bundled sample
URL = f"http://127.0.0.1:8501/?place=10000&year=2024&as_of={SAMPLE_SNAP}"
A4 = (595, 842)  # points, rounded


@pytest.fixture(scope="module")
def vals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pl.DataFrame]:
    dst = tmp_path_factory.mktemp("briefing") / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))
    yield data.values(db.connect(), LocalStore(dst), CAT, SAMPLE_SNAP, (), ["10000", "00000", "10201"])


def _meta(place: str, lang: str) -> export.ExportMeta:
    name = CAT.place_name(place, lang)
    return export.ExportMeta(t("report_title_briefing", lang, place=name), name, 2024, SAMPLE_SNAP, "label", True,
                             lang, f"{URL}&lang={lang}")


def _print(vals: pl.DataFrame, place: str, lang: str, tmp: Path, rows: list[pg.Progress] | None = None
           ) -> tuple[Path, dict[str, str]]:
    m = _meta(place, lang)
    pdf = tmp / f"briefing_{place}_{lang}.pdf"
    pdf.write_bytes(export.briefing_pdf(CAT, vals, place, 2024, m,
                                        t("report_title_briefing_more", lang, place=m.place_name), rows=rows))
    info = dict(line.split(":", 1) for line in subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                                                              text=True).stdout.splitlines() if ":" in line)
    return pdf, {k.strip(): v.strip() for k, v in info.items()}


def _page(pdf: Path, n: int) -> str:
    """Page n's text as printed, without spaces and line breaks (table cells wrap)."""
    out = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], check=True, capture_output=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_prefecture_briefing_is_one_a4_page_with_every_target_and_its_footer(vals: pl.DataFrame, tmp_path: Path,
                                                                            lang: str) -> None:
    pdf, info = _print(vals, "10000", lang, tmp_path)
    assert info["Pages"] == "1"
    w, h = (round(float(x)) for x in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (w, h) == A4 and "A4" in info["Page size"]
    assert info.get("Tagged") == "yes"
    page = _page(pdf, 1)
    rows = [r for r in pg.progress_for_place(CAT, vals, "10000", 2024) if r.status != "context"]
    assert len(rows) == len(CAT.targets) == 14
    for r in rows:  # every target: its label, verdict and what the verdict rests on
        label = next(tg.label(lang) for tg in CAT.targets if tg.id == r.target_id)
        assert _flat(label)[:12] in page, label
        assert _flat(views.status_text(r.status, lang)) in page
        detail = views.verdict_detail(CAT, r, lang)
        assert not detail or _flat(detail)[:12] in page, detail
    m = _meta("10000", lang)
    for part in (t(export.SOURCE, lang), m.as_of_text(), t(export.SAMPLE_WARNING, lang), URL):
        assert _flat(part)[:30] in page, part
    assert _flat(m.title) in page  # the one-page title: true here
    assert "2枚中" not in page and "Pageof" not in page  # no page numbers on a single page


def test_every_word_is_embedded_text_of_7_pt_or_more(vals: pl.DataFrame, tmp_path: Path) -> None:
    pdf, _ = _print(vals, "10000", "ja", tmp_path)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # "emb" column: every font embedded
    # Each word's box from pdftotext: its height is the font's line box, proportional to the font size. The
    # title is set at 13 pt (the template), so a word's size is its height × 13 / the title's height.
    boxes = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout)
    heights = {w: float(b) - float(a) for a, b, w in boxes}
    assert len(boxes) > 100  # the chart's words are text, not a picture
    title = max(heights.values())  # the largest words on the page: the 13 pt title
    smallest = min(heights.values()) * 13 / title
    assert smallest >= 7.0, smallest
    raw = pdf.read_bytes()
    assert b"/Subtype /Image" not in raw and b"/Subtype/Image" not in raw  # no raster picture at all
    # And the template sets no text under 7 pt anywhere.
    css = (export.TEMPLATES / "briefing.html.j2").read_text(encoding="utf-8")
    css += (export.TEMPLATES / "briefing_footer.html.j2").read_text(encoding="utf-8")
    sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)pt", css)]
    assert sizes and min(sizes) >= 7.0 and "px" not in "".join(re.findall(r"font-size:[^;]+", css))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_more_rows_than_fit_give_numbered_pages_and_no_one_page_title(vals: pl.DataFrame, tmp_path: Path,
                                                                      lang: str) -> None:
    rows = pg.progress_for_place(CAT, vals, "10000", 2024)
    pdf, info = _print(vals, "10000", lang, tmp_path, rows=rows * 3)  # 42 rows: more than one page holds
    n = int(info["Pages"])
    assert n >= 2
    first = _page(pdf, 1)
    want = {"ja": f"{n}枚中1枚", "en": f"Page1of{n}"}[lang]
    assert want in first
    assert _flat(t("report_title_briefing_more", lang, place=CAT.place_name("10000", lang))) in first
    assert "（1枚）" not in first
    m = _meta("10000", lang)
    for part in (t(export.SOURCE, lang), m.as_of_text()):  # source and as-of on page 1, not only at the end
        assert _flat(part)[:30] in first
    last = _page(pdf, n)
    assert {"ja": f"{n}枚中{n}枚", "en": f"Page{n}of{n}"}[lang] in last
    assert URL[:30] in last  # the link, at the end


def test_a_municipality_briefing_fits_one_page(vals: pl.DataFrame, tmp_path: Path) -> None:
    pdf, info = _print(vals, "10201", "ja", tmp_path)
    assert info["Pages"] == "1"
    assert "前橋市" in _page(pdf, 1)
