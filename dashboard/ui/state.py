"""Cached resources and data for the pages.

The DuckDB connection and the catalog are process-wide resources. Every cached page section and the values
behind them take a `ViewKey` first (the memo refuses anything else): it carries the store's state key, which
changes with every upload, withdrawal or restoration, so nothing cached is ever served stale.
"""

from __future__ import annotations

import collections
import functools
import os
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from dashboard import data, db, materialize
from dashboard.catalog import Catalog, load_catalog
from dashboard.config import PREFECTURE, cache_dir, catalog_dir, data_dir
from dashboard.storage import SnapshotMeta, SnapshotStore, visible
from dashboard.stores import open_store


@dataclass(frozen=True)
class ViewKey:
    """What a cached page section depends on beyond its own arguments: the store's state (it changes on every
    publish, withdrawal or restoration), the as-of snapshot shown, and the place, year, language, plan and kind of
    screen (desktop, phone or present) of the view. The one first argument of every cached section."""

    state: str
    snapshot: str | None
    place: str = PREFECTURE
    year: int = 0
    lang: str = "ja"
    plan: str = ""
    screen: str = "desktop"

    def data(self) -> ViewKey:
        """The part values depend on (store state and snapshot): shared by every place, year and language."""
        return ViewKey(self.state, self.snapshot)

    def at(self, **changes: Any) -> ViewKey:
        """The same view with some fields changed (e.g. another place)."""
        return replace(self, **changes)


