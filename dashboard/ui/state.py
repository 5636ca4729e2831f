"""Cached resources and data for the pages.

The DuckDB connection and the catalog are process-wide resources. Every cached data function
takes the store's state_key() and the resolved as-of snapshot id as arguments, so a new upload,
withdrawal or restoration changes the cache key and is never served stale.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import duckdb
import polars as pl
import streamlit as st

from dashboard import data, db, materialize
from dashboard.catalog import Catalog, load_catalog
from dashboard.config import PREFECTURE, cache_dir, catalog_dir, data_dir
from dashboard.storage import SnapshotMeta, SnapshotStore, visible
from dashboard.stores import open_store


@st.cache_resource(show_spinner=False)
def connection() -> duckdb.DuckDBPyConnection:
    """The process-wide DuckDB connection (queries take their own cursor)."""
    return db.connect()


_CATALOGS: dict[str, Catalog] = {}  # catalog folder -> its catalog, loaded once per process
_CATALOG_LOCK = threading.Lock()


def catalog(plan: str | None = None) -> Catalog:
    """The indicator catalog (one per catalog folder), with the targets of one plan period (default: newest)."""
    # A plain dict, not st.cache_resource: a page run asks for the catalog a dozen times, and each call through
    # Streamlit's cache hashes its argument and inspects the function's signature (~5 % of a run's CPU).
    folder = str(catalog_dir())
    cat = _CATALOGS.get(folder)
    if cat is None:
        with _CATALOG_LOCK:
            cat = _CATALOGS.get(folder) or _CATALOGS.setdefault(folder, load_catalog())
    return cat.for_plan(plan)


def store() -> SnapshotStore:
    """The configured snapshot store ($GUNMA_STORE; default the data folder), cheap to ask for."""
    return open_store()


def state_key() -> str:
    """Changes whenever anything is published, withdrawn or restored (plus the data folder)."""
    return f"{data_dir()}|{store().state_key()}"


@st.cache_data(show_spinner=False, max_entries=64)
def snapshots(key: str) -> list[SnapshotMeta]:
    """All snapshots with their withdrawn state (keyed on the store state)."""
    return store().list()


def visible_snapshots(key: str, as_of_id: str | None) -> list[SnapshotMeta]:
    """Snapshots counted at the as-of point (published at or before it, not withdrawn)."""
    return visible(snapshots(key), as_of_id)


@st.cache_data(show_spinner=False, max_entries=512)
def values(key: str, as_of_id: str | None, indicator_ids: tuple[str, ...] = (),
           places: tuple[str, ...] = ()) -> pl.DataFrame:
    """As-of values (with roll-ups) for the given indicators and places; empty tuple = all."""
    snaps = visible(snapshots(key), as_of_id)
    return data.values_for(connection(), store(), catalog(), snaps, indicator_ids, places, cache_dir=cache_dir())


def prefecture_values(key: str, as_of_id: str | None) -> pl.DataFrame:
    """Every indicator at prefecture level (used for the year choices)."""
    return values(key, as_of_id, (), (PREFECTURE,))


def ids(items: Sequence[str]) -> tuple[str, ...]:
    """A sorted, de-duplicated tuple (stable cache keys)."""
    return tuple(sorted(set(items)))


def prebuild() -> None:
    """Start pre-aggregating the newest view in the background (after a publish, withdrawal or restoration)."""
    materialize.build_soon(cache_dir(), store(), catalog(), visible(store().list(), None))
