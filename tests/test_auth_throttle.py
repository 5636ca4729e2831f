"""The analyst login's shared throttle (one SQLite file for every worker process), the login rules
around it (multi-machine stores, OIDC analysts, client address) and the upload gate.

Processes are real (multiprocessing, fork) and hammer one real SQLite file at the same instant.
"""

from __future__ import annotations

import multiprocessing as mp
import tomllib
from pathlib import Path

import pytest
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from dashboard import auth
from dashboard.config import ROOT
from dashboard.validate import Limits

WORKERS = 4


def _hammer(path: str, keys: list[str], tries: int, barrier: object, out: object, kw: dict[str, float]) -> None:
    """One worker process: as many attempts as it can, as fast as it can; report how many were allowed."""
    th = auth.SharedThrottle(path, **kw)  # type: ignore[arg-type]
    barrier.wait()  # type: ignore[attr-defined]
    allowed = 0
    for i in range(tries):
        attempt, _ = th.begin(keys[i % len(keys)])
        allowed += attempt is not None
    out.put(allowed)  # type: ignore[attr-defined]


def _run_workers(path: Path, keys_per_worker: list[list[str]], tries: int, **kw: float) -> list[int]:
    ctx = mp.get_context("fork")  # the children only use sqlite3 and dashboard.auth
    barrier, out = ctx.Barrier(len(keys_per_worker)), ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(str(path), keys, tries, barrier, out, kw)) for keys in keys_per_worker]
    for p in procs:
        p.start()
    got = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return got


def test_workers_share_one_count_so_n_workers_do_not_get_n_times_the_guesses(tmp_path: Path) -> None:
    db = tmp_path / "throttle.sqlite"
    key = auth.SharedThrottle.key("tanaka", "203.0.113.7")
    # After 3 free failures the next try waits 100 s: whatever the number of workers, 3 guesses in all.
    got = _run_workers(db, [[key]] * WORKERS, tries=25, free=3, base=100.0)
    assert sum(got) == 3, got
    th = auth.SharedThrottle(db, free=3, base=100.0)
    assert th.failures(key) == 3
    assert th.wait(key) > 90


def test_the_global_cap_holds_across_workers_under_concurrency(tmp_path: Path) -> None:
    db = tmp_path / "throttle.sqlite"
    # Every worker guesses for its own user names (no per-key limit reached): only the global cap binds.
    keys = [[auth.SharedThrottle.key(f"user{w}-{i}", f"10.0.0.{w}") for i in range(40)] for w in range(WORKERS)]
    got = _run_workers(db, keys, tries=40, free=1000, global_max=17, window=600.0)
    assert sum(got) == 17, got


def test_delays_escalate_to_five_minutes_and_success_clears_only_its_own_key(tmp_path: Path) -> None:
    th = auth.SharedThrottle(tmp_path / "t.sqlite")  # the defaults: the policy the README states
    a, b = th.key("A", "x"), th.key("B", "x")
    now = 1_000_000.0
    waits = []
    for _ in range(14):
        attempt, wait = th.begin(a, now=now)
        if attempt is None:
            now += wait  # come back exactly when allowed
            attempt, wait = th.begin(a, now=now)
        assert attempt is not None and wait == 0
        waits.append(th.wait(a, now=now))
    assert waits[:2] == [0, 0]  # three free tries
    assert waits[2:6] == [2, 4, 8, 16]  # then doubling
    assert max(waits) == 300 and waits[-1] == 300  # capped at 5 minutes
    for _ in range(4):
        th.begin(b, now=now)
    assert th.wait(b, now=now) > 0
    ok, _ = th.begin(th.key("C", "y"), now=now)
    assert ok is not None
    th.succeeded(ok)  # someone else's success...
    assert th.wait(a, now=now) == 300 and th.wait(b, now=now) > 0  # ...resets nobody else
    assert th.failures(th.key("C", "y")) == 0
    assert th.wait(a, now=now + 86_400 + 1) == 0  # forgotten a day after the last failure
    assert th.key(" a ", "x") == a  # the name as typed: case and surrounding spaces do not make a new key


