"""Issue 18 item 4 on the running app: after a partial publication (FY2025 from 3 of 35 municipalities) everyone
opens at the latest complete year; the partial year can be chosen and says 「暫定：35市町村中3市町村」, and its
comparison lists the municipalities that have not reported as 未報告 (never None)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from dashboard.config import ROOT
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore
from tests.apptest_pages import switch

APP = str(ROOT / "dashboard" / "app.py")
PARTIAL = {"10201": 9000.0, "10202": 8000.0, "10366": 40.0}  # kayoi_participants FY2025: 前橋市, 高崎市, 上野村


def _publish_partial(data_dir: Path) -> None:
    frame = pl.DataFrame({"indicator_id": ["kayoi_participants"] * 3, "municipality_code": list(PARTIAL),
                          "fiscal_year": [2025] * 3, "value": list(PARTIAL.values())})
    LocalStore(data_dir).publish(to_parquet_bytes(frame), label="FY2025 速報（3市町村）", kind="official",
                                 source_name="partial.csv", rows=3, publisher="test")


def test_first_visit_opens_at_the_complete_year_and_the_partial_one_is_labelled(data_copy: Path) -> None:
    _publish_partial(data_copy)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    year = at.sidebar.selectbox[1]
    assert year.value == 2024
    assert "令和7年度（2025）　暫定：35市町村中3市町村" in year.options
    assert "令和6年度（2024）" in year.options
    assert at.query_params["year"] == "2024"


def test_a_chosen_partial_year_says_so_and_lists_who_has_not_reported(data_copy: Path) -> None:
    _publish_partial(data_copy)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["year"] = "2025"
    at.query_params["tab"] = "comparison"
    at.run()
    switch(at, "area1").run()
    assert not at.exception, [e.value for e in at.exception]
    texts = [m.value for m in at.markdown]
    assert any("令和7年度（2025）　暫定：35市町村中3市町村" in x for x in texts)  # the header and the section
    el = next(d for d in at.dataframe if "report_note" in d.value.columns)
    assert (el.value["report_note"] == "未報告").sum() == 32
    assert el.proto.placeholder == "－"  # an empty number cell reads as a dash, not Streamlit's "None"
    assert any(c.value.startswith("未報告（32市町村）：") for c in at.caption)
