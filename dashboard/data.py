"""Data access: the as-of view of published snapshots, through the named queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dashboard import db, materialize
from dashboard.asof import values_args
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.storage import SnapshotMeta, SnapshotStore, visible

VALUE_SCHEMA = {
    "indicator_id": pl.Utf8, "place_code": pl.Utf8, "fiscal_year": pl.Int32, "value": pl.Float64,
    "source": pl.Utf8, "n_reporting": pl.Int64, "n_expected": pl.Int64, "has_sample": pl.Boolean,
    "seq": pl.Int32,
}


KEY = ["indicator_id", "place_code", "fiscal_year"]


def partial() -> pl.Expr:
    """True for a roll-up that not every member municipality reported (n_reporting < n_expected).

    Such a value is provisional: it never gets a progress status and is never a headline. A figure
    published for the place itself (source 'direct') is authoritative and never partial.
    """
    return ((pl.col("source") == "rollup") & (pl.col("n_reporting") < pl.col("n_expected"))).fill_null(False)


def is_partial(source: str | None, n_reporting: int | None, n_expected: int | None) -> bool:
    """partial() for one row's values (the same rule, for code that walks a few rows in Python)."""
    return source == "rollup" and n_reporting is not None and n_expected is not None and n_reporting < n_expected


def finite(df: pl.DataFrame) -> pl.DataFrame:
    """Only rows with a finite value: NaN and ±inf count as missing (the query drops them too; this
    also covers a pre-aggregated file written before that rule)."""
    return df.filter(pl.col("value").is_finite())


def values(con: duckdb.DuckDBPyConnection, store: SnapshotStore, catalog: Catalog,
           as_of: str | None = None, indicator_ids: Sequence[str] = (),
           places: Sequence[str] = ()) -> pl.DataFrame:
    """As-of values (direct, derived and rolled up) for the given indicators and places."""
    snaps = visible(store.list(), as_of)
    return values_for(con, store, catalog, snaps, indicator_ids, places)


def values_for(con: duckdb.DuckDBPyConnection, store: SnapshotStore, catalog: Catalog,
               snaps: Sequence[SnapshotMeta], indicator_ids: Sequence[str] = (),
               places: Sequence[str] = (), cache_dir: Path | None = None,
               build_missing: bool = True) -> pl.DataFrame:
    """Same as values(), over an explicit list of snapshots (the pages, the CLI and previews read through it).

    With cache_dir, the pre-aggregated file of this snapshot set is read when it exists, and built
    in the background when it does not and build_missing (meanwhile the values are computed from the snapshots).
    """
    if not snaps:
        return pl.DataFrame(schema=VALUE_SCHEMA)
    if cache_dir is not None:
        cached = materialize.cache_path(cache_dir, snaps, catalog)
        if cached.exists():
            try:
                df = db.run(con, "values_cached", file=str(cached), indicator_ids=list(indicator_ids),
                            places=list(places))
                return finite(df.cast(VALUE_SCHEMA).sort(KEY))  # type: ignore[arg-type]
            except duckdb.IOException:  # removed by a prune in between: compute it directly below
                pass
        elif build_missing:
            materialize.build_soon(cache_dir, store, catalog, snaps)
    df = db.run(con, "values", **values_args(store, catalog, snaps, indicator_ids, places))
    return finite(df.cast(VALUE_SCHEMA))  # type: ignore[arg-type]



# ---------------------------------------------------------------- complete years
# Everyone opens the dashboard at the latest *complete* year: a FY2026 file from 3 of 35 municipalities must not
# turn the default view into 3 bars, 32 empty rows and 32 blank tiles. Worked out from the prefecture rows
# alone (each roll-up carries n_reporting / n_expected), so it costs one small frame per store state.


@dataclass(frozen=True)
class YearCoverage:
    """How completely the municipalities reported one fiscal year's targeted indicators."""

    year: int
    complete: bool  # every municipality reported every indicator in scope
    n_reporting: int  # the fewest municipalities behind any of the year's roll-ups in scope (all of them if none)
    n_expected: int  # the municipalities expected (35)

    @property
    def provisional(self) -> bool:
        """Some but not all municipalities reported: shown only when chosen, and labelled 暫定 (a year with
        nothing from any municipality, e.g. the plan's own prefecture figures, is not provisional)."""
        return not self.complete and self.n_reporting > 0


