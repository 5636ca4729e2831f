"""The verdict on one target at one place from its value series, in two phases (pace, then final) as the
package docstring describes: evaluate(), the pace ratio (CAGR, or linear), coverage and provisional roll-ups."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

from dashboard.catalog import Indicator, Target
from dashboard.progress.rows import Coverage, Partial, Progress, Series, _finite, finite_or_none

THRESHOLDS = ((0.95, "on_track"), (0.6, "slightly_behind"), (0.0, "behind"))


def cagr(start: float, end: float, years: float) -> float | None:
    """Compound annual growth rate, or None where undefined."""
    if years <= 0 or start <= 0 or end <= 0:
        return None
    return (end / start) ** (1.0 / years) - 1.0


def classify(ratio: float | None) -> str:
    """Pace status from the ratio of achieved to needed pace."""
    if ratio is None or math.isnan(ratio):
        return "not_available"
    for bound, name in THRESHOLDS:
        if ratio >= bound:
            return name
    return "moving_away"


def met(actual: float, target: float, direction: str) -> bool:
    """Whether an actual value meets a target, honouring the indicator's direction."""
    return actual >= target if direction == "higher" else actual <= target


def gap_and_share(actual: float, target: float, direction: str) -> tuple[float, float | None]:
    """(shortfall in the indicator's unit, positive when short of the target; actual as a share of the
    target, mirrored where lower is better)."""
    if direction == "higher":
        return target - actual, (actual / target if target else None)
    return actual - target, (target / actual if actual else None)


def pace_ratio(b_year: int, b_val: float, a_year: int, a_val: float, t_year: int, t_val: float
               ) -> tuple[float | None, float | None, float | None]:
    """(ratio, projected value in the target year, projected year reaching the target); None where a
    figure overflows."""
    try:
        return _pace_ratio(b_year, b_val, a_year, a_val, t_year, t_val)
    except (OverflowError, ZeroDivisionError, ValueError):  # extreme values: pace undefined
        return None, None, None


def _pace_ratio(b_year: int, b_val: float, a_year: int, a_val: float, t_year: int, t_val: float
                ) -> tuple[float | None, float | None, float | None]:
    needed = cagr(b_val, t_val, t_year - b_year)
    actual = cagr(b_val, a_val, a_year - b_year)
    if needed is not None and actual is not None and needed != 0:
        proj_val = a_val * (1 + actual) ** (t_year - a_year)
        proj_year = None
        if actual != 0 and (actual > 0) == (needed > 0):
            proj_year = b_year + math.log(t_val / b_val) / math.log(1 + actual)
        return actual / needed, proj_val, proj_year
    # Linear fallback (zero baseline or zero needed growth).
    need_per_year = (t_val - b_val) / (t_year - b_year) if t_year != b_year else 0.0
    got_per_year = (a_val - b_val) / (a_year - b_year)
    proj_val = a_val + got_per_year * (t_year - a_year)
    if need_per_year == 0:
        return (None, proj_val, None)
    proj_year = None
    if got_per_year != 0 and (got_per_year > 0) == (need_per_year > 0):
        proj_year = b_year + (t_val - b_val) / got_per_year
    return got_per_year / need_per_year, proj_val, proj_year


def _blank(target: Target, place: str, replace_target: float | None = None) -> Progress:
    """A not-available pace row for a target, filled in by the callers."""
    return Progress(
        target_id=target.id, indicator_id=target.indicator_id, place_code=place,
        target_kind=target.kind, phase="pace", baseline_year=target.baseline_year,
        baseline_value=target.baseline_value, target_year=target.target_year,
        target_value=replace_target if replace_target is not None else target.target_value,
        actual_year=None, actual_value=None, actual_is_sample=False, national_value=None,
        baseline_national_value=None, share_of_way=None, expected_now=None, ratio=None,
        status="not_available", projected_value=None, projected_year=None,
        share_of_prefecture=None, per_1000_65=None, level=target.level)


def _latest(series: Series, after: int, until: int) -> tuple[int, float] | None:
    years = [y for y in series if after < y <= until]
    return (max(years), series[max(years)]) if years else None


def _share(a_val: float, b_val: float, t_val: float, direction: str) -> float | None:
    """Share of the way from baseline to target (None when the baseline already met the target)."""
    span = t_val - b_val
    return (a_val - b_val) / span if span and not met(b_val, t_val, direction) else None


def evaluate(target: Target, ind: Indicator, series: Series, year: int, *, place: str,
             own: Target | None = None, national: Series | None = None,
             sample_years: frozenset[int] = frozenset(),
             coverage: Mapping[int, Coverage] | None = None, partial: Partial | None = None) -> Progress:
    """Progress of one target at one place as of fiscal `year`, from the place's value series.

    `series` holds the years that count (complete); `partial` the roll-ups not every municipality
    reported, shown as provisional when newer than the actual; `coverage` the roll-ups' counts.
    `own`: the target as it applies to this place (per_place()), where it differs from the plan's.
    """
    p = _evaluate(own or target, ind, series, year, place=place, national=national or {},
                  sample_years=sample_years)
    return _finite(with_coverage(p, coverage or {}, partial or {}, max(year, p.target_year)
                                 if p.phase == "awaiting" else min(year, p.target_year)))


