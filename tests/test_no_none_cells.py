"""No table cell or sentence a person reads says None, nan or null: every page at the prefecture and at a city,
in Japanese and English (AppTest over the shipped figures: this is about what ships)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.config import ROOT
from dashboard.links import TABS
from tests.apptest_pages import names, switch

APP = str(ROOT / "dashboard" / "app.py")
BAD = ("None", "nan", "NaN", "null")


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("place", ["10000", "10201"])
def test_no_cell_reads_none(data_copy: Path, place: str, lang: str) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"place": place, "year": "2024", "lang": lang})
    at.run()
    for name, tab in [(n, None) for n in names()] + [(f"area{a}", tab) for a in "12345" for tab in TABS]:
        if tab is not None:
            at.query_params["tab"] = tab
        switch(at, name).run()
        assert not at.exception, name
        _check(at, f"{name} {tab}")


def _check(at: AppTest, name: str) -> None:
    """Every dataframe cell and every Markdown text of the run."""
    for df in at.dataframe:
        frame = df.value
        for col in frame.columns:
            for v in frame[col].tolist():
                assert v is not None and not (isinstance(v, float) and math.isnan(v)), (name, col)
                assert str(v) not in BAD, (name, col, v)
    text = " ".join(str(m.value) for m in at.markdown)
    assert not [w for w in (" None", "None ", ">None<", " nan ") if w in text], name