def indicators_in_scope(catalog: Catalog, year: int) -> list[str]:
    """The rolled-up indicators a complete `year` needs: those with a target of the catalog's plan running
    that year (baseline_year < year <= target_year). Prefecture-only indicators (roll-up none) and the
    population context are left out: municipalities do not report them."""
    def rolled(ind_id: str) -> bool:
        ind = catalog.indicators.get(ind_id)
        return ind is not None and ind.rollup != "none" and ind.policy_area != "context"
    return sorted({tg.indicator_id for tg in catalog.targets
                   if tg.baseline_year < year <= tg.target_year and rolled(tg.indicator_id)})


def year_coverage(prefecture_values: pl.DataFrame, catalog: Catalog) -> dict[int, YearCoverage]:
    """Coverage of every fiscal year with plan-area values at the prefecture (rows of place 10000).

    In scope each year: indicators_in_scope(); a year beyond every target (e.g. FY2026 of a plan whose
    targets end in FY2025) needs every rolled-up indicator that has a value that year. An indicator in scope
    without a row that year was reported by nobody: the year is not complete. A figure published for the
    prefecture itself ('direct') is authoritative and counts as reported.
    """
    rolled = {i.id for i in catalog.indicators.values() if i.rollup != "none" and i.policy_area != "context"}
    areas = {i.id for i in catalog.indicators.values() if i.policy_area != "context"}
    rows = prefecture_values.filter(pl.col("place_code") == PREFECTURE)
    n_all = len(catalog.municipality_codes())
    out: dict[int, YearCoverage] = {}
    by_year = {int(k[0]): g for k, g in rows.partition_by("fiscal_year", as_dict=True).items()} if rows.height else {}
    for year, g in sorted(by_year.items()):
        if not g.filter(pl.col("indicator_id").is_in(list(areas))).height:
            continue  # population only: not a year of the plan's data
        present = {r["indicator_id"]: r for r in g.iter_rows(named=True) if r["indicator_id"] in rolled}
        out[year] = _coverage_of(year, indicators_in_scope(catalog, year) or sorted(present), present, n_all)
    return out


def _coverage_of(year: int, scope: list[str], present: dict[str, dict[str, Any]], n_all: int) -> YearCoverage:
    """One year's coverage from its prefecture rows of the indicators in scope (`present`, by indicator)."""
    complete = bool(scope)
    n_rep: int | None = None
    n_exp = n_all
    for ind_id in scope:
        r = present.get(ind_id)
        if r is None:  # nobody reported it
            complete = False
        elif r["source"] == "rollup":  # (a 'direct' prefecture figure is authoritative: reported)
            # The fewest behind any roll-up: "3 of 35" names how many reported what the year needs.
            n_rep = min(n_rep if n_rep is not None else n_all, int(r["n_reporting"] or 0))
            n_exp = max(n_exp, int(r["n_expected"] or 0))
            complete = complete and not is_partial(r["source"], r["n_reporting"], r["n_expected"])
    return YearCoverage(year, complete, n_exp if complete else (n_rep if n_rep is not None else 0), n_exp)


def complete_year(prefecture_values: pl.DataFrame, catalog: Catalog) -> int | None:
    """The latest fiscal year every municipality reported in full (see year_coverage); None when none is."""
    return max((y for y, c in year_coverage(prefecture_values, catalog).items() if c.complete), default=None)


def has_actuals(values: pl.DataFrame, catalog: Catalog, place: str, year: int) -> bool:
    """Whether any target of the catalog's plan has a value at `place` after its baseline year, up to `year`.

    False for the plan's own figures alone (snapshot 0001: baselines and targets, no yearly actuals): the
    page then says so in a sentence instead of leaving a column of 「評価できない」 to explain itself."""
    firsts: dict[str, int] = {}
    for tg in catalog.targets:
        firsts[tg.indicator_id] = min(firsts.get(tg.indicator_id, tg.baseline_year), tg.baseline_year)
    if not firsts:
        return False
    base = pl.DataFrame({"indicator_id": list(firsts), "_after": list(firsts.values())},
                        schema={"indicator_id": pl.Utf8, "_after": pl.Int32})
    rows = values.filter((pl.col("place_code") == place) & (pl.col("fiscal_year") <= year)).join(
        base, on="indicator_id", how="inner")
    return rows.filter(pl.col("fiscal_year") > pl.col("_after")).height > 0
