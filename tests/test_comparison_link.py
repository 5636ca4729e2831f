"""Links that reopen exactly what was shown: the comparison's indicator and order travel in the URL and in
"link to this view" (AppTest over the shipped figures)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import links
from dashboard.config import ROOT
from tests.apptest_pages import link_urls, switch

APP = str(ROOT / "dashboard" / "app.py")


def _open(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(params)
    at.run()  # AppTest starts on the overview, which drops a comparison's parameters from its own URL
    switch(at, "area1")
    at.query_params.update(params)  # as a link to /area1 would carry them
    at.run()
    assert not at.exception
    return at


def test_a_link_reopens_the_compared_indicator_and_order(data_copy: Path) -> None:
    at = _open({"place": "10000", "year": "2024", "tab": "comparison", "cmp": "kayoi_places_weekly",
                "order": "laggards"})
    assert at.selectbox(key="area1_cmp_indicator").value == "kayoi_places_weekly"
    assert at.radio(key="area1_cmp_order").value == "laggards_first"
    view = links.parse(link_urls(at)[0])
    assert (view.tab, view.cmp, view.order) == ("comparison", "kayoi_places_weekly", "laggards")
    # Choosing another indicator is written back, and the next link carries it.
    at.selectbox(key="area1_cmp_indicator").set_value("kayoi_participants").run()
    at.radio(key="area1_cmp_order").set_value("leaders_first").run()
    assert at.query_params["cmp"] == ["kayoi_participants"] or at.query_params["cmp"] == "kayoi_participants"
    assert "order" not in at.query_params


def test_a_stale_or_forged_indicator_is_ignored(data_copy: Path) -> None:
    at = _open({"place": "10000", "year": "2024", "tab": "comparison", "cmp": "no_such_indicator"})
    assert at.selectbox(key="area1_cmp_indicator").value != "no_such_indicator"
