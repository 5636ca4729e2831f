"""Analyst login for the upload page: password hashes and attempt throttling (no Streamlit).

Browsing needs no login. Uploading needs one of:
- OIDC through `st.login` when an `[auth]` section is configured in secrets.toml;
- otherwise a per-person account: a name and its own password hash in secrets.toml,

      [upload.users]
      tanaka = "scrypt$16384$8$1$<salt, base64>$<hash, base64>"

  made with `python -m dashboard hash-password`. Analysts type their name and password (the name is
  recorded as the publisher). One shared password for everyone (the older `password_hash`) is refused:
  with it a typed name meant nothing, and guesses under ever new names could lock the analysts out.

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
import functools
import hashlib
import hmac
import logging
import os
import re
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
    """'oidc' when [auth] is configured, 'password' when [upload.users] holds per-person accounts, else
    'disabled'; 'shared_password_refused' when only the old shared password_hash is configured.

    'password_refused' when only passwords are configured but the store is shared by several machines
    (store_url, default $GUNMA_STORE, starts with s3://): the throttle cannot hold across machines.
    """
    try:
        if secrets.get("auth"):
            return "oidc"
        up = secrets.get("upload", None)
    except Exception:  # a broken secrets file must not break the page
        return "disabled"
    if up and up.get("users"):
        return "password_refused" if shared_store(store_url) else "password"
    if up and up.get("password_hash"):
        return "shared_password_refused"  # one password for everyone: a typed name would mean nothing
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


def accounts(secrets: Mapping[str, Any]) -> dict[str, str]:
    """The analysts' accounts: name (case and spaces ignored) -> password hash, from [upload.users]."""
    try:
        users = (secrets.get("upload", None) or {}).get("users") or {}
        return {account_key(str(k)): str(v) for k, v in dict(users).items() if str(k).strip()}
    except Exception:  # a broken secrets file: no account
        return {}


def account_key(name: str) -> str:
    """The account a typed name means (case and runs of spaces ignored)."""
    return " ".join(name.split()).casefold()


def check_login(secrets: Mapping[str, Any], user: str, password: str) -> bool:
    """Check a password against the typed name's own account ([upload.users]); an unknown name never matches,
    at the same cost as a known one (no timing tells which names exist)."""
    stored = accounts(secrets).get(account_key(user))
    if stored is None:
        verify_password(password, _dummy())
        return False
    return verify_password(password, stored)


@functools.cache
def _dummy() -> str:
    """A hash to check an unknown name against (made once, on the first login)."""
    return hash_password("not an account", salt=b"\0" * 16)


def client_of(ip_address: str | None, headers: Mapping[str, str], header: str | None = None,
              hops: int | None = None) -> str:
    """The client address for throttling.

    A direct client gets its own address. Behind proxies (Streamlit reports no address, None, for loopback
    connections, and every connection through the project's nginx is loopback) the address comes from the
    trusted proxy header, $GUNMA_CLIENT_HEADER (default X-Forwarded-For): the entry `hops` from the right
    ($GUNMA_PROXY_HOPS, default 1: the address our own nginx saw). With one more proxy in front of nginx,
    set 2: every client would otherwise share that proxy's address. A client can forge the entries left of
    the ones the trusted proxies appended, never those.
    """
    if isinstance(ip_address, str) and ip_address:
        return ip_address
    name = (header or os.environ.get("GUNMA_CLIENT_HEADER") or "X-Forwarded-For").lower()
    n = hops if hops is not None else int(os.environ.get("GUNMA_PROXY_HOPS") or 1)
    raw = next((str(v) for k, v in headers.items() if str(k).lower() == name), "")
    entries = [e.strip() for e in raw.split(",") if e.strip()]
    return entries[-n] if len(entries) >= n > 0 else (entries[0] if entries else "local")


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

    client: str
    account: str | None
    token: str


class SharedThrottle:
    """Failed logins counted in one SQLite file shared by every worker process on the machine.

    Policy (README "Analyst login"), so that an attacker cannot turn it against the analyst:
    - per client: `free` failures are free; after that each attempt waits base·2^(k) seconds after the
      client's previous failure (2 s, 4 s, 8 s, ...), capped at `cap`. Rotating typed names changes nothing:
      the count is the client's.
    - per known account: failures against it from every client are counted too, and a client that has failed
      recently itself waits for the account's delay as well (many addresses guessing one account are slowed
      together). A client with no recent failure is never delayed: the analyst's correct password from their
      own machine always gets in, whatever others are doing.
    - a name that is no account is counted against its client only: it never uses up a known account's budget.
    - counts are forgotten `forget` seconds after the last failure; a success clears its client's count and
      takes back its own count on the account (nobody else's).

    `begin` checks and records in one `BEGIN IMMEDIATE` transaction: an attempt counts as a failure from the
    moment it is allowed, so N concurrent guesses (in any number of processes) use N counts.
    """

    def __init__(self, path: Path | str, *, free: int = 3, base: float = 2.0, cap: float = 300.0,
                 forget: float = 3_600.0) -> None:
        self.path = Path(path)
        self.free, self.base, self.cap, self.forget = free, base, cap, forget
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._tx() as db:
            # SQLite here holds login state, not data: the DuckDB queries/ convention does not apply.
            db.execute("CREATE TABLE IF NOT EXISTS fails (key TEXT PRIMARY KEY, n INTEGER NOT NULL, "
                       "last REAL NOT NULL)")

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

    def _count(self, db: sqlite3.Connection, key: str, now: float) -> tuple[int, float]:
        row = db.execute("SELECT n, last FROM fails WHERE key = ?", (key,)).fetchone()
        return (int(row[0]), float(row[1])) if row and now - row[1] < self.forget else (0, 0.0)

    def _delay(self, n: int, last: float, now: float) -> float:
        return last + min(self.cap, self.base * 2 ** (n - self.free)) - now if n >= self.free else 0.0

    def _wait(self, db: sqlite3.Connection, client: str, account: str | None, now: float) -> float:
        n, last = self._count(db, "c\x1f" + client, now)
        if n == 0:
            return 0.0  # a clean client is never delayed
        mine = self._delay(n, last, now)
        theirs = self._delay(*self._count(db, "a\x1f" + account, now), now) if account else 0.0
        return max(0.0, mine, theirs)

    def wait(self, client: str, account: str | None = None, now: float | None = None) -> float:
        """Seconds before this client may try this account again (0 = now), without recording anything."""
        with self._tx() as db:
            return self._wait(db, client, account, time.time() if now is None else now)

    def begin(self, client: str, account: str | None, now: float | None = None) -> tuple[Attempt | None, float]:
        """Allow and count an attempt from `client` at `account` (a known account's key, or None for a name
        that is no account): (Attempt, 0), or refuse it (None, seconds to wait)."""
        now = time.time() if now is None else now
        with self._tx() as db:
            wait = self._wait(db, client, account, now)
            if wait > 0:
                return None, wait
            for key in ["c\x1f" + client] + (["a\x1f" + account] if account else []):
                n, _ = self._count(db, key, now)
                db.execute("INSERT OR REPLACE INTO fails (key, n, last) VALUES (?, ?, ?)", (key, n + 1, now))
            return Attempt(client, account, uuid.uuid4().hex), 0.0

    def succeeded(self, attempt: Attempt) -> None:
        """The attempt's password was right: clear its client's count and take back its own account count."""
        with self._tx() as db:
            db.execute("DELETE FROM fails WHERE key = ?", ("c\x1f" + attempt.client,))
            if attempt.account:
                db.execute("UPDATE fails SET n = max(0, n - 1) WHERE key = ?", ("a\x1f" + attempt.account,))

    def failures(self, client: str | None = None, account: str | None = None, now: float | None = None) -> int:
        """Failures currently counted for a client or an account (for tests and the operator)."""
        key = "c\x1f" + client if client is not None else "a\x1f" + str(account)
        with self._tx() as db:
            return self._count(db, key, time.time() if now is None else now)[0]


def session_binding(browser_secret: bytes | None) -> str:
    """What ties a password login to the browser that made it: a hash of a secret that browser holds in a
    cookie and sends with every websocket (Streamlit's XSRF token), "" when there is none. A client that
    reconnects with a logged-in session's id but without that browser's cookie gets another binding."""
    return hashlib.sha256(browser_secret).hexdigest() if browser_secret else ""


def same_browser(stored: str, current: str) -> bool:
    """Whether this run's connection comes from the browser the login was made in (constant-time)."""
    return hmac.compare_digest(stored.encode(), current.encode())


_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class RedactSessionIds(logging.Filter):
    """Writes "<session>" for anything shaped like a session id in a log record: a log line is no way in."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message (always kept)."""
        msg = record.getMessage()
        if _SESSION_ID.search(msg):
            record.msg, record.args = _SESSION_ID.sub("<session>", msg), ()
        return True


def redact_session_ids(logger: logging.Logger) -> None:
    """Install the redacting filter on the logger's handlers (once; Streamlit logs session ids in warnings such
    as "Session with id … is already connected")."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactSessionIds) for f in handler.filters):
            handler.addFilter(RedactSessionIds())


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
