"""Page data (dashboard.views): URL filters, progress rows, trends, comparison, matrix, profile."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import polars as pl
import pytest

from dashboard import data, db, views
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore

CAT = load_catalog()


@pytest.fixture(scope="module")
def vals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pl.DataFrame]:
    """All as-of values of a private copy of the bundled data (newest snapshot)."""
    dst = tmp_path_factory.mktemp("views") / "data"
    shutil.copytree(ROOT / "data", dst)
    yield data.values(db.connect(), LocalStore(dst), CAT)


def _v(df: pl.DataFrame, ind: str, place: str, fy: int) -> float:
    row = df.filter((pl.col("indicator_id") == ind) & (pl.col("place_code") == place) & (pl.col("fiscal_year") == fy))
    return float(row["value"][0])


# ---------------------------------------------------------------- labels

def test_place_label_marks_prefecture() -> None:
    assert views.place_label(CAT, "10000", "ja") == "群馬県（県全体）"
    assert views.place_label(CAT, "K05", "ja") == "富岡圏域"
    assert views.place_label(CAT, "10383", "en") == "Nanmoku"


# ---------------------------------------------------------------- progress rows

def test_progress_table_for_prefecture_matches_progress_layer(vals: pl.DataFrame) -> None:
    rows = pg.progress_for_place(CAT, vals, "10000", 2024)
    tbl = views.progress_table(CAT, rows, "ja")
    assert tbl.height == len(CAT.targets)
    a1 = tbl.filter(pl.col("target_id") == "A1-2025").row(0, named=True)
    p = next(r for r in rows if r.target_id == "A1-2025")
    assert a1["share"] == pytest.approx(p.share_of_way)
    assert a1["baseline_text"] == "35,660人（令和2年度（2020））"
    assert a1["target_text"] == "47,500人（令和7年度（2025））"
    assert a1["status_text"] == "△ やや遅れ" and a1["reason"] == ""  # a pace verdict: no gap yet
    # A target whose year has come reads its result and its gap, in the chip's words.
    a3 = tbl.filter(pl.col("target_id") == "A3-2023").row(0, named=True)
    assert (a3["status_text"], a3["reason"]) == ("× 未達成", "目標1,200か所に154か所不足（目標の87.2%）")
    assert a1["data"] == "サンプル（架空）"
    # Expected by now: 4 of 5 years from FY2020 to FY2025 have passed at the FY2024 actual.
    assert a1["expected_share"] == pytest.approx(0.8)
    # "Above the national average": judged against FY2024's national figure, the plan's 71.0% as its expectation.
    d2 = tbl.filter(pl.col("target_id") == "D2-2024").row(0, named=True)
    assert d2["target_text"].startswith("72.9%")
    assert d2["reason"] == "全国平均72.9%に4.3ポイント届かず（全国平均の94.1%）（計画が見込んだ水準は71.0%）"


def test_expected_share_of_period_total() -> None:
    tg = views.target_for(CAT, "B2-2021-23")
    p = pg.evaluate(tg, CAT.indicators[tg.indicator_id], {2021: 300.0, 2022: 400.0}, 2022, place="10000")
    # Two of three years of the FY2021–23 period: 800 expected of 1,200.
    assert views.expected_share(p) == pytest.approx(800 / 1200)
    assert p.share_of_way == pytest.approx(700 / 1200)


def test_status_counts_in_method_order() -> None:
    tg = views.target_for(CAT, "A3-2025")
    ind = CAT.indicators[tg.indicator_id]
    rows = [pg.evaluate(tg, ind, {2020: 644.0, 2025: 2000.0}, 2025, place="10000"),
            pg.evaluate(tg, ind, {2020: 644.0, 2022: 600.0}, 2022, place="10000"),
            pg.evaluate(tg, ind, {2020: 644.0}, 2022, place="10000")]
    assert views.status_counts(rows) == {"achieved": 1, "moving_away": 1, "not_available": 1}


# ---------------------------------------------------------------- trends

def test_trend_view_has_actuals_targets_paths_and_projection(vals: pl.DataFrame) -> None:
    v = views.trend_view(CAT, vals, "kayoi_participants", "10000", 2024, "ja")
    assert v.years == [2019, 2020, 2021, 2022, 2023, 2024]
    assert v.values[1] == 35660
    assert [(y, val) for y, val, _ in v.targets] == [(2023, 41300), (2025, 47500)]
    assert v.paths[0][:2] == (2020, 35660) and v.paths[-1][2:] == (2025, 47500)
    assert v.projection is not None and v.projection[0] == 2024 and v.projection[2] == 2025
    assert v.reached is not None and "このペース" in v.reached


def test_trend_view_for_a_municipality_shows_rate_targets_for_reference_only(vals: pl.DataFrame) -> None:
    rate = views.trend_view(CAT, vals, "kayoi_participation_rate", "10383", 2024, "ja")
    assert rate.note and "参考" in rate.note and "判定ではありません" in rate.note
    assert [x[1] for x in rate.targets] == [7.0, 8.0]
    # No path from the town's baseline, no projection and no pace words: the prefecture's target is not its own.
    assert rate.paths == [] and rate.projection is None and rate.reached is None
    count = views.trend_view(CAT, vals, "kayoi_participants", "10383", 2024, "ja")
    assert count.targets == [] and count.note and "件数の目標" in count.note


def test_trend_view_for_scores_draws_rate_target_line_and_national(vals: pl.DataFrame) -> None:
    v = views.trend_view(CAT, vals, "pref_score_rate", "10000", 2024, "ja")
    assert [h[0] for h in v.hlines] == [71.0]
    assert v.national[2021] == pytest.approx(70.1)
    m = views.trend_view(CAT, vals, "muni_score_rate", "10000", 2024, "en")
    assert [h[0] for h in m.hlines] == [52.0]


def test_reached_words() -> None:
    tg = views.target_for(CAT, "A3-2025")
    ind = CAT.indicators[tg.indicator_id]
    done = pg.evaluate(tg, ind, {2020: 644.0, 2023: 1900.0}, 2023, place="10000")
    assert views.reached_words(done, "ja") == "目標値に到達（目標年度前）"
    final = pg.evaluate(tg, ind, {2020: 644.0, 2025: 1800.0}, 2025, place="10000")
    assert views.reached_words(final, "ja") == "× 未達成"  # the result, never a pace
    down = pg.evaluate(tg, ind, {2020: 644.0, 2023: 600.0}, 2023, place="10000")
    assert views.reached_words(down, "en") == "▼ Moving away"
    slow = pg.evaluate(tg, ind, {2020: 644.0, 2023: 800.0}, 2023, place="10000")
    assert "目標年度より後" in views.reached_words(slow, "ja")


# ---------------------------------------------------------------- comparison

def test_comparison_normalises_counts_per_1000_aged_65(vals: pl.DataFrame) -> None:
    df = views.comparison(CAT, vals, "kayoi_participants", 2023, "ja")
    assert df.height == 35
    assert df["value"].sum() == pytest.approx(_v(vals, "kayoi_participants", "10000", 2023))
    row = df.filter(pl.col("code") == "10383").row(0, named=True)
    assert row["per_1000"] == pytest.approx(row["value"] / _v(vals, "pop65", "10383", 2023) * 1000)
    assert row["share"] == pytest.approx(row["value"] / _v(vals, "kayoi_participants", "10000", 2023))
    assert df["rank_by"][0] == "per_1000"
    ranked = df.sort("rank")["per_1000"].to_list()
    assert ranked == sorted(ranked, reverse=True)


def test_comparison_of_rates_is_measured_against_the_prefecture_target(vals: pl.DataFrame) -> None:
    df = views.comparison(CAT, vals, "kayoi_participation_rate", 2024, "ja")
    bench = views.benchmark_for(CAT, vals, "kayoi_participation_rate", 2024, "ja")
    assert bench is not None and bench[0] == 8.0 and "8.0%" in bench[1]
    row = df.filter(pl.col("code") == "10201").row(0, named=True)
    assert row["vs_benchmark"] == pytest.approx(row["value"] / 8.0)
    assert df["per_1000"].is_null().all()
    assert views.benchmark_for(CAT, vals, "kayoi_participation_rate", 2022, "ja")[0] == 7.0  # type: ignore[index]
    assert views.benchmark_for(CAT, vals, "kayoi_places_weekly", 2022, "ja") is None  # a count without a rate


def test_prefecture_only_indicators_have_no_municipal_values(vals: pl.DataFrame) -> None:
    assert not views.has_municipal_values(vals, CAT, "rehab_regional_centres")
    assert views.has_municipal_values(vals, CAT, "rehab_dispatch_kayoi")


# ---------------------------------------------------------------- area 4 and profile

def test_implementation_matrix_counts_match_plan(vals: pl.DataFrame) -> None:
    m = views.implementation_matrix(CAT, vals, "ittaiteki_implemented", 2024, "ja")
    assert m.height == 35
    assert m["2020"].sum() == 13 and m["2021"].sum() == 22 and m["2024"].sum() == 35
    counts = views.flag_counts(vals, "ittaiteki_implemented", 2024)
    assert counts[2020] == 13 and counts[2024] == 35


def test_profile_table_sets_municipality_beside_area_and_prefecture(vals: pl.DataFrame) -> None:
    tbl = views.profile_table(CAT, vals, "10383", 2023, "ja")
    row = tbl.filter(pl.col("indicator_id") == "kayoi_participants").row(0, named=True)
    assert row["value_municipality"] == _v(vals, "kayoi_participants", "10383", 2023)
    assert row["cmp_area"] == pytest.approx(_v(vals, "kayoi_participants", "K05", 2023)
                                            / _v(vals, "pop65", "K05", 2023) * 1000)
    assert row["cmp_prefecture"] == pytest.approx(_v(vals, "kayoi_participants", "10000", 2023)
                                                  / _v(vals, "pop65", "10000", 2023) * 1000)
    rate = tbl.filter(pl.col("indicator_id") == "kayoi_participation_rate").row(0, named=True)
    assert rate["cmp_municipality"] == pytest.approx(_v(vals, "kayoi_participation_rate", "10383", 2023))
    assert "pref_score" not in tbl["indicator_id"].to_list()  # prefecture-only


def test_compare_series_per_1000(vals: pl.DataFrame) -> None:
    lines = views.compare_series(CAT, vals, "kayoi_places_weekly", ["10383", "10000"], 2022)
    years, ys = lines["10000"]
    assert max(years) == 2022
    i = years.index(2021)
    expected = _v(vals, "kayoi_places_weekly", "10000", 2021) / _v(vals, "pop65", "10000", 2021) * 1000
    assert ys[i] == pytest.approx(expected)


def test_data_years(vals: pl.DataFrame) -> None:
    assert views.data_years(vals, CAT) == [2019, 2020, 2021, 2022, 2023, 2024]



def test_counts_compared_per_65_get_the_rate_target_per_1000(vals: pl.DataFrame) -> None:
    # Participation 8.0% of people aged 65+ (FY2025 target) is 80 participants per 1,000 aged 65+.
    value, label = views.benchmark_for(CAT, vals, "kayoi_participants", 2024, "ja") or (None, "")
    assert value == pytest.approx(80.0)
    assert "8.0%" in label and "80.0人（65歳以上1,000人あたり）" in label
    df = views.comparison(CAT, vals, "kayoi_participants", 2024, "ja")
    row = df.row(0, named=True)
    assert row["vs_benchmark"] == pytest.approx(row["per_1000"] / 80.0)
    assert views.benchmark_for(CAT, vals, "kayoi_places_weekly", 2024, "ja") is None  # no rate built on it


def test_prefecture_reference_is_on_the_comparison_scale(vals: pl.DataFrame) -> None:
    pref = views.series(vals, "kayoi_participants", "10000", 2024)["value"][-1]
    pop = views.pop65(vals, 2024).filter(pl.col("place_code") == "10000")["pop65"][0]
    assert views.prefecture_reference(CAT, vals, "kayoi_participants", 2024) == pytest.approx(pref / pop * 1000)
    rate = views.series(vals, "kayoi_participation_rate", "10000", 2024)["value"][-1]
    assert views.prefecture_reference(CAT, vals, "kayoi_participation_rate", 2024) == pytest.approx(rate)
    assert views.prefecture_reference(CAT, vals, "care_meeting_trainings", 2024) is None  # not compared per 65+


def test_compare_series_shows_counts_not_per_65_for_the_municipality_only(vals: pl.DataFrame) -> None:
    lines = views.compare_series(CAT, vals, "care_meeting_advisers", ["10383", "K05", "10000"], 2024)
    assert list(lines) == ["10383"]
    rates = views.compare_series(CAT, vals, "muni_score_rate", ["10383", "K05", "10000"], 2024)
    assert list(rates) == ["10383", "K05", "10000"]


def test_url_values_are_shown_as_typed_never_as_markdown() -> None:
    assert views.plain("[click](http://x.example)") == "` [click](http://x.example) `"
    assert views.plain("a``b`") == "``` a``b` ```"  # the fence outlasts any backticks inside
    assert views.plain("x" * 100) == f"` {'x' * 39}… `"
