"""Progress towards targets and the verdict on each, in two phases. No Streamlit here.

Pace phase (before the target year, or while the target year's actual is not in): the Open SDG /
Statistics Canada method. ratio = CAGR achieved since the baseline / CAGR needed to reach the target
on time: >= 0.95 on_track (順調); >= 0.6 slightly_behind (やや遅れ); >= 0 behind (遅れ); < 0
moving_away (後退). Where a growth rate is undefined (a zero baseline, period totals) the same
thresholds apply to the linear ratio. A target whose value is met before its year reads
reached_early (目標値に到達（目標年度前）) and stays open until its year. No actual after the baseline:
not_available.

Final phase: the year shown is at or past the target year and the target year's actual is in (a
period total: every year of the period; an "above the national average" target: that year's
national figure too). The verdict is achieved (達成) or not_achieved (未達成), with the gap in the
indicator's unit and as a share of the target. Past the target year without those figures: awaiting
(結果待ち) with the latest actual and its year, or awaiting_national (全国平均の公表待ち).

Level: a target is judged at the place it was set for. At a 圏域 or municipality a prefecture-wide
target is context (status "context": the place's own figure beside it, never a verdict, a share of
the way or a place in the tally), unless the catalog says it applies to each municipality
(targets.csv below=each: 一体的実施 in all 35), which is then judged at every member.

Coverage: a 圏域 or prefecture roll-up that not every member municipality reported is provisional.
It never gets a status and is never the actual: the latest complete year is, and the newer partial
year is reported beside it (provisional_*), with how many municipalities reported. A figure
published for the place itself (source 'direct') is authoritative and always complete.
Every number a Progress row carries is finite or None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import polars as pl

from dashboard.catalog import Catalog, Indicator, Target
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.data import is_partial

# Verdicts, in the order tallies list them. FINAL, PACE and WAITING name the phases; "context" is a
# prefecture-wide target shown at a place it was not set for (never judged, never tallied).
FINAL = ("achieved", "not_achieved")
PACE = ("reached_early", "on_track", "slightly_behind", "behind", "moving_away", "not_available")
WAITING = ("awaiting", "awaiting_national")
STATUSES = (*FINAL, *PACE, *WAITING, "context")
THRESHOLDS = ((0.95, "on_track"), (0.6, "slightly_behind"), (0.0, "behind"))

Series = dict[int, float]
Coverage = tuple[int, int]  # (municipalities reporting, municipalities expected) behind a roll-up
Partial = dict[int, tuple[float, int, int]]  # year -> (value, n_reporting, n_expected) of partial roll-ups


@dataclass(frozen=True)
class PlaceSeries:
    """One indicator at one place: complete values by year, partial roll-ups apart, coverage by year."""

    values: Series  # years whose value counts (direct, municipal, or a roll-up every member reported)
    sample: frozenset[int]
    coverage: dict[int, Coverage] = field(default_factory=dict)  # roll-up years only (complete and partial)
    partial: Partial = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """One target's progress at one place, as of one fiscal year: its figures and its one verdict."""

    target_id: str
    indicator_id: str
    place_code: str
    target_kind: str
    phase: str  # "pace", "final", "awaiting" or "context"
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_value: float | None  # the bar: the plan's value, or the national average for "above" targets
    actual_year: int | None
    actual_value: float | None
    actual_is_sample: bool
    national_value: float | None  # national average in the actual year, where known
    baseline_national_value: float | None  # national average in the baseline year, where known
    share_of_way: float | None  # 0 at baseline, 1 at target
    expected_now: float | None  # straight line from baseline to target, at the actual year
    ratio: float | None  # pace ratio (pace phase only)
    status: str
    projected_value: float | None  # value in the target year at the current pace (pace phase only)
    projected_year: float | None  # year the target would be reached at the current pace (pace phase only)
    share_of_prefecture: float | None  # the place's actual ÷ the prefecture's, same year (context rows)
    per_1000_65: float | None  # count per 1,000 people aged 65+
    # Roll-ups: how many municipalities the actual covers (None where the actual is not a roll-up).
    actual_n_reporting: int | None = None
    actual_n_expected: int | None = None
    # A newer roll-up that not every municipality reported: shown as provisional, never judged.
    provisional_year: int | None = None
    provisional_value: float | None = None
    provisional_n_reporting: int | None = None
    provisional_n_expected: int | None = None
    # Final phase: how far the actual is from the target, in the indicator's unit (positive = short of it),
    # and the actual as a share of the target (actual ÷ target; target ÷ actual where lower is better).
    gap: float | None = None
    share_of_target: float | None = None
    expectation_value: float | None = None  # "above the national average": the rate the plan expected
    level: str = "prefecture_total"  # what the target measures (catalog)

    def as_dict(self) -> dict[str, object]:
        """Plain dict (for tables, JSON and CSV)."""
        return asdict(self)

    @property
    def judged(self) -> bool:
        """Whether the row carries a verdict (context rows do not; they are never tallied)."""
        return self.status != "context"


