"""Production serving (scripts/serve.py): real Streamlit workers behind a real nginx.

Every browser must stay on one worker (its session, uploads and downloads live there), browsers
without the cookie must spread over the workers, Streamlit's own Origin and XSRF checks must still
work through the proxy, and stopping must leave no process behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
import websocket  # websocket-client
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import load
from dashboard.config import ROOT
from scripts.serve import ClusterError, _nginx_binary, start_cluster
from tests.browser.conftest import browser, page, settle  # noqa: F401  (fixtures and helper, reused as they are)

pytestmark = pytest.mark.skipif(_nginx_binary() is None,
                                reason="nginx is not installed (`make system-deps` installs it)")


def _data(tmp: Path) -> Path:
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("cache"))
    return data


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Two workers behind nginx over a private copy of the bundled data."""
    with start_cluster(_data(tmp_path_factory.mktemp("serve")), workers=2) as c:
        yield c


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], dict[str, str]]:
    """GET url; (status, headers, cookies set)."""
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        jar: SimpleCookie = SimpleCookie()
        for h in r.headers.get_all("Set-Cookie") or []:
            jar.load(h)
        return r.status, dict(r.headers), {k: m.value for k, m in jar.items()}


def _ws(url: str, cookie: str | None = None, **kw: Any) -> websocket.WebSocket:
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    return websocket.create_connection(ws_url, timeout=60, subprotocols=["streamlit"], cookie=cookie,
                                       **({"origin": url} | kw))


def _session_id(ws: websocket.WebSocket) -> str:
    """Ask for the overview (as a browser does on connect) and return the session id the worker gives."""
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = ""
    ws.send_binary(msg.SerializeToString())
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(ws.recv())
        if fm.WhichOneof("type") == "new_session":
            return str(fm.new_session.initialize.session_id)


def _cookie_for_worker(url: str, worker: str, want_same: bool) -> str:
    """A sticky cookie value that lands on `worker` (or on another one)."""
    for _ in range(200):
        value = uuid.uuid4().hex
        _, headers, _ = _get(f"{url}/_stcore/health", f"gunma_backend={value}")
        if (headers["X-Gunma-Worker"] == worker) == want_same:
            return value
    raise AssertionError("200 random cookies all landed on the same worker")


def _upload(url: str, session: str, cookie: str, xsrf: str | None) -> int:
    """PUT one small file to the session's upload endpoint, as Streamlit's file uploader does."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\nindicator_id,value\r\nx,1\r\n--{boundary}--\r\n").encode()
    headers = {"Cookie": cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    if xsrf:
        headers["X-Xsrftoken"] = xsrf
    req = urllib.request.Request(f"{url}/_stcore/upload_file/{session}/{uuid.uuid4()}", data=body,
                                 headers=headers, method="PUT")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_browsers_without_the_cookie_get_sessions_on_both_workers(cluster: Any) -> None:
    seen = []
    for _ in range(24):  # each handshake without a cookie is a new browser: 2⁻²³ odds of one worker only
        ws = _ws(cluster.url)
        try:
            seen.append(ws.getheaders()["x-gunma-worker"])
            assert _session_id(ws)
        finally:
            ws.close()
    assert set(seen) == {"1", "2"}


def test_a_browser_with_the_cookie_stays_on_its_worker(cluster: Any) -> None:
    status, headers, cookies = _get(f"{cluster.url}/")
    assert status == 200
    worker, sticky = headers["X-Gunma-Worker"], cookies["gunma_backend"]
    cookie = f"gunma_backend={sticky}"
    for path in ["/", "/_stcore/health", "/area1?place=10201", "/_stcore/host-config"] * 3:
        _, h, c = _get(cluster.url + path, cookie)
        assert h["X-Gunma-Worker"] == worker
        assert c["gunma_backend"] == sticky  # the same id is given back, never a new one
    for _ in range(4):
        ws = _ws(cluster.url, cookie)
        try:
            assert ws.getheaders()["x-gunma-worker"] == worker
        finally:
            ws.close()
    # A made-up cookie is not trusted: it is replaced by a fresh id.
    _, _, c = _get(f"{cluster.url}/", "gunma_backend=../../etc")
    assert len(c["gunma_backend"]) == 32 and c["gunma_backend"] != "../../etc"


def test_an_upload_reaches_the_worker_holding_the_session_and_xsrf_still_holds(cluster: Any) -> None:
    _, headers, cookies = _get(f"{cluster.url}/_stcore/health")  # where the browser gets its XSRF cookie
    worker, sticky, xsrf = headers["X-Gunma-Worker"], cookies["gunma_backend"], cookies["_streamlit_xsrf"]
    cookie = f"gunma_backend={sticky}; _streamlit_xsrf={xsrf}"
    ws = _ws(cluster.url, cookie)
    try:
        session = _session_id(ws)
        assert _upload(cluster.url, session, cookie, xsrf) == 204
        assert _upload(cluster.url, session, cookie, None) == 403  # no XSRF token: refused, as without a proxy
        # The same request sent to the other worker does not find the session: why stickiness is needed.
        elsewhere = _cookie_for_worker(cluster.url, worker, want_same=False)
        assert _upload(cluster.url, session, f"gunma_backend={elsewhere}; _streamlit_xsrf={xsrf}", xsrf) == 400
    finally:
        ws.close()


def test_an_upload_over_the_size_limit_is_refused_before_it_is_sent(cluster: Any) -> None:
    host, port = cluster.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(b"PUT /_stcore/upload_file/x/y HTTP/1.1\r\nHost: " + f"{host}:{port}".encode()
                  + b"\r\nContent-Length: 62914560\r\n\r\n")  # 60 MB announced, nothing sent
        assert s.recv(200).startswith(b"HTTP/1.1 413")


def test_websocket_origin_check_works_through_the_proxy(cluster: Any) -> None:
    port = cluster.url.rsplit(":", 1)[1]
    # A browser on the public name: Origin and forwarded Host agree, so the worker accepts it.
    ws = _ws(cluster.url, host=f"dashboard.example:{port}", origin=f"http://dashboard.example:{port}")
    try:
        assert _session_id(ws)
    finally:
        ws.close()
    # A page on another site must not open a session.
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        _ws(cluster.url, host=f"dashboard.example:{port}", origin="http://evil.example")
    assert e.value.status_code == 403


def test_the_readiness_check_is_not_public(cluster: Any) -> None:
    with pytest.raises(urllib.error.HTTPError) as e:  # it runs the whole app per request
        _get(f"{cluster.url}/_stcore/script-health-check")
    assert e.value.code == 404
    assert _get(f"http://127.0.0.1:{cluster.worker_ports[0]}/_stcore/script-health-check")[0] == 200


def test_simultaneous_sessions_through_the_proxy_have_no_errors(cluster: Any) -> None:
    res = load.run_round(cluster.url, cluster.pids[0], 4, timeout=120)
    assert res.errors == 0, res.error_kinds
    assert len(res.first_ms) == len(res.change_ms) == 4


@pytest.mark.browser
def test_overview_renders_through_the_proxy(cluster: Any, page: Any) -> None:  # noqa: F811
    page.goto(f"{cluster.url}/")
    page.wait_for_selector("h1", timeout=30_000)
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    drawn = "() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(g => (g.data || []).length).length"
    for _ in range(60):  # Plotly draws after the script run ends
        if page.evaluate(drawn):
            break
        page.wait_for_timeout(250)
    assert page.evaluate(drawn) >= 1
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert len(cookies["gunma_backend"]) == 32


# ----------------------------------------------------------------------------- stopping and failing

def _descendants(pid: int) -> set[int]:
    """Every live process below pid (children, grandchildren, ...), read from /proc."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            parents[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    return {p for p in pids if Path(f"/proc/{p}").exists()}


