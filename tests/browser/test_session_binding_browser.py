"""A stolen session id opens no analyst form: an analyst signs in in Chromium on the real server; another client
connects to Streamlit's websocket with that session's id (as someone who read it from a log would) and runs the
upload page. It gets no uploader and no withdraw form: a signed-in analyst's session cannot be resumed at all (the
thief gets a new session and the login form), and were it resumed, the binding says the login does not carry over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from dashboard.i18n import t
from tests.browser.conftest import server_with_accounts, settle

pytestmark = pytest.mark.browser

PASSWORD = "session binding password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with server_with_accounts(tmp_path_factory.mktemp("binding"), {"analyst": PASSWORD}) as url:
        yield url


def _forward(payload: Any) -> ForwardMsg | None:
    if not isinstance(payload, bytes):
        return None
    fm = ForwardMsg()
    try:
        fm.ParseFromString(payload)
    except Exception:
        return None
    return fm


def _run_as_thief(url: str, session_id: str) -> list[ForwardMsg]:
    """Connect with the session's id (no cookie of the analyst's browser) and run the upload page once."""
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/_stcore/stream", timeout=30,
                                     subprotocols=["streamlit", "no-token", session_id], origin=url)
    try:
        msg = BackMsg()
        msg.rerun_script.page_name = "upload"
        ws.send_binary(msg.SerializeToString())
        got: list[ForwardMsg] = []
        while True:
            fm = _forward(ws.recv())
            if fm is None:
                continue
            got.append(fm)
            if fm.WhichOneof("type") == "script_finished" and \
                    fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return got
    finally:
        ws.close()


def test_a_session_id_alone_grants_nothing(server: str, page: Any) -> None:
    ids: list[str] = []

    def watch(ws: Any) -> None:
        def frame(payload: Any) -> None:
            fm = _forward(payload)
            if fm is not None and fm.WhichOneof("type") == "new_session":
                ids.append(fm.new_session.initialize.session_id)
        ws.on("framereceived", frame)

    page.on("websocket", watch)
    page.goto(f"{server}/upload")
    settle(page)
    page.locator(".st-key-login_name input").fill("analyst")
    page.locator(".st-key-login_password input").fill(PASSWORD)
    page.locator("[data-testid='stFormSubmitButton'] button").click()
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached", timeout=20_000)
    assert ids, "no session id seen"
    got = _run_as_thief(server, ids[-1])
    kinds = [fm.delta.new_element.WhichOneof("type") for fm in got if fm.WhichOneof("type") == "delta"]
    texts = [fm.delta.new_element.alert.body for fm in got if fm.WhichOneof("type") == "delta"
             and fm.delta.new_element.WhichOneof("type") == "alert"]
    assert "file_uploader" not in kinds
    assert t("login_other_browser", "ja") in texts or t("ing_login_needed", "ja") in texts
