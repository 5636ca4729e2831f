"""Production serving: several `streamlit run` workers behind one nginx with sticky sessions.

One Streamlit process uses about one core (the GIL); this runs one per core, each on a private
loopback port, and nginx on the public port sending every request of one browser to the same
worker (deploy/nginx.conf.template says how and why). It waits until every worker is healthy and
has run the app once, prints the URL, and stays in the foreground: Ctrl-C or SIGTERM stops everything; if any worker
or nginx exits, the rest are stopped and the exit status is non-zero, so a supervisor (systemd,
a container runtime) restarts the whole service instead of it serving half of its sessions.

Usage: python scripts/serve.py [--workers N] [--port 8501] [--address 0.0.0.0] [--data-dir DIR]

Tests and benchmarks use start_cluster(), which returns a Cluster (a context manager).
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
APP = "dashboard/app.py"
START_TIMEOUT_S = 120.0  # a cold worker imports Streamlit, Polars, DuckDB and Plotly: ~5 s here, more under load
STOP_TIMEOUT_S = 15.0
STREAMLIT_DEFAULT_UPLOAD_MB = 200
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class ClusterError(RuntimeError):
    """A worker or nginx failed to start, or exited while serving."""


class _Proc:
    """One child process: a name for messages, the process, and where its output goes (if a file)."""

    def __init__(self, name: str, popen: subprocess.Popen[bytes], log: Path | None) -> None:
        self.name = name
        self.popen = popen
        self.log = log

    def exit_message(self) -> str | None:
        """Why this process is gone (with the end of its log), or None while it runs."""
        rc = self.popen.poll()
        if rc is None:
            return None
        how = f"was killed by signal {-rc}" if rc < 0 else f"exited with code {rc}"
        return f"{self.name} (pid {self.popen.pid}) {how}{_tail(self.log)}"


class Cluster:
    """Running workers (and nginx in front of them when there are several); stop() ends them all."""

    def __init__(self, url: str, workers: list[_Proc], proxy: _Proc | None, run_dir: Path,
                 worker_ports: list[int]) -> None:
        self.url = url
        self.worker_ports = worker_ports
        self._workers = workers
        self._proxy = proxy
        self._run_dir = run_dir
        self._stopped = False

    @property
    def pids(self) -> list[int]:
        """Process ids of the Streamlit workers, in worker order (worker 1 first)."""
        return [p.popen.pid for p in self._workers]

    @property
    def proxy_pid(self) -> int | None:
        """Process id of the nginx master, or None with a single worker."""
        return self._proxy.popen.pid if self._proxy else None

    def failure(self) -> str | None:
        """A message naming the first worker or proxy that has exited, or None while all run."""
        for p in self._all():
            msg = p.exit_message()
            if msg:
                return msg
        return None

    def stop(self) -> None:
        """Stop nginx first (no new requests), then the workers; kill whatever outlives the grace period."""
        if self._stopped:
            return
        self._stopped = True
        procs = self._all()
        for p in procs:
            _signal_group(p.popen, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for p in procs:
            try:
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(p.popen, signal.SIGKILL)
                p.popen.wait()
            # Anything the process started and left behind in its group (e.g. a kaleido browser).
            _signal_group(p.popen, signal.SIGKILL)
        shutil.rmtree(self._run_dir, ignore_errors=True)

    def _all(self) -> list[_Proc]:
        return ([self._proxy] if self._proxy else []) + self._workers

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_cluster(data_dir: Path, workers: int, port: int | None = None, *, address: str = "127.0.0.1",
                  inherit_output: bool = False) -> Cluster:
    """Start `workers` Streamlit processes over data_dir (behind nginx when more than one) on `port`
    (a free one when None); return once every worker is healthy and has run the app once.

    With inherit_output the processes write to this process's stderr (the command line); otherwise each
    writes to a log file in the private run folder, and its end is quoted in any error.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    nginx = _nginx_binary() if workers > 1 else None
    if workers > 1 and nginx is None:
        raise ClusterError("nginx is not installed: `make system-deps` installs it (apt-get install nginx-light)")
    public_port = port if port is not None else _free_port(address)
    _check_port_free(address, public_port)
    env = _worker_env(data_dir)
    run_dir = Path(tempfile.mkdtemp(prefix="gunma-serve-"))  # logs, nginx's config, pid and temp files
    procs: list[_Proc] = []
    cluster = Cluster(_url(address, public_port), procs, None, run_dir, [])
    try:
        if workers == 1:  # no proxy needed: the one worker serves the public port itself
            ports, worker_address = [public_port], address
        else:
            ports, worker_address = [_free_port("127.0.0.1") for _ in range(workers)], "127.0.0.1"
        cluster.worker_ports = ports
        for i, p in enumerate(ports, start=1):
            # scriptHealthCheckEnabled: lets _warm_up() run the app once in each worker before it takes traffic.
            cmd = [sys.executable, "-m", "streamlit", "run", APP, "--server.port", str(p),
                   "--server.address", worker_address, "--server.headless", "true",
                   "--server.scriptHealthCheckEnabled", "true"]
            procs.append(_spawn(f"worker {i} (port {p})", cmd, env, run_dir / f"worker{i}.log", inherit_output,
                                quiet_stdout=True))
        worker_urls = [cluster.url] if workers == 1 else [f"http://127.0.0.1:{p}" for p in ports]
        _wait_healthy(cluster, worker_urls)
        _warm_up(cluster, worker_urls)
        if nginx is not None:
            conf = run_dir / "nginx.conf"
            conf.write_text(nginx_config(run_dir, address, public_port, ports), encoding="utf-8")
            if os.geteuid() == 0:  # nginx's workers run as nobody and must reach their temp folders in here
                run_dir.chmod(0o711)
            cluster._proxy = _spawn(f"nginx (port {public_port})",
                                    [nginx, "-p", str(run_dir), "-e", "stderr", "-c", str(conf), "-g", "daemon off;"],
                                    env, run_dir / "nginx.log", inherit_output)
            _wait_healthy(cluster, [cluster.url])
    except BaseException:  # Ctrl-C or a failure half-way: leave nothing running
        cluster.stop()
        raise
    return cluster


