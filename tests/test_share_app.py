"""AppTest: the sharing pieces inside the real app script (presenter mode, link, summaries, downloads)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, db, links, slides, summary
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore
from tests.apptest_pages import link_urls, switch
from tests.grids import bundled_id
from tests.po import po_text

APP = str(ROOT / "dashboard" / "app.py")
CAT = load_catalog()
SNAP = bundled_id(4)  # the newest bundled sample


def _run(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _vals(data_dir: Path, place: str) -> pl.DataFrame:
    return data.values(db.connect(), LocalStore(data_dir), CAT, SNAP, (), pg.needed_places(place))


def _html(at: AppTest) -> list[str]:
    return [str(h.proto.body) for h in at.get("html")]


def test_presenter_mode_screens_match_the_query_layer(data_copy: Path) -> None:
    at = _run({"mode": "present", "place": "10202", "year": "2024", "lang": "en"})
    assert not at.exception
    expected = slides.key_slides(CAT, _vals(data_copy, "10202"), "10202", 2024, "en", with_overview=False)
    seen = []
    for _ in expected:
        body = "".join(_html(at))
        seen.append(next(s.key for s in expected if f">{s.takeaway.replace('&', '&amp;')}<" in body))
        assert SNAP in body and "Source:" in body
        if at.button(key="present_next").disabled:  # the last screen: no wrap to the first
            break
        at.button(key="present_next").click().run()
    assert seen == [s.key for s in expected]
    assert at.query_params["slide"] == str(len(expected) - 1)
    assert len(at.sidebar.selectbox) == 3  # the filters still exist (hidden), so the URL stays in sync


def test_overview_has_written_summary_link_and_downloads(data_copy: Path) -> None:
    at = _run({"place": "10000", "year": "2024"})
    assert not at.exception
    rows = pg.progress_for_place(CAT, _vals(data_copy, "10000"), "10000", 2024)
    body = "".join(_html(at))
    assert summary.status_count_sentence([r for r in rows if r.status != "no_target"]) in body
    codes = link_urls(at)
    view = links.parse(codes[0])
    # The shared link pins the snapshot and the plan period shown (the 8th plan: the newest with targets).
    assert view == links.View(page="overview", place="10000", year=2024, as_of=SNAP, lang="ja", plan="8")
    assert links.parse(codes[1]).mode == "present" and links.parse(codes[2]).embed
    assert "出力（PNG・CSV・Excel）" in [p.proto.popover.label for p in at.get("popover")]
    at.session_state["dlp_overview_bars"] = True  # the chart's "Export" popover opened
    at.session_state["dl_reports"] = True  # and the slides / briefing one
    labels = [b.proto.label for b in at.run().get("download_button")]
    assert {"画像（PNG）", "データ（CSV）", "データ（Excel）"} <= set(labels)
    assert at.button(key="mk_deck").label == "スライドを作成"  # the deck is made on request, then offered
    assert "1枚の説明資料をダウンロード（A4・PDF）" in labels
    assert "1枚の説明資料（A4・印刷用HTML）をダウンロード" in labels


def test_every_page_has_the_link_action(data_copy: Path) -> None:
    for page in ("area1", "area2", "area3", "area4", "area5", "profile", "methodology"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["place"] = "10201"
        switch(at, page).run()
        assert not at.exception, page
        first = links.parse(link_urls(at)[0])
        assert first.page == page and first.place == "10201" and first.as_of == SNAP, page


def test_the_open_tab_is_in_the_url_and_the_link_reopens_it(data_copy: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["place"] = "10201"
    at.query_params["tab"] = "comparison"  # a shared link to the municipal comparison
    switch(at, "area1").run()
    assert not at.exception
    assert at.session_state["area1_section"] == "市町村比較" and at.selectbox(key="area1_cmp_indicator")
    assert links.parse(link_urls(at)[0]).tab == "comparison"
    at.session_state["area1_section"] = "推移"  # the user opens another tab
    at.run()
    assert at.query_params["tab"] == "trends" and links.parse(link_urls(at)[0]).tab == "trends"
    at.sidebar.selectbox(key="flt_place").select("10202").run()  # a filter change keeps the tab
    assert at.session_state["area1_section"] == "推移" and at.query_params["tab"] == "trends"
    switch(at, "methodology").run()
    assert links.parse(link_urls(at)[0]).tab is None  # pages without tabs never carry one


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_sharing_words_come_from_the_message_catalogue(data_copy: Path, lang: str) -> None:
    """The link popover and the deck/briefing buttons read the .po files (no words kept in share.py)."""
    at = _run({"place": "10201", "lang": lang})
    assert not at.exception
    pops = [p.proto.popover.label for p in at.get("popover")]
    assert po_text(lang, "share_link") == pops[0]
    assert po_text(lang, "share_link_help") not in [c.value for c in at.caption]  # made only when opened
    link_urls(at)  # the user opens it
    assert po_text(lang, "share_link_help") in [c.value for c in at.caption]
    assert po_text(lang, "share_exports") in [h.value for h in at.subheader]
    at.session_state["dl_reports"] = True  # the slides / briefing popover opened
    labels = {b.proto.id.split("-", 2)[2]: b.proto.label for b in at.run().get("download_button")}
    assert labels["dl_briefing"] == po_text(lang, "share_briefing")
    assert labels["dl_briefing_pdf"] == po_text(lang, "share_briefing_pdf")
    assert at.button(key="mk_deck").label == po_text(lang, "share_deck_make")  # the deck: made on request
