"""Honest time axes: fiscal years on a numeric axis, official and sample points told apart in the legend,
counts from zero, a zoomed rate axis that states its range, notes inside the chart, identical series drawn
once (tests' own catalog: tests/conftest.py)."""

from __future__ import annotations

from dashboard import charts
from dashboard.catalog import Catalog
from dashboard.views import TrendView


def _view(catalog: Catalog, ind: str, years: list[int], values: list[float], sample: list[bool],
          note: str | None = None) -> TrendView:
    return TrendView(indicator=catalog.indicators[ind], place="10000", years=years, values=values, sample=sample,
                     targets=[(2025, values[-1] * 1.1, "目標")], note=note)


def test_years_are_numbers_and_every_year_between_has_its_tick(tiny_catalog: Catalog) -> None:
    fig = charts.trend_chart(_view(tiny_catalog, "t_people", [2020, 2023], [60.0, 70.0], [False, True]), "ja", "県")
    x = fig.layout.xaxis
    assert x.type == "linear" and list(x.tickvals) == [2020, 2021, 2022, 2023, 2024, 2025]
    # 2020 → 2023 is three years wide, 2023 → 2025 two: the straight path to the target stays straight.
    assert list(fig.data[0].x) == [2020, 2023]


def test_official_and_sample_points_are_drawn_apart_and_named(tiny_catalog: Catalog) -> None:
    fig = charts.trend_chart(_view(tiny_catalog, "t_people", [2020, 2021, 2022], [60.0, 61.0, 62.0],
                                   [False, True, True]), "ja", "県")
    points = {tr.name: tr for tr in fig.data if tr.mode == "markers"}
    official, sample = points["実績（公式）"], points["実績（サンプル（架空））"]
    assert list(official.x) == [2020] and list(sample.x) == [2021, 2022]
    assert official.marker.symbol != sample.marker.symbol


def test_counts_start_at_zero_and_a_zoomed_rate_says_its_range(tiny_catalog: Catalog) -> None:
    count = charts.trend_chart(_view(tiny_catalog, "t_people", [2020, 2021], [60.0, 64.0], [False, False]), "ja", "県")
    assert count.layout.yaxis.rangemode == "tozero"
    small = charts.trend_chart(_view(tiny_catalog, "t_people", [2020, 2021], [1.0, 1.0], [False, False]), "ja", "県")
    assert small.layout.yaxis.dtick == 1 and small.layout.yaxis.tickformat == ",d"  # no 0.2, 0.4… for a count
    rate = charts.trend_chart(_view(tiny_catalog, "t_rate", [2020, 2021], [6.1, 6.9], [False, False]), "ja", "県")
    lo, hi = rate.layout.yaxis.range
    assert 0 < lo <= 6.1 and hi >= 6.9 * 1.1
    assert f"縦軸は{lo:.1f}～{hi:.1f}" in rate.layout.yaxis.title.text


def test_a_note_sits_inside_its_chart(tiny_catalog: Catalog) -> None:
    fig = charts.trend_chart(_view(tiny_catalog, "t_people", [2020, 2021], [60.0, 64.0], [False, False],
                                   note="この地域には件数の目標がありません"), "ja", "甲市")
    assert "この地域には件数の目標がありません" in fig.layout.title.text


def test_an_area_of_one_municipality_is_drawn_once_and_says_so(tiny_catalog: Catalog) -> None:
    same = ([2020, 2021], [5.0, 6.0])
    fig = charts.compare_lines(tiny_catalog.indicators["t_rate"], {"19001": same, "T9": same, "10000": ([2020], [7.0])},
                               {"19001": "甲市", "T9": "甲圏域", "10000": "県"}, "ja")
    assert [tr.name for tr in fig.data] == ["甲市（＝甲圏域）", "県"]
