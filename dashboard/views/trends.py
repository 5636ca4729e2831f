"""Page data for a trend chart: actuals, target points, straight paths and the current-pace projection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from dashboard import data, fmt
from dashboard import progress as pg
from dashboard.catalog import Catalog, Indicator, Target
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import t
from dashboard.views.wording import coverage_text, reached_words

# ---------------------------------------------------------------- trends

@dataclass
class TrendView:
    """Everything one trend chart shows for one indicator at one place."""

    indicator: Indicator
    place: str
    years: list[int]
    values: list[float]
    sample: list[bool]
    national: dict[int, float] = field(default_factory=dict)
    targets: list[tuple[int, float, str]] = field(default_factory=list)  # (year, value, label)
    paths: list[tuple[int, float, int, float]] = field(default_factory=list)  # baseline → target
    projection: tuple[int, float, int, float] | None = None  # latest actual → target year
    reached: str | None = None  # words for the year the target is reached at this pace
    hlines: list[tuple[float, str]] = field(default_factory=list)  # rate targets drawn across
    note: str | None = None
    # Roll-ups: municipalities reporting per year ("" where not a roll-up), and the years whose roll-up
    # not every municipality reported (drawn apart as provisional, never judged).
    coverage: list[str] = field(default_factory=list)
    provisional: list[bool] = field(default_factory=list)
    coverage_short: list[str] = field(default_factory=list)  # 「報告3/35市町村」, written beside provisional points


def series(values: pl.DataFrame, indicator_id: str, place: str, until: int | None = None
           ) -> pl.DataFrame:
    """One indicator's values at one place by fiscal year (up to `until`)."""
    df = values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("place_code") == place))
    if until is not None:
        df = df.filter(pl.col("fiscal_year") <= until)
    return df.sort("fiscal_year")


def trend_view(catalog: Catalog, values: pl.DataFrame, indicator_id: str, place: str, year: int,
               lang: str) -> TrendView:
    """Actuals, target points, straight paths and the current-pace projection for a chart."""
    ind = catalog.indicators[indicator_id]
    view = _actuals(ind, values, indicator_id, place, year, lang)
    targets = [tg for tg in catalog.targets_for(indicator_id) if tg.scope in (place, PREFECTURE)]
    # Judged here: the place's own targets, or those that apply to each municipality; a prefecture-wide
    # target is drawn at a 圏域 or municipality for reference only (its value, no path, no pace).
    judged = [tg for tg in targets if tg.scope == place
              or (tg.scope == PREFECTURE and place != PREFECTURE and tg.below == "each")]
    if not judged:
        _reference_targets(view, targets, lang)
        return view
    ps = pg.place_series(values.filter(pl.col("fiscal_year") <= year), indicator_id, place)
    last = _judged_targets(view, catalog, judged, ps, year, lang)
    if last is not None:
        _pace(view, last, lang)
    return view


def _pace(view: TrendView, last: pg.Progress, lang: str) -> None:
    """The last judged target's projection at the current pace and the words for when it is reached."""
    if last.actual_year is not None and last.actual_value is not None:
        if last.phase == "pace" and last.projected_value is not None and last.actual_year < last.target_year:
            view.projection = (last.actual_year, last.actual_value, last.target_year, last.projected_value)
        view.reached = reached_words(last, lang)


def _actuals(ind: Indicator, values: pl.DataFrame, indicator_id: str, place: str, year: int,
             lang: str) -> TrendView:
    """A trend view with only the place's and the nation's values up to `year` (roll-ups' coverage beside)."""
    s = series(values, indicator_id, place, year)
    nat = series(values, indicator_id, NATIONAL, year)
    part = s.select(data.partial().alias("p"))["p"].to_list() if s.height else []
    return TrendView(indicator=ind, place=place, years=[int(y) for y in s["fiscal_year"]],
                     values=s["value"].to_list(), sample=s["has_sample"].to_list(),
                     national=dict(zip(nat["fiscal_year"].to_list(), nat["value"].to_list(), strict=True)),
                     coverage=[coverage_text(n, of, lang, bool(pv)) if src == "rollup" else ""
                               for n, of, src, pv in zip(s["n_reporting"], s["n_expected"], s["source"], part,
                                                        strict=True)],
                     provisional=[bool(x) for x in part],
                     coverage_short=[t("coverage_short", lang, n=fmt.number(n), of=fmt.number(of))
                                     if src == "rollup" else "" for n, of, src in
                                     zip(s["n_reporting"], s["n_expected"], s["source"], strict=True)])


def _reference_targets(view: TrendView, targets: Sequence[Target], lang: str) -> None:
    """Targets not judged at this place: a rate's or score's drawn for reference, a count's only mentioned."""
    if targets and view.indicator.kind in ("rate", "score"):
        view.note = t("benchmark_note", lang)
        view.targets = [(tg.target_year, tg.target_value, tg.label(lang)) for tg in targets
                        if tg.target_value is not None and tg.kind != "period_total"]
    elif targets:
        view.note = t("count_no_target_note", lang)


def _judged_targets(view: TrendView, catalog: Catalog, judged: Sequence[Target], ps: pg.PlaceSeries, year: int,
                    lang: str) -> pg.Progress | None:
    """Draw each judged target (point, path from baseline, rate line) in target-year order; the last one's
    progress, whose pace the chart projects."""
    ind, place = view.indicator, view.place
    last: pg.Progress | None = None
    for tg in sorted(judged, key=lambda x: x.target_year):
        p = pg.evaluate(tg, ind, ps.values, year, place=place, own=pg.per_place(tg, catalog, place, ps.values),
                        national=view.national, sample_years=ps.sample, coverage=ps.coverage, partial=ps.partial)
        tv = p.target_value
        if tv is None or tg.kind == "period_total":
            continue
        view.targets.append((tg.target_year, tv, tg.label(lang)))
        if tg.kind == "above_national" and tg.target_value is not None:
            view.hlines.append((tg.target_value, f"{t('target_point', lang)} {fmt.number(tg.target_value, 1)}%"))
        if p.baseline_year is not None and p.baseline_value is not None:
            view.paths.append((p.baseline_year, p.baseline_value, tg.target_year, tv))
        last = p
    return last
