"""The reader process: a fork-server child with memory and time limits that runs check.read_checked."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.catalog import Catalog
from dashboard.validate.check import _read_checked
from dashboard.validate.collect import _Collector, _fmt_size
from dashboard.validate.model import Limits, Result

# ------------------------------------------------------------------------------ the reader process

def _status_kb(pid: int, field_name: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used, from /proc; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


DATA_SEGMENT_LIMIT = 6 * 2**30


def _reader_main(path: str, file_name: str, cat: Catalog, limits: Limits, out: str, conn: Any) -> None:
    """Child process: limit its own data segment, read and check the file, hand back the result and frame."""
    import resource

    # A hard backstop against allocations faster than the parent's watch on resident memory (every 20 ms). The
    # data segment also counts what the allocators reserve without touching (DuckDB, Polars' threads: well over
    # 1 GB for a valid 2M-row file using 600 MB), so this bound is much wider than the resident one.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (DATA_SEGMENT_LIMIT, DATA_SEGMENT_LIMIT))
    conn.send("started")  # the parent's clock starts now, not while the fork server is still starting
    t0 = time.perf_counter()
    data = Path(path).read_bytes()
    result, df = _read_checked(data, file_name, cat, limits)
    del data
    if df is not None:
        df.write_ipc(out)
    result.reader["seconds"] = time.perf_counter() - t0
    # Its own peak goes with the answer: a reader that finished between two of the parent's samples must still
    # be judged by the most memory it held (ru_maxrss: kilobytes on Linux).
    conn.send((result, df is not None, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    conn.close()


_CTX: Any = None
_STARTING = threading.local()


def _context() -> Any:
    """A forkserver context: children fork from a small server that has imported this module (~0.1 s each),
    never from the (threaded) Streamlit or test process. Our children do not re-run the parent's main script
    (multiprocessing would, e.g. the `streamlit` or `pytest` launcher): they need nothing from it."""
    global _CTX
    if _CTX is None:
        import multiprocessing
        from multiprocessing import spawn

        original = spawn.get_preparation_data

        def preparation(name: str) -> dict[str, Any]:
            d = dict(original(name))
            if getattr(_STARTING, "reader", False):
                d.pop("init_main_from_path", None)
                d.pop("init_main_from_name", None)
            return d

        spawn.get_preparation_data = preparation  # type: ignore[assignment]
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["dashboard.validate", "openpyxl", "pyarrow.parquet"])
        _CTX = ctx
    return _CTX


@dataclass
class _Watch:
    """What the parent has seen of one reader: its clock, its peak memory, and its answer or why it was stopped."""

    t0: float
    deadline: float
    started: bool = False
    cpu0: float = 0.0
    peak_kb: int = 0
    why: str | None = None
    got: Any = None


def _receive(proc: Any, here: Any, limits: Limits, w: _Watch) -> bool:
    """Take one message from the reader; True once it has answered (or died without an answer)."""
    try:
        msg = here.recv()
    except EOFError:  # the child died without an answer
        w.why = "died"
        return True
    if msg == "started" and not w.started:
        w.started, w.t0 = True, time.perf_counter()
        w.deadline = w.t0 + limits.seconds * limits.wall_factor
        w.cpu0 = _cpu_seconds(proc.pid)
        return False
    w.got = msg
    w.peak_kb = max(w.peak_kb, int(msg[2]))
    if w.peak_kb * 1024 > limits.process_memory:  # over budget, even if it ended in time
        w.why, w.got = "memory", None
    return True


def _overrun(proc: Any, here: Any, limits: Limits, w: _Watch) -> str | None:
    """Why a reader that has not answered yet must be stopped now ('memory', 'time' or 'died'), if it must."""
    rss = _status_kb(proc.pid, "VmRSS") or 0
    w.peak_kb = max(w.peak_kb, _status_kb(proc.pid, "VmHWM") or 0, rss)
    if rss * 1024 > limits.process_memory:
        return "memory"
    if time.perf_counter() > w.deadline or (w.started and _cpu_seconds(proc.pid) - w.cpu0 > limits.seconds + 1):
        return "time"
    if not proc.is_alive() and not here.poll(0):
        return "died"
    return None


def _watch(proc: Any, here: Any, limits: Limits, w: _Watch) -> None:
    """Poll the reader every 20 ms until it answers or passes a limit."""
    while True:
        if here.poll(0.02):
            if _receive(proc, here, limits, w):
                break
            continue
        why = _overrun(proc, here, limits, w)
        if why is not None:
            w.why = why
            break
    w.peak_kb = max(w.peak_kb, _status_kb(proc.pid, "VmHWM") or 0)


def _stopped(file_name: str, limits: Limits, why: str | None) -> Result:
    """The result of a reader stopped or dead without an answer: one error saying why."""
    result = Result(file_name=file_name, file_format=None, rows=0)
    c = _Collector(result, limits, None)
    if why == "time":
        c.add("time_limit", "time_limit", {"limits_seconds": limits.seconds})
    elif why == "memory":
        c.add("memory_limit", "memory_limit",
              {"limit_size": _fmt_size(limits.process_memory)})
    else:
        c.add("reader_failed", "reader_failed", {})
    return result


def _read_isolated(data: bytes, file_name: str, cat: Catalog, limits: Limits) -> tuple[Result, pl.DataFrame | None]:
    """_read_checked in a child process, stopped when its memory passes limits.process_memory or it runs longer
    than limits.seconds; either way the file gets a sentence in both languages."""
    ctx = _context()
    with tempfile.TemporaryDirectory(prefix="gunma-reader-") as tmp:
        src, out = Path(tmp) / "upload.bin", Path(tmp) / "frame.arrow"
        src.write_bytes(data)
        here, there = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_reader_main, args=(str(src), file_name, cat, limits, str(out), there),
                           daemon=True)
        t0 = time.perf_counter()
        _STARTING.reader = True
        try:
            proc.start()
        finally:
            _STARTING.reader = False
        there.close()
        # The reader stops itself before limits.seconds (DuckDB interrupt, the xlsx loop); this is the backstop.
        # Until the child says it started, the (first) start of the fork server may take a while.
        w = _Watch(t0=t0, deadline=t0 + 120.0)
        try:
            _watch(proc, here, limits, w)
        finally:
            if proc.is_alive() and w.got is None:
                proc.kill()
            proc.join(5)
            here.close()
        seconds = time.perf_counter() - w.t0
        if w.got is not None:
            result, has_frame, _peak = w.got
            df = pl.read_ipc(out).rechunk() if has_frame else None
        else:
            result, df = _stopped(file_name, limits, w.why), None
        result.reader.update({"seconds": seconds, "peak_mb": w.peak_kb / 1024})
        return result, df
