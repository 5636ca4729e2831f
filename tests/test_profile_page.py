"""The municipality profile (市町村カルテ) through AppTest in Japanese and English (issue #12 item 4, #13):
its sections are tabs that build only the open one, the open tab is in the URL and the shared link, the
side-by-side table names the policy area, a town's own yes/no measure reads 実施/未実施 (never
「1市町村」), and the municipality picker speaks the user's language. Expected words are written out here."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import links
from dashboard.config import ROOT
from tests.apptest_pages import link_urls, switch

APP = str(ROOT / "dashboard" / "app.py")
TABS = {"ja": ["県の目標への寄与", "推移", "市町村・圏域・県の比較"],
        "en": ["Contribution to prefecture targets", "Trends", "Municipality, area and prefecture"]}
AREA1 = {"ja": "1. 介護予防・フレイル予防の推進", "en": "1. Care prevention and frailty prevention"}
AREA4 = {"ja": "4. 高齢者の保健事業と介護予防の一体的な実施",
         "en": "4. Integrated health services and care prevention for older people"}
POLICY_AREA = {"ja": "施策分野", "en": "Policy area"}
YES = {"ja": "実施", "en": "Yes"}
ONE_MUNICIPALITY = {"ja": "1市町村", "en": "1 municipalities"}
TOWN = {"ja": "南牧村（値）", "en": "Nanmoku (Value)"}
CHOOSE = {"ja": "選んでください", "en": "Choose"}
PICK = {"ja": "市町村を選んでください", "en": "Choose a municipality"}


def _open(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    return switch(at, "profile").run()


def _charts(at: AppTest) -> list[str]:
    return [el.proto.id.split("-", 2)[2] for el in at.get("plotly_chart")]


def _table(at: AppTest, field: str) -> tuple[dict[str, str], pd.DataFrame]:
    """The table that has `field`: its headers as shown (column config) and its cells."""
    for el in at.dataframe:
        if field in el.value.columns:
            config = json.loads(el.proto.columns)
            return {c: config.get(c, {}).get("label") or c for c in el.value.columns}, el.value
    raise AssertionError(f"no table with {field}")


def _cells(df: pd.DataFrame) -> set[str]:
    return {str(v) for c in df.columns for v in df[c].tolist()}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_tabs_build_only_the_open_section_and_the_open_tab_is_in_the_link(data_copy: Path, lang: str) -> None:
    at = _open({"place": "10383", "year": "2024", "lang": lang})  # 南牧村
    assert not at.exception, [e.value for e in at.exception]
    assert [tb.label for tb in at.tabs] == TABS[lang]
    # The first tab (contribution) draws its one chart, not the dozen trend charts.
    assert _charts(at) == ["profile_bars"]
    assert at.query_params["tab"] == "headline" and links.parse(link_urls(at)[0]).tab == "headline"
    at.session_state["profile_section"] = TABS[lang][1]  # the user opens the trends
    at.run()
    trends = _charts(at)
    assert len(trends) >= 10 and all(k.startswith("profile_trend_") for k in trends)
    assert at.query_params["tab"] == "trends" and links.parse(link_urls(at)[0]).tab == "trends"
    # A language switch keeps the tab open (its label changes).
    other = "en" if lang == "ja" else "ja"
    at.sidebar.radio(key="flt_lang").set_value(other).run()
    assert at.session_state["profile_section"] == TABS[other][1]
    assert _charts(at) == trends
    # A shared link to a tab opens it.
    at = _open({"place": "10383", "year": "2024", "lang": lang, "tab": "comparison"})
    assert at.session_state["profile_section"] == TABS[lang][2]
    assert _charts(at) == []  # the side-by-side table only


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_side_table_names_the_policy_area_and_a_towns_flag_reads_in_words(data_copy: Path, lang: str) -> None:
    at = _open({"place": "10383", "year": "2024", "lang": lang, "tab": "comparison"})
    assert not at.exception, [e.value for e in at.exception]
    headers, side = _table(at, "cmp_area")
    assert headers["policy_area"] == POLICY_AREA[lang] and "#" not in headers.values()
    assert side["policy_area"].iloc[0] == AREA1[lang]
    # 南牧村 runs the integrated implementation (一体的実施) in FY2024: its own cell says so in words.
    row = side[side["policy_area"] == AREA4[lang]].iloc[0]
    assert row["value_text"] == YES[lang] and headers["value_text"] == TOWN[lang]
    assert ONE_MUNICIPALITY[lang] not in _cells(side)
    # The same words in the contribution table (the prefecture's target counts municipalities).
    at.session_state["profile_section"] = TABS[lang][0]
    at.run()
    _, head = _table(at, "actual_text")
    assert YES[lang] in head["actual_text"].tolist() and ONE_MUNICIPALITY[lang] not in _cells(head)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_municipality_picker_and_the_filters_speak_the_users_language(data_copy: Path, lang: str) -> None:
    at = _open({"place": "K05", "lang": lang})  # an area: the profile asks for one of its municipalities
    assert not at.exception
    box = at.selectbox(key="profile_pick")
    assert box.proto.placeholder == PICK[lang] and box.label == PICK[lang]  # not Streamlit's "Choose an option"
    # The sidebar filters' placeholders too (shown by an empty selectbox).
    assert [b.proto.placeholder for b in at.sidebar.selectbox] == [CHOOSE[lang]] * 3
