"""One format per unit: rates to one decimal, counts with separators, 万, shares, yes/no at one place;
one vocabulary of status words shared by chips, tables and written summaries."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import fmt, summary, views
from dashboard import progress as pg
from tests.po import po_text


def test_each_unit_has_one_format() -> None:
    assert fmt.rate(8.968) == "9.0%" and fmt.rate(9, "en") == "9.0%" and fmt.rate(52.565656) == "52.6%"
    assert fmt.count(35660, "人") == "35,660人" and fmt.count(35660, "people", "en") == "35,660 people"
    assert fmt.count(1781, "点") == "1,781点"
    assert fmt.man(47500, "人") == "4.75万人" and fmt.man(47500, "people", "en") == "47.5k people"
    assert fmt.man(9500, "人") == "9,500人"  # under 10,000 a count stays a count
    assert fmt.share(0.634) == "63%" and fmt.share(None) == "－"
    assert fmt.per_1000(12.345, "人") == "12.3人（65歳以上1,000人あたり）"
    assert fmt.per_1000(12.345, "people", "en") == "12.3 people per 1,000 aged 65+"
    for missing in (None, math.nan, math.inf):
        assert fmt.rate(missing) == "－" and fmt.count(missing, "人", "en") == "–"


def test_a_flag_at_one_municipality_reads_implemented_not_one_municipality() -> None:
    assert fmt.value(1.0, "市町村", "flag", one_place=True) == "実施"
    assert fmt.value(0.0, "市町村", "flag", one_place=True) == "未実施"
    assert fmt.value(1.0, "municipalities", "flag", "en", one_place=True) == "Yes"
    assert fmt.value(22.0, "市町村", "flag") == "22市町村"  # a count of municipalities stays a count
    assert fmt.value(8.968, "%", "rate") == "9.0%" and fmt.value(43120, "人", "count") == "43,120人"


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_a_rate_always_shows_exactly_one_decimal(v: float) -> None:
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d%", fmt.rate(v)), fmt.rate(v)
    assert fmt.rounded(v, "rate") == round(v, 1)


def _row(status: str) -> pg.Progress:
    return pg.Progress("A1-2025", "kayoi_participants", "10000", "level", "pace", 2020, 35660.0, 2025, 47500.0,
                       2024, 46000.0, False, None, None, 0.87, 45132.0, 1.0, status, 48000.0, 2024.6, None, None)


def test_status_words_are_one_set_for_chips_tables_and_summaries() -> None:
    rows = [_row("achieved"), _row("on_track"), _row("on_track"), _row("slightly_behind"), _row("context")]
    for lang in ("ja", "en"):
        text = summary.status_count_sentence(rows, lang)
        for status, n in (("achieved", 1), ("on_track", 2), ("slightly_behind", 1)):
            word = fmt.status_name(status, lang)
            assert word == po_text(lang, f"status_{status}")  # the catalogue file itself
            assert views.status_text(status, lang).endswith(word)  # the chip / table wording
            assert (f"{word}{n}件" if lang == "ja" else f"{word}: {n}") in text
        assert fmt.status_name("context", lang) not in text  # context rows are never tallied
    en = summary.status_count_sentence(rows, "en")
    assert en[0].isupper() and en.startswith("Of 4 targets")  # four judged by hand, capital first
    assert "moderate" not in en.lower() and "limited" not in en.lower()  # Open SDG's words are gone
    assert views.status_text("achieved", "ja") == "◎ 達成"


@pytest.mark.parametrize(("status", "ja", "en"), [
    ("on_track", "順調", "On track"), ("slightly_behind", "やや遅れ", "Slightly behind"), ("behind", "遅れ", "Behind"),
    ("moving_away", "後退", "Moving away"), ("achieved", "達成", "Achieved"),
    ("not_achieved", "未達成", "Not achieved"),
])
def test_every_language_says_what_the_japanese_says(status: str, ja: str, en: str) -> None:
    """やや遅れ is "slightly behind", not "moderate progress": an English reader hears what a Japanese one does."""
    assert (fmt.status_name(status, "ja"), fmt.status_name(status, "en")) == (ja, en)


def test_a_language_fmt_does_not_know_is_formatted_the_english_way() -> None:
    for lang in ("en_XA", "fr"):
        assert fmt.fy_label(2020, lang) == "FY2020" and fmt.fiscal_year(2024, lang) == "FY2024"
        assert fmt.count(35660, "people", lang) == "35,660 people" and fmt.rate(8.968, lang) == "9.0%"
        assert fmt.man(47500, "people", lang) == "47.5k people"
        assert fmt.count(None, "people", lang) == "–" and fmt.fy_label(None, lang) == "–"
    assert fmt.fiscal_year(2019, "ja") == "令和元年度" and fmt.fiscal_year(2018, "ja") == "平成30年度"


def test_fiscal_year_axis_ticks_give_the_era_only_in_japanese() -> None:
    assert fmt.fy_tick(2023, "ja") == "2023<br>（R5）" and fmt.fy_tick(2019, "ja") == "2019<br>（R1）"
    assert fmt.fy_tick(2018, "ja") == "FY2018"  # before 令和: no R-number
    assert fmt.fy_tick(2023, "en") == "FY2023" and fmt.fy_tick(2023, "en_XA") == "FY2023"
