"""The methodology page names each indicator's policy area in the user's language (issue #12: no bare "#"
column of numbers). Expected words are written out here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.config import ROOT
from tests.apptest_pages import switch

APP = str(ROOT / "dashboard" / "app.py")
WORDS = {"ja": ("施策分野", "1. 介護予防・フレイル予防の推進", "人口・高齢化の状況"),
         "en": ("Policy area", "1. Care prevention and frailty prevention", "Population and ageing")}


def _methodology(lang: str) -> AppTest:
    """The methodology page, opened from the overview in `lang`."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    switch(at, "methodology").run()
    assert not at.exception
    return at


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_indicator_definitions_name_their_policy_area(data_copy: Path, lang: str) -> None:
    at = _methodology(lang)
    el = next(d for d in at.dataframe if "definition" in d.value.columns)
    header, first, context = WORDS[lang]
    assert json.loads(el.proto.columns)["area"]["label"] == header
    areas = el.value["area"].tolist()
    assert areas[0] == first and areas[-1] == context  # the context indicators (population) come last
    assert not any(str(a).isdigit() for a in areas)


SOURCES = {"ja": ("第2章1 介護予防に資する通いの場の目標", "第2章5(2) 評価結果及び目標値（市町村分）"),
           "en": ("Chapter 2, section 1: targets for community gathering places (kayoi-no-ba) that help prevent "
                  "the need for care", "Chapter 2, section 5(2): evaluation results and targets (municipalities)")}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_targets_table_cites_the_plan_in_the_users_language(data_copy: Path, lang: str) -> None:
    at = _methodology(lang)
    el = next(d for d in at.dataframe if "section" in d.value.columns)
    cited = el.value["section"].tolist()
    first, last = SOURCES[lang]
    assert cited[0] == first and cited[-1] == last and len(cited) == 14
    if lang == "en":
        assert not any(any("\u3040" <= ch <= "\u9fff" for ch in c) for c in cited)  # no Japanese left
