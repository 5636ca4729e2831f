"""Production serving on one machine: supervisord runs one Streamlit worker per core and nginx in front.

This is a thin launcher. It refuses to start when its port is taken, the snapshot store is missing or
empty, or a secret still holds a documented placeholder. It fills in deploy/supervisord.conf.template and
deploy/nginx.conf.template with envsubst, starts supervisord in the foreground, waits until every worker
has run the app once and nginx answers, prints the URL, and stays until Ctrl-C / SIGTERM (exit 0).
Restarting a crashed worker is supervisord's job, not ours; if supervisord itself ends, or gives up on a
program (FATAL: e.g. nginx cannot bind its port), so does this (exit 1), stopping everything first.

No orphans: this process is a child subreaper (PR_SET_CHILD_SUBREAPER), supervisord's programs run with a
parent-death signal (setpriv --pdeathsig), so when supervisord dies they get SIGTERM, and any process
whose parent died (nginx's workers after kill -9 of their master) is re-parented to this process, which
kills it within half a second. Each program's state and each worker's own /_stcore/health are written to
RUN/health.json every 2 s for a monitor (`supervisorctl -c RUN/supervisord.conf status` shows the states).
Once every worker has run the app once (with GUNMA_WARM, after its warm-up), RUN/public/ready is written and
nginx answers /_gunma/ready with 200 (503 before, and again once stopping): the readiness probes ask there.

Usage: python scripts/serve.py [--workers N] [--port 8501] [--address 0.0.0.0] [--data-dir DIR] [--run-dir DIR]

Settings from the environment: GUNMA_STORE (s3://BUCKET/PREFIX for a shared bucket), GUNMA_FRAME_ANCESTORS
(who may frame ?embed=true views, CSP syntax, default 'self'), GUNMA_UPLOAD_RATE (default 6r/m per client),
GUNMA_SOCKETS_PER_CLIENT (open websockets per client address, default 200), GUNMA_WARM (default 1 here: each
worker builds every page's default view before it counts as ready, and again after each publication; 0 turns
it off).
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import contextlib
import ctypes
import errno
import grp
import hashlib
import http.client
import json
import os
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
import xmlrpc.client
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
START_TIMEOUT_S = 120.0  # a cold worker imports Streamlit, Polars, DuckDB and Plotly: ~5 s here, more under load
STREAMLIT_DEFAULT_UPLOAD_MB = 200
PR_SET_CHILD_SUBREAPER = 36
# Brotli where this nginx has Debian's module (libnginx-mod-http-brotli-filter): smaller than gzip.
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
BROTLI_CONF = """    brotli on;
    brotli_comp_level 5;
    brotli_min_length 1024;
    brotli_types text/css text/plain text/javascript application/javascript application/json
                 application/manifest+json image/svg+xml font/ttf application/vnd.ms-fontobject;"""
HEALTH_EVERY_S = 2.0
SCRIPT_CHECK_S = 65.0  # a script-health-check answers within Streamlit's own 60 s limit on a script run
# Values shown in place of a real secret in examples ("replace-with-...", "change-me"): refused.
PLACEHOLDER = re.compile(r"replace|change.?me|placeholder|example|^(x+|0+|secret|test)$", re.I)
MIN_COOKIE_SECRET = 32


def render(template: Path, values: dict[str, str]) -> str:
    """The template with ${NAME} filled in for exactly these names (envsubst; string.Template without it)."""
    text = template.read_text(encoding="utf-8")
    envsubst = shutil.which("envsubst")
    if envsubst is None:  # gettext-base missing: the same substitution of the named fields only
        return string.Template(text).safe_substitute(values)
    names = " ".join(f"${{{k}}}" for k in values)
    return subprocess.run([envsubst, names], input=text, env=values, text=True, capture_output=True,
                          check=True).stdout


def _sockets_per_client() -> int:
    """$GUNMA_SOCKETS_PER_CLIENT (default 200) within what nginx's limit_conn accepts (1–65535)."""
    raw = os.environ.get("GUNMA_SOCKETS_PER_CLIENT") or "200"
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"serve: GUNMA_SOCKETS_PER_CLIENT must be a whole number, not {raw!r}") from None
    return max(1, min(n, 65535))


