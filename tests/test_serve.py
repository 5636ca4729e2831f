"""Production serving (`make serve` = scripts/serve.py): supervisord running real Streamlit workers and a
real nginx, all from the deploy/ templates.

Every browser must stay on one worker (its session, uploads and downloads live there), browsers without
the cookie must spread over the workers, Streamlit's own Origin and XSRF checks must still work through
the proxy, every response carries the security headers, a killed worker is restarted while the other
keeps serving, and stopping leaves no process behind. Which worker answered is read from nginx's
upstream log in the run folder (no response header names it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
import websocket  # websocket-client
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import load
from dashboard.config import ROOT
from scripts import serve
from tests.browser.conftest import browser, page, settle  # noqa: F401  (fixtures and helper, reused as they are)

pytestmark = pytest.mark.skipif(serve._nginx_binary() is None,
                                reason="nginx is not installed (`make system-deps` installs it)")
SUPERVISORCTL = str(Path(sys.executable).parent / "supervisorctl")


def _data(tmp: Path) -> Path:
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("cache"))
    return data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    """A running `scripts/serve.py`."""

    proc: subprocess.Popen[str]
    url: str
    run_dir: Path

    def ctl(self, *args: str) -> str:
        """supervisorctl against this service's supervisord."""
        return subprocess.run([SUPERVISORCTL, "-c", str(self.run_dir / "supervisord.conf"), *args],
                              capture_output=True, text=True, timeout=30).stdout.strip()

    @property
    def worker_ports(self) -> list[int]:
        """The workers' loopback ports, from supervisord's own process list."""
        return sorted(int(line.split()[0].rsplit("-", 1)[1]) for line in self.ctl("status").splitlines()
                      if line.startswith("worker:"))

    def worker_pid(self, port: int) -> int:
        """The process id of the worker on this port (as supervisord reports it)."""
        return int(self.ctl("pid", f"worker:worker-{port}"))

    def worker_of(self, marker: str) -> str:
        """The upstream (127.0.0.1:PORT) nginx used for the request whose URL contained marker."""
        for _ in range(100):
            for line in (self.run_dir / "upstream.log").read_text().splitlines():
                if marker in line:
                    return line.split()[1]
            time.sleep(0.05)
        raise AssertionError(f"{marker} not in the upstream log")

    def stop(self) -> None:
        """SIGTERM, as a service manager would."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _start(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Service:
    """Run scripts/serve.py on a free port; return it once it says it is serving."""
    # The run folder straight under the system's temp folder, as serve.py's own default: as root, nginx's
    # workers (nobody) read the readiness marker in it, and pytest's base temp folder is closed to them.
    port, run_dir = _free_port(), Path(tempfile.mkdtemp(prefix="gunma-serve-test-"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py"), "--port", str(port),
                             "--address", "127.0.0.1", "--data-dir", str(_data(tmp)), "--run-dir", str(run_dir),
                             *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed once every worker has run the app (or the script exits)
    if f"http://127.0.0.1:{port}" not in line:
        proc.kill()
        raise AssertionError((line, proc.stderr.read() if proc.stderr else ""))
    return Service(proc, f"http://127.0.0.1:{port}", run_dir)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Two workers behind nginx over a private copy of the bundled data."""
    s = _start(tmp_path_factory.mktemp("serve"), "--workers", "2")
    yield s
    s.stop()


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], dict[str, str]]:
    """GET url; (status, headers, cookies set)."""
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        r = urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as e:
        r = e
    with r:
        jar: SimpleCookie = SimpleCookie()
        for h in r.headers.get_all("Set-Cookie") or []:
            jar.load(h)
        return int(r.status), dict(r.headers), {k: m.value for k, m in jar.items()}


def _status(url: str) -> int:
    """The status of GET url, 0 when nothing answers."""
    try:
        return _get(url)[0]
    except OSError:
        return 0


def _probe(svc: Service, path: str = "/_stcore/health", cookie: str | None = None) -> tuple[str, dict[str, str]]:
    """GET path marked with a unique query; (the worker that answered, the cookies set)."""
    marker = uuid.uuid4().hex
    _, _, cookies = _get(f"{svc.url}{path}{'&' if '?' in path else '?'}probe={marker}", cookie)
    return svc.worker_of(marker), cookies


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


