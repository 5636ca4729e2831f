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


def test_the_comparison_table_writes_shares_as_the_charts_do(data_copy: Path) -> None:
    """Percentages in whole numbers (vs the benchmark) or one decimal (share of the prefecture), the unit in the
    header: never Streamlit's 125.52 %."""
    import json

    from tests.po import po_text

    at = _open({"place": "10000", "year": "2024", "tab": "comparison", "cmp": "kayoi_participants"})
    (table,) = at.dataframe  # the comparison's table, the one table on the tab
    cols = json.loads(table.proto.columns)
    df = table.value
    assert cols["share"]["label"] == po_text("ja", "col_share") + "（%）"
    assert cols["share"]["type_config"]["format"] == "%.1f%%"
    assert all(v == round(v, 1) for v in df["share"].dropna()) and 99 <= df["share"].sum() <= 101  # percent units
