"""Shared helpers: timing statistics, result rows, memory readings."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figure:
    """One measured figure, with the naive figure beside it when there is one."""

    section: str
    scale: str
    name: str
    value: float | None
    unit: str
    naive: float | None = None
    target: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times faster (or smaller) than the naive way."""
        if self.value is None or self.naive is None or self.value <= 0:
            return None
        return self.naive / self.value


def pct(xs: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; NaN for no samples."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def median(xs: list[float]) -> float:
    """Median, NaN for no samples."""
    return statistics.median(xs) if xs else float("nan")


def timed(fn: Callable[[], Any], reps: int, warmup: int = 1) -> list[float]:
    """Run fn warmup times, then reps times; the reps' wall times in ms."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hwm_mb(pid: int | None = None) -> float:
    """Peak resident memory (VmHWM) of a process in MB."""
    try:
        with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15) -> None:
    """Terminate a server the benchmark started; kill it when it does not stop within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
