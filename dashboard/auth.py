"""Analyst login for the upload page: password hashes and attempt throttling (no Streamlit).

Browsing needs no login. Uploading needs one of:
- OIDC through `st.login` when an `[auth]` section is configured in secrets.toml;
- otherwise a password whose hash is in secrets.toml:

      [upload]
      password_hash = "scrypt$16384$8$1$<salt, base64>$<hash, base64>"

  made with `python -m dashboard hash-password`. Analysts type the password and their name (the
  name is recorded as the publisher). Per-person passwords are possible too:

      [upload.users]
      tanaka = "scrypt$..."

With OIDC, only the analysts listed in secrets.toml may upload (anyone else who signs in is refused):

      [upload]
      analysts = ["tanaka@pref.gunma.example", "@pref.gunma.example"]   # an address, or "@domain"

With neither, uploads are disabled and the page says how to enable them. When the snapshot store is
shared by several machines (GUNMA_STORE=s3://...), the password login is refused: its throttle lives
in one machine's SQLite file and cannot hold across machines, so OIDC is required there.

Failed password logins are throttled by `SharedThrottle`, one SQLite file shared by every worker
process on the machine (see its docstring for the policy).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # ~16 MB and ~50 ms per check: slows guessing, cheap for one login


def hash_password(password: str, *, salt: bytes | None = None, n: int = N, r: int = R, p: int = P) -> str:
    """'scrypt$N$r$p$salt$hash' (base64) for secrets.toml."""
    if not password:
        raise ValueError("empty password")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    b64 = base64.b64encode
    return f"{SCHEME}${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches the stored hash (constant-time compare; malformed hash: False)."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.strip().split("$")
        if scheme != SCHEME:
            return False
        salt, expected = base64.b64decode(salt_b64, validate=True), base64.b64decode(hash_b64, validate=True)
        n_, r_, p_ = int(n), int(r), int(p)
        if not (2 <= n_ <= 2**20 and 1 <= r_ <= 32 and 1 <= p_ <= 16 and expected):
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n_, r=r_, p=p_, dklen=len(expected),
                             maxmem=256 * 2**20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def shared_store(store_url: str | None = None) -> bool:
    """True when snapshots live in an object store shared by several machines ($GUNMA_STORE=s3://...)."""
    url = os.environ.get("GUNMA_STORE", "") if store_url is None else store_url
    return url.strip().lower().startswith("s3://")


def auth_mode(secrets: Mapping[str, Any], store_url: str | None = None) -> str:
    """'oidc' when [auth] is configured, 'password' when [upload] holds hashes, else 'disabled'.

    'password_refused' when only passwords are configured but the store is shared by several machines
    (store_url, default $GUNMA_STORE, starts with s3://): the throttle cannot hold across machines.
    """
    try:
        if secrets.get("auth"):
            return "oidc"
        up = secrets.get("upload", None)
    except Exception:  # a broken secrets file must not break the page
        return "disabled"
    if up and (up.get("password_hash") or up.get("users")):
        return "password_refused" if shared_store(store_url) else "password"
    return "disabled"


def analysts(secrets: Mapping[str, Any]) -> tuple[str, ...]:
    """The analysts allowed to upload after an OIDC sign-in: addresses and '@domain' entries, lower case."""
    try:
        raw = (secrets.get("upload", None) or {}).get("analysts") or ()
    except Exception:  # a broken secrets file allows nobody
        return ()
    if isinstance(raw, str):
        raw = [raw]
    return tuple(str(a).strip().lower() for a in raw if str(a).strip())


def is_analyst(user: Mapping[str, Any], allowed: tuple[str, ...]) -> bool:
    """True when a signed-in OIDC user's verified e-mail is listed, or its domain is ('@domain')."""
    email = str(user.get("email") or "").strip().lower()
    if not email or "@" not in email or user.get("email_verified") is False:
        return False
    domain = "@" + email.rsplit("@", 1)[1]
    return email in allowed or domain in allowed


def check_login(secrets: Mapping[str, Any], user: str, password: str) -> bool:
    """Check a password against [upload] users (per person) or the shared password_hash."""
    up = secrets.get("upload", {})
    users = up.get("users") or {}
    if user in users:
        return verify_password(password, str(users[user]))
    shared = up.get("password_hash")
    if shared:
        return verify_password(password, str(shared))
    verify_password(password, hash_password("x"))  # same cost whether or not the user exists
    return False


def client_of(ip_address: str | None, headers: Mapping[str, str]) -> str:
    """The client address for throttling.

    Streamlit reports no address (None) for loopback connections; behind the project's nginx every
    connection is loopback, so the address nginx appended last to X-Forwarded-For is used (a client can
    forge the earlier entries, not the last one). A direct client gets its own address.
    """
    if isinstance(ip_address, str) and ip_address:
        return ip_address
    fwd = next((str(v) for k, v in headers.items() if str(k).lower() == "x-forwarded-for"), "")
    last = fwd.split(",")[-1].strip()
    return last or "local"


def throttle_path() -> Path:
    """The throttle's SQLite file: $GUNMA_THROTTLE_DB, else auth/throttle.sqlite in the cache folder.

    The cache folder is local to the machine (also with an object store) and shared by its workers, and it
    keeps the data folder itself free of anything but published data. Deleting the file resets the counts.
    """
    from dashboard.config import cache_dir

    return Path(os.environ.get("GUNMA_THROTTLE_DB") or cache_dir() / "auth" / "throttle.sqlite")


@dataclass(frozen=True)
class Attempt:
    """A login attempt that the throttle allowed (already counted as a failure until `succeeded`)."""

    key: str
    token: str


class SharedThrottle:
    """Failed logins counted in one SQLite file shared by every worker process on the machine.

    Policy (README "Analyst login"):
    - per (user name, client) key: `free` failures are free; after that each attempt waits
      base·2^(k) seconds after the previous failure (2 s, 4 s, 8 s, ...), capped at `cap` (5 minutes).
      A key forgets its failures `forget` seconds after the last one, or when that key succeeds;
      someone else's success resets nothing.
    - a coarse global cap: at most `global_max` failures per `window` seconds on the whole machine;
      beyond it every attempt waits until the oldest failure leaves the window (at most `window`).
      Failures from one client therefore never lock out a user on another client for longer than that.

    `begin` checks and records in one `BEGIN IMMEDIATE` transaction: an attempt counts as a failure
    from the moment it is allowed, so N concurrent guesses (in any number of processes) use N counts.
    """

    def __init__(self, path: Path | str, *, free: int = 3, base: float = 2.0, cap: float = 300.0,
                 global_max: int = 30, window: float = 300.0, forget: float = 86_400.0) -> None:
        self.path = Path(path)
        self.free, self.base, self.cap = free, base, cap
        self.global_max, self.window, self.forget = global_max, window, forget
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._tx() as db:
            # SQLite here holds login state, not data: the DuckDB queries/ convention does not apply.
            db.execute("CREATE TABLE IF NOT EXISTS fails (key TEXT PRIMARY KEY, n INTEGER NOT NULL, "
                       "last REAL NOT NULL)")
            db.execute("CREATE TABLE IF NOT EXISTS recent (token TEXT PRIMARY KEY, at REAL NOT NULL)")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("BEGIN IMMEDIATE")  # the write lock first: check and record cannot interleave
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            db.close()

    @staticmethod
    def key(user: str, client: str) -> str:
        """The counter key of a user name typed from a client (case and spaces of the name ignored)."""
        return f"{' '.join(user.split()).casefold()}\x1f{client}"

    def _wait(self, db: sqlite3.Connection, key: str, now: float) -> float:
        row = db.execute("SELECT n, last FROM fails WHERE key = ?", (key,)).fetchone()
        mine = 0.0
        if row and now - row[1] < self.forget and row[0] >= self.free:
            mine = row[1] + min(self.cap, self.base * 2 ** (row[0] - self.free)) - now
        db.execute("DELETE FROM recent WHERE at <= ?", (now - self.window,))
        n_recent = db.execute("SELECT count(*) FROM recent").fetchone()[0]
        everyone = 0.0
        if n_recent >= self.global_max:
            oldest = db.execute("SELECT at FROM recent ORDER BY at LIMIT 1 OFFSET ?",
                                (n_recent - self.global_max,)).fetchone()[0]
            everyone = oldest + self.window - now
        return max(0.0, mine, everyone)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds before this key may try again (0 = now), without recording anything."""
        with self._tx() as db:
            return self._wait(db, key, time.time() if now is None else now)

    def begin(self, key: str, now: float | None = None) -> tuple[Attempt | None, float]:
        """Allow and count an attempt (Attempt, 0), or refuse it (None, seconds to wait)."""
        now = time.time() if now is None else now
        with self._tx() as db:
            wait = self._wait(db, key, now)
            if wait > 0:
                return None, wait
            row = db.execute("SELECT n, last FROM fails WHERE key = ?", (key,)).fetchone()
            n = row[0] if row and now - row[1] < self.forget else 0
            db.execute("INSERT OR REPLACE INTO fails (key, n, last) VALUES (?, ?, ?)", (key, n + 1, now))
            token = uuid.uuid4().hex
            db.execute("INSERT INTO recent (token, at) VALUES (?, ?)", (token, now))
            return Attempt(key, token), 0.0

    def succeeded(self, attempt: Attempt) -> None:
        """The attempt's password was right: clear its key and its own global record (no one else's)."""
        with self._tx() as db:
            db.execute("DELETE FROM fails WHERE key = ?", (attempt.key,))
            db.execute("DELETE FROM recent WHERE token = ?", (attempt.token,))

    def failures(self, key: str) -> int:
        """Failures currently counted for a key (for tests and the operator)."""
        with self._tx() as db:
            row = db.execute("SELECT n FROM fails WHERE key = ?", (key,)).fetchone()
            return int(row[0]) if row else 0


class UploadGate:
    """Keeps uploaded bytes only for sessions signed in as analysts.

    Streamlit 1.67 accepts a PUT to /_stcore/upload_file/<session>/<any file id> for every live session,
    uploader widget or not, and keeps the bytes in memory until the session ends. `install` wraps the
    server's uploaded-file manager so that files for any other session are dropped as the request ends
    (the PUT still answers 204: Streamlit gives no hook to refuse it). Sessions are added by the login.
    """

    def __init__(self) -> None:
        self._allowed: set[str] = set()
        self._lock = threading.Lock()

    def allow(self, session_id: str) -> None:
        """Let this session's uploads be kept (after an analyst login)."""
        with self._lock:
            self._allowed.add(session_id)

    def revoke(self, session_id: str, manager: Any = None) -> None:
        """Stop keeping this session's uploads (log-out) and drop those already held."""
        with self._lock:
            self._allowed.discard(session_id)
        if manager is not None:
            manager.remove_session_files(session_id)

    def allowed(self, session_id: str) -> bool:
        """True when the session signed in as an analyst in this process."""
        with self._lock:
            return session_id in self._allowed

    def install(self, manager: Any) -> None:
        """Wrap manager.add_file (once) so that only allowed sessions' files are kept."""
        if getattr(manager, "_gunma_gate", None) is self:
            return
        original = manager.add_file

        def add_file(session_id: str, file: Any) -> None:
            if self.allowed(session_id):
                original(session_id=session_id, file=file)

        manager.add_file = add_file
        manager._gunma_gate = self


GATE = UploadGate()  # one per server process, like Streamlit's uploaded-file manager