def nginx_config(run_dir: Path, address: str, port: int, worker_ports: list[int]) -> str:
    """The nginx configuration for these worker ports (deploy/nginx.conf.template filled in)."""
    user = ""
    if os.geteuid() == 0:  # as root nginx needs a named, unprivileged user for its worker processes
        nobody = pwd.getpwnam("nobody")
        user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
    fields = {
        "USER": user,
        "RUN": str(run_dir),
        "LISTEN": f"{_host(address)}:{port}",
        "MAX_BODY": f"{_max_upload_mb() + 1}m",
        "SERVERS": "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in worker_ports),
        "WORKER_NAMES": "\n".join(f'        "127.0.0.1:{p}" "{i}";' for i, p in enumerate(worker_ports, start=1)),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in fields.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def main(argv: list[str] | None = None) -> int:
    """Command line: serve until Ctrl-C / SIGTERM (exit 0) or until a process dies (exit 1)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)),
                    help="Streamlit processes (default: the number of usable cores)")
    ap.add_argument("--port", type=int, default=8501, help="public port (default 8501)")
    ap.add_argument("--address", default="0.0.0.0", help="public address (default 0.0.0.0: every interface)")
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("GUNMA_DATA_DIR") or ROOT / "data"),
                    help="data folder (default $GUNMA_DATA_DIR, else data/)")
    args = ap.parse_args(argv)

    def stop(signum: int, frame: FrameType | None) -> None:
        for s in STOP_SIGNALS:  # once: a second Ctrl-C must not interrupt the orderly stop
            signal.signal(s, signal.SIG_IGN)
        raise KeyboardInterrupt

    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)
    try:
        with start_cluster(args.data_dir, args.workers, args.port, address=args.address,
                           inherit_output=True) as cluster:
            shown = cluster.url if args.address not in ("0.0.0.0", "::") else f"http://localhost:{args.port}"
            print(f"Serving the dashboard at {shown} ({args.workers} worker{'s' if args.workers > 1 else ''}; "
                  "Ctrl-C stops)", flush=True)
            while True:
                msg = cluster.failure()
                if msg:
                    print(f"serve: {msg}. Stopping everything rather than serving only some sessions.",
                          file=sys.stderr, flush=True)
                    return 1
                time.sleep(0.5)
    except KeyboardInterrupt:
        print("serve: stopped.", file=sys.stderr, flush=True)
        return 0
    except ClusterError as e:
        print(f"serve: {e}", file=sys.stderr, flush=True)
        return 1


# ----------------------------------------------------------------------------------------------- helpers

def _spawn(name: str, cmd: list[str], env: dict[str, str], log: Path, inherit_output: bool,
           quiet_stdout: bool = False) -> _Proc:
    """Start cmd in its own process group (so stop() reaches anything it starts, and a Ctrl-C in the
    terminal reaches only this script, which stops the children in order)."""
    if _pdeathsig_ok():
        # If this script is killed outright (SIGKILL, out of memory), the kernel sends the child SIGTERM.
        cmd = ["setpriv", "--pdeathsig", "TERM", "--", *cmd]
    log_file: IO[bytes] | None = None
    if inherit_output:  # the terminal gets stderr; a worker's stdout only says "You can now view..." its port
        stdout: IO[bytes] | int | None = subprocess.DEVNULL if quiet_stdout else None
        stderr: IO[bytes] | int | None = None
    else:
        log_file = log.open("wb")
        stdout, stderr = log_file, subprocess.STDOUT
    try:
        popen = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                 start_new_session=True)
    finally:
        if log_file is not None:
            log_file.close()  # the child has its own copy
    return _Proc(name, popen, log if log_file is not None else None)


def _pdeathsig_ok() -> bool:
    # The parent-death signal fires when the *thread* that started the child ends: only use it from
    # the main thread, which lives as long as this process.
    return shutil.which("setpriv") is not None and threading.current_thread() is threading.main_thread()


def _wait_healthy(cluster: Cluster, urls: list[str]) -> None:
    """Return once every url answers /_stcore/health with 200; raise if a process exits or time runs out."""
    pending = list(urls)
    deadline = time.monotonic() + START_TIMEOUT_S
    while pending:
        msg = cluster.failure()
        if msg:
            raise ClusterError(f"{msg} while starting")
        pending = [u for u in pending if not _healthy(u)]
        if pending and time.monotonic() > deadline:
            raise ClusterError(f"no health answer within {START_TIMEOUT_S:.0f} s from {', '.join(pending)}")
        if pending:
            time.sleep(0.2)


def _warm_up(cluster: Cluster, urls: list[str]) -> None:
    """Run the app once in every worker (in parallel) before any browser arrives; raise if it fails.

    The first run imports Plotly, pandas and the rest and opens the data: done here, the first visitors
    do not wait for it, and those imports happen in one thread only (lazy imports raced by simultaneous
    first sessions have failed: a half-imported pandas), and a broken deployment stops here, visibly.
    """
    answers: dict[str, str] = {}

    def run(url: str) -> None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=START_TIMEOUT_S) as r:
                answers[url] = r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:  # 503 with the script's error
            answers[url] = e.read().decode(errors="replace") or str(e)
        except OSError as e:
            answers[url] = str(e)

    threads = [threading.Thread(target=run, args=(u,), daemon=True) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [(w, answers[u]) for w, u in zip(cluster._workers, urls, strict=True) if answers.get(u) != "ok"]
    if failed:
        w, answer = failed[0]
        raise ClusterError(cluster.failure() or f"the app fails to run in {w.name}: {answer[:200]!r}{_tail(w.log)}")


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def _worker_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["GUNMA_DATA_DIR"] = str(Path(data_dir).resolve())
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    if "STREAMLIT_SERVER_COOKIE_SECRET" not in env and not _configured("server", "cookieSecret"):
        # Every worker would otherwise make up its own secret: one shared secret keeps a login cookie
        # signed by one worker valid on the others.
        env["STREAMLIT_SERVER_COOKIE_SECRET"] = secrets.token_hex(32)
    return env


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


def _max_upload_mb() -> int:
    env = os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE")
    return int(env) if env else int(_configured("server", "maxUploadSize") or STREAMLIT_DEFAULT_UPLOAD_MB)


def _nginx_binary() -> str | None:
    # /usr/sbin is not on an ordinary user's PATH on Debian.
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def _free_port(address: str) -> int:
    with socket.socket(_family(address)) as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def _check_port_free(address: str, port: int) -> None:
    with socket.socket(_family(address)) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx and Streamlit bind
        try:
            s.bind((address, port))
        except OSError as e:
            raise ClusterError(f"cannot listen on {_host(address)}:{port}: {e.strerror}") from None


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _url(address: str, port: int) -> str:
    """A URL this machine can reach the service at (loopback when listening on every interface)."""
    if address in ("0.0.0.0", ""):
        return f"http://127.0.0.1:{port}"
    if address == "::":
        return f"http://[::1]:{port}"
    return f"http://{_host(address)}:{port}"


def _signal_group(popen: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, sig)


def _tail(log: Path | None, lines: int = 15) -> str:
    if log is None or not log.exists():
        return ""
    text = log.read_text(encoding="utf-8", errors="replace").rstrip().splitlines()[-lines:]
    return ("; its last output:\n    " + "\n    ".join(text)) if text else ""


if __name__ == "__main__":
    sys.exit(main())
