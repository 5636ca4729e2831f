"""Issue 19 item 5: the place picker finds every town by code, kana, romaji and kanji. Streamlit's box keeps the
options whose visible label contains what was typed (React Aria's useFilter `contains`, case-insensitive), so
each option's label carries them all; this checks the labels the way the box filters them."""

from __future__ import annotations

import pytest

from dashboard.catalog import Catalog, load_catalog
from dashboard.ui.filters import place_option

CAT = load_catalog()


def _found(typed: str, lang: str) -> list[str]:
    return [c for c in CAT.place_codes() if typed.casefold() in place_option(CAT, c, lang).casefold()]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("typed", ["10425", "つまごい", "Tsumagoi", "tsumagoi", "嬬恋", "嬬恋村"])
def test_tsumagoi_is_found_every_way_in_every_language(typed: str, lang: str) -> None:
    assert _found(typed, lang) == ["10425"]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_municipality_is_found_by_its_code_kana_romaji_and_kanji(lang: str) -> None:
    for r in CAT.municipalities.iter_rows(named=True):
        for typed in (r["code5"], r["kana"], r["name_en"], r["name_ja"]):
            assert r["code5"] in _found(typed, lang), (typed, lang)


def test_labels_read_as_the_issue_asks() -> None:
    assert place_option(CAT, "10425", "ja") == "嬬恋村（つまごいむら・Tsumagoi・10425）"
    assert place_option(CAT, "10425", "en") == "Tsumagoi (嬬恋村 · つまごいむら · 10425)"
    assert place_option(CAT, "10000", "ja") == "群馬県（県全体）（ぐんまけん・Gunma・10000）"
    assert place_option(CAT, "K06", "ja") == "吾妻圏域（Agatsuma・K06）"
    assert _found("ぐんま", "en") == ["10000"]


def test_a_catalog_without_readings_still_gives_code_and_romaji(tiny_catalog: Catalog) -> None:
    # The synthetic reference files have no kana column values and no prefecture.csv.
    assert tiny_catalog.place_readings("19001") == ("Ko",)
    assert place_option(tiny_catalog, "19001", "ja") == "甲市（Ko・19001）"
    assert place_option(tiny_catalog, "10000", "ja").endswith("（10000）")


@pytest.mark.parametrize(("lang", "help_start", "link_start"), [
    ("ja", "名前・よみ", "計画の中心となる指標は「通いの場」"), ("en", "Type a name", "The plan's headline measure")])
def test_the_picker_says_what_can_be_typed_and_the_overview_links_the_headline_measure(
        data_copy: object, lang: str, help_start: str, link_start: str) -> None:
    from streamlit.testing.v1 import AppTest

    from dashboard.config import ROOT

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.startswith(help_start) and "No results" in c.value for c in at.sidebar.caption)
    links = [el.proto.label for el in at.get("page_link")]
    assert any(x.startswith(link_start) and x.endswith("1. " + CAT.area_info("1").name(lang)) for x in links), links
