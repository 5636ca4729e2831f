"""Pre-aggregated values per snapshot set (no Streamlit here).

The `values` query is run once for every indicator and place and written to one Parquet file,
sorted by indicator; page requests then only filter that file (queries/values_cached.sql) instead
of merging every snapshot and rolling up municipalities again.

The file is a cache. Its name is a hash of everything the result depends on (the visible snapshots,
the catalog's roll-up rules, 圏域 membership and the query text), so it never goes stale and never
needs invalidating; it is written under a temporary name and renamed (readers see all of it or
nothing); it can be deleted at any time. Until it exists, values are computed from the snapshots.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from dashboard import db
from dashboard.asof import rollup_rules, values_args
from dashboard.catalog import Catalog
from dashboard.storage import SnapshotMeta, SnapshotStore

log = logging.getLogger(__name__)

# Indicators per pass of the values query: bounds the build's memory (the whole national-scale
# set at once needs > 2 GB; 20 at a time stays under 1 GB) at the cost of re-reading the snapshots.
CHUNK = 20
KEEP = 12  # newest cache files kept per folder; older ones are removed after a build
# Bytes: the cache folder's budget (oldest files go first past it), and the free space a build must leave on
# its disk. The cache usually shares a disk with the published snapshots: it must never crowd one out.
BUDGET_MB = 1024
RESERVE_MB = 256


class LowDisk(OSError):
    """Not built: writing the cache would leave less free space than the reserve (publications come first)."""


def budget_bytes() -> int:
    """The cache folder's size budget ($GUNMA_CACHE_MAX_MB, default BUDGET_MB)."""
    return int(float(os.environ.get("GUNMA_CACHE_MAX_MB") or BUDGET_MB) * 2**20)


def reserve_bytes() -> int:
    """Free space a cache build must leave on its disk ($GUNMA_CACHE_RESERVE_MB, default RESERVE_MB)."""
    return int(float(os.environ.get("GUNMA_CACHE_RESERVE_MB") or RESERVE_MB) * 2**20)
ROW_GROUP = 122_880  # DuckDB's default: smaller groups made every filtered read slower (more metadata)
BUILD_MEMORY = "600MB"

_lock = threading.Lock()
_building: set[Path] = set()


@functools.cache
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _digest(path: Path) -> str:
    st = path.stat()
    return _file_digest(str(path), st.st_mtime_ns, st.st_size)


def cache_key(snaps: Sequence[SnapshotMeta], catalog: Catalog) -> str:
    """A name for one snapshot set under one catalog: changes when anything the values depend on does."""
    h = hashlib.sha256()
    for m in snaps:
        h.update(f"{m.id}|{m.seq}|{m.kind}\n".encode())
    h.update(repr(sorted(rollup_rules(catalog).items())).encode())  # the catalog as loaded, as the query gets it
    h.update(_digest(catalog.municipalities_csv).encode())
    q = db.load("values")
    for text in (q.sql, *q.macros):  # the as-of macro is part of the query
        h.update(text.encode())
    return h.hexdigest()[:24]


def cache_path(cache_dir: Path, snaps: Sequence[SnapshotMeta], catalog: Catalog) -> Path:
    """Where the pre-aggregated values of this snapshot set live (whether built yet or not)."""
    return cache_dir / f"values-{cache_key(snaps, catalog)}.parquet"


def build(cache_dir: Path, store: SnapshotStore, catalog: Catalog, snaps: Sequence[SnapshotMeta],
          memory_limit: str = BUILD_MEMORY, wait: bool = True) -> Path | None:
    """Write the pre-aggregated values of this snapshot set (a no-op when the file exists); its path.

    Several server workers may want the same file at once: one builds it, under a lock; the others
    wait for it (wait=True) or return None at once and keep computing values directly (wait=False).
    """
    final = cache_path(cache_dir, snaps, catalog)
    if final.exists():
        return final
    cache_dir.mkdir(parents=True, exist_ok=True)
    _check_room(cache_dir, snaps)
    with open(cache_dir / f".{final.stem}.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return None  # another process is building it
        if not final.exists():  # built by the process we waited for
            _write(final, store, catalog, snaps, memory_limit)
    prune(cache_dir, keep=final)
    return final


def _write(final: Path, store: SnapshotStore, catalog: Catalog, snaps: Sequence[SnapshotMeta],
           memory_limit: str) -> None:
    import pyarrow.parquet as pq  # here, not at import: only a build writes Parquet this way

    tmp = final.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{final.name}")
    # Its own connection: a build must not compete with page queries for the shared one's memory.
    con = db.connect(memory_limit=memory_limit, threads=1)
    writer = None
    try:
        ids = sorted(catalog.indicators)
        for i in range(0, len(ids), CHUNK):
            # Each pass returns its indicators sorted, and the chunks are in id order: the file is
            # sorted by indicator, so a filter on one indicator reads few row groups.
            part = db.run_arrow(con, "values", **values_args(store, catalog, snaps, ids[i:i + CHUNK], ()))
            if writer is None:
                writer = pq.ParquetWriter(tmp, part.schema)
            writer.write_table(part, row_group_size=ROW_GROUP)
        if writer is None:
            raise ValueError("the catalog has no indicators")
        writer.close()
        writer = None
        os.replace(tmp, final)
    finally:
        if writer is not None:
            writer.close()
        con.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _check_room(cache_dir: Path, snaps: Sequence[SnapshotMeta]) -> None:
    """LowDisk when the build could leave less free space than the reserve on the cache's disk (its size is
    estimated as the newest cache file's, or from the snapshots' row counts where there is none yet)."""
    existing = sorted(cache_dir.glob("values-*.parquet"), key=lambda p: p.stat().st_mtime)
    estimate = existing[-1].stat().st_size if existing else 64 * sum(m.rows for m in snaps)
    free = shutil.disk_usage(cache_dir).free
    if free - 2 * estimate < reserve_bytes():
        raise LowDisk(f"{free // 2**20} MB free on the cache's disk, {reserve_bytes() // 2**20} MB kept for "
                      "publications: pre-aggregation skipped")


def prune(cache_dir: Path, keep: Path, n: int = KEEP, min_age_s: float = 600.0, budget: int | None = None) -> None:
    """Remove all but the n newest cache files, and the oldest ones while the folder is over its byte budget
    (never `keep`, nor anything younger than min_age_s)."""
    files = sorted(cache_dir.glob("values-*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
    limit = budget_bytes() if budget is None else budget
    now, total = time.time(), 0
    for i, p in enumerate(files):
        with contextlib.suppress(FileNotFoundError):
            size = p.stat().st_size
            total += size
            too_many, too_big = i >= n, total > limit
            if (too_many or too_big) and p != keep and now - p.stat().st_mtime > min_age_s:
                p.unlink()
                total -= size
                (cache_dir / f".{p.stem}.lock").unlink(missing_ok=True)


def build_soon(cache_dir: Path, store: SnapshotStore, catalog: Catalog, snaps: Sequence[SnapshotMeta]) -> None:
    """Build in a background thread, once per file per process; failures are logged, never raised."""
    final = cache_path(cache_dir, snaps, catalog)
    with _lock:
        if final in _building or final.exists():
            return
        _building.add(final)

    def work() -> None:
        try:
            build(cache_dir, store, catalog, snaps, wait=False)
        except (OSError, duckdb.Error, ValueError) as e:  # e.g. a read-only data folder: stay on the direct path
            log.warning("pre-aggregation of %s failed: %s", final.name, e)
        finally:
            with _lock:
                _building.discard(final)

    threading.Thread(target=work, name="values-cache", daemon=True).start()
