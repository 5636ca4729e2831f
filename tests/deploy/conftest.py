"""The `deploy` tests: the real image, built with podman from the Dockerfile (scripts/image.py: project-local
containers.conf through CONTAINERS_CONF, storage in the user's cache folder), run alone and as compose.yaml's
stack. The first build on a machine makes the base image with debootstrap; later runs reuse the cached base
and layers. Skipped (with the reason) only where podman is not installed."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts import image

needs_podman = pytest.mark.skipif(shutil.which("podman") is None,
                                  reason="podman is not installed (`make system-deps` installs it)")


def podman(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], env=image.podman_env(), check=check, text=True, capture_output=True,
                          timeout=timeout)


@pytest.fixture(scope="session")
def app_image() -> Iterator[str]:
    """The app image, built once per run (a lock keeps two xdist workers from building at once)."""
    lock = image.cache_dir() / "build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")  # shared by the xdist workers of one run
    built = image.cache_dir() / f"built-{run}" if run else None
    with lock.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        if built is not None and built.exists():  # another worker of this run built it already
            yield f"{image.IMAGE}:{image.TAG}"
            return
        t0 = time.monotonic()
        name = image.build(target="app", timeout=3000)
        image.build(target="s3", timeout=3000)
        print(f"\nimage build (app and s3 stages): {time.monotonic() - t0:.0f} s")
        for old in image.cache_dir().glob("built-*"):
            old.unlink()
        if built is not None:
            built.touch()
    yield name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return int(r.status), dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return int(e.code), dict(e.headers), e.read()
    except OSError:
        return 0, {}, b""


def wait_for(check: Any, timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def shared_copy(src: Path, dst: Path) -> Path:
    """A copy that the image's unprivileged user (uid 10001) can read."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("cache"))
    for d, _, files in os.walk(dst):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    dst.parent.chmod(0o755)
    return dst
