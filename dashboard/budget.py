"""What one visitor can make the server build: files per session and per client address, in a bounded pool.

Exports (deck, PNG, briefing PDF, CSV, Excel) are asked for inside the websocket, where nginx's rate limits
cannot see them. The pages serve each export from a cache (the same view's file is built once), and every
build that misses it goes through `ExportBudget.run`: it counts against the session and the client address
(sliding windows), and waits for one of a few build slots shared by every session of the worker. Limits are
per worker process; the defaults are generous enough for a council chamber behind one address.

Settings (environment, documented in the README): GUNMA_EXPORTS_PER_SESSION (default 30),
GUNMA_EXPORTS_PER_CLIENT (default 300), GUNMA_EXPORT_WINDOW_S (default 300), GUNMA_EXPORT_WORKERS (default 2),
GUNMA_EXPORT_WAIT_S (default 120: how long a build waits for a slot before giving up).

Uploads: validations run at most GUNMA_VALIDATIONS at once per worker (default 2, `Slots`), and the worker gives
freed memory back afterwards (`give_back_memory`).
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import gc
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class ExportBusy(Exception):
    """No build slot came free in time (the worker is building many files for others)."""


def _env_int(name: str, default: int) -> int:
    try:
        return max(0, int(os.environ.get(name) or default))
    except ValueError:
        return default


@dataclass(frozen=True)
class ExportLimits:
    """How many builds a session and a client address may start per window, and how many run at once."""

    per_session: int = 30
    per_client: int = 300
    window_s: float = 300.0
    workers: int = 2
    wait_s: float = 120.0

    @classmethod
    def from_env(cls) -> ExportLimits:
        """The limits set in the environment (the defaults above otherwise)."""
        d = cls()
        return cls(per_session=_env_int("GUNMA_EXPORTS_PER_SESSION", d.per_session),
                   per_client=_env_int("GUNMA_EXPORTS_PER_CLIENT", d.per_client),
                   window_s=float(_env_int("GUNMA_EXPORT_WINDOW_S", int(d.window_s))),
                   workers=max(1, _env_int("GUNMA_EXPORT_WORKERS", d.workers)),
                   wait_s=float(_env_int("GUNMA_EXPORT_WAIT_S", int(d.wait_s))))


class SlidingWindow:
    """Events per key within the last `window_s` seconds (thread-safe; empty keys are forgotten)."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._events: dict[Hashable, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> collections.deque[float]:
        q = self._events.get(key)
        if q is None:
            return collections.deque()
        while q and q[0] <= now - self.window_s:
            q.popleft()
        if not q:
            del self._events[key]
        return q

    def retry_after(self, key: Hashable) -> float:
        """Seconds until `key` may start one more (0 when it may now)."""
        with self._lock:
            now = self.clock()
            q = self._recent(key, now)
            return 0.0 if len(q) < self.limit else max(0.0, q[0] + self.window_s - now)

    def record(self, key: Hashable) -> None:
        """Count one event for `key` now."""
        with self._lock:
            now = self.clock()
            self._recent(key, now)
            self._events.setdefault(key, collections.deque()).append(now)


class ExportBudget:
    """Per-session and per-client build counts and the worker's build slots."""

    def __init__(self, limits: ExportLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._sessions = SlidingWindow(limits.per_session, limits.window_s, clock)
        self._clients = SlidingWindow(limits.per_client, limits.window_s, clock)
        self._slots = threading.BoundedSemaphore(limits.workers)
        self._waiting = 0
        self._lock = threading.Lock()
        self.built = 0  # builds run by this worker (benchmarks and tests read it)

    def retry_after(self, session: str, client: str) -> float:
        """Seconds until this session at this address may have one more file built (0: now)."""
        return max(self._sessions.retry_after(session), self._clients.retry_after(client))

    def waiting(self) -> int:
        """Builds waiting for a slot now (for the "preparing…" state)."""
        return self._waiting

    def run(self, session: str, client: str, build: Callable[[], T],
            on_wait: Callable[[int], None] | None = None) -> T:
        """Count the build against the session and the client, then run it in a free slot (waiting for one, with
        `on_wait(builds ahead)` called once when it has to)."""
        self._sessions.record(session)
        self._clients.record(client)
        if not self._slots.acquire(blocking=False):
            with self._lock:
                self._waiting += 1
                ahead = self._waiting
            try:
                if on_wait is not None:
                    on_wait(ahead)
                if not self._slots.acquire(timeout=self.limits.wait_s):
                    raise ExportBusy
            finally:
                with self._lock:
                    self._waiting -= 1
        try:
            with self._lock:
                self.built += 1
            return build()
        finally:
            self._slots.release()


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def give_back_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc malloc_trim).

    After a large upload is validated, the worker has freed its copies, but glibc keeps the pages in its
    arenas: without this, the worker's resident memory stays near its peak."""
    gc.collect()
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:  # glibc only (musl has none)
        trim(0)


class Slots:
    """At most `n` of something at once in this worker (validations of uploaded files); the rest wait."""

    def __init__(self, n: int) -> None:
        self._sem = threading.BoundedSemaphore(max(1, n))
        self._lock = threading.Lock()
        self.active = 0
        self.peak = 0  # the most ever running at once (tests and benchmarks read it)

    def run(self, fn: Callable[[], T], on_wait: Callable[[], None] | None = None) -> T:
        """Run fn in a free slot, calling on_wait once first when none is free."""
        if not self._sem.acquire(blocking=False):
            if on_wait is not None:
                on_wait()
            self._sem.acquire()
        try:
            with self._lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            return fn()
        finally:
            with self._lock:
                self.active -= 1
            self._sem.release()
