"""Exports: PNG with Japanese text, CSV/xlsx that read back, the deck against the query layer (charts in the
presenter layout, verdicts in the tables), and the A4 briefing's HTML (escaped, every row and the footer);
what the PDF prints is checked in tests/test_briefing_pdf.py."""

from __future__ import annotations

import html
import io
import re
import subprocess
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pytest
from PIL import Image, ImageChops

import dashboard
from dashboard import data, db, export, fmt, slides, summary, views
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.storage import LocalStore
from tests.grids import bundled_id

CAT = load_catalog()
SAMPLE_SNAP = bundled_id(4)  # the newest bundled sample
OFFICIAL_SNAP = bundled_id(1)  # the plan's official figures


@pytest.fixture()
def vals(data_copy: Path) -> pl.DataFrame:
    """As-of values at the newest (sample) snapshot, prefecture + nation + 前橋市, real DuckDB over Parquet."""
    return data.values(db.connect(), LocalStore(data_copy), CAT, SAMPLE_SNAP, (),
                       ["10000", "00000", "10201"])


def meta(sample: bool = True, lang: str = "ja", place: str = "群馬県", snap: str = SAMPLE_SNAP) -> export.ExportMeta:
    return export.ExportMeta("進捗報告 <テスト>", place, 2024, snap, "label", sample, lang,
                             f"http://127.0.0.1:8501/?place=10000&year=2024&as_of={SAMPLE_SNAP}&lang=ja")


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


def _pictures(slide: object) -> list[Any]:
    return [sh for sh in slide.shapes if sh.shape_type == 13]  # type: ignore[attr-defined]


@pytest.mark.browser  # kaleido draws the charts in Chromium
def test_deck_slides_and_numbers_match_the_query_layer(vals: pl.DataFrame) -> None:
    from pptx import Presentation

    m = meta()
    steps: list[tuple[int, int]] = []
    raw = export.deck_for(CAT, vals, "10000", 2024, m, progress=lambda d, n: steps.append((d, n)))
    prs = Presentation(io.BytesIO(raw))
    screens = slides.key_slides(CAT, vals, "10000", 2024, "ja")
    charts_ = [export.deck_charts(s, "ja") for s in screens]
    # Progress is reported once per chart drawn, ending at the total.
    assert steps == [(i + 1, sum(map(len, charts_))) for i in range(sum(map(len, charts_)))]
    titles = [_slide_texts(s)[0] for s in prs.slides]
    assert titles[0] == "進捗報告 <テスト>"
    areas = [f"{a}. {n}" for a, n in CAT.policy_areas.filter(pl.col("policy_area") != "context")
             .select("policy_area", "name_ja").iter_rows()]
    for name in areas:  # each policy area: its chart slide, then its numbers slide with the verdicts
        assert name in titles and f"{name}：目標ごとの判定" in titles
    for s in prs.slides:  # source, as-of date and the sample label on every slide
        text = "\n".join(_slide_texts(s))
        assert "出典" in text and SAMPLE_SNAP in text and "サンプル（架空）データを含みます" in text
        assert len(_pictures(s)) <= 1  # one chart per slide, never beside a table
        assert not (_pictures(s) and any(sh.has_table for sh in s.shapes))
    assert sum(len(_pictures(s)) for s in prs.slides) == sum(map(len, charts_))
    # Each picture is a PNG of its chart in the presenter layout, CHART_PX wide at the chart's height.
    pics = [p for s in prs.slides for p in _pictures(s)]
    for pic, fig in zip(pics, [f for fs in charts_ for f in fs], strict=True):
        assert export.png_size(pic.image.blob) == (export.CHART_PX, int(fig.layout.height))
    # Area 1's numbers: every target's latest actual, as the raw query returns it, with its verdict and gap.
    i = titles.index(f"{areas[0]}：目標ごとの判定")
    area1 = "\n".join("\n".join(_slide_texts(s)) for s in list(prs.slides)[i:i + 3] if areas[0] in _slide_texts(s)[0])
    rows = pg.progress_for_place(CAT, vals, "10000", 2024, "1")
    for r in rows:
        raw_val = vals.filter((pl.col("indicator_id") == r.indicator_id) & (pl.col("place_code") == "10000")
                              & (pl.col("fiscal_year") == r.actual_year))["value"]
        ind = CAT.indicators[r.indicator_id]
        if r.target_kind != "period_total":
            assert r.actual_value == raw_val[0]
        assert fmt.with_unit(r.actual_value, ind.unit_ja, ind.kind) in area1
        assert views.status_text(r.status, "ja") in area1
        if r.phase == "final":
            assert views.verdict_detail(CAT, r, "ja") in area1
    assert "43,120人（令和6年度）" in area1  # FY2024 kayoi participants in the sample snapshot
    assert "目標41,300人に240人不足（目標の99.4%）" in area1  # the FY2023 target's verdict rests on this
    assert summary.area_summary(CAT, rows, "1", "ja")[0] in area1


