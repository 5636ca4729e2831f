"""Browser fixtures: the real `streamlit run` server and headless Debian Chromium (Playwright).

`server` serves the app over a temporary copy of data/ on a free port; `page` is a fresh
browser page. Screenshots go to tests/artifacts/ (not committed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.config import ROOT
from dashboard.registry import DEFAULT_PAGE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None,
                 app: Path = ROOT / "dashboard" / "app.py") -> tuple[subprocess.Popen[bytes], str]:
    """Start `streamlit run app` (the dashboard unless told) over data_dir; return (process, base URL)."""
    port = _free_port()
    env = {**os.environ, "GUNMA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app),
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit server did not start within 60 s")


@contextlib.contextmanager
def server_with_accounts(base: Path, accounts: dict[str, str]) -> Iterator[str]:
    """A real server over a private copy of data/ under `base`, with analyst accounts (name -> password) in a
    temporary secrets.toml (Streamlit's secrets.files option); its base URL, stopped afterwards."""
    from dashboard.auth import hash_password

    shutil.copytree(ROOT / "data", base / "data")
    secrets = base / "secrets.toml"
    secrets.write_text("[upload.users]\n" + "".join(f'"{n}" = "{hash_password(p, n=2**12)}"\n'
                                                    for n, p in accounts.items()), encoding="utf-8")
    proc, url = start_server(base / "data", {"STREAMLIT_SECRETS_FILES": str(secrets)})
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine (the full suite on 2 cores) can be slower
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real server over a private copy of the bundled data."""
    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(ROOT / "data", data)
    proc, url = start_server(data)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    # A fixture runs synchronously, so no asyncio loop can really be running in this thread; one full run saw
    # a worker whose earlier test had left a loop marked as running here, and Playwright's sync API then
    # refused to start. Clear that stale mark (thread-local) rather than fail every browser test after it.
    if asyncio._get_running_loop() is not None:
        asyncio.events._set_running_loop(None)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    """A fresh page at 1280×720 (the projector size)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ja-JP")  # type: ignore[attr-defined]
    pg = ctx.new_page()
    yield pg
    ctx.close()


def settle(page: object, timeout: float = 45_000) -> None:
    """Wait until Streamlit is connected and the script has finished running (generous: CI shares 2 cores)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",  # type: ignore[attr-defined]
                           state="attached", timeout=timeout)
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",  # type: ignore[attr-defined]
                           state="attached", timeout=timeout)


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ for review."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def charts_drawn(page: object, timeout: float = 45_000) -> int:
    """Wait until Plotly has drawn every chart of the run (it draws after the script ends); return how many."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => {"
        " const g = c.querySelector('.js-plotly-plot'); return g && g.data && g.data.length > 0; })",
        timeout=timeout)
    return int(page.locator("[data-testid='stPlotlyChart']").count())  # type: ignore[attr-defined]


def page_url(base: str, name: str, **params: str) -> str:
    """URL of a registry page (the default page is served at "/") with query parameters."""
    path = "" if name == DEFAULT_PAGE else name
    return f"{base}/{path}?" + "&".join(f"{k}={v}" for k, v in params.items())