def _cookie_for_worker(svc: Service, worker: str, want_same: bool = True) -> str:
    """A sticky cookie value that lands on `worker` (or on another one)."""
    for _ in range(200):
        value = uuid.uuid4().hex
        if (_probe(svc, cookie=f"gunma_backend={value}")[0] == worker) == want_same:
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


def test_browsers_without_the_cookie_get_sessions_on_both_workers(service: Service) -> None:
    seen = set()
    for _ in range(24):  # each request without a cookie is a new browser: 2⁻²³ odds of one worker only
        seen.add(_probe(service)[0])
    assert seen == {f"127.0.0.1:{p}" for p in service.worker_ports}


def test_a_browser_with_the_cookie_stays_on_its_worker(service: Service) -> None:
    worker, cookies = _probe(service, "/")
    sticky = cookies["gunma_backend"]
    cookie = f"gunma_backend={sticky}"
    for path in ["/", "/_stcore/health", "/area1?place=10201", "/_stcore/host-config"] * 3:
        w, c = _probe(service, path, cookie)
        assert w == worker
        assert c["gunma_backend"] == sticky  # the same id is given back, never a new one
    # A made-up cookie is not trusted: it is replaced by a fresh id.
    _, _, c = _get(f"{service.url}/", "gunma_backend=../../etc")
    assert len(c["gunma_backend"]) == 32 and c["gunma_backend"] != "../../etc"


def test_an_upload_reaches_the_worker_holding_the_session_and_xsrf_still_holds(service: Service) -> None:
    worker, cookies = _probe(service)  # where the browser gets its XSRF cookie
    sticky, xsrf = cookies["gunma_backend"], cookies["_streamlit_xsrf"]
    cookie = f"gunma_backend={sticky}; _streamlit_xsrf={xsrf}"
    ws = _ws(service.url, cookie)
    try:
        session = _session_id(ws)
        assert _upload(service.url, session, cookie, xsrf) == 204
        assert _upload(service.url, session, cookie, None) == 403  # no XSRF token: refused, as without a proxy
        # The same request sent to the other worker does not find the session: why stickiness is needed.
        elsewhere = _cookie_for_worker(service, worker, want_same=False)
        assert _upload(service.url, session, f"gunma_backend={elsewhere}; _streamlit_xsrf={xsrf}", xsrf) == 400
    finally:
        ws.close()


def test_an_upload_over_the_apps_limit_is_refused_before_it_is_sent(service: Service) -> None:
    host, port = service.url.removeprefix("http://").split(":")
    limit = serve.max_upload_mb() * 2**20
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(b"PUT /_stcore/upload_file/x/y HTTP/1.1\r\nHost: " + f"{host}:{port}".encode()
                  + f"\r\nContent-Length: {limit + 1}\r\n\r\n".encode())  # one byte over, nothing sent
        assert s.recv(200).startswith(b"HTTP/1.1 413")


def test_websocket_origin_check_works_through_the_proxy(service: Service) -> None:
    port = service.url.rsplit(":", 1)[1]
    # A browser on the public name: Origin and forwarded Host agree, so the worker accepts it.
    ws = _ws(service.url, host=f"dashboard.example:{port}", origin=f"http://dashboard.example:{port}")
    try:
        assert _session_id(ws)
    finally:
        ws.close()
    # A page on another site must not open a session.
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        _ws(service.url, host=f"dashboard.example:{port}", origin="http://evil.example")
    assert e.value.status_code == 403


def test_the_readiness_check_is_not_public(service: Service) -> None:
    assert _get(f"{service.url}/_stcore/script-health-check")[0] == 404  # it runs the whole app per request
    assert _get(f"http://127.0.0.1:{service.worker_ports[0]}/_stcore/script-health-check")[0] == 200


