"""AppTest: the progress table tells the 令和5年度 and 令和7年度 targets of one indicator apart.

Target labels differ only at their end (「…（令和5年度目標）」 / 「…（令和7年度目標）」), which a narrow 目標
column cuts; the target year has a column of its own, next to the label, in both languages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.catalog import load_catalog
from dashboard.config import ROOT

APP = str(ROOT / "dashboard" / "app.py")
CAT = load_catalog()


@pytest.mark.parametrize(("lang", "header", "years"), [
    ("ja", "目標年度", {"令和5年度（2023）", "令和7年度（2025）"}),
    ("en", "Target year", {"FY2023", "FY2025"}),
])
def test_progress_table_has_a_target_year_column(data_copy: Path, lang: str, header: str, years: set[str]) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"place": "10000", "year": "2024", "lang": lang}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    table = next(d for d in at.dataframe if "target_year" in d.value.columns)
    df = table.value
    assert list(df.columns[:2]) == ["label", "target_year"]  # beside the label, before it is cut
    config = json.loads(table.proto.columns)
    assert config["target_year"]["label"] == header
    # The two targets of the participants count: the same indicator, told apart by their year.
    labels = {tg.label(lang): tg for tg in CAT.targets if tg.indicator_id == "kayoi_participants"}
    rows = df[df["label"].isin(list(labels))]
    assert set(rows["target_year"]) == years


@pytest.mark.parametrize(("lang", "words"), [("ja", {"実施", "未実施"}), ("en", {"Yes", "No"})])
def test_a_towns_own_yes_no_measure_reads_in_words_not_one_municipality(data_copy: Path, lang: str,
                                                                          words: set[str]) -> None:
    from tests.apptest_pages import switch

    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in {"place": "10201", "lang": lang}.items():
        at.query_params[k] = v
    at.run()
    switch(at, "area4").run()
    assert not at.exception
    df = next(d for d in at.dataframe if "actual_text" in d.value.columns).value
    flags = df[df["label"].str.contains("一体的実施" if lang == "ja" else "ntegrated")]
    assert len(flags) == 2, df["label"].tolist()
    assert set(flags["actual_text"]) <= words and flags["actual_text"].iloc[0] in words, flags["actual_text"].tolist()