def finite_or_none(x: float | None) -> float | None:
    """The number when it is finite, else None (nothing shown or exported is ever inf or NaN)."""
    return x if x is None or math.isfinite(x) else None


def _finite(p: Progress) -> Progress:
    """The row with every non-finite float (an overflow in a projection, say) replaced by None."""
    bad: dict[str, Any] = {f.name: None for f in fields(p)
           if isinstance(getattr(p, f.name), float) and not math.isfinite(getattr(p, f.name))}
    return replace(p, **bad) if bad else p


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


def per_place(target: Target, catalog: Catalog, place: str, series: Series) -> Target | None:
    """The target as it applies to one place below the prefecture (below=each), else None.

    A municipality is to do it (target 1 by the target year, its own baseline); a 圏域, all of its
    members (target = their number)."""
    if target.below != "each":
        return None
    members = 1 if catalog.place_kind(place) == "municipality" else len(catalog.members(place))
    b_val = series.get(target.baseline_year, 0.0)
    return replace(target, scope=place, baseline_value=b_val, target_value=float(members))


def place_series(values: pl.DataFrame, indicator_id: str, place: str) -> PlaceSeries:
    """One indicator at one place, split into the years that count and the partial roll-ups."""
    return _split(values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("place_code") == place)))


def _split(rows: pl.DataFrame) -> PlaceSeries:
    """The rows of one indicator at one place (a few years) as a PlaceSeries."""
    # Plain lists, not frame operations: a series is a handful of rows, and each Polars call costs more than
    # the work (the rule itself is data.partial: a roll-up not every member reported).
    series: Series = {}
    sample, coverage, partial = set(), {}, {}
    for y, v, smp, src, n, of in zip(rows["fiscal_year"].to_list(), rows["value"].to_list(),
                                     rows["has_sample"].to_list(), rows["source"].to_list(),
                                     rows["n_reporting"].to_list(), rows["n_expected"].to_list(), strict=True):
        if src == "rollup":
            coverage[int(y)] = (int(n), int(of))
        if is_partial(src, n, of):
            partial[int(y)] = (float(v), int(n), int(of))
        else:
            series[y] = v
            if smp:
                sample.add(y)
    return PlaceSeries(series, frozenset(sample), coverage, partial)


class _Lookup:
    """place_series for many (indicator, place) pairs of one frame, each worked out once: the frame is split
    by indicator and place in one pass (a filter per target and per place was most of a page's first visit)."""

    def __init__(self, values: pl.DataFrame) -> None:
        self._groups = values.partition_by("indicator_id", "place_code", as_dict=True)
        self._empty = values.clear()
        self._done: dict[tuple[str, str], PlaceSeries] = {}

    def __call__(self, indicator_id: str, place: str) -> PlaceSeries:
        k = (indicator_id, place)
        found = self._done.get(k)
        if found is None:
            found = self._done[k] = _split(self._groups.get(k, self._empty))
        return found


def progress_for_place(catalog: Catalog, values: pl.DataFrame, place: str, year: int,
                       policy_area: str | None = None) -> list[Progress]:
    """Every tracked target for a place as of `year`.

    `values` must hold the place, the prefecture (10000), the nation (00000) and pop65 rows
    (see needed_places()). The prefecture gets its own targets, judged. A 圏域 or municipality gets
    the targets that apply to each municipality (below=each), judged, and every other prefecture
    target as context (below=context): its own figure, its share of the prefecture and rate per
    1,000 aged 65+, the prefecture's target beside it, never a verdict.
    """
    out: list[Progress] = []
    indicators = {t.indicator_id for t in catalog.targets} | {"pop65"}
    series_of = _Lookup(values.filter(pl.col("place_code").is_in(needed_places(place))
                                      & pl.col("indicator_id").is_in(indicators)))
    for t in catalog.targets:
        ind = catalog.indicators[t.indicator_id]
        if policy_area is not None and ind.policy_area != policy_area:
            continue
        national = series_of(t.indicator_id, NATIONAL).values
        ps = series_of(t.indicator_id, place)
        if t.scope == place:
            out.append(evaluate(t, ind, ps.values, year, place=place, national=national, sample_years=ps.sample,
                                coverage=ps.coverage, partial=ps.partial))
        elif t.scope == PREFECTURE and place != PREFECTURE and t.below == "each":
            out.append(evaluate(t, ind, ps.values, year, place=place, own=per_place(t, catalog, place, ps.values),
                                national=national, sample_years=ps.sample, coverage=ps.coverage,
                                partial=ps.partial))
        elif t.scope == PREFECTURE and place != PREFECTURE and t.below == "context" and ind.rollup != "none":
            row = context(t, ind, series_of(t.indicator_id, PREFECTURE).values, series_of("pop65", place).values,
                          ps.values, ps.sample, place, year, national)
            out.append(_finite(with_coverage(row, ps.coverage, ps.partial, min(year, t.target_year))))
    return out


