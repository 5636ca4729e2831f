"""Resident memory of one worker that has served many as-of snapshots × every page (issue: memory with a budget).

One `streamlit run` worker over a data folder; for each of n as-of snapshots spread over the store's list (the
latest always among them), every data page is opened by a fresh websocket session as a visitor's shared link
would (`?as_of=<id>&place=<code>`), and the session changes place over a few places. The worker's VmRSS is
sampled all along (from /proc), and read after start, after each snapshot and at the end with its VmHWM (the
kernel's peak). Every cache of the worker is bounded by bytes (dashboard/ui/state.py, dashboard/budget.py,
the pre-aggregation folder); this checks that, together, they keep one worker under the budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench import load
from bench.common import Figure, hwm_mb, rss_mb

if TYPE_CHECKING:
    from bench.run import Ctx

SECTION = "memory (one worker, as-of snapshots × every page)"
BUDGET_MB = 1536.0  # 1.5 GB
TARGET = "≤ 1.5 GB"
PLACES = ("10000", "10201", "10202")  # the prefecture and two municipalities (every page shows them)


def spread(ids: Sequence[str], n: int) -> list[str]:
    """n ids evenly spaced over `ids` (oldest first), the last (the latest snapshot) always among them."""
    if n >= len(ids):
        return list(ids)
    if n <= 1:
        return list(ids[-1:])
    step = (len(ids) - 1) / (n - 1)
    return [ids[round(i * step)] for i in range(n)]


@dataclass
class MemoryRun:
    """What one worker's memory did while it served the snapshots."""

    start_mb: float = 0.0  # VmRSS once healthy, before any page
    after_mb: list[float] = field(default_factory=list)  # VmRSS after each snapshot's pages
    settled_mb: float = 0.0  # VmRSS at the end, once background pre-aggregation builds are done
    sampled_peak_mb: float = 0.0  # the highest VmRSS sampled (every 0.1 s)
    window_mb: float = 0.0  # the highest VmRSS sampled since the last snapshot finished
    peak_each_mb: list[float] = field(default_factory=list)  # the highest VmRSS sampled during each snapshot
    hwm_mb: float = 0.0  # VmHWM: the kernel's peak of VmRSS over the worker's life
    runs: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    cache_files: int = 0  # pre-aggregated files in the data folder's cache at the end
    wall_s: float = 0.0


@contextmanager
def sampling(pid: int, run: MemoryRun, every_s: float = 0.1) -> Iterator[None]:
    """Sample the worker's VmRSS in a thread while the block runs; the highest goes to run.sampled_peak_mb."""
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            mb = rss_mb(pid)
            run.sampled_peak_mb, run.window_mb = max(run.sampled_peak_mb, mb), max(run.window_mb, mb)
            stop.wait(every_s)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()