def test_failures_from_another_client_do_not_lock_the_analyst_out_beyond_the_global_cap(tmp_path: Path) -> None:
    th = auth.SharedThrottle(tmp_path / "t.sqlite", global_max=30, window=300.0)
    attacker, analyst = th.key("tanaka", "198.51.100.9"), th.key("tanaka", "10.1.2.3")
    now = 5_000.0
    for _ in range(10):
        th.begin(attacker, now=now)
    assert th.wait(attacker, now=now) > 0
    assert th.wait(analyst, now=now) == 0  # same user name, other client: free to try
    ok, _ = th.begin(analyst, now=now)
    assert ok is not None
    # Many clients together can fill the global cap: then everyone waits, but never longer than the window.
    for i in range(40):
        th.begin(th.key("tanaka", f"192.0.2.{i}"), now=now + 1)
    wait = th.wait(analyst, now=now + 1)
    assert 0 < wait <= 300
    assert th.wait(analyst, now=now + 1 + 300) == 0


def test_client_address_is_the_one_the_proxy_saw() -> None:
    assert auth.client_of("203.0.113.5", {"X-Forwarded-For": "1.2.3.4"}) == "203.0.113.5"  # direct client
    # Behind nginx (loopback: Streamlit reports None) the last X-Forwarded-For entry is nginx's own view;
    # entries a client sends itself come first and are ignored.
    assert auth.client_of(None, {"X-Forwarded-For": "6.6.6.6, 198.51.100.2"}) == "198.51.100.2"
    assert auth.client_of(None, {"x-forwarded-for": "198.51.100.2"}) == "198.51.100.2"
    assert auth.client_of(None, {}) == "local"


def test_password_login_is_refused_when_the_store_is_shared_by_several_machines() -> None:
    h = auth.hash_password("pw", n=2**12)
    up = {"upload": {"password_hash": h}}
    assert auth.auth_mode(up, store_url="s3://snapshots-prod/gunma") == "password_refused"
    assert auth.auth_mode(up, store_url="S3://b/x") == "password_refused"
    assert auth.auth_mode(up, store_url="") == "password"
    assert auth.auth_mode({"auth": {"client_id": "x"}, **up}, store_url="s3://b/x") == "oidc"
    assert auth.auth_mode({}, store_url="s3://b/x") == "disabled"


def test_analysts_are_listed_by_address_or_domain() -> None:
    allowed = auth.analysts({"upload": {"analysts": ["Tanaka@Pref.Gunma.example", "@kenko.example"]}})
    assert auth.is_analyst({"email": "tanaka@pref.gunma.example"}, allowed)
    assert auth.is_analyst({"email": "sato@KENKO.example", "email_verified": True}, allowed)
    assert not auth.is_analyst({"email": "sato@pref.gunma.example"}, allowed)
    assert not auth.is_analyst({"email": "x@evil.kenko.example.org"}, allowed)
    assert not auth.is_analyst({"email": "tanaka@pref.gunma.example", "email_verified": False}, allowed)
    assert not auth.is_analyst({"name": "no e-mail"}, allowed)
    assert auth.analysts({}) == () and not auth.is_analyst({"email": "a@b.example"}, ())


def test_upload_gate_keeps_bytes_only_for_analyst_sessions() -> None:
    mgr = MemoryUploadedFileManager("/_stcore/upload_file")
    gate = auth.UploadGate()
    gate.install(mgr)
    gate.install(mgr)  # idempotent
    rec = UploadedFileRec(file_id="f1", name="a.csv", type="text/csv", data=b"x" * 1_000_000)
    mgr.add_file(session_id="anonymous", file=rec)
    assert mgr.get_files("anonymous", ["f1"]) == [] and mgr.get_stats() == {}
    gate.allow("analyst")
    mgr.add_file(session_id="analyst", file=rec)
    assert [f.name for f in mgr.get_files("analyst", ["f1"])] == ["a.csv"]
    gate.revoke("analyst", mgr)  # log-out drops what the session held
    assert mgr.get_files("analyst", ["f1"]) == [] and mgr.get_stats() == {}


def test_streamlit_upload_limit_equals_the_validators_limit() -> None:
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["server"]["maxUploadSize"] * 2**20 == Limits().max_bytes  # Streamlit counts MB as 2^20 bytes


@pytest.mark.parametrize("store", ["s3://bucket/prefix", ""])
def test_auth_mode_reads_gunma_store(monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    monkeypatch.setenv("GUNMA_STORE", store)
    mode = auth.auth_mode({"upload": {"password_hash": "scrypt$..."}})
    assert mode == ("password_refused" if store else "password")
