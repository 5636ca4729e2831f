"""Concurrent sessions against a real `streamlit run` server, speaking Streamlit's websocket protocol.

Each session connects to /_stcore/stream (loopback only), asks for a page (BackMsg.rerun_script),
waits for ForwardMsg.script_finished, then changes a filter (a rerun whose query string carries a
new place, which the app's URL sync applies as it does a deep link) and waits again. Latency is
from sending the rerun to script_finished. Server memory is the RSS of the server process (/proc).
Every wait is bounded; the run stops by itself.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field

import websocket  # websocket-client
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.common import median, pct, rss_mb


@dataclass
class LoadResult:
    """What one round of n simultaneous sessions measured."""

    sessions: int
    first_ms: list[float] = field(default_factory=list)
    change_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0
    wall_s: float = 0.0

    def summary(self) -> dict[str, float]:
        """p50/p95 of both interactions plus memory."""
        both = self.first_ms + self.change_ms
        return {"first_p50": median(self.first_ms), "first_p95": pct(self.first_ms, 0.95),
                "change_p50": median(self.change_ms), "change_p95": pct(self.change_ms, 0.95),
                "all_p95": pct(both, 0.95), "errors": self.errors,
                "rss_before_mb": self.rss_before_mb, "rss_peak_mb": self.rss_peak_mb, "wall_s": self.wall_s}


def _rerun(ws: websocket.WebSocket, page: str, query: str, timeout: float) -> float:
    """Send one rerun_script and wait for its script_finished; wall time in ms."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = "" if page == "overview" else page  # the default page lives at "/"
    t0 = time.perf_counter()
    ws.send_binary(msg.SerializeToString())
    deadline = t0 + timeout
    while True:
        ws.settimeout(max(0.1, deadline - time.perf_counter()))
        data = ws.recv()
        if not isinstance(data, bytes):
            continue
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "script_finished":
            if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            return (time.perf_counter() - t0) * 1000
        if kind == "session_event" and fm.session_event.WhichOneof("type") == "script_compilation_exception":
            raise RuntimeError("script compilation error")
        if kind == "page_not_found":
            raise RuntimeError("page not found")
        if kind == "delta" and fm.delta.new_element.WhichOneof("type") == "exception":
            raise RuntimeError("exception: " + fm.delta.new_element.exception.message[:80])
        if time.perf_counter() > deadline:
            raise TimeoutError("no script_finished")


def _session(ws_url: str, page: str, queries: tuple[str, str], res: LoadResult, lock: threading.Lock,
             start: threading.Barrier, timeout: float) -> None:
    ws = None
    try:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=timeout)
        ws = websocket.create_connection(ws_url, timeout=timeout, subprotocols=["streamlit"],
                                         origin=ws_url.replace("ws://", "http://").split("/_stcore")[0])
        first = _rerun(ws, page, queries[0], timeout)
        change = _rerun(ws, page, queries[1], timeout)
        with lock:
            res.first_ms.append(first)
            res.change_ms.append(change)
    except Exception as e:  # counted, never raised: one failed session must not stop the round
        with lock:
            res.errors += 1
            k = type(e).__name__ + (f": {e}"[:60] if str(e) else "")
            res.error_kinds[k] = res.error_kinds.get(k, 0) + 1
    finally:
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close()


def run_round(base_url: str, server_pid: int, n: int, page: str = "overview",
              queries: tuple[str, str] = ("place=10000", "place=10201"),
              timeout: float = 60.0) -> LoadResult:
    """n sessions at once, each loading `page` and changing the year; bounded by timeout per wait."""
    if not base_url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError("load is only driven against loopback servers")
    ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    res = LoadResult(sessions=n, rss_before_mb=rss_mb(server_pid))
    lock = threading.Lock()
    start = threading.Barrier(n)
    threads = [threading.Thread(target=_session, args=(ws_url, page, queries, res, lock, start, timeout),
                                daemon=True) for _ in range(n)]
    stop = threading.Event()
    peak = [res.rss_before_mb]

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(server_pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=3 * timeout + 10)
    stop.set()
    sampler.join()
    res.wall_s = time.perf_counter() - t0
    res.rss_peak_mb = peak[0]
    missing = n - len(res.first_ms) - res.errors
    if missing > 0:  # threads still stuck after the bound: count them as errors
        res.errors += missing
        res.error_kinds["unfinished"] = missing
    return res
