"""Exports: PNG with Japanese text, CSV/xlsx that read back, the deck against the query layer,
and the A4 briefing (escaped; printed by Chromium, every row and the footer are on paper)."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest
from PIL import Image, ImageChops

from dashboard import data, db, export, fmt, slides, summary
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.i18n import t
from dashboard.storage import LocalStore

CAT = load_catalog()
SAMPLE_SNAP = "0004-2fadb81b"
OFFICIAL_SNAP = "0001-1b9cea0b"


@pytest.fixture()
def vals(data_copy: Path) -> pl.DataFrame:
    """As-of values at the newest (sample) snapshot, prefecture + nation + 前橋市, real DuckDB over Parquet."""
    return data.values(db.connect(), LocalStore(data_copy), CAT, SAMPLE_SNAP, (),
                       ["10000", "00000", "10201"])


def meta(sample: bool = True, lang: str = "ja", place: str = "群馬県", snap: str = SAMPLE_SNAP) -> export.ExportMeta:
    return export.ExportMeta("進捗報告 <テスト>", place, 2024, snap, "label", sample, lang,
                             "http://127.0.0.1:8501/?place=10000&year=2024&as_of=0004-2fadb81b&lang=ja")


def _text_fig(text: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=text, x=0.5, y=0.5, showarrow=False, font={"size": 60, "color": "#000"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template="plotly_white", margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return fig


def test_png_real_image_of_size_with_japanese_glyphs() -> None:
    img = export.png(_text_fig("群馬県"), 400, 200)
    assert export.png_size(img) == (400, 200)
    with_scale = export.png(_text_fig("群馬県"), 400, 200, scale=2)
    assert export.png_size(with_scale) == (800, 400)
    # The same three characters drawn as "missing glyph" boxes (private-use code points no font has):
    tofu = export.png(_text_fig("\ue000\ue001\ue002"), 400, 200)
    a, b = Image.open(io.BytesIO(img)).convert("L"), Image.open(io.BytesIO(tofu)).convert("L")
    assert ImageChops.difference(a, b).getbbox() is not None
    ink = sum(a.histogram()[:128])
    assert ink > 1500  # three dense CJK glyphs at 60 px, not empty boxes or nothing


def test_csv_utf8_bom_reads_back_with_japanese_and_sample_label(vals: pl.DataFrame) -> None:
    tbl = pl.DataFrame({"市町村": ["前橋市", "高崎市"], "値": [1.5, 2.0], "has_sample": [True, False]})
    raw = export.csv_bytes(tbl)
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(io.BytesIO(raw[3:]))
    assert back["市町村"].to_list() == ["前橋市", "高崎市"]
    assert back["データ区分"].to_list() == ["サンプル（架空）", "公式"]
    # No per-row flag: the whole export is labelled.
    en = pl.read_csv(io.BytesIO(export.csv_bytes(tbl.drop("has_sample"), sample=True, lang="en")[3:]))
    assert set(en["data"].to_list()) == {"SAMPLE (fictional)"}
    # The values behind a chart, straight from the query layer.
    s = vals.filter(pl.col("indicator_id") == "kayoi_participants")
    back = pl.read_csv(io.BytesIO(export.csv_bytes(s)[3:]), schema_overrides={"place_code": pl.Utf8})
    assert back["value"].to_list() == s["value"].to_list()


def test_xlsx_opens_with_data_and_about_sheet() -> None:
    from openpyxl import load_workbook

    tbl = pl.DataFrame({"目標": ["通いの場の参加者数"], "値": [41060.0], "is_sample": [True]})
    wb = load_workbook(io.BytesIO(export.xlsx_bytes(tbl, meta())))
    rows = list(wb["data"].iter_rows(values_only=True))
    assert rows[0] == ("目標", "値", "is_sample", "データ区分")
    assert rows[1] == ("通いの場の参加者数", 41060, True, "サンプル（架空）")
    about = [r[0] for r in wb["about"].iter_rows(values_only=True)]
    assert any(SAMPLE_SNAP in (x or "") for x in about) and any("サンプル" in (x or "") for x in about)


def _slide_texts(slide: object) -> list[str]:
    out = []
    for sh in slide.shapes:  # type: ignore[attr-defined]
        if sh.has_text_frame:
            out.append(sh.text_frame.text)
        if sh.has_table:
            out += [c.text for r in sh.table.rows for c in r.cells]
    return out


def test_deck_slides_and_numbers_match_the_query_layer(vals: pl.DataFrame) -> None:
    from pptx import Presentation

    m = meta()
    raw = export.deck_for(CAT, vals, "10000", 2024, m)
    prs = Presentation(io.BytesIO(raw))
    screens = slides.key_slides(CAT, vals, "10000", 2024, "ja")
    assert len(prs.slides) == 1 + len(screens) == 7  # title, overview, five policy areas
    titles = [_slide_texts(s)[0] for s in prs.slides]
    assert titles[0] == "進捗報告 <テスト>"
    assert titles[2:] == [f"{a}. {n}" for a, n in CAT.policy_areas.filter(pl.col("policy_area") != "context")
                          .select("policy_area", "name_ja").iter_rows()]
    for s in prs.slides:  # source, as-of date and the sample label on every slide
        footer = _slide_texts(s)[-1] if not s.shapes[-1].has_table else ""
        text = "\n".join(_slide_texts(s))
        assert "出典" in text and SAMPLE_SNAP in text and "サンプル（架空）データを含みます" in text, footer
        assert sum(1 for sh in s.shapes if sh.shape_type == 13) == (0 if s == prs.slides[0] else 1)  # one picture
    # Area 1: every target's latest actual, as the raw query returns it, is printed on the slide.
    area1 = "\n".join(_slide_texts(prs.slides[2]))
    rows = pg.progress_for_place(CAT, vals, "10000", 2024, "1")
    for r in rows:
        raw_val = vals.filter((pl.col("indicator_id") == r.indicator_id) & (pl.col("place_code") == "10000")
                              & (pl.col("fiscal_year") == r.actual_year))["value"]
        ind = CAT.indicators[r.indicator_id]
        if r.target_kind != "period_total":
            assert r.actual_value == raw_val[0]
        assert fmt.with_unit(r.actual_value, ind.unit_ja, ind.kind) in area1
        assert fmt.percent(r.share_of_way) in area1
    assert "43,120人（令和6年度）" in area1  # FY2024 kayoi participants in the sample snapshot
    assert summary.area_summary(CAT, rows, "1", "ja")[0] in area1
    # Each picture is a PNG of the chart at its own height (rows never squashed together).
    pic = next(sh for sh in prs.slides[2].shapes if sh.shape_type == 13)
    assert export.png_size(pic.image.blob) == (1200, int(screens[1].fig.layout.height))


def test_official_only_deck_has_no_sample_label(data_copy: Path) -> None:
    from pptx import Presentation

    v = data.values(db.connect(), LocalStore(data_copy), CAT, OFFICIAL_SNAP, (), ["10000", "00000"])
    screens = slides.key_slides(CAT, v, "10000", 2020, "en")
    assert not any(s.sample for s in screens)
    raw = export.deck(CAT, screens, meta(sample=False, lang="en", snap=OFFICIAL_SNAP),
                      images=[_tiny_png()] * len(screens))
    prs = Presentation(io.BytesIO(raw))
    # The title slide, one slide per screen in order, and any table too long for its slide continued on the next
    # ones under the same title (「(continued)」), its rows not dropped: every target is on the overview's slides.
    titles = [_slide_texts(s)[0] for s in prs.slides][1:]
    assert [x for x in titles if not x.endswith(" (continued)")] == [s.title for s in screens]
    for before, x in itertools.pairwise(titles):
        if x.endswith(" (continued)"):
            assert x == before.removesuffix(" (continued)") + " (continued)"
    overview = [c for s in prs.slides for c in _slide_texts(s)[1:] if _slide_texts(s)[0].startswith(screens[0].title)]
    assert all(tg.label("en") in overview for tg in CAT.targets)
    for s in prs.slides:
        text = "\n".join(_slide_texts(s))
        assert "SAMPLE" not in text and "Source:" in text and OFFICIAL_SNAP in text


def _tiny_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_briefing_escapes_text_and_prints_every_row_and_the_footer(vals: pl.DataFrame, tmp_path: Path) -> None:
    page = export.briefing_for(CAT, vals, "10201", 2024, meta(place="前橋市 <script>alert(1)</script>"))
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "&lt;テスト&gt;" in page
    assert "サンプル（架空）データを含みます" in page and SAMPLE_SNAP in page and "出典" in page
    assert "@page { size: A4 portrait" in page
    rows = pg.progress_for_place(CAT, vals, "10201", 2024)
    # At 前橋市 only 一体的実施 (C1-2024, every municipality) is judged; the prefecture-wide targets are context.
    judged = [r for r in rows if r.judged]
    assert [(r.target_id, r.status) for r in judged] == [("C1-2024", "achieved")]
    for r in judged:  # its row: the share of the way as the chart writes it and the verdict in words
        label = next(tg.label("ja") for tg in CAT.targets if tg.id == r.target_id)
        assert (f"<td>{label}</td>" in page and f'<td class="num">{fmt.share(r.share_of_way, "ja")}</td>' in page
                and "<td>◎ 達成</td>" in page)
    assert "目標1件のうち、達成1件です。" in page  # the tally counts the judged target only, never a context row
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium")
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (poppler-utils)")
    # The prefecture has the most targets: its briefing is the longest one. What Chromium really prints
    # (pdftotext) holds every target row and the whole footer: nothing is cut to fit one page.
    html_text = export.briefing_for(CAT, vals, "10000", 2024, meta())
    src, pdf = tmp_path / "b10000.html", tmp_path / "b10000.pdf"
    src.write_text(html_text, encoding="utf-8")
    subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", src.as_uri()], check=True, capture_output=True, timeout=60)
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                             timeout=60).stdout.decode("utf-8")
    flat = re.sub(r"\s+", "", printed)  # table cells wrap: compare without line breaks and spaces
    rows = [r for r in pg.progress_for_place(CAT, vals, "10000", 2024) if r.judged]  # the prefecture: every target
    assert len(rows) == len(CAT.targets)
    for r in rows:
        label = next(tg.label("ja") for tg in CAT.targets if tg.id == r.target_id)
        assert re.sub(r"\s+", "", label)[:8] in flat, label
    assert "県内市町村平均得点率" in flat  # the last row, which the one-page layout used to cut
    for part in (t(export.SOURCE, "ja"), "データ時点：label", "サンプル（架空）データを含みます", "127.0.0.1:8501"):
        assert re.sub(r"\s+", "", part)[:20] in flat, part
    # Chart labels keep their row: the chart is drawn at its own height (52 px per target), not squeezed.
    m = re.search(r'src="data:image/png;base64,([^"]+)"', html_text)
    assert m is not None
    import base64

    _w, h = export.png_size(base64.b64decode(m.group(1)))
    assert (h - 150) / len(rows) >= 2 * 14 * 1.4  # two wrapped lines of 14 px text per label, with leading


def test_cli_report_writes_deck_and_briefing(data_copy: Path, tmp_path: Path) -> None:
    from pptx import Presentation

    from dashboard import cli

    deck, brief = tmp_path / "d.pptx", tmp_path / "b.html"
    assert cli.main(["report", "--place", "10202", "--as-of", OFFICIAL_SNAP, "--lang", "en", "--deck", str(deck),
                     "--briefing", str(brief), "--base-url", "http://dash.example"]) == 0
    prs = Presentation(str(deck))
    assert len(prs.slides) == 7
    text = "\n".join("\n".join(_slide_texts(s)) for s in prs.slides)
    assert "Takasaki" in text and OFFICIAL_SNAP in text and "SAMPLE" not in text  # official snapshot only
    page = brief.read_text(encoding="utf-8")
    assert "Takasaki" in page and f"as_of={OFFICIAL_SNAP}" in page and "SAMPLE" not in page
    assert cli.main(["report", "--place", "99999", "--deck", str(deck)]) == 2
