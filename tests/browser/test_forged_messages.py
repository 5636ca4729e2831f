"""Forged rerun messages are harmless: widget ids the app never generated are ignored, the page still draws."""

from __future__ import annotations

import pytest
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg

from bench.flood import forged_message as _forged
from bench.flood import ws_run as _run
from dashboard.ui.forged import keep_generated_ids

pytestmark = pytest.mark.browser


def test_keep_generated_ids_drops_only_ids_streamlit_never_makes() -> None:
    states = _forged(0).rerun_script.widget_states
    assert keep_generated_ids(states) == 1
    assert [w.id for w in states.widgets] == ["$$ID-0123456789abcdef-flt_place", "$$ID-ff-None"]
    assert keep_generated_ids(None) == 0


def test_forged_widget_ids_leave_no_error_and_the_page_draws(server: str) -> None:
    ws = websocket.create_connection(server.replace("http://", "ws://") + "/_stcore/stream", timeout=60,
                                     subprotocols=["streamlit"], origin=server)
    try:
        first = BackMsg()
        first.rerun_script.page_name = ""
        _run(ws, first)  # the app's first run in this process installs the guard
        for i in range(20):
            got = _run(ws, _forged(i))
            elements = [m.delta.new_element for m in got if m.WhichOneof("type") == "delta"
                        and m.delta.WhichOneof("type") == "new_element"]
            assert not [e for e in elements if e.WhichOneof("type") == "exception"], i
            assert any(e.WhichOneof("type") == "heading" for e in elements), i  # the overview's title, not an error box
    finally:
        ws.close()