def with_coverage(p: Progress, coverage: Mapping[int, Coverage], partial: Partial, until: int) -> Progress:
    """The row with its actual's coverage and the newest partial roll-up after it (as provisional)."""
    cov = coverage.get(p.actual_year) if p.actual_year is not None else None
    if cov is not None:
        p = replace(p, actual_n_reporting=cov[0], actual_n_expected=cov[1])
    newer = [y for y in partial if y <= until and (p.actual_year is None or y > p.actual_year)]
    if newer:
        y = max(newer)
        v, n, of = partial[y]
        p = replace(p, provisional_year=y, provisional_value=finite_or_none(v), provisional_n_reporting=n,
                    provisional_n_expected=of)
    return p


def _evaluate(target: Target, ind: Indicator, series: Series, year: int, *, place: str, national: Series,
              sample_years: frozenset[int]) -> Progress:
    if target.kind == "period_total":
        return _period_total(target, ind, series, year, place=place, sample_years=sample_years)
    b_year, b_val = target.baseline_year, target.baseline_value
    t_year = target.target_year
    base = replace(_blank(target, place), baseline_national_value=national.get(b_year))
    if year >= t_year:
        return _final(target, ind, series, year, base, national, sample_years)
    # Pace phase: the bar is the plan's value ("above the national average" with no value: the latest
    # national figure known by now).
    t_val = target.target_value
    if target.kind == "above_national" and t_val is None:
        known = [y for y in national if y <= year]
        t_val = national[max(known)] if known else None
    latest = _latest(series, b_year, year)
    base = replace(base, target_value=t_val)
    if latest is None or t_val is None:
        return replace(base, actual_year=latest[0] if latest else None, actual_value=latest[1] if latest else None,
                       actual_is_sample=bool(latest and latest[0] in sample_years),
                       national_value=national.get(latest[0]) if latest else None)
    a_year, a_val = latest
    nat_val = national.get(a_year)
    ratio, proj_val, proj_year = pace_ratio(b_year, b_val, a_year, a_val, t_year, t_val)
    done = met(a_val, t_val, ind.direction)
    if target.kind == "above_national" and nat_val is not None:
        done = done and met(a_val, nat_val, ind.direction) and a_val != nat_val
    return replace(base, actual_year=a_year, actual_value=a_val, actual_is_sample=a_year in sample_years,
                   national_value=nat_val, share_of_way=_share(a_val, b_val, t_val, ind.direction),
                   expected_now=b_val + (t_val - b_val) * (a_year - b_year) / (t_year - b_year),
                   ratio=ratio, status="reached_early" if done else classify(ratio),
                   projected_value=proj_val, projected_year=proj_year)


def _final(target: Target, ind: Indicator, series: Series, year: int, base: Progress, national: Series,
           sample_years: frozenset[int]) -> Progress:
    """At or past the target year: the verdict on the target year's actual, or 結果待ち without it."""
    t_year = target.target_year
    if t_year not in series:
        latest = _latest(series, base.baseline_year or 0, year)
        return replace(base, phase="awaiting", status="awaiting",
                       actual_year=latest[0] if latest else None, actual_value=latest[1] if latest else None,
                       actual_is_sample=bool(latest and latest[0] in sample_years),
                       national_value=national.get(latest[0]) if latest else None)
    a_val = series[t_year]
    t_val = target.target_value
    nat_val = national.get(t_year)
    got = replace(base, actual_year=t_year, actual_value=a_val, actual_is_sample=t_year in sample_years,
                  national_value=nat_val)
    if target.kind == "above_national":
        # Judged against the national figure of the target year; the plan's stated rate is its expectation.
        if nat_val is None:
            return replace(got, phase="awaiting", status="awaiting_national", target_value=t_val)
        got = replace(got, expectation_value=t_val)
        t_val = nat_val
        done = met(a_val, nat_val, ind.direction) and a_val != nat_val
    else:
        assert t_val is not None  # (the catalog gives every other kind a value)
        done = met(a_val, t_val, ind.direction)
    gap, share = gap_and_share(a_val, t_val, ind.direction)
    b_val = target.baseline_value
    return replace(got, phase="final", status="achieved" if done else "not_achieved", target_value=t_val,
                   gap=gap, share_of_target=share, share_of_way=_share(a_val, b_val, t_val, ind.direction))


def _period_total(target: Target, ind: Indicator, series: Series, year: int, *, place: str,
                  sample_years: frozenset[int]) -> Progress:
    """A total over a period (e.g. FY2021–23 trainees): the sum so far against a straight line, then the
    verdict on the whole period's sum once every year of it is in."""
    start = target.period_start or target.baseline_year + 1
    end = target.period_end or target.target_year
    period = range(start, end + 1)
    years = [y for y in series if start <= y <= min(end, year)]
    t_val = target.target_value
    base = replace(_blank(target, place), baseline_year=start - 1, baseline_value=0.0, target_year=end)
    if not t_val:
        return base
    total = sum(series[y] for y in years)
    a_year = max(years) if years else None
    got = replace(base, actual_year=a_year, actual_value=total if years else None,
                  actual_is_sample=any(y in sample_years for y in years))
    if year >= end:
        if any(y not in series for y in period):
            return replace(got, phase="awaiting", status="awaiting")
        gap, share = gap_and_share(total, t_val, "higher")
        return replace(got, phase="final", status="achieved" if total >= t_val else "not_achieved",
                       gap=gap, share_of_target=share, share_of_way=total / t_val)
    if not years or a_year is None:
        return base
    elapsed = a_year - start + 1
    expected = t_val * elapsed / (end - start + 1)
    per_year = total / elapsed
    ratio = total / expected
    return replace(got, share_of_way=total / t_val, expected_now=expected, ratio=ratio,
                   status="reached_early" if total >= t_val else classify(ratio),
                   projected_value=per_year * (end - start + 1),
                   projected_year=start - 1 + t_val / per_year if per_year > 0 else None)
