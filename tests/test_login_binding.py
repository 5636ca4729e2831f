"""A session id is not a login: a password login is bound to the browser that made it (a hash of the XSRF
token its cookie carries), and a connection that reuses the session's id from elsewhere inherits nothing.
The page through AppTest, the connection's cookie stood in for by `_binding`."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth
from dashboard.config import ROOT
from dashboard.i18n import t
from dashboard.ingest import text

PAGE = str(ROOT / "pages" / "upload.py")
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.usefixtures("fresh_caches")


def test_a_reused_session_id_opens_no_analyst_form(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.ui import upload

    browser = {"binding": auth.session_binding(b"the analyst's browser")}
    monkeypatch.setattr(upload, "_binding", lambda: browser["binding"])
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["upload"] = {"users": {"tanaka": auth.hash_password(PASSWORD, n=2**12)}}
    at.run()
    at.text_input(key="login_name").input("tanaka")
    at.text_input(key="login_password").input(PASSWORD)
    next(b for b in at.button if b.label == text("login")).click().run()
    assert not at.exception
    assert at.session_state[upload.WHO] == "tanaka" and len(at.get("file_uploader")) == 1
    # The same session, now driven from a connection without the analyst's cookie.
    browser["binding"] = auth.session_binding(b"someone else")
    at.run()
    assert upload.WHO not in at.session_state
    assert len(at.get("file_uploader")) == 0 and not [b for b in at.button if b.label == text("logout")]
    assert t("login_other_browser", "ja") in [e.value for e in at.error]


def test_the_binding_is_a_hash_of_the_browsers_secret() -> None:
    a, b = auth.session_binding(b"x" * 32), auth.session_binding(b"y" * 32)
    assert a != b and len(a) == 64 and b"x".hex() not in a
    assert auth.session_binding(None) == "" and auth.same_browser(a, a) and not auth.same_browser(a, b)


def test_the_server_log_never_carries_a_session_id() -> None:
    import io
    import logging

    log = logging.getLogger("test.redact")
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    log.addHandler(handler)
    try:
        auth.redact_session_ids(log)
        auth.redact_session_ids(log)  # once only
        log.warning("Session with id %s is already connected!", "0f8c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b")
        assert "0f8c1a2b" not in buf.getvalue() and "<session>" in buf.getvalue()
        assert len(handler.filters) == 1
    finally:
        log.removeHandler(handler)
