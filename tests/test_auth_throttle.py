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


def _hammer(path: str, pairs: list[tuple[str, str | None]], tries: int, barrier: object, out: object,
            kw: dict[str, float]) -> None:
    """One worker process: as many attempts as it can, as fast as it can; report how many were allowed."""
    th = auth.SharedThrottle(path, **kw)  # type: ignore[arg-type]
    barrier.wait()  # type: ignore[attr-defined]
    allowed = 0
    for i in range(tries):
        attempt, _ = th.begin(*pairs[i % len(pairs)])
        allowed += attempt is not None
    out.put(allowed)  # type: ignore[attr-defined]


def _run_workers(path: Path, pairs_per_worker: list[list[tuple[str, str | None]]], tries: int,
                 **kw: float) -> list[int]:
    ctx = mp.get_context("fork")  # the children only use sqlite3 and dashboard.auth
    barrier, out = ctx.Barrier(len(pairs_per_worker)), ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(str(path), pairs, tries, barrier, out, kw))
             for pairs in pairs_per_worker]
    for p in procs:
        p.start()
    got = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return got


def test_workers_share_one_count_so_n_workers_do_not_get_n_times_the_guesses(tmp_path: Path) -> None:
    db = tmp_path / "throttle.sqlite"
    # After 3 free failures the next try waits 100 s: whatever the number of workers, 3 guesses in all.
    got = _run_workers(db, [[("203.0.113.7", "tanaka")]] * WORKERS, tries=25, free=3, base=100.0)
    assert sum(got) == 3, got
    th = auth.SharedThrottle(db, free=3, base=100.0)
    assert th.failures(client="203.0.113.7") == 3 and th.failures(account="tanaka") == 3
    assert th.wait("203.0.113.7", "tanaka") > 90


def test_rotating_names_from_one_client_gets_no_more_guesses(tmp_path: Path) -> None:
    """The issue's attack: each new typed name used to get its free failures (30 guesses in 21 s)."""
    db = tmp_path / "throttle.sqlite"
    names = [[("198.51.100.9", None)] * 40]  # 40 different names that are no account: counted per client
    got = _run_workers(db, names * WORKERS, tries=40, free=3, base=100.0)
    assert sum(got) == 3, got


def test_delays_escalate_to_five_minutes_and_forgotten_after_an_hour(tmp_path: Path) -> None:
    th = auth.SharedThrottle(tmp_path / "t.sqlite")  # the defaults: the policy the README states
    now = 1_000_000.0
    waits = []
    for _ in range(14):
        attempt, wait = th.begin("x", None, now=now)
        if attempt is None:
            now += wait  # come back exactly when allowed
            attempt, wait = th.begin("x", None, now=now)
        assert attempt is not None and wait == 0
        waits.append(th.wait("x", now=now))
    assert waits[:2] == [0, 0]  # three free tries
    assert waits[2:6] == [2, 4, 8, 16]  # then doubling
    assert max(waits) == 300 and waits[-1] == 300  # capped at 5 minutes
    assert th.wait("x", now=now + 3_600 + 1) == 0  # forgotten an hour after the last failure


def test_an_attacker_never_locks_the_analyst_out(tmp_path: Path) -> None:
    """Rotating names, guessing the analyst's own account from many addresses, for minutes: the analyst's
    correct login from a clean client succeeds every time."""
    th = auth.SharedThrottle(tmp_path / "t.sqlite")
    secrets = {"upload": {"users": {"tanaka": auth.hash_password("right-password", n=2**12)}}}
    now = 10_000.0
    for minute in range(5):
        for i in range(30):  # 30 wrong guesses a minute: other names, and the analyst's account itself
            account = "tanaka" if i % 2 else None
            attempt, _ = th.begin(f"198.51.100.{i % 7}", account, now=now + minute * 60 + i)
            if attempt is not None:
                assert not auth.check_login(secrets, "tanaka" if account else f"x{i}", "guess")
        assert th.failures(account="tanaka", now=now + minute * 60 + 59) > 0
        attempt, wait = th.begin("10.1.2.3", "tanaka", now=now + minute * 60 + 59)
        assert attempt is not None and wait == 0, minute
        assert auth.check_login(secrets, "Tanaka ", "right-password")  # the account's name as typed
        th.succeeded(attempt)
    # A failing attacker address also waits for the account's delay, not only its own.
    assert th.wait("198.51.100.1", "tanaka", now=now + 5 * 60) > 0


def test_a_name_that_is_no_account_never_uses_an_accounts_budget(tmp_path: Path) -> None:
    th = auth.SharedThrottle(tmp_path / "t.sqlite")
    for i in range(20):
        th.begin(f"192.0.2.{i}", None, now=100.0)
    assert th.failures(account="tanaka", now=100.0) == 0
    secrets = {"upload": {"users": {"tanaka": auth.hash_password("pw", n=2**12)}}}
    assert not auth.check_login(secrets, "nobody", "pw")  # an unknown name never matches any account's password
    assert auth.accounts(secrets) == {"tanaka": secrets["upload"]["users"]["tanaka"]}


def test_client_address_is_the_one_the_trusted_proxy_saw() -> None:
    assert auth.client_of("203.0.113.5", {"X-Forwarded-For": "1.2.3.4"}) == "203.0.113.5"  # direct client
    # Behind nginx (loopback: Streamlit reports None) the last X-Forwarded-For entry is nginx's own view;
    # entries a client sends itself come first and are ignored.
    assert auth.client_of(None, {"X-Forwarded-For": "6.6.6.6, 198.51.100.2"}) == "198.51.100.2"
    assert auth.client_of(None, {"x-forwarded-for": "198.51.100.2"}) == "198.51.100.2"
    assert auth.client_of(None, {}) == "local"
    # One more proxy in front of nginx: the entry before it is the client's.
    assert auth.client_of(None, {"X-Forwarded-For": "6.6.6.6, 198.51.100.2, 10.0.0.5"}, hops=2) == "198.51.100.2"
    assert auth.client_of(None, {"X-Real-IP": "198.51.100.3"}, header="X-Real-IP") == "198.51.100.3"


def test_password_login_is_refused_when_the_store_is_shared_by_several_machines() -> None:
    h = auth.hash_password("pw", n=2**12)
    up = {"upload": {"users": {"tanaka": h}}}
    assert auth.auth_mode(up, store_url="s3://snapshots-prod/gunma") == "password_refused"
    assert auth.auth_mode(up, store_url="S3://b/x") == "password_refused"
    assert auth.auth_mode(up, store_url="") == "password"
    assert auth.auth_mode({"auth": {"client_id": "x"}, **up}, store_url="s3://b/x") == "oidc"
    assert auth.auth_mode({}, store_url="s3://b/x") == "disabled"
    # One shared password for everyone is refused: a typed name would mean nothing.
    assert auth.auth_mode({"upload": {"password_hash": h}}, store_url="") == "shared_password_refused"


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
    mode = auth.auth_mode({"upload": {"users": {"tanaka": "scrypt$..."}}})
    assert mode == ("password_refused" if store else "password")
