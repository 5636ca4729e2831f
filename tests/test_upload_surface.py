"""Anonymous sessions cannot make the server hold upload bytes.

Streamlit 1.67 accepts a PUT to /_stcore/upload_file/<session>/<any id> for every live session (with the
XSRF cookie and header any page visitor has), whether or not the page shows an uploader, and keeps the
bytes in memory while the session lives. Here a real `streamlit run` server with uploads disabled (no
secrets) gets several large PUTs for a live anonymous session; Streamlit's own metrics must show that
its uploaded-file manager holds nothing, and the server's resident memory is printed before and after.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from dashboard.config import ROOT
from dashboard.validate import Limits
from tests.browser.conftest import start_server

PUTS = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A server with uploads disabled (no secrets) over a private data copy: (URL, pid)."""
    base = tmp_path_factory.mktemp("surface")
    shutil.copytree(ROOT / "data", base / "data", ignore=shutil.ignore_patterns("cache"))
    empty = base / "secrets.toml"
    empty.write_text("", encoding="utf-8")
    proc, url = start_server(base / "data", {"STREAMLIT_SECRETS_FILES": str(empty)})
    try:
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _session(url: str) -> tuple[websocket.WebSocket, str]:
    """Open a session on the upload page as a browser does; (websocket, session id)."""
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/_stcore/stream", timeout=60,
                                     subprotocols=["streamlit"], origin=url)
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = "upload"
    ws.send_binary(msg.SerializeToString())
    session = ""
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(ws.recv())
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            session = fm.new_session.initialize.session_id
        if kind == "script_finished":
            return ws, session


def _put(url: str, session: str, xsrf: str, size: int) -> int:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"{url}/_stcore/upload_file/{session}/{uuid.uuid4()}", data=body, method="PUT",
                                 headers={"Cookie": f"_streamlit_xsrf={xsrf}", "X-Xsrftoken": xsrf,
                                          "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except (urllib.error.URLError, ConnectionResetError, BrokenPipeError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, (ConnectionResetError, BrokenPipeError)):
            return 413  # refused (413) and the connection closed before the whole body was sent
        raise


def _held_upload_bytes(url: str) -> int:
    """Bytes Streamlit's uploaded-file manager reports holding (its own /_stcore/metrics)."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=30) as r:
        text = r.read().decode()
    return sum(int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines()
               if "UploadedFileManager" in line and not line.startswith("#"))


def test_anonymous_puts_hold_no_bytes_when_uploads_are_disabled(server: tuple[str, int]) -> None:
    url, pid = server
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as r:
        jar: SimpleCookie = SimpleCookie()
        for h in r.headers.get_all("Set-Cookie") or []:
            jar.load(h)
    xsrf = jar["_streamlit_xsrf"].value
    ws, session = _session(url)
    try:
        assert session
        before = _rss_mb(pid)
        size = Limits().max_bytes - 64 * 1024  # just under the limit Streamlit and the validator share
        codes = [_put(url, session, xsrf, size) for _ in range(PUTS)]
        after = _rss_mb(pid)
        held = _held_upload_bytes(url)
        print(f"\n{PUTS} anonymous PUTs of {size / 2**20:.1f} MB: status {codes}; server RSS {before:.0f} → "
              f"{after:.0f} MB (+{after - before:.0f}); Streamlit's uploaded-file manager holds {held} bytes")
        assert all(c in (204, 400, 403, 413) for c in codes), codes  # accepted-and-dropped, or refused
        assert held == 0
        assert _put(url, session, xsrf, Limits().max_bytes + 1) == 413  # over the shared limit: refused outright
    finally:
        ws.close()