def configure(run_dir: Path, *, workers: int, port: int, address: str, app: str = "dashboard/app.py") -> Path:
    """Write nginx.conf and supervisord.conf into run_dir; the supervisord config's path."""
    first = _free_port_range(workers)
    nginx = _nginx_binary()
    if nginx is None:
        raise SystemExit("serve: nginx is not installed: `make system-deps` installs it")
    root = os.geteuid() == 0  # as root nginx needs a named, unprivileged user for its worker processes
    user = ""
    if root:
        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
        run_dir.chmod(0o711)  # nginx's workers (nobody) must reach their temp folders in here
    values = {
        "RUN": str(run_dir), "ROOT": str(ROOT), "APP": app, "PYTHON": sys.executable, "NGINX": nginx,
        "NGINX_USER": user,
        "WORKERS": str(workers), "FIRST_PORT": str(first), "LISTEN": f"{_host(address)}:{port}",
        "PDEATHSIG": _pdeathsig_prefix(),
        "LOAD_MODULES": f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else "",
        "BROTLI": BROTLI_CONF if BROTLI_MODULE.exists() else "    # (no brotli module installed)",
        "SERVERS": "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in range(first, first + workers)),
        "MAX_BODY": f"{max_upload_mb()}m",
        "UPLOAD_RATE": os.environ.get("GUNMA_UPLOAD_RATE", "6r/m"),
        "UPLOAD_BURST": os.environ.get("GUNMA_UPLOAD_BURST", "5"),
        "SOCKETS_PER_CLIENT": str(_sockets_per_client()),
        "FRAME_ANCESTORS": os.environ.get("GUNMA_FRAME_ANCESTORS", "'self'"),
        "SCRIPT_HASHES": " ".join(inline_script_hashes()),
        "FIRST_PAINT_CSS": first_paint_css(),
        "BASE_URL_SCRIPT": BASE_URL_SCRIPT,
    }
    (run_dir / "nginx.conf").write_text(render(DEPLOY / "nginx.conf.template", values), encoding="utf-8")
    mark_ready(run_dir, False)  # a reused run folder: not ready until this start's warm-up is done
    conf = run_dir / "supervisord.conf"
    conf.write_text(render(DEPLOY / "supervisord.conf.template", values), encoding="utf-8")
    return conf


# Put into every page's <head> by nginx beside deploy/first-paint.css. A page opened under its path (/area1)
# makes Streamlit's frontend look for its server at /area1/_stcore/health and host-config first (two 404s on
# every such first visit, streamlit/streamlit#7074) before the root. Served at the root by this nginx, the
# server is at the origin: saying so (the frontend's own embedding settings) leaves it one place to ask.
BASE_URL_SCRIPT = ('window.__streamlit=Object.assign({},window.__streamlit,'
                   '{BACKEND_BASE_URL:location.origin+"/",MAIN_PAGE_BASE_URL:location.origin+"/"});')


