"""Costly exports are bounded per visitor: each file is built once per view (the export cache), builds run in a
few shared slots, and a session or address over its budget gets a sentence instead of buttons."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import budget
from dashboard.config import ROOT
from dashboard.ui.state import ViewCache
from tests.po import po_text
from tests.recording import Recorder  # (its fixture app_data comes from tests/conftest.py)

APP = str(ROOT / "dashboard" / "app.py")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_counts_per_key_and_forgets_old_events() -> None:
    clock = Clock()
    w = budget.SlidingWindow(limit=2, window_s=60, clock=clock)
    w.record("a")
    clock.now += 10
    w.record("a")
    assert w.retry_after("a") == pytest.approx(50)  # the first event leaves the window 60 s after it
    assert w.retry_after("b") == 0  # another key has its own budget
    clock.now += 50
    assert w.retry_after("a") == 0


def test_builds_run_in_the_bounded_pool_and_waiters_are_told() -> None:
    b = budget.ExportBudget(budget.ExportLimits(per_session=100, per_client=100, window_s=60, workers=2, wait_s=30))
    running, peak, lock, told = [0], [0], threading.Lock(), []

    def build() -> bytes:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return b"x"

    threads = [threading.Thread(target=b.run, args=(f"s{i}", "c", build), kwargs={"on_wait": told.append})
               for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert peak[0] == 2 and b.built == 6
    assert told and all(n >= 1 for n in told)  # the ones that waited were told how many were ahead


def test_a_build_that_finds_no_slot_in_time_gives_up() -> None:
    b = budget.ExportBudget(budget.ExportLimits(workers=1, wait_s=0))
    started, release = threading.Event(), threading.Event()

    def slow() -> bytes:
        started.set()
        release.wait(10)
        return b""

    th = threading.Thread(target=b.run, args=("s1", "c", slow))
    th.start()
    started.wait(10)
    with pytest.raises(budget.ExportBusy):
        b.run("s2", "c", lambda: b"")
    release.set()
    th.join()


def test_export_cache_keeps_its_byte_budget_oldest_out_first() -> None:
    cache = ViewCache(max_entries=100, max_bytes=100)
    for k in "abc":
        cache.get(k, lambda: b"x" * 40)
    assert len(cache) == 2 and cache.nbytes() == 80
    built: list[str] = []
    cache.get("c", lambda: built.append("c") or b"")  # held: not built again
    cache.get("a", lambda: built.append("a") or b"y" * 40)  # dropped first: built again
    assert built == ["a"]


def test_values_memo_default_budget_leaves_room_in_a_workers_memory() -> None:
    """256 MB of frames (bench/memory.py: a worker serving many as-of snapshots stays under 1.5 GB with it)."""
    import os

    from dashboard.ui import state

    assert state.VALUES_CACHE_MB == 256
    if not os.environ.get("GUNMA_VALUES_CACHE_MB"):
        assert state.values.max_bytes == 256 * 2**20


def test_same_file_built_once_and_a_session_over_budget_gets_a_sentence(app_data: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.ui import share

    monkeypatch.setattr(share, "BUDGET", budget.ExportBudget(budget.ExportLimits(per_session=1, window_s=600)))
    share.EXPORTS.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.session_state["dl_reports"] = True  # the slides / briefing popover opened
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    html_btn = next(b for b in at.get("download_button") if b.proto.id.endswith("-dl_briefing"))
    assert Recorder.last is not None
    first = Recorder.last.execute_deferred(html_btn.proto.deferred_file_id)
    again = Recorder.last.execute_deferred(html_btn.proto.deferred_file_id)  # a second click, or a flood of them
    assert first and again and share.BUDGET.built == 1
    at.run()  # the popover is still open: the session has had its one build in this window
    assert not at.exception, [e.value for e in at.exception]
    assert not [b for b in at.get("download_button") if b.proto.id.endswith("-dl_briefing")]
    warned = " ".join(w.value for w in at.warning)
    assert po_text("en", "export_over_budget").split(":")[0] in warned, warned


def test_validations_wait_for_a_free_slot_and_memory_is_given_back() -> None:
    """Twenty uploads checked at once in one worker: never more than its slots run together."""
    slots = budget.Slots(2)
    waited: list[int] = []
    barrier = threading.Barrier(20)

    def check() -> bytes:
        time.sleep(0.05)
        return bytes(5 * 2**20)  # a reader's frame: freed when the thread drops it

    def upload() -> None:
        barrier.wait()
        slots.run(check, on_wait=lambda: waited.append(1))

    threads = [threading.Thread(target=upload) for _ in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert slots.peak == 2 and slots.active == 0 and len(waited) >= 10
    budget.give_back_memory()  # glibc's malloc_trim: must exist and not fail here
