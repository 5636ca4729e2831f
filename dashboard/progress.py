"""Progress towards targets and status (Open SDG / Statistics Canada method). No Streamlit here.

Status compares the compound annual growth rate achieved since the baseline with the rate
needed to reach the target on time:  ratio = CAGR actual / CAGR needed.
  target met -> achieved; ratio >= 0.95 -> substantial; >= 0.6 -> moderate; >= 0 -> limited;
  < 0 -> deterioration; no actual after the baseline -> not_available.
Where a growth rate is undefined (a zero baseline, period totals) the same thresholds apply to
the linear ratio: average change per year achieved / average change per year needed.

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

STATUSES = ("achieved", "substantial", "moderate", "limited", "deterioration", "not_available",
            "no_target")
THRESHOLDS = ((0.95, "substantial"), (0.6, "moderate"), (0.0, "limited"))

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
    """One target's progress at one place, as of one fiscal year."""

    target_id: str
    indicator_id: str
    place_code: str
    target_kind: str
    benchmark: bool  # the place is judged against a prefecture-wide target
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_value: float | None  # effective target (national average where the plan says so)
    actual_year: int | None
    actual_value: float | None
    actual_is_sample: bool
    national_value: float | None  # national average in the actual year, where known
    baseline_national_value: float | None  # national average in the baseline year, where known
    share_of_way: float | None  # 0 at baseline, 1 at target
    expected_now: float | None  # straight line from baseline to target, at the actual year
    ratio: float | None
    status: str
    projected_value: float | None  # value in the target year at the current pace
    projected_year: float | None  # year the target would be reached at the current pace
    share_of_prefecture: float | None  # the place's actual ÷ the prefecture's, same year
    per_1000_65: float | None  # count per 1,000 people aged 65+
    # Roll-ups: how many municipalities the actual covers (None where the actual is not a roll-up).
    actual_n_reporting: int | None = None
    actual_n_expected: int | None = None
    # A newer roll-up that not every municipality reported: shown as provisional, never judged.
    provisional_year: int | None = None
    provisional_value: float | None = None
    provisional_n_reporting: int | None = None
    provisional_n_expected: int | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain dict (for tables, JSON and CSV)."""
        return asdict(self)


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
    """Status from the ratio of achieved to needed pace."""
    if ratio is None or math.isnan(ratio):
        return "not_available"
    for bound, name in THRESHOLDS:
        if ratio >= bound:
            return name
    return "deterioration"


def met(actual: float, target: float, direction: str) -> bool:
    """Whether an actual value meets a target, honouring the indicator's direction."""
    return actual >= target if direction == "higher" else actual <= target


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


def _blank(target: Target, place: str, benchmark: bool,
           replace_target: float | None = None) -> Progress:
    """A not-available row for a target, filled in by the callers."""
    return Progress(
        target_id=target.id, indicator_id=target.indicator_id, place_code=place,
        target_kind=target.kind, benchmark=benchmark, baseline_year=target.baseline_year,
        baseline_value=target.baseline_value, target_year=target.target_year,
        target_value=replace_target if replace_target is not None else target.target_value,
        actual_year=None, actual_value=None, actual_is_sample=False, national_value=None,
        baseline_national_value=None, share_of_way=None, expected_now=None, ratio=None,
        status="not_available", projected_value=None, projected_year=None,
        share_of_prefecture=None, per_1000_65=None)


def _latest(series: Series, after: int, until: int) -> tuple[int, float] | None:
    years = [y for y in series if after < y <= until]
    return (max(years), series[max(years)]) if years else None


def evaluate(target: Target, ind: Indicator, series: Series, year: int, *, place: str,
             benchmark: bool = False, national: Series | None = None,
             sample_years: frozenset[int] = frozenset(),
             coverage: Mapping[int, Coverage] | None = None, partial: Partial | None = None) -> Progress:
    """Progress of one target at one place as of fiscal `year`, from the place's value series.

    `series` holds the years that count (complete); `partial` the roll-ups not every municipality
    reported, shown as provisional when newer than the actual; `coverage` the roll-ups' counts.
    For a benchmark (a prefecture target applied to a 圏域 or municipality) the baseline is the
    place's own value in the baseline year (or its first year after), and the target value is
    the prefecture's.
    """
    p = _evaluate(target, ind, series, year, place=place, benchmark=benchmark, national=national,
                  sample_years=sample_years)
    return _finite(with_coverage(p, coverage or {}, partial or {}, min(year, p.target_year)))


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


