"""Downloads through Streamlit's AppTest: export buttons under every chart of every page, and the files
the buttons produce (CSV, Excel, PNG, deck, briefing) read back; a shared link after a new upload.

The export buttons of a chart or table exist only while its "Export" popover is open (the test opens it
as the browser does, by setting the popover's state and rerunning); they build their file only when clicked
(deferred callables): the test runs the callable the way the server does on a click
(MediaFileManager.execute_deferred) and reads the bytes back.
"""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, db, links, views
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore
from dashboard.ui.share import LINK_POPOVER
from tests.apptest_pages import link_urls, names, switch
from tests.grids import bundled_id
from tests.recording import Recorder  # (its fixture app_data comes from tests/conftest.py)

APP = str(ROOT / "dashboard" / "app.py")
PAGES = names()  # from the page registry
CAT = load_catalog()
SAMPLE_SNAP = bundled_id(4)  # the newest bundled sample
OFFICIAL_SNAP = bundled_id(1)  # the plan's official figures


def _open(params: dict[str, str], page: str = "overview") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        switch(at, page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _export_popovers(at: AppTest) -> dict[str, str]:
    """The export popovers on screen (charts, tables, deck and briefing): widget key -> label."""
    return {p.proto.id.split("-", 2)[2]: p.proto.popover.label for p in at.get("popover")
            if p.proto.id.count("-") >= 2 and p.proto.id.split("-", 2)[2].startswith(("dlp_", "dltp_", "dl_reports"))}


def _open_exports(at: AppTest, *keys: str) -> AppTest:
    """Open the export popovers of these charts or tables (what a click on "Export" does)."""
    for k in keys:
        at.session_state[k] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _download(at: AppTest, key: str) -> bytes:
    """What the browser gets when the download button `key` is clicked (its export popover opened first)."""
    if not any(b.proto.id.endswith(f"-{key}") for b in at.get("download_button")):
        if key in ("dl_deck", "dl_briefing", "dl_briefing_pdf"):
            _open_exports(at, "dl_reports")
        if key == "dl_deck":  # the deck is made on request (its progress shown), then offered
            at.button(key="mk_deck").click().run()
        for prefix, kind in (("dl_png_", "dlp_"), ("dl_csv_", "dlp_"), ("dl_xlsx_", "dlp_"), ("dlt_csv_", "dltp_"),
                             ("dlt_xlsx_", "dltp_")):
            if key.startswith(prefix):
                _open_exports(at, kind + key.removeprefix(prefix))
    btn = next(b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}"))
    mgr = Recorder.last
    assert mgr is not None
    if not btn.proto.deferred_file_id:  # made in the run (the deck): already stored
        return mgr._storage.get_file(btn.proto.url.rsplit("/", 1)[-1].split(".")[0]).content  # type: ignore[attr-defined]
    url = mgr.execute_deferred(btn.proto.deferred_file_id)
    return mgr._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content  # type: ignore[attr-defined]


def _chart_keys(at: AppTest) -> list[str]:
    return [el.proto.id.split("-", 2)[2] for el in at.get("plotly_chart")]


def _link_urls(at: AppTest) -> list[str]:
    """The URLs offered by "link to this view" (view, presenter mode, embed), its popover opened."""
    return link_urls(at)


def _bars(at: AppTest) -> list[float]:
    spec = next(json.loads(el.proto.spec) for el in at.get("plotly_chart") if el.proto.id.endswith("-overview_bars"))
    return list(spec["data"][0]["x"])


def test_every_page_has_link_to_view_and_exports_under_every_chart(app_data: Path) -> None:
    """Each page: the link popover (view, presenter, embed URLs, snapshot pinned) and PNG/CSV/Excel per chart."""
    params = {"place": "10201", "year": "2024", "lang": "ja"}
    at = _open(params)
    # At 前橋市 a policy area whose targets are all the prefecture's (context: never drawn as bars) shows its
    # targets' table under 目標の進捗 and no chart there; 一体的実施 (judged at every municipality) has its bar.
    vals = data.values(db.connect(), LocalStore(app_data), CAT, SAMPLE_SNAP, (), pg.needed_places("10201"))
    judged = {CAT.indicators[r.indicator_id].policy_area for r in pg.progress_for_place(CAT, vals, "10201", 2024)
              if r.judged}
    context_only = {f"area{a}" for a in {CAT.indicators[tg.indicator_id].policy_area for tg in CAT.targets} - judged}
    assert judged == {"4"} and context_only == {"area1", "area5"}
    for page in PAGES:
        if page != "overview":
            switch(at, page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert next(p.proto.popover.label for p in at.get("popover")) == "このビューへのリンク", page
        urls = _link_urls(at)
        assert len(urls) == 3, (page, urls)
        views_ = [links.parse(u) for u in urls]
        for v in views_:
            # "latest" is pinned to the snapshot shown, so the link survives later uploads.
            assert (v.page, v.place, v.year, v.as_of, v.lang) == (page, "10201", 2024, SAMPLE_SNAP, "ja"), (page, v)
        assert [v.mode for v in views_] == ["normal", "present", "normal"]
        assert [v.embed for v in views_] == [False, False, True]
        # Close the link popover again (its own tabs, one URL each, are not the page's sections).
        at.session_state[LINK_POPOVER] = False
        at.run()
        # A policy-area page and the profile run only their open tab: look under the charts of every tab.
        tabs = [tb.label for tb in at.tabs] if f"{page}_section" in at.session_state else [None]
        for tab in tabs:
            if tab is not None:
                at.session_state[f"{page}_section"] = tab
                at.run()
            keys = _chart_keys(at)
            table_only = page == "methodology" or tab == "市町村・圏域・県の比較" or (
                page in context_only and tab == "目標の進捗")
            assert bool(keys) != table_only, (page, tab, keys)  # a table only
            pops = _export_popovers(at)
            # One closed "Export" popover per chart and per table; no chart or table button until one is opened.
            assert {f"dlp_{k}": "出力（PNG・CSV・Excel）" for k in keys}.items() <= pops.items(), (page, tab, pops)
            tables = [k for k in pops if k.startswith("dltp_")]
            assert all(pops[k] == "出力（CSV・Excel）" for k in tables), (page, tab)
            assert tables or page not in ("overview", "methodology"), (page, tab)
            assert not at.get("download_button"), (page, tab)  # a page run makes no download button until asked
            # The deck and briefing: on the overview, and above the profile's tabs (whichever is open).
            assert ("dl_reports" in pops) == (page in ("overview", "profile")), (page, tab)
            _open_exports(at, *pops)
            labels = {b.proto.id.split("-", 2)[2]: b.proto.label for b in at.get("download_button")}
            for key in keys:
                assert labels.get(f"dl_png_{key}") == "画像（PNG）", (page, key)
                assert labels.get(f"dl_csv_{key}") == "データ（CSV）", (page, key)
                assert labels.get(f"dl_xlsx_{key}") == "データ（Excel）", (page, key)
            for key in tables:
                assert labels.get(f"dlt_csv_{key.removeprefix('dltp_')}") == "データ（CSV）", (page, key)
                assert labels.get(f"dlt_xlsx_{key.removeprefix('dltp_')}") == "データ（Excel）", (page, key)
            for k in pops:  # close them again, as the next tab or page opens with them closed
                at.session_state[k] = False
            if "dl_reports" in pops:
                assert pops["dl_reports"] == "スライド（PowerPoint）・1枚の説明資料（A4）", page
                assert at.button(key="mk_deck").label and labels.get("dl_briefing_pdf"), page


def test_downloads_read_back_with_the_query_layers_numbers(app_data: Path) -> None:
    """Overview of 前橋市 on the sample snapshot: CSV, Excel, deck and briefing built by the buttons."""
    from openpyxl import load_workbook
    from pptx import Presentation

    at = _open({"place": "10201", "year": "2024", "as_of": SAMPLE_SNAP, "lang": "ja"})
    vals = data.values(db.connect(), LocalStore(app_data), CAT, SAMPLE_SNAP, (), pg.needed_places("10201"))
    rows = pg.progress_for_place(CAT, vals, "10201", 2024)  # the table behind the bars: every target

    raw = _download(at, "dl_csv_overview_bars")
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Japanese correctly
    csv = pl.read_csv(io.BytesIO(raw[3:]))  # headers in the user's language, figures rounded as shown
    by_target = {r.target_id: r for r in rows}
    # Every target shown at a municipality: all but the prefecture's own scores (D1/D2, below=none).
    assert csv["目標ID"].to_list() == [r.target_id for r in rows]
    assert set(by_target) == {tg.id for tg in CAT.targets if tg.below != "none"} and len(rows) == 12
    want = views.progress_table(CAT, rows, "ja")
    assert csv["目標"].to_list() == want["label"].to_list()  # Japanese intact
    assert csv["状況"].to_list() == want["status_text"].to_list()
    assert [x or "" for x in csv["判定の根拠"].to_list()] == want["reason"].to_list()
    # Only 一体的実施 is judged at 前橋市 (達成, 100 % of the way, or no share of the way if the city already did
    # it in the baseline year: that is sample data); every other row is the prefecture's target as context: the
    # city's own figure beside it, no share of the way.
    shares = dict(zip(csv["目標ID"].to_list(), csv["進捗率（%）"].to_list(), strict=True))
    assert shares == {r.target_id: (None if r.share_of_way is None else round(r.share_of_way * 100)) for r in rows}
    at_baseline = vals.filter((pl.col("indicator_id") == "ittaiteki_implemented") & (pl.col("place_code") == "10201")
                              & (pl.col("fiscal_year") == 2020))["value"].to_list() == [1.0]
    assert by_target["C1-2024"].status == "achieved"
    assert {tid: sh for tid, sh in shares.items() if sh is not None} == ({} if at_baseline else {"C1-2024": 100})
    actuals = [r.actual_value for r in rows]
    assert all(a is not None for a in actuals)  # each row carries the city's own latest figure
    assert csv["実績値"].to_list() == pytest.approx(
        [round(a or 0.0, d) for a, d in zip(actuals, want["decimals"].to_list(), strict=True)])
    assert set(csv["データ区分"].to_list()) == {"サンプル（架空）"}

    wb = load_workbook(io.BytesIO(_download(at, "dl_xlsx_overview_bars")))
    sheet = list(wb["data"].iter_rows(values_only=True))
    assert len(sheet) == 1 + csv.height and "データ区分" in sheet[0]

    prs = Presentation(io.BytesIO(_download(at, "dl_deck")))
    # Title, then per screen (overview, five policy areas) its chart slide(s) and its numbers slide(s).
    assert len(prs.slides) >= 1 + 2 * (1 + 5)
    for s in prs.slides:
        text = "\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        assert "出典" in text and SAMPLE_SNAP in text and "サンプル（架空）" in text
    first = "\n".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert "前橋市" in first and "令和6年度" in first

    page = _download(at, "dl_briefing").decode("utf-8")
    assert "前橋市" in page and SAMPLE_SNAP in page and "サンプル（架空）データを含みます" in page
    assert "@page" in page and "A4" in page


def test_png_download_is_a_real_image(app_data: Path) -> None:
    """One PNG through the button (kaleido + chromium): a PNG of the export width."""
    at = _open({"place": "10000", "year": "2024", "as_of": SAMPLE_SNAP, "lang": "en"}, "area1")
    key = next(k for k in _chart_keys(at) if k.startswith("area1_"))
    img = _download(at, f"dl_png_{key}")
    assert img[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", img[16:24])
    assert w == 1200 and 200 <= h <= 2000


def test_official_snapshot_exports_are_not_labelled_sample(app_data: Path) -> None:
    at = _open({"place": "10000", "year": "2020", "as_of": OFFICIAL_SNAP, "lang": "en"})
    keys = _chart_keys(at)
    assert keys
    raw = _download(at, f"dl_csv_{keys[0]}")
    assert "SAMPLE" not in raw.decode("utf-8-sig")
    brief = _download(at, "dl_briefing").decode("utf-8")
    assert "SAMPLE" not in brief and OFFICIAL_SNAP in brief


def test_shared_link_shows_the_same_numbers_after_a_new_upload(app_data: Path) -> None:
    """The link taken before an upload reopens with the old numbers; the unpinned page moves on."""
    at = _open({"place": "10201", "year": "2024", "lang": "en"})
    before = _bars(at)
    assert before == [100.0]  # 前橋市's one judged target, 一体的実施 (C1-2024): in place in FY2024, achieved
    url = _link_urls(at)[0]
    # A later upload: the city no longer does it in FY2024 (0 against its own baseline 0 → 1: 0 % of the way).
    df = pl.DataFrame({"indicator_id": ["ittaiteki_implemented"], "municipality_code": ["10201"],
                       "fiscal_year": [2024], "value": [0.0]})
    LocalStore(app_data).publish(to_parquet_bytes(df), label="later upload", kind="official",
                                 source_name="r.parquet", rows=1, publisher="test")
    view = links.parse(url)
    reopened = _open(links.params(view), view.page)
    assert _bars(reopened) == before
    assert _link_urls(reopened)[0] == url
    fresh = _open({"place": "10201", "year": "2024", "lang": "en"})
    assert _bars(fresh) == [0.0]
