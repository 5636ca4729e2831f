"""compose.yaml's stack, really run with podman-compose: SeaweedFS (the image's s3 stage, credentials
required, no published port), two app replicas on one bucket, nginx in front on a loopback port. A snapshot
published on one replica shows on the other's next page run; with one replica killed, the other keeps
serving (its own sessions and, through the load balancer, the dead one's new requests)."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from dashboard.config import ROOT
from scripts import image
from tests.deploy.conftest import free_port, get, needs_podman, podman, shared_copy, wait_for

pytestmark = [pytest.mark.deploy, needs_podman]
COMPOSE = str(Path(sys.executable).parent / "podman-compose")
BUCKET_URL = "s3://gunma-snapshots/gunma"


@dataclass
class Stack:
    project: str
    url: str
    env: dict[str, str]

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([COMPOSE, "-p", self.project, "-f", str(ROOT / "compose.yaml"), *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=timeout)

    def name(self, service: str, n: int = 1) -> str:
        return f"{self.project}_{service}_{n}"

    def ip(self, container: str) -> str:
        return podman("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container
                      ).stdout.strip()

    def replica_of(self, cookie: str) -> str:
        """The app container the load balancer sends this sticky cookie to (read from its access log)."""
        marker = uuid.uuid4().hex
        assert get(f"{self.url}/_stcore/health?probe={marker}", {"Cookie": f"gunma_lb={cookie}"})[0] == 200

        def find() -> str | None:
            for line in podman("logs", self.name("lb"), check=False).stdout.splitlines():
                if marker in line:
                    return line.split()[1]
            return None

        addr = wait_for(find, 10, "the request in lb's log", every=0.2).rsplit(":", 1)[0]
        return next(c for c in (self.name("app", 1), self.name("app", 2)) if self.ip(c) == addr)


@pytest.fixture(scope="module")
def stack(app_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    project = f"gunmatest{uuid.uuid4().hex[:6]}"
    env = {**image.podman_env(), "AWS_ACCESS_KEY_ID": secrets.token_hex(8),
           "AWS_SECRET_ACCESS_KEY": secrets.token_hex(20), "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),
           "GUNMA_PORT": str(free_port()), "GUNMA_BIND": "127.0.0.1"}
    s = Stack(project, f"http://127.0.0.1:{env['GUNMA_PORT']}", env)
    t0 = time.monotonic()
    try:
        r = s.compose("up", "-d", "s3")
        assert r.returncode == 0, r.stderr[-2000:]
        wait_for(lambda: podman("exec", s.name("s3"), "test", "-f", "/tmp/ready", check=False).returncode == 0, 120,
                 "SeaweedFS and its bucket")
        # The bucket starts with the bundled snapshots (the app refuses to start on an empty one).
        seed = shared_copy(ROOT / "data", tmp_path_factory.mktemp("seed") / "data")
        r = podman("run", "--rm", "--network", f"{project}_default", "-e", "AWS_ENDPOINT_URL=http://s3:8333",
                   "-e", f"AWS_ACCESS_KEY_ID={env['AWS_ACCESS_KEY_ID']}",
                   "-e", f"AWS_SECRET_ACCESS_KEY={env['AWS_SECRET_ACCESS_KEY']}", "-e", "AWS_DEFAULT_REGION=us-east-1",
                   "-e", "GUNMA_DATA_DIR=/seed", "-v", f"{seed}:/seed:ro", app_image,
                   "python", "-m", "dashboard", "store", "copy", "/seed", BUCKET_URL, "--lang", "en", check=False)
        assert r.returncode == 0 and "Copied 4 snapshots" in r.stdout, r.stdout + r.stderr
        r = s.compose("up", "-d")
        assert r.returncode == 0, r.stderr[-2000:]
        for n in (1, 2):  # each replica's own nginx and worker, then the load balancer
            wait_for(lambda n=n: podman("exec", s.name("app", n), "python", "-c",
                                        "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/_gunma/ready')",
                                        check=False).returncode == 0, 180, f"replica {n}")
        wait_for(lambda: get(f"{s.url}/_stcore/health")[0] == 200, 60, "the load balancer")
        print(f"\ncompose stack (s3, 2 replicas, lb) up and seeded in {time.monotonic() - t0:.0f} s")
        yield s
    except Exception:
        for c in ("s3", "app", "lb"):
            print(c, podman("logs", s.name(c), check=False).stderr[-1500:])
        raise
    finally:
        s.compose("down", "-v", "-t", "5")
        podman("pod", "rm", "-f", f"pod_{project}", check=False)


def page_text(ws: websocket.WebSocket, page: str, timeout: float = 120) -> str:
    """Run one page in this session; the text it drew (markdown, headings, alerts and table cells)."""
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = page
    ws.send_binary(msg.SerializeToString())
    out: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        data = ws.recv()
        if not isinstance(data, bytes):
            continue
        fm = ForwardMsg()
        fm.ParseFromString(data)
        kind = fm.WhichOneof("type")
        if kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return "\n".join(out)
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            which = el.WhichOneof("type")
            assert which != "exception", el.exception.message
            if which == "dataframe":
                out.append(str(pa.ipc.open_stream(el.dataframe.arrow_data.data).read_all().to_pylist()))
            elif which in ("markdown", "heading", "alert"):
                out.append(getattr(el, which).body)
        if time.monotonic() > deadline:
            raise TimeoutError(page)


def _session(url: str, cookie: str) -> websocket.WebSocket:
    return websocket.create_connection(url.replace("http://", "ws://") + "/_stcore/stream", timeout=120,
                                       subprotocols=["streamlit"], origin=url, cookie=f"gunma_lb={cookie}")


def test_two_replicas_share_the_bucket_and_survive_one_being_killed(stack: Stack) -> None:
    # Sticky cookies for each replica.
    cookies: dict[str, str] = {}
    for _ in range(100):
        c = uuid.uuid4().hex
        cookies.setdefault(stack.replica_of(c), c)
        if len(cookies) == 2:
            break
    one, two = stack.name("app", 1), stack.name("app", 2)
    assert set(cookies) == {one, two}, "the load balancer used one replica only"
    # A browser on replica 2 reads the methodology page (the snapshot table).
    ws = _session(stack.url, cookies[two])
    try:
        label = f"stack test {uuid.uuid4().hex[:8]}"
        assert label not in page_text(ws, "methodology")
        publish = ("from pathlib import Path; from dashboard.stores import open_store; s = open_store();"
                   f"m = s.list()[0]; print(s.publish(Path(s.path(m)).read_bytes(), label={label!r}, kind=m.kind,"
                   " source_name='stack.parquet', rows=m.rows, publisher='stack test').seq)")
        r = podman("exec", one, "python", "-c", publish, check=False)  # published on replica 1
        assert r.returncode == 0 and r.stdout.strip() == "5", r.stdout + r.stderr
        assert label in page_text(ws, "methodology")  # replica 2's next page run shows it
        # Replica 1 is killed: replica 2's session keeps working, and new requests all get an answer.
        t0 = time.monotonic()
        podman("kill", "-s", "KILL", one)
        assert label in page_text(ws, "")  # the overview: "data as of" the new snapshot
        codes = [get(f"{stack.url}/_stcore/health")[0] for _ in range(20)]  # new browsers, either replica
        assert codes == [200] * 20, codes
        assert label in page_text(ws, "methodology")
        print(f"\nreplica 1 killed: replica 2 served its session and 20 new requests within "
              f"{time.monotonic() - t0:.1f} s")
    finally:
        ws.close()
    # Nothing but the load balancer is published, and that on loopback only.
    published = podman("ps", "--filter", f"label=io.podman.compose.project={stack.project}", "--format",
                       "{{.Names}} {{.Ports}}").stdout
    ports = {line.split()[0]: " ".join(line.split()[1:]) for line in published.splitlines()}
    assert ports[stack.name("lb")].startswith("127.0.0.1:") and ports[stack.name("s3")] == "", ports
