"""Streamlit's own table toolbar ("Download as CSV") takes the cells as shown: a snapshot label or publisher
name written as a spreadsheet formula must reach it neutralised (OWASP CSV injection)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from streamlit.testing.v1 import AppTest

from dashboard.config import ROOT
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore
from tests.apptest_pages import switch

APP = str(ROOT / "dashboard" / "app.py")


def test_formula_text_reaches_the_table_neutralised(data_copy: Path) -> None:
    df = pl.DataFrame({"indicator_id": ["kayoi_participants"], "municipality_code": ["10201"],
                       "fiscal_year": [2025], "value": [100.0]},
                      schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8, "fiscal_year": pl.Int32,
                              "value": pl.Float64})
    LocalStore(data_copy).publish(to_parquet_bytes(df), label='=HYPERLINK("http://evil.example","x")',
                                  kind="sample", source_name="t.parquet", rows=1, publisher="@SUM(1+1)")
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    switch(at, "methodology").run()
    assert not at.exception
    cells = [str(v) for d in at.dataframe for col in d.value.columns for v in d.value[col].tolist()]
    assert any("HYPERLINK" in c for c in cells) and any("SUM(1+1)" in c for c in cells)
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
