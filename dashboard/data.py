"""Data access: the as-of view of published snapshots, through the named queries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from dashboard import db, materialize
from dashboard.asof import values_args
from dashboard.catalog import Catalog
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
               places: Sequence[str] = (), cache_dir: Path | None = None) -> pl.DataFrame:
    """Same as values(), over an explicit list of snapshots (used for previews).

    With cache_dir, the pre-aggregated file of this snapshot set is read when it exists, and built
    in the background when it does not (meanwhile the values are computed from the snapshots).
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
        else:
            materialize.build_soon(cache_dir, store, catalog, snaps)
    df = db.run(con, "values", **values_args(store, catalog, snaps, indicator_ids, places))
    return finite(df.cast(VALUE_SCHEMA))  # type: ignore[arg-type]

