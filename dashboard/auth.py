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

With neither, uploads are disabled and the page says how to enable them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
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


def auth_mode(secrets: Mapping[str, Any]) -> str:
    """'oidc' when [auth] is configured, 'password' when [upload] holds hashes, else 'disabled'."""
    try:
        if secrets.get("auth"):
            return "oidc"
        up = secrets.get("upload", None)
    except Exception:  # a broken secrets file must not break the page
        return "disabled"
    if up and (up.get("password_hash") or up.get("users")):
        return "password"
    return "disabled"


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


@dataclass
class Throttle:
    """Failed attempts per key with a growing lock-out: after `free` failures, wait base·2^k seconds.

    Keep one per process (st.cache_resource) and key it both per session and globally, so opening
    new sessions does not reset the count.
    """

    free: int = 3
    base: float = 2.0
    cap: float = 300.0
    _fails: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds to wait before the next attempt for this key (0 = allowed now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            n, last = self._fails.get(key, (0, 0.0))
        if n < self.free:
            return 0.0
        delay = min(self.cap, self.base * 2 ** (n - self.free))
        return max(0.0, last + delay - now)

    def record(self, key: str, ok: bool, now: float | None = None) -> None:
        """Record an attempt: success clears the key, failure counts."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if ok:
                self._fails.pop(key, None)
            else:
                n, _ = self._fails.get(key, (0, 0.0))
                self._fails[key] = (n + 1, now)