def context(t: Target, ind: Indicator, pref: Series, pop: Series, series: Series, sample: frozenset[int],
            place: str, year: int, national: Series | None = None) -> Progress:
    """A prefecture-wide target seen from a place it was not set for: the place's own latest figure (up to
    `year`), its share of the prefecture (counts), its rate per 1,000 aged 65+, the national figure; the
    prefecture's target beside them as it was set. Never a verdict, a share of the way or a tally entry."""
    a_year, a_val, p_val = _context_figure(t, pref, series, year)
    share, per = _context_ratios(ind, pop, a_year, a_val, p_val)
    nat = (national or {}).get(a_year) if a_year is not None else None
    return replace(_blank(t, place), phase="context", status="context", baseline_year=None, baseline_value=None,
                   actual_year=a_year, actual_value=a_val, actual_is_sample=bool(a_year in sample if a_year else False),
                   national_value=nat, share_of_prefecture=share, per_1000_65=per)


def _context_figure(t: Target, pref: Series, series: Series,
                    year: int) -> tuple[int | None, float | None, float | None]:
    """A context row's figure: the place's (year, value) up to `year` and the prefecture's value for the same
    years (the period's sum for a period total, else the place's latest year, capped at the target year)."""
    if t.kind == "period_total":
        start, end = t.period_start or t.baseline_year + 1, t.period_end or t.target_year
        yrs = [y for y in series if start <= y <= min(end, year)]
        a_year = max(yrs) if yrs else None
        a_val = sum(series[y] for y in yrs) if yrs else None
        # (complete years only: a share of a partial prefecture total would mislead)
        p_val = sum(pref.get(y, 0.0) for y in yrs) if yrs else None
        return a_year, a_val, p_val
    latest = _latest(series, 0, min(year, t.target_year))  # a past target: the place in its year
    a_year, a_val = latest if latest else (None, None)
    p_val = pref.get(a_year) if a_year is not None else None
    return a_year, a_val, p_val


def _context_ratios(ind: Indicator, pop: Series, a_year: int | None, a_val: float | None,
                    p_val: float | None) -> tuple[float | None, float | None]:
    """A context figure's share of the prefecture (counts only) and its rate per 1,000 aged 65+ (when the
    indicator has one); None where either does not apply or cannot be worked out."""
    counted = ind.kind == "count"  # a yes/no measure has no "share of the prefecture"
    share = a_val / p_val if counted and a_val is not None and p_val else None
    p65 = pop.get(a_year) if a_year is not None else None
    per = a_val / p65 * 1000 if a_val is not None and p65 and ind.per_pop65 else None
    return share, per


def latest_year(catalog: Catalog, values: pl.DataFrame) -> int | None:
    """Latest fiscal year with a value for any indicator that has a target."""
    ids = {t.indicator_id for t in catalog.targets}
    years = values.filter(pl.col("indicator_id").is_in(list(ids)))["fiscal_year"]
    return int(years.max()) if years.len() else None  # type: ignore[arg-type]


def needed_places(place: str) -> list[str]:
    """Places whose values progress_for_place() reads for `place`."""
    return sorted({place, PREFECTURE, NATIONAL})


def to_frame(rows: list[Progress]) -> pl.DataFrame:
    """Progress rows as a Polars frame (stable schema even when empty)."""
    schema = {"target_id": pl.Utf8, "indicator_id": pl.Utf8, "place_code": pl.Utf8,
              "target_kind": pl.Utf8, "phase": pl.Utf8, "baseline_year": pl.Int64,
              "baseline_value": pl.Float64, "target_year": pl.Int64, "target_value": pl.Float64,
              "actual_year": pl.Int64, "actual_value": pl.Float64, "actual_is_sample": pl.Boolean,
              "national_value": pl.Float64, "baseline_national_value": pl.Float64,
              "share_of_way": pl.Float64, "expected_now": pl.Float64,
              "ratio": pl.Float64, "status": pl.Utf8, "projected_value": pl.Float64,
              "projected_year": pl.Float64, "share_of_prefecture": pl.Float64,
              "per_1000_65": pl.Float64, "actual_n_reporting": pl.Int64, "actual_n_expected": pl.Int64,
              "provisional_year": pl.Int64, "provisional_value": pl.Float64,
              "provisional_n_reporting": pl.Int64, "provisional_n_expected": pl.Int64,
              "gap": pl.Float64, "share_of_target": pl.Float64, "expectation_value": pl.Float64,
              "level": pl.Utf8}
    return pl.DataFrame([r.as_dict() for r in rows], schema=schema)


def jsonable(obj: object) -> object:
    """A structure for json.dumps(allow_nan=False): non-finite floats become None (null), recursively."""
    if isinstance(obj, float):
        return finite_or_none(obj)
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    return obj