def _sha256(body: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"


def inline_script_hashes() -> list[str]:
    """CSP hashes of the inline scripts in Streamlit's index.html (read from the installed Streamlit) and of
    the one nginx adds (BASE_URL_SCRIPT)."""
    import streamlit

    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    return [*map(_sha256, re.findall(r"<script>(.*?)</script>", html, flags=re.S)), _sha256(BASE_URL_SCRIPT)]


def worker_env(data_dir: Path) -> dict[str, str]:
    """The environment of supervisord and so of every worker."""
    env = dict(os.environ)
    env["GUNMA_DATA_DIR"] = str(Path(data_dir).resolve())
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    # Each worker builds every page's default view before its first run (the script-health-check polled below)
    # ends, and again after each publication (dashboard/ui/warm.py); GUNMA_WARM=0 turns it off.
    env.setdefault("GUNMA_WARM", "1")
    if "STREAMLIT_SERVER_COOKIE_SECRET" not in env and not _configured("server", "cookieSecret"):
        # Every worker would otherwise make up its own secret: one shared secret keeps a login cookie
        # signed by one worker valid on the others.
        env["STREAMLIT_SERVER_COOKIE_SECRET"] = secrets.token_hex(32)
    return env


def main(argv: list[str] | None = None) -> int:
    """Command line: serve until Ctrl-C / SIGTERM (exit 0), or exit 1 if supervisord ends or cannot start."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                    help="Streamlit processes (default: the number of usable cores)")
    ap.add_argument("--port", type=int, default=8501, help="public port (default 8501)")
    ap.add_argument("--address", default="0.0.0.0", help="public address (default 0.0.0.0: every interface)")
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("GUNMA_DATA_DIR") or ROOT / "data"),
                    help="data folder (default $GUNMA_DATA_DIR, else data/)")
    ap.add_argument("--run-dir", type=Path, help="configs, logs and pid files (default: a temporary folder)")
    ap.add_argument("--app", default="dashboard/app.py",
                    help="the Streamlit script, relative to the repository (benchmarks serve their floor app this way)")
    args = ap.parse_args(argv)
    if args.workers < 1:
        ap.error("--workers must be at least 1")
    busy = port_in_use(args.address, args.port)
    if busy:
        print(f"serve: {busy}; refusing to start (is another `make serve` running?)", file=sys.stderr, flush=True)
        return 1
    problem = preflight(args.data_dir)
    if problem:
        print(f"serve: {problem}", file=sys.stderr, flush=True)
        return 1
    own_run_dir = args.run_dir is None
    run_dir = Path(tempfile.mkdtemp(prefix="gunma-serve-")) if own_run_dir else args.run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    sup: subprocess.Popen[bytes] | None = None
    become_subreaper()
    try:
        conf = configure(run_dir, workers=args.workers, port=args.port, address=args.address, app=args.app)
        # If this launcher is killed outright, supervisord is told to stop (and stops its programs).
        cmd = [*_pdeathsig_prefix().split(), str(Path(sys.executable).parent / "supervisord"), "-n", "-c", str(conf)]
        sup = subprocess.Popen(cmd, cwd=ROOT, env=worker_env(args.data_dir), stdin=subprocess.DEVNULL,
                               start_new_session=True)
        url = _url(args.address, args.port)
        problem = _wait_ready(sup, url, _worker_ports(conf), stop, run_dir)
        if problem:
            print(f"serve: {problem}{_tail(run_dir)}", file=sys.stderr, flush=True)
            return 1
        if not stop.is_set():
            mark_ready(run_dir, True)
            shown = url if args.address not in ("0.0.0.0", "::") else f"http://localhost:{args.port}"
            print(f"Serving the dashboard at {shown} ({args.workers} worker{'s' if args.workers > 1 else ''} "
                  f"under supervisord, logs in {run_dir}; Ctrl-C stops)", flush=True)
        next_health = 0.0
        fatal: list[str] = []
        while not stop.is_set() and sup.poll() is None:
            kill_orphans(sup.pid)
            if time.monotonic() >= next_health:
                next_health = time.monotonic() + HEALTH_EVERY_S
                fatal = [p for p, h in write_health(run_dir).items() if h.get("state") == "FATAL"]
                if fatal:
                    break
            stop.wait(0.5)
        if fatal:
            print(f"serve: supervisord gave up on {', '.join(fatal)}; stopping{_tail(run_dir)}", file=sys.stderr,
                  flush=True)
            return 1
        if sup.poll() is not None:
            print(f"serve: supervisord exited with code {sup.returncode}{_tail(run_dir)}", file=sys.stderr, flush=True)
            return 1
        print("serve: stopping.", file=sys.stderr, flush=True)
        return 0
    finally:
        mark_ready(run_dir, False)  # first: a draining instance leaves the load balancer's rotation
        if sup is not None and sup.poll() is None:
            sup.send_signal(signal.SIGTERM)  # supervisord stops nginx and the workers (process groups)
            try:
                sup.wait(timeout=30)
            except subprocess.TimeoutExpired:
                sup.kill()
                sup.wait()
        kill_orphans(None)  # whatever supervisord left behind (e.g. it was killed): re-parented to us
        if own_run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)


def first_paint_css() -> str:
    """deploy/first-paint.css on one line without its comments, for nginx to put in every page's <head>."""
    text = re.sub(r"/\*.*?\*/", "", (DEPLOY / "first-paint.css").read_text(encoding="utf-8"), flags=re.S)
    css = " ".join(text.split())
    if "'" in css or "$" in css or "\\" in css:  # it goes inside a single-quoted nginx string
        raise SystemExit("serve: deploy/first-paint.css must not contain ', $ or backslashes")
    return css


def mark_ready(run_dir: Path, ready: bool) -> None:
    """Write (or remove) run_dir/public/ready, which nginx serves at /_gunma/ready for readiness probes."""
    public = run_dir / "public"
    if not ready:
        (public / "ready").unlink(missing_ok=True)
        return
    public.mkdir(mode=0o755, exist_ok=True)
    tmp = public / "ready.tmp"
    tmp.write_text("ready\n", encoding="utf-8")
    tmp.chmod(0o644)  # nginx's workers run as nobody when started as root
    tmp.replace(public / "ready")


def max_upload_mb() -> int:
    """Streamlit's server.maxUploadSize (MB): the environment, else the config files, else its default."""
    env = os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")
    return int(env) if env else int(_configured("server", "maxUploadSize") or STREAMLIT_DEFAULT_UPLOAD_MB)


def port_in_use(address: str, port: int) -> str | None:
    """Why the public address:port cannot be ours (something listens there already), or None."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx does: TIME_WAIT is not "taken"
        try:
            s.bind((address, port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return f"port {port} on {address} is already in use"
            return f"cannot listen on {address}:{port}: {e.strerror}"
    return None


def preflight(data_dir: Path) -> str | None:
    """Why this service must not start, or None: the snapshot store (GUNMA_STORE, else the data folder) is
    missing, unreachable or empty, or a secret still holds a documented placeholder value."""
    for name in ("STREAMLIT_SERVER_COOKIE_SECRET",):
        value = os.environ.get(name)
        if value is not None and (PLACEHOLDER.search(value) or len(value) < MIN_COOKIE_SECRET):
            return (f"{name} holds a placeholder or is shorter than {MIN_COOKIE_SECRET} characters: "
                    "set a long random secret (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)")
    auth = _secrets_file().get("auth", {})
    for key in ("cookie_secret", "client_secret"):
        value = auth.get(key) if isinstance(auth, dict) else None
        if isinstance(value, str) and PLACEHOLDER.search(value):
            return f"secrets.toml [auth] {key} holds a placeholder value: set the real one"
    # In a child process: the launcher itself stays small (no Polars, DuckDB or boto3 imported here).
    code = "import sys; from scripts.serve import store_problem; print(store_problem(sys.argv[1]) or '', end='')"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    r = subprocess.run([sys.executable, "-c", code, str(data_dir)], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=START_TIMEOUT_S)
    if r.returncode != 0:
        return f"the snapshot store could not be checked: {r.stderr.strip()[-500:]}"
    return r.stdout or None


def store_problem(data_dir: str | Path) -> str | None:
    """Why the snapshot store (GUNMA_STORE, else the data folder) cannot serve data, or None."""
    os.environ["GUNMA_DATA_DIR"] = str(Path(data_dir).resolve())
    from dashboard.config import data_folder_problem
    from dashboard.stores import open_store

    spec = os.environ.get("GUNMA_STORE", "")
    where = spec or str(Path(data_dir).resolve())
    if not spec.startswith("s3://"):
        folder_problem = data_folder_problem()
        if folder_problem:
            return f"no snapshot store: the data folder {where} is unusable ({folder_problem}); set GUNMA_STORE " \
                   "(s3://BUCKET/PREFIX) or --data-dir"
    try:
        snapshots = open_store().list()
    except Exception as e:  # an unreachable bucket, refused credentials: said in one line
        return f"the snapshot store {where} cannot be read: {type(e).__name__}: {str(e)[:300]}"
    if not snapshots:
        return f"the snapshot store {where} holds no snapshots: publish one (or copy a store) before serving"
    return None


def become_subreaper() -> None:
    """Processes whose parent dies below us are re-parented to us (Linux), so kill_orphans() sees them."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def kill_orphans(keep: int | None) -> list[int]:
    """SIGKILL (and reap) every child of this process but `keep` (supervisord): as a subreaper, our only
    other children are processes whose own parent died, e.g. nginx's workers after their master was killed
    with SIGKILL, which would otherwise keep serving the port without anyone supervising them."""
    killed = []
    me = os.getpid()
    for _ in range(20):
        orphans = [pid for pid, ppid in _parents().items() if ppid == me and pid != keep]
        if not orphans:
            break
        for pid in orphans:
            name = _comm(pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, 0)
            killed.append(pid)
            print(f"serve: killed {pid} ({name}), left without its parent", file=sys.stderr, flush=True)
    return killed


def write_health(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Each supervisord program's state and, for workers, the answer of its own /_stcore/health; written to
    run_dir/health.json (atomically) for a monitor, and returned."""
    health: dict[str, dict[str, Any]] = {}
    try:
        from supervisor.xmlrpc import SupervisorTransport

        rpc = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(
            None, None, f"unix://{run_dir / 'supervisor.sock'}"))
        infos: list[dict[str, Any]] = rpc.supervisor.getAllProcessInfo()  # type: ignore[assignment]
    except Exception:  # supervisord not listening yet (or any more)
        return health
    for info in infos:
        name = f"{info['group']}:{info['name']}"
        entry: dict[str, Any] = {"state": info["statename"], "pid": info["pid"] or None}
        if info["group"] == "worker":
            port = int(str(info["name"]).rsplit("-", 1)[1])
            entry["health"] = _get(f"http://127.0.0.1:{port}/_stcore/health", 2)[0] if info["pid"] else 0
        health[name] = entry
    out = run_dir / "health.json"
    tmp = run_dir / "health.json.tmp"
    tmp.write_text(json.dumps({"time": time.time(), "programs": health}, indent=1), encoding="utf-8")
    os.replace(tmp, out)
    return health


# ----------------------------------------------------------------------------------------------- helpers

def _pdeathsig_prefix() -> str:
    """`setpriv --pdeathsig TERM --`: the command that follows gets SIGTERM when its parent dies."""
    setpriv = shutil.which("setpriv") or next((p for p in ("/usr/bin/setpriv",) if os.access(p, os.X_OK)), None)
    return f"{setpriv} --pdeathsig TERM --" if setpriv else ""


def _parents() -> dict[int, int]:
    """pid → parent pid for every process, from /proc."""
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parents[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").strip()[:80]
    except OSError:
        return "?"


def _secrets_file() -> dict[str, Any]:
    """Streamlit's project secrets.toml (empty when there is none)."""
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
        return tomllib.loads((ROOT / ".streamlit" / "secrets.toml").read_text(encoding="utf-8"))
    return {}


def _wait_ready(sup: subprocess.Popen[bytes], url: str, ports: list[int], stop: threading.Event,
                run_dir: Path | None = None) -> str | None:
    """Wait until every worker has run the app once (its first run pays the imports) and nginx answers."""
    deadline = time.monotonic() + START_TIMEOUT_S
    pending = [f"http://127.0.0.1:{p}/_stcore/script-health-check" for p in ports] + [f"{url}/_stcore/health"]
    while pending and not stop.is_set():
        if sup.poll() is not None:
            return f"supervisord exited with code {sup.returncode} while starting"
        kill_orphans(sup.pid)
        starting = False
        if run_dir is not None:  # ready = every program past its startsecs (RUNNING), not just answering
            states = {p: h.get("state") for p, h in write_health(run_dir).items()}
            fatal = [p for p, st in states.items() if st == "FATAL"]
            if fatal:
                return f"supervisord gave up on {', '.join(fatal)} while starting"
            starting = not states or any(st != "RUNNING" for st in states.values())
        # All at once: each worker's first run (its warm-up) starts when its health check is asked for.
        with concurrent.futures.ThreadPoolExecutor(len(pending)) as pool:
            answers = dict(zip(pending, pool.map(lambda u: _get(u, SCRIPT_CHECK_S), pending), strict=True))
        # The app fails to run; Streamlit's own "timeout" (its script check gives up after 60 s) is a worker
        # still warming up: asked again until START_TIMEOUT_S.
        failed = [f"{u}: {a[1][:200]!r}" for u, a in answers.items() if a[0] == 503 and a[1] != "timeout"]
        if failed:
            return "the app fails to run: " + failed[0]
        pending = [u for u, a in answers.items() if a[0] != 200]
        if (pending or starting) and time.monotonic() > deadline:
            return f"no answer within {START_TIMEOUT_S:.0f} s from {', '.join(pending) or 'supervisord'}"
        if pending or starting:
            time.sleep(0.2)
            pending = pending or [f"{url}/_stcore/health"]
    return None


def _get(url: str, timeout: float) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return int(r.status), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return int(e.code), e.read().decode(errors="replace")
    except (OSError, http.client.HTTPException) as e:
        # Not ready yet. Also the odd case seen once: polling a free port in the ephemeral range before the
        # worker binds it, Linux may connect the socket to itself, which "answers" with our own request line.
        return 0, str(e)


def _worker_ports(conf: Path) -> list[int]:
    text = conf.read_text(encoding="utf-8")
    n = int(re.search(r"^numprocs=(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    first = int(re.search(r"^numprocs_start=(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    return list(range(first, first + n))


def _free_port_range(n: int) -> int:
    """The first of n consecutive free loopback ports (supervisord numbers the workers by port)."""
    for _ in range(200):
        first = random.randint(20000, 60000 - n)
        socks = []
        try:
            for p in range(first, first + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return first
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise SystemExit(f"serve: no {n} consecutive free ports")


def _config_files() -> list[Path]:
    """Streamlit's config files, lowest precedence first (global, user, project)."""
    return [Path("/etc/streamlit/config.toml"), Path.home() / ".streamlit" / "config.toml",
            ROOT / ".streamlit" / "config.toml"]


def _configured(section: str, key: str) -> Any:
    """The value a Streamlit config file sets for section.key (the last file wins), or None."""
    value = None
    for f in _config_files():
        with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
            value = tomllib.loads(f.read_text(encoding="utf-8")).get(section, {}).get(key, value)
    return value


def _nginx_binary() -> str | None:
    # /usr/sbin is not on an ordinary user's PATH on Debian.
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _url(address: str, port: int) -> str:
    """A URL this machine can reach the service at (loopback when listening on every interface)."""
    if address in ("0.0.0.0", ""):
        return f"http://127.0.0.1:{port}"
    if address == "::":
        return f"http://[::1]:{port}"
    return f"http://{_host(address)}:{port}"


def _tail(run_dir: Path, lines: int = 15) -> str:
    logs = [*sorted(run_dir.glob("worker-*.log")), run_dir / "nginx.log", run_dir / "supervisord.log"]
    out = []
    for log in logs:
        if log.is_file():
            text = log.read_text(encoding="utf-8", errors="replace").rstrip().splitlines()[-lines:]
            if text:
                out.append(f"\n  {log.name}:\n    " + "\n    ".join(text))
    return "".join(out)


if __name__ == "__main__":
    sys.exit(main())