def _evaluate(target: Target, ind: Indicator, series: Series, year: int, *, place: str,
              benchmark: bool = False, national: Series | None = None,
              sample_years: frozenset[int] = frozenset()) -> Progress:
    national = national or {}
    b_year: int | None = target.baseline_year
    b_val: float | None = target.baseline_value
    if benchmark:
        first = sorted(y for y in series if y >= target.baseline_year)
        b_year, b_val = (first[0], series[first[0]]) if first else (None, None)
    until = min(year, target.target_year)
    t_val = target.target_value

    if target.kind == "period_total":
        return _period_total(target, series, until, place=place, benchmark=benchmark,
                             sample_years=sample_years)

    latest = _latest(series, b_year if b_year is not None else 9999, until)
    nat_val = national.get(latest[0]) if latest else None
    if target.kind == "above_national" and t_val is None:
        # "Above the national average": the national figure is the bar; use the latest known.
        known = [y for y in national if y <= until]
        t_val = national[max(known)] if known else None

    base = _blank(target, place, benchmark, replace_target=t_val)
    base = replace(base, baseline_year=b_year, baseline_value=b_val, national_value=nat_val,
                   baseline_national_value=national.get(b_year) if b_year is not None else None)
    if latest is None or b_year is None or b_val is None or t_val is None:
        return replace(base, actual_year=latest[0] if latest else None,
                       actual_value=latest[1] if latest else None,
                       actual_is_sample=bool(latest and latest[0] in sample_years))
    a_year, a_val = latest
    span = t_val - b_val
    # Share of the way means nothing when the baseline already met the target (benchmarks).
    share = (a_val - b_val) / span if span and not met(b_val, t_val, ind.direction) else None
    expected = b_val + span * (a_year - b_year) / (target.target_year - b_year)
    ratio, proj_val, proj_year = pace_ratio(b_year, b_val, a_year, a_val, target.target_year, t_val)
    done = met(a_val, t_val, ind.direction)
    if target.kind == "above_national" and nat_val is not None:
        done = done and a_val > nat_val
    status = "achieved" if done else classify(ratio)
    return replace(base, actual_year=a_year, actual_value=a_val,
                   actual_is_sample=a_year in sample_years, share_of_way=share,
                   expected_now=expected, ratio=ratio, status=status,
                   projected_value=proj_val, projected_year=proj_year)


def _period_total(target: Target, series: Series, until: int, *, place: str, benchmark: bool,
                  sample_years: frozenset[int]) -> Progress:
    """A total over a period (e.g. FY2021–23 trainees): the sum so far against a straight line."""
    start = target.period_start or target.baseline_year + 1
    end = target.period_end or target.target_year
    years = [y for y in series if start <= y <= min(end, until)]
    t_val = target.target_value
    base = replace(_blank(target, place, benchmark), baseline_year=start - 1, baseline_value=0.0,
                   target_year=end)
    if not years or not t_val:
        return base
    a_year = max(years)
    total = sum(series[y] for y in years)
    elapsed = a_year - start + 1
    expected = t_val * elapsed / (end - start + 1)
    per_year = total / elapsed
    ratio = total / expected
    return replace(base, actual_year=a_year, actual_value=total,
                   actual_is_sample=any(y in sample_years for y in years),
                   share_of_way=total / t_val, expected_now=expected, ratio=ratio,
                   status="achieved" if total >= t_val else classify(ratio),
                   projected_value=per_year * (end - start + 1),
                   projected_year=start - 1 + t_val / per_year if per_year > 0 else None)


