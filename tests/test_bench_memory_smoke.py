"""Smoke run of `make bench`'s memory section at the TINY scale (a real server, no memory assertions): the
figures keep being produced, and the worker really serves each as-of snapshot asked for in the URL."""

from __future__ import annotations

import time
from pathlib import Path

from bench import memory, national, run
from dashboard.storage import LocalStore


def test_spread_keeps_the_latest_and_spaces_the_rest() -> None:
    ids = [f"s{i:02d}" for i in range(50)]
    picked = memory.spread(ids, 10)
    assert len(picked) == len(set(picked)) == 10 and picked[0] == "s00" and picked[-1] == "s49"
    assert memory.spread(ids[:4], 10) == ids[:4] and memory.spread(ids, 1) == ["s49"]


def test_one_worker_serves_every_snapshot_asked_for(tmp_path: Path) -> None:
    tiny = national.generate(tmp_path / "national", national.TINY)
    ids = [m.id for m in LocalStore(tiny.root).list()]
    figs = memory.measure(tiny.root, ids, ["overview", "area1"], "tiny", n_snapshots=3, places=("10000", "10201"),
                          timeout=120)
    assert [f.name for f in figs] == ["VmRSS after start (before any page)", "VmRSS after the first snapshot's pages",
                                      "VmRSS after all 3 snapshots", "peak VmRSS (VmHWM)"]
    start, first, after, peak = figs
    assert 0 < start.value < first.value <= peak.value and after.value <= peak.value  # type: ignore[operator]
    assert "3 as-of snapshots × 2 pages × 2 places: 12 page runs" in after.note and "errors 0" in after.note
    assert all(f.target == "≤ 1.5 GB" and f.extra["met"] is (f.value <= 1536) for f in figs)  # type: ignore[operator]
    # Each as-of snapshot has its own pre-aggregated file, built in the background on its first page run: three
    # files, so the worker did show the three snapshots the URLs asked for (not the latest three times).
    cache = tiny.root / "cache"
    deadline = time.monotonic() + 60
    while len(list(cache.glob("values-*.parquet"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(list(cache.glob("values-*.parquet"))) == 3
    info = {"command": "smoke", "date": "today", "minutes": 0.0, "machine": run.machine(), "versions": {},
            "load_start": "0", "national": "-", "gunma_rows": 1, "gunma_snaps": 1, "profile": ""}
    assert f"| tiny | peak VmRSS (VmHWM) | {run._fmt(peak.value, 'MB')} |" in run.render(figs, info, [])


def test_the_section_is_in_the_table() -> None:
    assert run.SECTIONS["memory"] is run.memory_figures and "memory" in run.NEED_CACHES
