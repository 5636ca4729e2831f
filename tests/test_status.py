"""The pace method on hand-computed cases: every pace status is reached (the final phase: test_verdicts.py)."""

from __future__ import annotations

import math

import pytest

from dashboard.catalog import Indicator, Target
from dashboard.progress import cagr, classify, evaluate


def _ind(direction: str = "higher", kind: str = "count") -> Indicator:
    return Indicator("x", "1", 1, "x", "x", "人", "people", kind, direction, "sum", None, None,
                     None, None, True, "", "", "")


def _target(b: float, t: float | None, kind: str = "level", by: int = 2020, ty: int = 2025,
            ps: int | None = None, pe: int | None = None) -> Target:
    return Target("T", "x", "10000", by, b, ty, t, kind, ps, pe, "", "", "", "")


def test_cagr_hand_computed() -> None:
    # 100 -> 121 in two years is 10 % a year.
    assert cagr(100, 121, 2) == pytest.approx(0.10)
    assert cagr(0, 10, 2) is None


@pytest.mark.parametrize(("actual", "expected"), [
    # baseline 100 (2020), target 200 (2025): needed CAGR = 2**(1/5)-1 = 14.870 %.
    # actual in 2022; ratio = ((a/100)**0.5 - 1) / 0.1487
    (200.0, "reached_early"),  # already at target, three years early
    (131.0, "on_track"),       # (1.31**.5-1)/.14870 = 0.972
    (120.0, "slightly_behind"),  # (1.2**.5-1)/.14870 = 0.642
    (105.0, "behind"),         # 0.166
    (90.0, "moving_away"),     # negative
])
def test_each_status_on_hand_computed_cases(actual: float, expected: str) -> None:
    p = evaluate(_target(100, 200), _ind(), {2020: 100, 2022: actual}, 2022, place="10000")
    assert p.status == expected
    if expected != "reached_early":
        needed = 2 ** (1 / 5) - 1
        assert p.ratio == pytest.approx(((actual / 100) ** 0.5 - 1) / needed)
    # Straight line 100 -> 200 over five years: 140 expected in 2022.
    assert p.expected_now == pytest.approx(140)
    assert p.share_of_way == pytest.approx((actual - 100) / 100)


def test_not_available_without_actual_after_baseline() -> None:
    p = evaluate(_target(100, 200), _ind(), {2020: 100}, 2024, place="10000")
    assert p.status == "not_available" and p.actual_value is None


def test_lower_is_better_direction() -> None:
    # Reduce 50 -> 40 by 2025; 45 in 2022 is well ahead (ratio > 0.95), 39 meets it.
    ind = _ind("lower")
    assert evaluate(_target(50, 40), ind, {2022: 45}, 2022, place="10000").status == "on_track"
    assert evaluate(_target(50, 40), ind, {2022: 39}, 2022, place="10000").status == "reached_early"
    assert evaluate(_target(50, 40), ind, {2022: 55}, 2022, place="10000").status == "moving_away"
    assert evaluate(_target(50, 40), ind, {2025: 39}, 2025, place="10000").status == "achieved"
    assert evaluate(_target(50, 40), ind, {2025: 41}, 2025, place="10000").status == "not_achieved"


def test_period_total_counts_only_years_in_the_period() -> None:
    # 1,200 over FY2021-23; 300 in 2020 is outside; 350 + 350 by 2022 vs 800 expected.
    t = _target(0, 1200, "period_total", 2020, 2023, 2021, 2023)
    p = evaluate(t, _ind(), {2020: 300, 2021: 350, 2022: 350}, 2022, place="10000")
    assert p.actual_value == 700
    assert p.expected_now == pytest.approx(800)
    assert p.ratio == pytest.approx(700 / 800)
    assert p.status == "slightly_behind"
    done = evaluate(t, _ind(), {2021: 400, 2022: 400, 2023: 450}, 2025, place="10000")
    assert done.actual_value == 1250 and done.status == "achieved" and done.phase == "final"
    # A year of the period missing: the total is not final, the result is awaited.
    waiting = evaluate(t, _ind(), {2021: 400, 2023: 450}, 2025, place="10000")
    assert waiting.status == "awaiting" and waiting.actual_value == 850


def test_above_national_needs_to_beat_the_national_figure() -> None:
    # Rate target 71.0 and national 72.0 in the same year: 71.5 meets 71.0 but is not above.
    t = _target(60.7, 71.0, "above_national", 2021, 2024)
    ind = _ind(kind="rate")
    p = evaluate(t, ind, {2024: 71.5}, 2024, place="10000", national={2021: 70.1, 2024: 72.0})
    assert p.status == "not_achieved"
    assert p.baseline_national_value == 70.1
    # Judged against the national figure (the bar), the plan's rate kept as its expectation.
    assert (p.target_value, p.expectation_value, p.gap) == (72.0, 71.0, pytest.approx(0.5))
    p2 = evaluate(t, ind, {2024: 72.5}, 2024, place="10000", national={2024: 72.0})
    assert p2.status == "achieved"


def test_above_national_without_a_number_uses_the_latest_national_average() -> None:
    t = _target(1781, None, "above_national", 2021, 2024)
    p = evaluate(t, _ind(kind="score"), {2023: 1900}, 2023, place="10000",
                 national={2021: 2058, 2023: 2100})
    assert p.target_value == 2100 and p.phase == "pace"


def test_zero_baseline_uses_linear_pace() -> None:
    # 0 -> 35 by 2024 (7 a year from 2019); 14 by 2021 is exactly on pace.
    p = evaluate(_target(0, 35, by=2019, ty=2024), _ind(), {2021: 14}, 2021, place="10000")
    assert p.ratio == pytest.approx(1.0)
    assert p.status == "on_track"
    assert p.projected_year == pytest.approx(2024)


def test_projection_reaches_target_year_at_current_pace() -> None:
    p = evaluate(_target(100, 200), _ind(), {2021: 110}, 2021, place="10000")
    # 10 % a year: log(2)/log(1.1) = 7.27 years after 2020.
    assert p.projected_year == pytest.approx(2020 + math.log(2) / math.log(1.1))
    assert p.projected_value == pytest.approx(110 * 1.1 ** 4)


def test_classify_bounds() -> None:
    assert classify(0.95) == "on_track"
    assert classify(0.6) == "slightly_behind"
    assert classify(0.0) == "behind"
    assert classify(-0.01) == "moving_away"
    assert classify(None) == "not_available"