def test_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    with start_cluster(_data(tmp_path), workers=2) as c:
        assert c.proxy_pid is not None
        procs = {*c.pids, c.proxy_pid, *_descendants(c.proxy_pid), *(d for p in c.pids for d in _descendants(p))}
        assert len(procs) >= 4  # two workers, the nginx master and its worker
        assert _alive(procs) == procs
    assert _alive(procs) == set()
    with pytest.raises(OSError):
        urllib.request.urlopen(c.url, timeout=5)


def test_an_app_that_cannot_run_stops_the_start_with_its_error(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNMA_CATALOG_DIR", str(tmp_path / "no-catalog"))
    with pytest.raises(ClusterError, match="the app fails to run"):
        start_cluster(_data(tmp_path), workers=2)


def _serve(tmp: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Run scripts/serve.py on a free port; return it and its URL once it says it is serving."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py"), "--port", str(port),
                             "--address", "127.0.0.1", "--data-dir", str(_data(tmp)), *args],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the script prints once every worker is healthy (or exits on failure)
    assert f"http://127.0.0.1:{port}" in line, (line, proc.stderr.read() if proc.stderr else "")
    return proc, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGTERM, "2"), (signal.SIGINT, "1")],
                         ids=["sigterm-2-workers", "ctrl-c-1-worker"])
def test_command_line_stops_everything_on_sigterm_and_ctrl_c(tmp_path: Path, sig: signal.Signals,
                                                             workers: str) -> None:
    proc, url = _serve(tmp_path, "--workers", workers)
    try:
        assert _get(f"{url}/")[0] == 200
        procs = _descendants(proc.pid)
        assert len(procs) >= (4 if workers == "2" else 1)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0
        assert _alive(procs) == set()
    finally:
        proc.kill()
        proc.wait()


def test_command_line_exits_non_zero_when_a_worker_dies(tmp_path: Path) -> None:
    proc, _ = _serve(tmp_path, "--workers", "2")
    try:
        procs = _descendants(proc.pid)
        worker = next(p for p in procs if "streamlit" in Path(f"/proc/{p}/cmdline").read_text())
        os.kill(worker, signal.SIGKILL)
        assert proc.wait(timeout=60) == 1
        assert proc.stderr is not None
        err = proc.stderr.read()
        assert "worker" in err and "killed by signal 9" in err and "Stopping everything" in err
        assert _alive(procs) == set()  # the other worker and nginx were stopped too
    finally:
        proc.kill()
        proc.wait()