def shortfall(p: Progress) -> str | None:
    """Why a row whose value reached the target value is still not 達成: "below_national" for an
    "above the national average" target whose value is not above the national figure, else None."""
    if p.status == "achieved" or p.target_kind != "above_national" or p.actual_value is None:
        return None
    reached = (p.share_of_way >= 1.0 if p.share_of_way is not None
               else p.target_value is not None and p.actual_value >= p.target_value)
    if reached and p.national_value is not None and p.actual_value <= p.national_value:
        return "below_national"
    return None


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
    (see needed_places()). The prefecture gets its own targets. A 圏域 or municipality gets the
    targets scoped to it, and each prefecture target as context: rate and score targets as
    benchmarks, count targets with the place's actual, share of the prefecture and rate per
    1,000 aged 65+ (the plan sets no municipal split of counts).
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
        if t.scope == place:
            ps = series_of(t.indicator_id, place)
            out.append(evaluate(t, ind, ps.values, year, place=place, national=national, sample_years=ps.sample,
                                coverage=ps.coverage, partial=ps.partial))
        elif t.scope == PREFECTURE and place != PREFECTURE and ind.rollup != "none":
            # (Indicators that exist only for the prefecture, like its own score, are skipped.)
            ps = series_of(t.indicator_id, place)
            if ind.kind in ("rate", "score"):
                out.append(evaluate(t, ind, ps.values, year, place=place, benchmark=True,
                                    national=national, sample_years=ps.sample, coverage=ps.coverage,
                                    partial=ps.partial))
            else:
                row = _context(t, ind, series_of, ps.values, ps.sample, place, year)
                out.append(_finite(with_coverage(row, ps.coverage, ps.partial, min(year, t.target_year))))
    return out


def _context(t: Target, ind: Indicator, series_of: _Lookup, series: Series,
             sample: frozenset[int], place: str, year: int) -> Progress:
    """A count target seen from a place it does not apply to: actual, share, rate per 65+."""
    pref = series_of(t.indicator_id, PREFECTURE).values  # (complete years only: a share of a partial
    pop = series_of("pop65", place).values                # prefecture total would mislead)
    if t.kind == "period_total":
        start, end = t.period_start or t.baseline_year + 1, t.period_end or t.target_year
        yrs = [y for y in series if start <= y <= min(end, year)]
        a_year = max(yrs) if yrs else None
        a_val = sum(series[y] for y in yrs) if yrs else None
        p_val = sum(pref.get(y, 0.0) for y in yrs) if yrs else None
    else:
        latest = _latest(series, 0, min(year, t.target_year))
        a_year, a_val = latest if latest else (None, None)
        p_val = pref.get(a_year) if a_year is not None else None
    share = a_val / p_val if a_val is not None and p_val else None
    p65 = pop.get(a_year) if a_year is not None else None
    per = a_val / p65 * 1000 if a_val is not None and p65 and ind.per_pop65 else None
    return Progress(target_id=t.id, indicator_id=t.indicator_id, place_code=place,
                    target_kind=t.kind, benchmark=False, baseline_year=None, baseline_value=None,
                    target_year=t.target_year, target_value=t.target_value, actual_year=a_year,
                    actual_value=a_val, actual_is_sample=bool(a_year in sample if a_year else False),
                    national_value=None, baseline_national_value=None, share_of_way=None,
                    expected_now=None, ratio=None, status="no_target", projected_value=None, projected_year=None,
                    share_of_prefecture=share, per_1000_65=per)


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
              "target_kind": pl.Utf8, "benchmark": pl.Boolean, "baseline_year": pl.Int64,
              "baseline_value": pl.Float64, "target_year": pl.Int64, "target_value": pl.Float64,
              "actual_year": pl.Int64, "actual_value": pl.Float64, "actual_is_sample": pl.Boolean,
              "national_value": pl.Float64, "baseline_national_value": pl.Float64,
              "share_of_way": pl.Float64, "expected_now": pl.Float64,
              "ratio": pl.Float64, "status": pl.Utf8, "projected_value": pl.Float64,
              "projected_year": pl.Float64, "share_of_prefecture": pl.Float64,
              "per_1000_65": pl.Float64, "actual_n_reporting": pl.Int64, "actual_n_expected": pl.Int64,
              "provisional_year": pl.Int64, "provisional_value": pl.Float64,
              "provisional_n_reporting": pl.Int64, "provisional_n_expected": pl.Int64}
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
