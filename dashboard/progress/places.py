"""Progress for a place: every tracked target judged where it was set (and per municipality where the catalog
says so), or shown as context below it; the place's value series read from the values frame."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from dashboard.catalog import Catalog, Indicator, Target
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.data import is_partial
from dashboard.progress.rows import PlaceSeries, Progress, Series, _finite
from dashboard.progress.verdict import _blank, _latest, evaluate, with_coverage


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