def _settle(cache: Path, timeout_s: float = 300.0) -> None:
    """Wait until no pre-aggregation build is writing in the cache folder (its temporary files are gone)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(cache.glob(".tmp-*")):
        time.sleep(0.5)


def serve_snapshots(url: str, pid: int, snapshots: Sequence[str], pages: Sequence[str],
                    places: Sequence[str] = PLACES, cache: Path | None = None, timeout: float = 300.0) -> MemoryRun:
    """Every page at every snapshot (a fresh session per page, changing over `places`), memory read throughout."""
    run = MemoryRun(start_mb=rss_mb(pid))
    t0 = time.perf_counter()
    with sampling(pid, run):
        for sid in snapshots:
            for page in pages:
                r = load.run_sequence(url, pid, page, places, timeout=timeout, extra=f"as_of={sid}")
                run.runs += len(r.first_ms) + len(r.change_ms)
                run.errors += r.errors
                for k, c in r.error_kinds.items():
                    run.error_kinds[k] = run.error_kinds.get(k, 0) + c
            run.after_mb.append(rss_mb(pid))
            run.peak_each_mb.append(max(run.window_mb, run.after_mb[-1]))
            run.window_mb = 0.0
        if cache is not None:
            _settle(cache)
        run.settled_mb = rss_mb(pid)
    run.hwm_mb = hwm_mb(pid)
    run.wall_s = time.perf_counter() - t0
    run.cache_files = len(list(cache.glob("values-*.parquet"))) if cache is not None else 0
    return run


def _fig(scale: str, name: str, value: float, note: str) -> Figure:
    f = Figure(SECTION, scale, name, value, "MB", target=TARGET, note=note)
    f.extra["met"] = value <= BUDGET_MB
    return f


def figures(run: MemoryRun, scale: str, n_pages: int, n_places: int) -> list[Figure]:
    """The run as figures against the budget: after start, after the first snapshot, after all, the peak."""
    n = len(run.after_mb)
    kinds = "; ".join(f"{k} ×{c}" for k, c in run.error_kinds.items())
    errors = f"errors {run.errors}" + (f" ({kinds})" if kinds else "")
    curve = " → ".join(f"{mb:,.0f}" for mb in run.after_mb)
    peaks = " → ".join(f"{mb:,.0f}" for mb in run.peak_each_mb)
    visits = (f"{n} as-of snapshots × {n_pages} pages × {n_places} places: {run.runs} page runs in "
              f"{run.wall_s:.0f} s; {errors}")
    return [
        _fig(scale, "VmRSS after start (before any page)", run.start_mb, "the worker healthy, nothing served"),
        _fig(scale, "VmRSS after the first snapshot's pages", run.after_mb[0] if run.after_mb else 0.0,
             f"{n_pages} pages × {n_places} places at the oldest snapshot picked"),
        _fig(scale, f"VmRSS after all {n} snapshots", run.settled_mb,
             f"{visits}; VmRSS after each snapshot (MB): {curve}; settled (background pre-aggregation done): "
             f"{run.settled_mb:,.0f}; {run.cache_files} pre-aggregated files in the cache folder"),
        _fig(scale, "peak VmRSS (VmHWM)", max(run.hwm_mb, run.sampled_peak_mb),
             f"the kernel's VmHWM {run.hwm_mb:,.0f} MB; highest sampled every 0.1 s {run.sampled_peak_mb:,.0f} MB; "
             f"highest sampled during each snapshot (MB): {peaks}"),
    ]


def measure(data_dir: Path, snapshot_ids: Sequence[str], pages: Sequence[str], scale: str,
            n_snapshots: int = 10, places: Sequence[str] = PLACES, timeout: float = 300.0) -> list[Figure]:
    """One worker over data_dir serving n_snapshots as-of snapshots × pages × places; its memory as figures."""
    from bench.floor import DASHBOARD_APP, server

    picked = spread(snapshot_ids, n_snapshots)
    with server(DASHBOARD_APP, data_dir) as (url, pid):
        run = serve_snapshots(url, pid, picked, pages, places, cache=data_dir / "cache", timeout=timeout)
    return figures(run, scale, len(pages), len(places))


def section(ctx: Ctx) -> list[Figure]:
    """`make bench`'s memory section: one worker over the national data, 10 as-of snapshots × every data page
    × three places (--quick: three pages, two places), against the 1.5 GB budget; then (not --quick) a new
    worker over every snapshot of the store, to show where it levels off."""
    from dashboard import registry

    pages = registry.data_pages(ctx.gunma_cat)
    ids = [m.id for m in ctx.nat_store.list() if not m.withdrawn]
    got = measure(ctx.nat_root, ids, pages[:3] if ctx.quick else pages, "national",
                  places=PLACES[:2] if ctx.quick else PLACES)
    if not ctx.quick:  # every snapshot of the store, in a new worker: does it level off or keep growing?
        every = measure(ctx.nat_root, ids, pages, "national", n_snapshots=len(ids))
        after, peak = every[2], every[3]
        peak.name = f"peak VmRSS (VmHWM) over all {len(ids)} snapshots"
        got += [after, peak]
    ctx.notes.append("Memory: one worker (`streamlit run`) over the generated national data; each page opened by a "
                     "fresh websocket session with ?as_of=<snapshot id>&place=<code>, then the place changed, "
                     "the as-of snapshots evenly spread over the store's list (the latest among them); VmRSS and "
                     "VmHWM from /proc/<pid>/status (bench/memory.py).")
    return got