class ViewCache:
    """A process-wide memo of one function of the view, keyed on its (hashable) arguments; each value is built
    once even when many sessions ask for it at the same instant. What it returns is handed to every session as
    it is: only for values nobody changes (frozen dataclasses, Polars frames, bytes, lists only read).

    Bounded by entries and, with `max_bytes`, by the summed `size` of its values (oldest dropped first): the
    export cache holds files of very different sizes."""

    def __init__(self, fn: Callable[..., Any] | None = None, max_entries: int = 128, max_bytes: int | None = None,
                 size: Callable[[Any], int] = len, keyed: bool = False,
                 normalize: Callable[..., tuple[Any, ...]] | None = None) -> None:
        if fn is not None:
            functools.update_wrapper(self, fn)
        self.fn, self.max_entries, self.max_bytes, self.size = fn, max_entries, max_bytes, size
        self.keyed = keyed  # a page section: its first argument must be a ViewKey
        self.normalize = normalize  # the arguments as the function sees them (e.g. a ViewKey cut to its data part)
        self._lock = threading.Lock()
        self._values: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._building: dict[Hashable, threading.Lock] = {}
        self._fallback: Callable[..., Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        assert self.fn is not None, "a ViewCache without a function is used through get()"
        if self.keyed and not (args and isinstance(args[0], ViewKey)):
            # A section keyed on anything else would outlive the next publication: refuse it, loudly.
            raise TypeError(f"{getattr(self.fn, '__qualname__', self.fn)}: a cached page section takes a ViewKey first")
        if self.normalize is not None:
            args = self.normalize(*args)
        key = (args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:  # an argument Python cannot hash (a list, a frame): Streamlit's hashing handles it
            if self._fallback is None:
                self._fallback = st.cache_data(show_spinner=False, max_entries=self.max_entries)(self.fn)
            return self._fallback(*args, **kwargs)
        return self._memo(key, self.fn, args, kwargs)

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value under `key`, built by `build()` when missing (once, however many sessions ask at once)."""
        return self._memo(key, build, (), {})

    def _memo(self, key: Hashable, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # fn is called straight from here (no wrapper of its own): a reader following a page down to its SQL
        # meets two frames per memo, this one and __call__.
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:  # sessions asking for the same new view wait for the first one to build it
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._values[key] = value
                if self.max_bytes is not None:
                    self._sizes[key] = self.size(value)
                self._trim()
        return value

    def _trim(self) -> None:
        # Oldest first, until both budgets hold (the newest value stays even when alone above the byte budget:
        # it is being handed out now).
        while len(self._values) > self.max_entries or (
                self.max_bytes is not None and len(self._values) > 1 and self.nbytes() > self.max_bytes):
            old, _ = self._values.popitem(last=False)
            self._sizes.pop(old, None)

    def nbytes(self) -> int:
        """The summed size of the values held (0 without a byte budget)."""
        return sum(self._sizes.values())

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> tuple[Hashable, ...]:
        """The keys held now, oldest first (tests and benchmarks: which views a run added)."""
        with self._lock:
            return tuple(self._values)

    def clear(self) -> None:
        """Forget every view (benchmarks of the uncached way; tests)."""
        with self._lock:
            self._values.clear()
            self._sizes.clear()
        if self._fallback is not None:
            self._fallback.clear()  # type: ignore[attr-defined]


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


def _snapshots(key: str) -> list[SnapshotMeta]:
    return store().list()


def _visible_snapshots(key: str, as_of_id: str | None) -> list[SnapshotMeta]:
    return visible(snapshots(key), as_of_id)


# Asked several times per page run (filters, header, exports): a memo, not st.cache_data, which would unpickle
# the list on every call. Frozen SnapshotMetas in lists nobody changes; keyed on the store state.
_SNAPSHOTS = ViewCache(_snapshots, 64)
_VISIBLE = ViewCache(_visible_snapshots, 256)


def snapshots(key: str) -> list[SnapshotMeta]:
    """All snapshots with their withdrawn state (keyed on the store state)."""
    return _SNAPSHOTS(key)  # type: ignore[no-any-return]


def visible_snapshots(key: str, as_of_id: str | None) -> list[SnapshotMeta]:
    """Snapshots counted at the as-of point (published at or before it, not withdrawn; KeyError if unknown)."""
    return _VISIBLE(key, as_of_id)  # type: ignore[no-any-return]


def _values(v: ViewKey, indicator_ids: tuple[str, ...] = (), places: tuple[str, ...] = ()) -> pl.DataFrame:
    snaps = visible(snapshots(v.state), v.snapshot)
    return data.values_for(connection(), store(), catalog(), snaps, indicator_ids, places, cache_dir=cache_dir())


def _data_part(v: ViewKey, *rest: Any) -> tuple[Any, ...]:
    return (v.data(), *rest)  # values depend on the store state and snapshot only: shared by every view of them


# As-of values (with roll-ups) for the given indicators and places (empty tuple = all), for a ViewKey. Frames
# are handed to every session as they are (nobody changes a frame in place), bounded by their size in memory:
# $GUNMA_VALUES_CACHE_MB (default VALUES_CACHE_MB). st.cache_data unpickled a copy on every run instead.
# 256, not 512: held frames cost the worker more than their estimated_size() (emptying the memo at 512 MB gave
# back 960 MB), and one worker that served 25 as-of snapshots at national scale held 1.8 GB with 512, 1.3 GB with
# 256 (bench/memory.py; budget 1.5 GB).
VALUES_CACHE_MB = 256
values = ViewCache(_values, 512, max_bytes=int(float(os.environ.get("GUNMA_VALUES_CACHE_MB") or VALUES_CACHE_MB)
                                               * 2**20),
                   size=lambda df: int(df.estimated_size()), keyed=True, normalize=_data_part)


def prefecture_values(key: str, as_of_id: str | None) -> pl.DataFrame:
    """Every indicator at prefecture level (used for the year choices)."""
    return values(ViewKey(key, as_of_id), (), (PREFECTURE,))


def ids(items: Sequence[str]) -> tuple[str, ...]:
    """A sorted, de-duplicated tuple (stable cache keys)."""
    return tuple(sorted(set(items)))


def prebuild() -> None:
    """Start pre-aggregating the newest view in the background (after a publish, withdrawal or restoration)."""
    materialize.build_soon(cache_dir(), store(), catalog(), visible(store().list(), None))
