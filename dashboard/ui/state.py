"""Cached resources and data for the pages.

The DuckDB connection and the catalog are process-wide resources. Every cached page section and the values
behind them take a `ViewKey` first (the memo refuses anything else): it carries the store's state key, which
changes with every upload, withdrawal or restoration, so nothing cached is ever served stale.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import os
import sys
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import duckdb
import polars as pl
import streamlit as st

from dashboard import data, db, materialize
from dashboard.catalog import Catalog, load_catalog
from dashboard.config import PREFECTURE, cache_dir, catalog_dir, data_dir
from dashboard.storage import SnapshotMeta, SnapshotStore, visible
from dashboard.stores import open_store

T = TypeVar("T")


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


# Polars keeps strings as views into shared buffers: a frame filtered or sliced from a larger one keeps the
# larger one's string buffers alive, and estimated_size() counts only its own rows (10 rows of a 1M-row frame:
# 4 KB estimated, ~60 MB held). At national scale one trends section estimated at 10 KB held 13 MB this way, and
# a worker grew by ~25 MB for every as-of snapshot viewed, past every budget (bench/memory.py, 50 snapshots).
def frame_bytes(df: pl.DataFrame) -> int:
    """The bytes a frame keeps alive: every buffer its columns point into (shared ones too), each counted once."""
    buffers: dict[int, int] = {}
    for col in df.to_arrow(compat_level=pl.CompatLevel.newest()).columns:  # zero-copy: Polars' own buffers
        for chunk in col.chunks:
            buffers.update((b.address, b.size) for b in chunk.buffers() if b is not None)
    return sum(buffers.values())


COMPACT_SLACK = 256 * 1024  # bytes a frame may keep alive beyond its own rows before compact() copies it


def _own_rows(df: pl.DataFrame) -> pl.DataFrame:
    if frame_bytes(df) < df.estimated_size() + COMPACT_SLACK:
        return df  # holds little beyond its own rows (always so on the bundled data): not worth a copy
    # A gather writes every column anew (a slice, head() or rechunk() may point into the old buffers); strings
    # are written anew by concat_str (a gathered string still points into the old text buffers).
    every_row = pl.int_range(pl.len())
    return df.select(pl.concat_str(pl.col(c).gather(every_row), pl.lit("")).alias(c) if dt == pl.String
                     else pl.col(c).gather(every_row) for c, dt in df.schema.items())


def compact(obj: T) -> T:
    """`obj` with every Polars frame in it (through dataclasses, lists, tuples and dict values) that keeps much
    more alive than its own rows copied down to them; anything else is returned as it is."""
    if isinstance(obj, pl.DataFrame):
        return _own_rows(obj)  # type: ignore[return-value]
    if isinstance(obj, (list, tuple)):
        items = [compact(v) for v in obj]
        changed = any(a is not b for a, b in zip(items, obj, strict=True))
        return (items if isinstance(obj, list) else type(obj)(items)) if changed else obj  # type: ignore[return-value]
    if isinstance(obj, dict):
        pairs = {k: compact(v) for k, v in obj.items()}
        return pairs if any(pairs[k] is not v for k, v in obj.items()) else obj  # type: ignore[return-value]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: compact(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
        changes = {k: v for k, v in changes.items() if v is not getattr(obj, k)}
        return dataclasses.replace(obj, **changes) if changes else obj  # type: ignore[type-var]
    return obj


def deep_size(obj: Any, seen: set[int] | None = None) -> int:
    """Bytes one cached value holds, about: Python's own sizes of its containers, strings and numbers, walked
    through dicts, sequences and dataclasses, plus the buffers its frames keep alive (each object counted once)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, (pl.DataFrame, pl.Series)):
        return frame_bytes(obj if isinstance(obj, pl.DataFrame) else obj.to_frame())
    n = sys.getsizeof(obj)
    if isinstance(obj, dict):
        n += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        n += sum(deep_size(v, seen) for v in obj)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        n += sum(deep_size(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    return n


class Ledger:
    """A byte budget of one ViewCache, or shared by several (and their one lock): past it, the least recently
    used value of any of them goes, whichever function built it. The page sections of a worker share one: which
    sections are heavy depends on the data (a trends tab of 48 indicators at national scale, 7 in Gunma)."""

    def __init__(self, max_bytes: int, size: Callable[[Any], int] = deep_size) -> None:
        self.max_bytes, self.size = max_bytes, size
        self.lock = threading.Lock()
        self._order: collections.OrderedDict[tuple[ViewCache, Hashable], int] = collections.OrderedDict()
        self.nbytes = 0

    # The methods below are called by a ViewCache with self.lock held.
    def touch(self, cache: ViewCache, key: Hashable) -> None:
        """A value was handed out: it is the most recently used."""
        if (cache, key) in self._order:
            self._order.move_to_end((cache, key))

    def add(self, cache: ViewCache, key: Hashable, size: int) -> None:
        """A value was stored; drop the least recently used ones of every cache until the budget holds (the
        newest stays even when alone above it: it is being handed out now)."""
        self.forget(cache, key)
        self._order[(cache, key)] = size
        self.nbytes += size
        while self.nbytes > self.max_bytes and len(self._order) > 1:
            (owner, old), old_size = self._order.popitem(last=False)
            self.nbytes -= old_size
            owner._drop(old)

    def forget(self, cache: ViewCache, key: Hashable) -> None:
        """A cache dropped a value itself (its entry limit, clear())."""
        self.nbytes -= self._order.pop((cache, key), 0)

    def held_by(self, cache: ViewCache) -> int:
        """The summed size of one cache's values."""
        return sum(size for (owner, _), size in self._order.items() if owner is cache)

    def __len__(self) -> int:
        return len(self._order)


class ViewCache:
    """A process-wide memo of one function of the view, keyed on its (hashable) arguments; each value is built
    once even when many sessions ask for it at the same instant. What it returns is handed to every session as
    it is: only for values nobody changes (frozen dataclasses, Polars frames, bytes, lists only read).

    Bounded by entries and, with `max_bytes`, by the summed `size` of its values (oldest dropped first): the
    export cache holds files of very different sizes. A byte budget is a Ledger: the memo's own, or `ledger`,
    shared with other memos (the page sections')."""

    def __init__(self, fn: Callable[..., Any] | None = None, max_entries: int = 128, max_bytes: int | None = None,
                 size: Callable[[Any], int] = len, keyed: bool = False,
                 normalize: Callable[..., tuple[Any, ...]] | None = None, ledger: Ledger | None = None,
                 keep: Callable[[Any], Any] | None = None) -> None:
        if fn is not None:
            functools.update_wrapper(self, fn)
        self.fn, self.max_entries = fn, max_entries
        self.keyed = keyed  # a page section: its first argument must be a ViewKey
        self.normalize = normalize  # the arguments as the function sees them (e.g. a ViewKey cut to its data part)
        if ledger is None and max_bytes is not None:
            ledger = Ledger(max_bytes, size)
        self.ledger = ledger  # the byte budget (its lock is this memo's), or None: entries only
        self.keep = keep  # what is kept of a built value (e.g. compact), or the value itself
        self._lock = ledger.lock if ledger is not None else threading.Lock()
        self._values: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()
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
                if self.ledger is not None:
                    self.ledger.touch(self, key)
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
            if self.keep is not None:
                value = self.keep(value)
            # Sized outside the lock: measuring a section walks its figures (a few ms at national scale).
            size = self.ledger.size(value) if self.ledger is not None else 0
            with self._lock:
                self._values[key] = value
                self._trim()
                if self.ledger is not None:
                    self.ledger.add(self, key, size)
        return value

    def _trim(self) -> None:
        # Oldest first, down to the entry limit (the ledger keeps the byte budget).
        while len(self._values) > self.max_entries:
            old, _ = self._values.popitem(last=False)
            if self.ledger is not None:
                self.ledger.forget(self, old)

    def _drop(self, key: Hashable) -> None:
        """Forget one value (the ledger's choice; its lock is held)."""
        self._values.pop(key, None)

    @property
    def max_bytes(self) -> int | None:
        """The byte budget this memo's values count against (None: entries only)."""
        return self.ledger.max_bytes if self.ledger is not None else None

    def nbytes(self) -> int:
        """The summed size of the values held (0 without a byte budget)."""
        with self._lock:
            return self.ledger.held_by(self) if self.ledger is not None else 0

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> tuple[Hashable, ...]:
        """The keys held now, oldest first (tests and benchmarks: which views a run added)."""
        with self._lock:
            return tuple(self._values)

    def clear(self) -> None:
        """Forget every view (benchmarks of the uncached way; tests)."""
        with self._lock:
            if self.ledger is not None:
                for key in self._values:
                    self.ledger.forget(self, key)
            self._values.clear()
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
# Sized by the buffers a frame keeps alive (frame_bytes): estimated_size() undercounted them by ~1.6× at national
# scale (emptying the memo at 512 estimated MB gave back 960 MB). One worker that served 50 as-of snapshots at
# national scale levels off near 1 GB with 256 (bench/memory.py; budget 1.5 GB).
VALUES_CACHE_MB = 256
values = ViewCache(_values, 512, max_bytes=int(float(os.environ.get("GUNMA_VALUES_CACHE_MB") or VALUES_CACHE_MB)
                                               * 2**20),
                   size=frame_bytes, keyed=True, normalize=_data_part)


def prefecture_values(key: str, as_of_id: str | None) -> pl.DataFrame:
    """Every indicator at prefecture level (used for the year choices)."""
    return values(ViewKey(key, as_of_id), (), (PREFECTURE,))


def ids(items: Sequence[str]) -> tuple[str, ...]:
    """A sorted, de-duplicated tuple (stable cache keys)."""
    return tuple(sorted(set(items)))


def prebuild() -> None:
    """Start pre-aggregating the newest view in the background (after a publish, withdrawal or restoration)."""
    materialize.build_soon(cache_dir(), store(), catalog(), visible(store().list(), None))
