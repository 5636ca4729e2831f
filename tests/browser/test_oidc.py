"""End-to-end OIDC sign-in (st.login) against a real test provider (PyPI `oidc-provider-mock`, on a free
port in this process), with the app as a real `streamlit run` server and Debian Chromium.

The provider's authorization form takes a subject; the mock gives that subject as the user's e-mail.
An analyst listed in [upload] analysts gets the uploader and can log out; a signed-in user who is not
listed is refused with a clear message and gets no uploader.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from dashboard.config import ROOT
from tests.browser.conftest import _free_port, screenshot, settle

pytestmark = pytest.mark.browser

ANALYST = "analyst@example.org"


@pytest.fixture(scope="module")
def oidc_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The OIDC test provider and an app server configured for it; yields the app's base URL."""
    from oidc_provider_mock import run_server_in_thread

    base = tmp_path_factory.mktemp("oidc")
    data = base / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("cache"))
    with run_server_in_thread(port=_free_port()) as provider:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        secrets = base / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "{url}/oauth2callback"\n'
            'cookie_secret = "a test cookie secret that is long enough"\n'
            'client_id = "gunma-dashboard-test"\n'
            'client_secret = "test-client-secret"\n'
            f'server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"\n'
            "\n[upload]\n"
            f'analysts = ["{ANALYST}"]\n', encoding="utf-8")
        env = {**os.environ, "GUNMA_DATA_DIR": str(data), "PYTHONPATH": str(ROOT),
               "STREAMLIT_SECRETS_FILES": str(secrets)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _sign_in(page: object, url: str, subject: str) -> None:
    """Open the upload page, press ログイン, sign in at the provider as `subject`, come back to the page."""
    page.goto(f"{url}/upload")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_role("button", name="ログイン").click()  # type: ignore[attr-defined]
    page.wait_for_selector("input[name=sub]", timeout=30_000)  # type: ignore[attr-defined]
    page.fill("input[name=sub]", subject)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Authorize").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{url}/**", timeout=30_000)  # type: ignore[attr-defined]
    settle(page)
    page.goto(f"{url}/upload")  # type: ignore[attr-defined]
    settle(page)


def test_an_analyst_signs_in_sees_the_uploader_and_logs_out(oidc_app: str, page: object) -> None:
    _sign_in(page, oidc_app, ANALYST)
    page.get_by_text(f"ログイン中：{ANALYST}").wait_for(timeout=20_000)  # type: ignore[attr-defined]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached",  # type: ignore[attr-defined]
                                                                         timeout=20_000)
    settle(page)
    screenshot(page, "oidc-analyst-signed-in")
    page.reload()  # a reload keeps an OIDC login (Streamlit's signed identity cookie)  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text(f"ログイン中：{ANALYST}").wait_for(timeout=20_000)  # type: ignore[attr-defined]
    page.get_by_role("button", name="ログアウト").click()  # type: ignore[attr-defined]
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    page.goto(f"{oidc_app}/upload")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text("このページは分析担当者のログインが必要です。").wait_for(timeout=20_000)  # type: ignore[attr-defined]
    settle(page)
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0  # type: ignore[attr-defined]


def test_a_signed_in_user_who_is_not_an_analyst_is_refused(oidc_app: str, page: object) -> None:
    _sign_in(page, oidc_app, "visitor@example.com")
    page.get_by_text("分析担当者として登録されていないため、データ更新はできません",  # type: ignore[attr-defined]
                     exact=False).wait_for(timeout=20_000)
    page.get_by_text("ログイン中：visitor@example.com").wait_for(timeout=5_000)  # type: ignore[attr-defined]
    settle(page)
    assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0  # type: ignore[attr-defined]
    assert page.get_by_role("button", name="ログアウト").count() == 1  # type: ignore[attr-defined]
    screenshot(page, "oidc-not-an-analyst")