def test_every_response_carries_the_security_headers_and_none_names_the_worker(service: Service) -> None:
    for path in ["/", "/area1?place=10201", "/_stcore/health", "/static/nonexistent.js", "/?embed=true"]:
        status, h, _ = _get(service.url + path)
        assert status in (200, 404)
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
        csp = h["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp and "'unsafe-eval'" not in csp
        assert not any("worker" in k.lower() or "upstream" in k.lower() for k in h)
        assert service.worker_ports[0] not in {int(v) for v in h.values() if v.isdigit()}
        if "embed=true" in path:  # an embeddable view: framing allowed for the configured ancestors only
            assert "X-Frame-Options" not in h and "frame-ancestors 'self'" in csp
        else:
            assert h["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in csp


def test_simultaneous_sessions_through_the_proxy_have_no_errors(service: Service) -> None:
    pids = [service.worker_pid(p) for p in service.worker_ports]
    res = load.run_round(service.url, pids, 4, timeout=120)
    assert res.errors == 0, res.error_kinds
    assert len(res.first_ms) == len(res.change_ms) == 4


@pytest.mark.browser
def test_pages_render_under_the_content_security_policy(service: Service, page: Any) -> None:  # noqa: F811
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    drawn = "() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(g => (g.data || []).length).length"
    for path in ["/", "/area1?tab=comparison", "/area4?embed=true"]:
        page.goto(f"{service.url}{path}")
        page.wait_for_selector("h1, .js-plotly-plot", timeout=30_000)
        settle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        for _ in range(60):  # Plotly draws after the script run ends
            if page.evaluate(drawn):
                break
            page.wait_for_timeout(250)
        assert page.evaluate(drawn) >= 1, path
    assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
    assert not [m for m in console if "404" in m], console  # a page under its path finds the server at once
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert len(cookies["gunma_backend"]) == 32


SHIFTS = """() => new Promise(done => { let sum = 0; new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) sum += e.value; }).observe({type: 'layout-shift',
  buffered: true}); setTimeout(() => done(sum), 300); })"""


@pytest.mark.browser
def test_pages_do_not_jump_while_they_arrive(service: Service, browser: Any) -> None:  # noqa: F811
    # Lighthouse's desktop screen. Before deploy/first-paint.css and the tables' heights given up front the
    # sidebar's arrival moved the whole page (0.22) and the methodology's first table pushed the text down.
    assert "<style id=\"first-paint\">" in urllib.request.urlopen(f"{service.url}/area1", timeout=30).read().decode()
    for path in ["/", "/area1", "/methodology"]:
        ctx = browser.new_context(viewport={"width": 1350, "height": 940})
        try:
            pg = ctx.new_page()
            pg.goto(f"{service.url}{path}")
            settle(pg)
            pg.wait_for_timeout(1000)  # late arrivals (charts, tables) included
            assert pg.evaluate(SHIFTS) < 0.1, path  # Lighthouse's "good" cumulative layout shift
        finally:
            ctx.close()


def test_a_killed_worker_is_restarted_while_the_other_keeps_serving(service: Service) -> None:
    a, b = service.worker_ports
    cookie_a = f"gunma_backend={_cookie_for_worker(service, f'127.0.0.1:{a}')}"
    cookie_b = f"gunma_backend={_cookie_for_worker(service, f'127.0.0.1:{b}')}"
    on_b = [_ws(service.url, cookie_b) for _ in range(3)]
    on_a = _ws(service.url, cookie_a)
    for ws in [*on_b, on_a]:
        load._rerun(ws, "overview", "", 60)
    errors: list[str] = []
    reruns = [0]
    done = threading.Event()

    def keep_using_b() -> None:  # the other worker's visitors keep changing the place
        places = ["10000", "K01", "10201", "10383"]
        while not done.is_set():
            for ws in on_b:
                try:
                    load._rerun(ws, "area1", f"place={places[reruns[0] % 4]}", 60)
                    reruns[0] += 1
                except Exception as e:
                    errors.append(f"{type(e).__name__}: {e}")

    t = threading.Thread(target=keep_using_b)
    t.start()
    try:
        time.sleep(0.5)
        old = service.worker_pid(a)
        t0 = time.monotonic()
        os.kill(old, signal.SIGKILL)
        while _status(f"http://127.0.0.1:{a}/_stcore/health") != 200:  # its own port: nginx would fail over
            if time.monotonic() - t0 > 60:
                raise AssertionError("the killed worker did not come back within 60 s")
            time.sleep(0.05)
        restart_s = time.monotonic() - t0
        ws = _ws(service.url, cookie_a)  # and its browsers get a working session from it again
        try:
            load._rerun(ws, "overview", "", 60)
        finally:
            ws.close()
        page_s = time.monotonic() - t0
    finally:
        done.set()
        t.join()
        for ws in [*on_b, on_a]:
            ws.close()
    assert service.worker_pid(a) != old  # a new process, started by supervisord
    assert _probe(service, cookie=cookie_a)[0] == f"127.0.0.1:{a}"  # its browsers are back on it
    assert errors == [] and reruns[0] > 0  # nothing failed on the other worker's sessions meanwhile
    print(f"\nkill -9 of worker {a}: answering again after {restart_s:.1f} s, first page drawn after "
          f"{page_s:.1f} s; {reruns[0]} reruns on the other worker without an error")
    assert restart_s < 10


# ------------------------------------------------------------------ nginx alone: limits and settings

@contextlib.contextmanager
def _nginx_alone(run_dir: Path, settings: dict[str, str]) -> Iterator[str]:
    """nginx from the template with these settings and no worker behind it; its URL while it runs."""
    port = _free_port()
    old = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        serve.configure(run_dir, workers=2, port=port, address="127.0.0.1")
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    nginx = str(serve._nginx_binary())
    proc = subprocess.Popen([nginx, "-p", str(run_dir), "-e", "stderr", "-c", str(run_dir / "nginx.conf"),
                             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait()


@pytest.fixture(scope="module")
def bare_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx from the template with its own settings and no worker behind it (502s, headers and limits)."""
    with _nginx_alone(tmp_path_factory.mktemp("nginx"), {
            "GUNMA_FRAME_ANCESTORS": "https://www.pref.gunma.jp", "GUNMA_UPLOAD_RATE": "2r/m",
            "GUNMA_UPLOAD_BURST": "3"}) as url:
        yield url


def test_one_client_cannot_open_more_websockets_than_its_limit(tmp_path: Path) -> None:
    """GUNMA_SOCKETS_PER_CLIENT=3: three websockets from one address are passed on (to workers that hold them
    open), the fourth and fifth are refused with 429 before reaching a worker."""
    with _nginx_alone(tmp_path, {"GUNMA_SOCKETS_PER_CLIENT": "3"}) as url:
        ports = [int(p) for p in re.findall(r"server 127\.0\.0\.1:(\d+)", (tmp_path / "nginx.conf").read_text())]
        held: list[socket.socket] = []
        listeners = []
        for p in ports:  # stand-in workers: accept and never answer, as a live session's socket stays open
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(("127.0.0.1", p))
            ls.listen(16)
            listeners.append(ls)
        host, port = url.removeprefix("http://").split(":")
        answers = []
        try:
            for _ in range(5):
                c = socket.create_connection((host, int(port)), timeout=2)
                held.append(c)
                c.sendall(b"GET /_stcore/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                time.sleep(0.3)  # nginx has passed it on (or refused it) before the next one
            for c in held:
                try:
                    answers.append(c.recv(64).split(b"\r\n")[0].decode())
                except TimeoutError:
                    answers.append("held")
        finally:
            for c in held + listeners:
                c.close()
        assert answers == ["held"] * 3 + ["HTTP/1.1 429 Too Many Requests"] * 2, answers


def test_readiness_waits_for_the_warm_up(service: Service, bare_nginx: str) -> None:
    # serve.py marks the instance ready once every worker's warm-up has run (its first script run).
    assert _status(f"{service.url}/_gunma/ready") == 200
    assert (service.run_dir / "public" / "ready").exists()
    assert _status(f"{bare_nginx}/_gunma/ready") == 503  # the same nginx with no serve.py start behind it


def test_embedding_is_allowed_only_for_the_configured_sites(bare_nginx: str) -> None:
    _, h, _ = _get(f"{bare_nginx}/area1?embed=true")
    assert "frame-ancestors https://www.pref.gunma.jp" in h["Content-Security-Policy"]
    assert "X-Frame-Options" not in h
    _, h, _ = _get(f"{bare_nginx}/area1?embed=false")
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"] and h["X-Frame-Options"] == "DENY"


def test_a_flood_of_uploads_is_refused_by_rate(bare_nginx: str) -> None:
    codes = []
    for _ in range(8):
        req = urllib.request.Request(f"{bare_nginx}/_stcore/upload_file/s/f", data=b"x", method="PUT")
        try:
            urllib.request.urlopen(req, timeout=10)
        except urllib.error.HTTPError as e:
            codes.append(e.code)
    # 1 + burst 3 pass on to the (absent) workers; the rest are refused before reaching one.
    assert codes.count(429) == 4 and codes.count(502) == 4
    assert _get(f"{bare_nginx}/")[0] == 502  # pages are not rate-limited


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
    return {p for p in pids if Path(f"/proc/{p}").exists() and "zombie" not in _state(p)}


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGTERM, "2"), (signal.SIGINT, "1")],
                         ids=["sigterm-2-workers", "ctrl-c-1-worker"])
def test_command_line_stops_everything_on_sigterm_and_ctrl_c(tmp_path: Path, sig: signal.Signals,
                                                             workers: str) -> None:
    svc = _start(tmp_path, "--workers", workers)
    try:
        assert _get(f"{svc.url}/")[0] == 200
        procs = _descendants(svc.proc.pid)
        assert len(procs) >= (5 if workers == "2" else 4)  # supervisord, nginx master + worker, the workers
        svc.proc.send_signal(sig)
        assert svc.proc.wait(timeout=60) == 0
        assert _alive(procs) == set()
    finally:
        svc.proc.kill()
        svc.proc.wait()
    with pytest.raises(OSError):
        urllib.request.urlopen(svc.url, timeout=5)


def test_an_app_that_cannot_run_stops_the_start_with_its_error(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="the app fails to run"):
        _start(tmp_path, "--workers", "1", env={"GUNMA_CATALOG_DIR": str(tmp_path / "no-catalog")})


# ------------------------------------------------------------------- refusing to start, orphans, health

def _refusal(tmp: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run scripts/serve.py expecting it to refuse; its message (stderr)."""
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "serve.py"), "--address", "127.0.0.1",
                        "--workers", "1", "--run-dir", str(tmp / "run"), *args], cwd=ROOT, capture_output=True,
                       text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    assert r.returncode == 1 and "Serving" not in r.stdout, (r.stdout, r.stderr)
    return r.stderr


def test_a_second_serve_on_a_taken_port_refuses_to_start(tmp_path: Path) -> None:
    with socket.socket() as taken:  # anything listening there: another `make serve`, its orphans, ...
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        err = _refusal(tmp_path, "--port", port, "--data-dir", str(_data(tmp_path)))
    assert f"port {port} on 127.0.0.1 is already in use" in err


def test_a_missing_or_empty_store_or_a_placeholder_secret_refuses_to_start(tmp_path: Path) -> None:
    port = str(_free_port())
    assert "unusable (missing)" in _refusal(tmp_path, "--port", port, "--data-dir", str(tmp_path / "nowhere"))
    empty = tmp_path / "empty"
    (empty / "snapshots").mkdir(parents=True)
    assert "holds no snapshots" in _refusal(tmp_path, "--port", port, "--data-dir", str(empty))
    data = str(_data(tmp_path))
    for placeholder in ("replace-with-64-random-hex-digits", "short"):
        err = _refusal(tmp_path, "--port", port, "--data-dir", data,
                       env={"STREAMLIT_SERVER_COOKIE_SECRET": placeholder})
        assert "STREAMLIT_SERVER_COOKIE_SECRET holds a placeholder" in err


def _listeners(port: int) -> set[int]:
    """Process ids with a listening socket on this TCP port (from /proc: inodes of LISTEN sockets)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if int(f[1].rsplit(":", 1)[1], 16) == port and f[3] == "0A":
                inodes.add(f[9])
    pids = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fds = list((d / "fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd).removeprefix("socket:[").removesuffix("]") in inodes:
                        pids.add(int(d.name))
                        break
                except OSError:
                    continue
    return pids


def _ppid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_kill_9_of_nginx_master_leaves_no_orphan_and_nginx_serves_again(tmp_path: Path) -> None:
    svc = _start(tmp_path, "--workers", "1")
    try:
        port = int(svc.url.rsplit(":", 1)[1])
        master = int(svc.ctl("pid", "nginx"))
        workers = {p for p in _listeners(port) if p != master}
        assert workers and all(_ppid(p) == master for p in workers)  # nginx's own worker processes
        t0 = time.monotonic()
        os.kill(master, signal.SIGKILL)
        while _alive(workers) and time.monotonic() - t0 < 10:
            time.sleep(0.1)
        gone_s = time.monotonic() - t0
        assert _alive(workers) == set(), "nginx's workers outlived their master"
        while _status(f"{svc.url}/_stcore/health") != 200 and time.monotonic() - t0 < 30:
            time.sleep(0.2)
        back_s = time.monotonic() - t0
        assert _status(f"{svc.url}/_stcore/health") == 200
        new_master = int(svc.ctl("pid", "nginx"))
        while "RUNNING" not in svc.ctl("status", "nginx") and time.monotonic() - t0 < 30:  # after startsecs
            time.sleep(0.2)
        assert new_master != master and "RUNNING" in svc.ctl("status", "nginx")
        assert _listeners(port) - {new_master} == {p for p in _listeners(port) if _ppid(p) == new_master}
        assert svc.proc.poll() is None
        print(f"\nkill -9 of nginx's master: its worker gone after {gone_s:.1f} s, serving again after {back_s:.1f} s")
    finally:
        svc.stop()


def test_kill_9_of_supervisord_leaves_nothing_serving(tmp_path: Path) -> None:
    svc = _start(tmp_path, "--workers", "2")
    try:
        procs = _descendants(svc.proc.pid)
        sup = int((svc.run_dir / "supervisord.pid").read_text())
        t0 = time.monotonic()
        os.kill(sup, signal.SIGKILL)
        assert svc.proc.wait(timeout=10) == 1  # the launcher says so and ends, after stopping everything
        while _alive(procs) and time.monotonic() - t0 < 10:
            time.sleep(0.1)
        gone_s = time.monotonic() - t0
        assert _alive(procs) == set(), [Path(f"/proc/{p}/cmdline").read_text() for p in _alive(procs)]
        assert _status(f"{svc.url}/_stcore/health") == 0
        print(f"\nkill -9 of supervisord: every process gone after {gone_s:.1f} s")
    finally:
        svc.stop()


def test_kill_9_of_a_worker_then_of_nginx_master_under_a_dead_supervisord_is_impossible(tmp_path: Path) -> None:
    """The issue's sequence: kill -9 of supervisord, then of a worker. Nothing may still answer health
    through nginx afterwards (before, orphaned nginx said 200 while no worker was supervised)."""
    svc = _start(tmp_path, "--workers", "1")
    try:
        sup = int((svc.run_dir / "supervisord.pid").read_text())
        worker = svc.worker_pid(svc.worker_ports[0])
        os.kill(sup, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)
        svc.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _status(f"{svc.url}/_stcore/health") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _status(f"{svc.url}/_stcore/health") == 0
    finally:
        svc.stop()


def test_each_workers_health_is_visible_to_a_monitor(service: Service) -> None:
    deadline = time.monotonic() + 10
    while True:
        health = json.loads((service.run_dir / "health.json").read_text())
        programs = health["programs"]
        if all(programs.get(f"worker:worker-{p}", {}).get("health") == 200 for p in service.worker_ports) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert programs["nginx:nginx"]["state"] == "RUNNING"
    for p in service.worker_ports:
        assert programs[f"worker:worker-{p}"] == {"state": "RUNNING", "pid": service.worker_pid(p), "health": 200}
    assert time.time() - health["time"] < 10


def _first_visit_bytes(url: str, encoding: str | None) -> tuple[int, int, set[str]]:
    """Bytes on the wire for the page and every script and stylesheet it names: (total, files, encodings)."""
    headers = {"Accept-Encoding": encoding} if encoding else {}
    with urllib.request.urlopen(f"{url}/", timeout=30) as r:
        html = r.read().decode(errors="replace")
    assets = sorted(set(re.findall(r'(?:src|href)="\.?/?(static/[^"]+\.(?:js|css))"', html)))
    total, encodings = 0, set()
    for a in ["", *assets]:
        with urllib.request.urlopen(urllib.request.Request(f"{url}/{a}", headers=headers), timeout=30) as r:
            total += len(r.read())
            if a:
                encodings.add(r.headers.get("Content-Encoding", "identity"))
    return total, len(assets), encodings


def test_static_files_are_compressed_through_nginx(service: Service) -> None:
    plain, n, encs = _first_visit_bytes(service.url, None)
    assert encs == {"identity"} and n >= 2
    gz, _, encs = _first_visit_bytes(service.url, "gzip")
    assert encs == {"gzip", "identity"}  # files under 1 kB are sent as they are
    sizes = {"identity": plain, "gzip": gz}
    if serve.BROTLI_MODULE.exists():
        br, _, encs = _first_visit_bytes(service.url, "br, gzip")
        assert encs == {"br", "identity"}
        sizes["br"] = br
    assert gz < plain / 3
    print("\nfirst visit (page + its scripts and stylesheets): "
          + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sizes.items()))


@pytest.mark.browser
def test_a_first_visit_in_chromium_is_compressed(service: Service, browser: Any) -> None:  # noqa: F811
    """A first visit of the overview in Chromium (empty cache): bytes on the wire for every response, once
    with the browser's own Accept-Encoding (gzip, deflate, br) and once asking for identity."""
    sizes = {}
    for label, headers in (("identity", {"Accept-Encoding": "identity"}), ("compressed", {})):
        ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ja-JP",
                                  extra_http_headers=headers)
        pg = ctx.new_page()
        responses: list[Any] = []
        pg.on("requestfinished", lambda r, out=responses: out.append(r))
        pg.goto(f"{service.url}/")
        settle(pg)
        pg.wait_for_selector(".js-plotly-plot", timeout=45_000)
        pg.wait_for_timeout(1000)
        js = [r for r in responses if r.url.endswith(".js")]
        sizes[label] = (sum(r.sizes()["responseBodySize"] for r in responses),
                        sum(r.sizes()["responseBodySize"] for r in js), len(responses))
        encodings = {(r.response().headers.get("content-encoding") if r.response() else None) for r in js}
        ctx.close()
        if label == "compressed":
            assert encodings & {"br", "gzip"}, encodings
    (plain, plain_js, n), (packed, packed_js, _) = sizes["identity"], sizes["compressed"]
    print(f"\nfirst visit of the overview in Chromium ({n} responses): {plain / 1e6:.2f} MB uncompressed "
          f"({plain_js / 1e6:.2f} MB JavaScript), {packed / 1e6:.2f} MB compressed ({packed_js / 1e6:.2f} MB)")
    assert packed < plain / 3


def test_an_nginx_that_cannot_bind_never_counts_as_started_and_ends_fatal(tmp_path: Path) -> None:
    """supervisord with the rendered config on a port someone else holds: nginx retries the bind for ~2.5 s
    and exits, which startsecs=4 never counts as a start; after its retries it is FATAL (serve.py then stops
    everything and exits 1), instead of being restarted every few seconds forever."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run_dir = tmp_path / "run"
        run_dir.mkdir()
        conf = serve.configure(run_dir, workers=1, port=port, address="127.0.0.1")
        sup = subprocess.Popen([str(Path(sys.executable).parent / "supervisord"), "-n", "-c", str(conf)], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT), "GUNMA_DATA_DIR": str(_data(tmp_path))},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        svc = Service(sup, "", run_dir)  # type: ignore[arg-type]
        states = []
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                line = svc.ctl("status", "nginx")
                states.append(line.split()[1] if len(line.split()) > 1 else "")
                if states[-1] == "FATAL":
                    break
                time.sleep(0.3)
            health = serve.write_health(run_dir)
        finally:
            sup.terminate()
            sup.wait(timeout=60)
    assert states[-1] == "FATAL" and "RUNNING" not in states, states
    assert health["nginx:nginx"]["state"] == "FATAL"  # what serve.py's loop acts on