def test_official_only_deck_has_no_sample_label(data_copy: Path) -> None:
    from pptx import Presentation

    v = data.values(db.connect(), LocalStore(data_copy), CAT, OFFICIAL_SNAP, (), ["10000", "00000"])
    screens = slides.key_slides(CAT, v, "10000", 2020, "en")
    assert not any(s.sample for s in screens)
    raw = export.deck(CAT, screens, meta(sample=False, lang="en", snap=OFFICIAL_SNAP),
                      images=[_tiny_png()] * len(screens))
    prs = Presentation(io.BytesIO(raw))
    assert len(prs.slides) >= 1 + 2 * len(screens)  # title; per screen a chart slide and a numbers slide
    for s in prs.slides:
        text = "\n".join(_slide_texts(s))
        assert "SAMPLE" not in text and "Source:" in text and OFFICIAL_SNAP in text


def _tiny_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_briefing_html_escapes_text_and_holds_every_row_and_the_footer(vals: pl.DataFrame) -> None:
    m = meta(place="前橋市 <script>alert(1)</script>")
    page = export.briefing_for(CAT, vals, "10201", 2024, m)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "&lt;テスト&gt;" in page
    assert "サンプル（架空）データを含みます" in page and SAMPLE_SNAP in page and "出典" in page
    assert "size: A4 portrait" in page and "<img" not in page  # bars are HTML: every word prints as text
    rows = [r for r in pg.progress_for_place(CAT, vals, "10000", 2024) if r.status != "context"]
    page = export.briefing_for(CAT, vals, "10000", 2024, meta())
    for r in rows:
        assert html.escape(fmt.share(r.share_of_way, "ja")) in page
        assert html.escape(views.status_text(r.status, "ja")) in page
        detail = views.verdict_detail(CAT, r, "ja")
        assert not detail or html.escape(detail) in page
    assert html.escape("127.0.0.1:8501/?place=10000&year=2024") in page


def test_briefing_template_is_found_from_the_package_and_autoescapes() -> None:
    assert (export.TEMPLATES / "briefing.html.j2").is_file()
    assert export.TEMPLATES.parent == Path(dashboard.__file__).resolve().parent  # dashboard/templates
    env = export._templates()
    assert env.autoescape is True
    out = env.from_string("{{ x }}").render(x="<b>&")
    assert out == "&lt;b&gt;&amp;"


def test_running_footer_numbers_pages_only_when_asked() -> None:
    one = export.running_footer(meta(), numbered=False)
    assert "pageNumber" not in one and "出典" in one and SAMPLE_SNAP in one and "サンプル" in one
    two = export.running_footer(meta(lang="en"), numbered=True)
    assert 'Page <span class="pageNumber"></span> of <span class="totalPages"></span>' in two
    ja = export.running_footer(meta(), numbered=True)
    assert '<span class="totalPages"></span>枚中<span class="pageNumber"></span>枚' in ja


def test_pdf_pages_counts_page_objects_not_the_page_tree() -> None:
    pdf = b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page >> << /Type/Page/Parent 2 0 R >>"
    assert export.pdf_pages(pdf) == 2


@pytest.mark.browser  # the deck's charts (kaleido) and the PDF (Playwright) are drawn in Chromium
def test_cli_report_writes_deck_and_briefing(data_copy: Path, tmp_path: Path) -> None:
    from pptx import Presentation

    from dashboard import cli

    deck, brief, page_html = tmp_path / "d.pptx", tmp_path / "b.pdf", tmp_path / "b.html"
    assert cli.main(["report", "--place", "10202", "--as-of", OFFICIAL_SNAP, "--lang", "en", "--deck", str(deck),
                     "--briefing", str(brief), "--base-url", "http://dash.example"]) == 0
    prs = Presentation(str(deck))
    assert len(prs.slides) >= 1 + 2 * 6  # title; per screen (overview, five areas) chart and numbers
    text = "\n".join("\n".join(_slide_texts(s)) for s in prs.slides)
    assert "Takasaki" in text and OFFICIAL_SNAP in text and "SAMPLE" not in text  # official snapshot only
    assert brief.read_bytes().startswith(b"%PDF-")
    printed = subprocess.run(["pdftotext", str(brief), "-"], check=True, capture_output=True).stdout.decode()
    flat = re.sub(r"\s+", "", printed)
    assert "Takasaki" in flat and f"as_of={OFFICIAL_SNAP}" in flat and "SAMPLE" not in flat
    assert cli.main(["report", "--place", "10202", "--as-of", OFFICIAL_SNAP, "--briefing", str(page_html)]) == 0
    assert "高崎市" in page_html.read_text(encoding="utf-8")
    assert cli.main(["report", "--place", "99999", "--deck", str(deck)]) == 2


def test_a_place_without_data_in_an_area_opens_in_presenter_layout(data_copy: Path) -> None:
    # 高崎市 on the official snapshot has no data in four areas: their "no data" screens go to the projector too.
    v = data.values(db.connect(), LocalStore(data_copy), CAT, OFFICIAL_SNAP, (), pg.needed_places("10202"))
    screens = slides.key_slides(CAT, v, "10202", 2020, "en", present=True, width=760)
    assert len(screens) == 6 and all(s.fig.layout.font.size >= 18 for s in screens)
