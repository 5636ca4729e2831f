"""Data access: the as-of view of published snapshots, through the named queries."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from dashboard import db
from dashboard.catalog import Catalog
from dashboard.storage import SnapshotMeta, SnapshotStore, visible

VALUE_SCHEMA = {
    "indicator_id": pl.Utf8, "place_code": pl.Utf8, "fiscal_year": pl.Int32, "value": pl.Float64,
    "source": pl.Utf8, "n_reporting": pl.Int64, "n_expected": pl.Int64, "has_sample": pl.Boolean,
    "seq": pl.Int32,
}


def values(con: duckdb.DuckDBPyConnection, store: SnapshotStore, catalog: Catalog,
           as_of: str | None = None, indicator_ids: Sequence[str] = (),
           places: Sequence[str] = ()) -> pl.DataFrame:
    """As-of values (direct, derived and rolled up) for the given indicators and places."""
    snaps = visible(store.list(), as_of)
    return values_for(con, store, catalog, snaps, indicator_ids, places)


def values_for(con: duckdb.DuckDBPyConnection, store: SnapshotStore, catalog: Catalog,
               snaps: Sequence[SnapshotMeta], indicator_ids: Sequence[str] = (),
               places: Sequence[str] = ()) -> pl.DataFrame:
    """Same as values(), over an explicit list of snapshots (used for previews)."""
    if not snaps:
        return pl.DataFrame(schema=VALUE_SCHEMA)
    df = db.run(
        con, "values",
        files=[store.path(m) for m in snaps], seqs=[m.seq for m in snaps],
        kinds=[m.kind for m in snaps],
        indicators_csv=str(catalog.indicators_csv), municipalities_csv=str(catalog.municipalities_csv),
        indicator_ids=list(indicator_ids), places=list(places),
    )
    return df.cast(VALUE_SCHEMA)  # type: ignore[arg-type]
