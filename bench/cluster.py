"""`make serve` for benchmarks: scripts/serve.py (supervisord, workers, nginx) on a free port, with its pids.

The benchmark runs the production launcher itself, not a copy of it, so the served set-up is the one
measured; `app` swaps the Streamlit script (the floor app runs behind the same nginx and workers).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
SUPERVISORCTL = Path(sys.executable).parent / "supervisorctl"


class ClusterError(RuntimeError):
    """scripts/serve.py did not come up (nginx missing, the app failing to run, ...)."""


@dataclass
class Cluster:
    """A running scripts/serve.py: its public URL and its workers' process ids (for CPU figures)."""

    proc: subprocess.Popen[str]
    url: str
    run_dir: Path
    pids: list[int]

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM, as a service manager would; then the run folder goes."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.run_dir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker_pids(run_dir: Path) -> list[int]:
    """The workers' process ids, as supervisord reports them."""
    ctl = [str(SUPERVISORCTL), "-c", str(run_dir / "supervisord.conf")]
    status = subprocess.run([*ctl, "status"], capture_output=True, text=True, timeout=30).stdout
    names = [line.split()[0] for line in status.splitlines() if line.startswith("worker:")]
    return [int(subprocess.run([*ctl, "pid", n], capture_output=True, text=True, timeout=30).stdout.strip())
            for n in names]


def start_cluster(data_dir: Path, workers: int, app: str | None = None) -> Cluster:
    """Start scripts/serve.py over data_dir; returns once every worker has run the app once."""
    port, run_dir = _free_port(), Path(tempfile.mkdtemp(prefix="bench-serve-"))
    cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--port", str(port), "--address", "127.0.0.1",
           "--workers", str(workers), "--data-dir", str(data_dir), "--run-dir", str(run_dir)]
    if app:
        cmd += ["--app", app]
    # The benchmarks are exempt from the per-address limits: their hundreds of sessions come from one address.
    exempt = {"GUNMA_SOCKETS_PER_CLIENT": "65535", "GUNMA_EXPORTS_PER_CLIENT": "100000",
              "GUNMA_EXPORTS_PER_SESSION": "100000"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**exempt, **os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed once every worker has run the app (or the launcher exits)
    url = f"http://127.0.0.1:{port}"
    if url not in line:
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        shutil.rmtree(run_dir, ignore_errors=True)
        raise ClusterError(f"scripts/serve.py did not start: {(line + err).strip()[-500:]}")
    return Cluster(proc, url, run_dir, _worker_pids(run_dir))
