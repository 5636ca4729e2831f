"""Concurrent sessions against a real `streamlit run` server, speaking Streamlit's websocket protocol.

Each session connects to /_stcore/stream (loopback only), asks for a page (BackMsg.rerun_script),
waits for ForwardMsg.script_finished, then changes a filter (a rerun whose query string carries a
new place, which the app's URL sync applies as it does a deep link) and waits again. Latency is
from sending the rerun to script_finished. Server memory is the RSS of the server process (/proc).
Every wait is bounded; the run stops by itself.

Two shapes of load:
- burst (run_round): n sessions open the same page at the same instant, then change a filter at once
  (with `places`, each session opens its own place and changes to another one).
  This is a throughput test: with ~C ms of server CPU per rerun on one process, the last of 2n reruns
  waits about 2n × C ms whatever else is done.
- paced (run_paced): n sessions all connected at the same time, as officials use the dashboard: they
  arrive over a ramp, open a page (a mix of the overview and the five policy areas), then change the
  place twice with a few seconds of reading in between (seeded, so every run is the same); each session
  stays connected until every session has finished, so all n are open together at the peak.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import websocket  # websocket-client
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.common import cpu_s, median, pct, rss_mb
from dashboard import registry
from dashboard.catalog import load_catalog


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
    client_cpu_s: float = 0.0  # CPU the load client itself used (it shares the machine's cores with the server)
    peak_connected: int = 0  # most sessions connected at the same time
    open_now: int = 0
    server_cpu_s: float = 0.0  # CPU the server process(es) used during the round (user + system)

    def summary(self) -> dict[str, float]:
        """p50/p95 of both interactions plus memory."""
        both = self.first_ms + self.change_ms
        return {"first_p50": median(self.first_ms), "first_p95": pct(self.first_ms, 0.95),
                "cpu_per_run_ms": self.cpu_per_run_ms(),
                "change_p50": median(self.change_ms), "change_p95": pct(self.change_ms, 0.95),
                "all_p95": pct(both, 0.95), "errors": self.errors,
                "rss_before_mb": self.rss_before_mb, "rss_peak_mb": self.rss_peak_mb, "wall_s": self.wall_s}


    def cpu_per_run_ms(self) -> float:
        """Server CPU per script run over the round (connections and session set-up included)."""
        runs = len(self.first_ms) + len(self.change_ms)
        return self.server_cpu_s * 1000 / runs if runs else float("nan")


def _pids(pids: int | Sequence[int]) -> list[int]:
    return [pids] if isinstance(pids, int) else list(pids)


def server_cpu(pids: int | Sequence[int]) -> float:
    """CPU seconds used so far by the server, summed over its worker processes."""
    return sum(cpu_s(p) for p in _pids(pids))


def _rss(pids: int | Sequence[int]) -> float:
    """Resident memory of the server, summed over its worker processes."""
    return sum(rss_mb(p) for p in ([pids] if isinstance(pids, int) else pids))


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


def _session(ws_url: str, page: str, steps: Sequence[tuple[str, float]], res: LoadResult, lock: threading.Lock,
             timeout: float, before: Callable[[], None], after: Callable[[], None]) -> None:
    """One session: connect, then per step a rerun with that query string and a pause; the first rerun is the
    page load, the others are filter changes. Errors are counted, never raised (one failed session must not
    stop the round)."""
    ws = None
    try:
        before()
        ws = websocket.create_connection(ws_url, timeout=timeout, subprotocols=["streamlit"],
                                         origin=ws_url.replace("ws://", "http://").split("/_stcore")[0])
        with lock:
            res.open_now += 1
            res.peak_connected = max(res.peak_connected, res.open_now)
        times = []
        for query, pause in steps:
            times.append(_rerun(ws, page, query, timeout))
            time.sleep(pause)
        with lock:
            res.first_ms.append(times[0])
            res.change_ms += times[1:]
    except Exception as e:
        with lock:
            res.errors += 1
            k = type(e).__name__ + (f": {e}"[:60] if str(e) else "")
            res.error_kinds[k] = res.error_kinds.get(k, 0) + 1
    finally:
        after()
        if ws is not None:
            with lock:
                res.open_now -= 1
            with contextlib.suppress(Exception):
                ws.close()


def _drive(res: LoadResult, server_pid: int | Sequence[int], threads: list[threading.Thread], join_s: float,
           t0: float) -> LoadResult:
    """Run the session threads while sampling server memory; sessions stuck past join_s count as errors."""
    stop = threading.Event()
    peak = [res.rss_before_mb]

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss(server_pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    cpu0 = time.process_time()
    server0 = server_cpu(server_pid)
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, t0 + join_s - time.perf_counter()))
    stop.set()
    sampler.join()
    res.wall_s = time.perf_counter() - t0
    res.client_cpu_s = time.process_time() - cpu0
    res.server_cpu_s = server_cpu(server_pid) - server0
    res.rss_peak_mb = peak[0]
    missing = res.sessions - len(res.first_ms) - res.errors
    if missing > 0:
        res.errors += missing
        res.error_kinds["unfinished"] = missing
    return res


def _ws_url(base_url: str) -> str:
    if not base_url.startswith(("http://127.0.0.1", "http://localhost")):
        raise ValueError("load is only driven against loopback servers")
    return base_url.replace("http://", "ws://") + "/_stcore/stream"


def run_round(base_url: str, server_pid: int | Sequence[int], n: int, page: str = "overview",
              queries: tuple[str, str] = ("place=10000", "place=10201"),
              timeout: float = 60.0, places: Sequence[str] | None = None) -> LoadResult:
    """n sessions at once, each loading `page` and changing the place; bounded by timeout per wait.

    Without `places` every session asks for `queries`; with them session i opens places[i] and changes
    to places[i + 1] (cycling), so the sessions ask for different views, as people do."""
    ws_url = _ws_url(base_url)
    res = LoadResult(sessions=n, rss_before_mb=_rss(server_pid))
    lock = threading.Lock()
    start = threading.Barrier(n)

    def together() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=timeout)

    def steps(i: int) -> list[tuple[str, float]]:
        if not places:
            return [(queries[0], 0.0), (queries[1], 0.0)]
        return [(f"place={places[i % len(places)]}", 0.0), (f"place={places[(i + 1) % len(places)]}", 0.0)]

    threads = [threading.Thread(target=_session, args=(ws_url, page, steps(i), res, lock, timeout, together,
                                                       lambda: None), daemon=True) for i in range(n)]
    return _drive(res, server_pid, threads, 4 * timeout + 10, time.perf_counter())


def run_sequence(base_url: str, server_pid: int | Sequence[int], page: str, places: Sequence[str],
                 timeout: float = 60.0, extra: str = "") -> LoadResult:
    """One session alone: open `page` at places[0], then change to each following place in turn; `extra` is
    added to every query string (e.g. "as_of=<snapshot id>", as a shared link carries it).

    With nobody else on the server, its CPU over the round divided by the runs is the cost of one run."""
    ws_url = _ws_url(base_url)
    res = LoadResult(sessions=1, rss_before_mb=_rss(server_pid))
    steps = [(f"place={p}" + (f"&{extra}" if extra else ""), 0.0) for p in places]
    thread = threading.Thread(target=_session, daemon=True, args=(
        ws_url, page, steps, res, threading.Lock(), timeout, lambda: None, lambda: None))
    return _drive(res, server_pid, [thread], len(steps) * timeout + 10, time.perf_counter())


PACED_PAGES = (registry.DEFAULT_PAGE, *(p.name for p in registry.area_pages(load_catalog())))  # from the registry
PACED_PLACES = ("10201", "10202", "10203", "10204", "10205", "10206", "10207", "10208", "10209", "10210",
                "K01", "K02", "K03", "10000")


def run_paced(base_url: str, server_pid: int | Sequence[int], n: int, ramp_s: float = 20.0,
              think_s: tuple[float, float] = (2.0, 5.0), timeout: float = 60.0, seed: int = 1) -> LoadResult:
    """n sessions connected together, arriving over ramp_s, each: open a page, read, change place twice."""
    ws_url = _ws_url(base_url)
    rnd = random.Random(seed)
    res = LoadResult(sessions=n, rss_before_mb=_rss(server_pid))
    lock = threading.Lock()
    finished = threading.Barrier(n)  # nobody disconnects before everyone is done: n open at the peak
    t0 = time.perf_counter()

    def stay() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            finished.wait(timeout=ramp_s + 4 * timeout)

    threads = []
    for i in range(n):
        places = rnd.sample(PACED_PLACES, 3)
        steps = [(f"place={places[0]}", rnd.uniform(*think_s)), (f"place={places[1]}", rnd.uniform(*think_s)),
                 (f"place={places[2]}", 0.0)]

        def arrive(delay: float = i * ramp_s / n) -> None:
            time.sleep(max(0.0, t0 + delay - time.perf_counter()))

        threads.append(threading.Thread(target=_session, daemon=True, args=(
            ws_url, PACED_PAGES[i % len(PACED_PAGES)], steps, res, lock, timeout, arrive, stay)))
    return _drive(res, server_pid, threads, ramp_s + 6 * timeout, t0)
