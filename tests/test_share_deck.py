"""AppTest: the deck is made on request with its progress shown (st.status), then offered for download;
the briefing's PDF and HTML buttons are there as soon as the popover opens, and the PDF is one A4 page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import export
from dashboard.config import ROOT
from tests.grids import bundled_id
from tests.po import po_text
from tests.recording import Recorder  # (its fixture app_data comes from tests/conftest.py)

APP = str(ROOT / "dashboard" / "app.py")
SAMPLE_SNAP = bundled_id(4)  # the newest bundled sample


@pytest.mark.browser  # the deck's charts are drawn by kaleido in Chromium
def test_deck_is_made_with_progress_then_offered(app_data: Path) -> None:
    from pptx import Presentation

    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in {"place": "10201", "year": "2024", "as_of": SAMPLE_SNAP, "lang": "ja"}.items():
        at.query_params[k] = v
    at.run()
    at.session_state["dl_reports"] = True  # the slides / briefing popover opened
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    keys = {b.proto.id.split("-", 2)[2]: b.proto.label for b in at.get("download_button")}
    assert keys.get("dl_briefing_pdf") == po_text("ja", "share_briefing_pdf") and "dl_briefing" in keys
    assert "dl_deck" not in keys  # nothing built before it is asked for
    # The briefing's PDF is made when its button is clicked (the deferred callable, outside the script run).
    pdf_btn = next(b for b in at.get("download_button") if b.proto.id.endswith("-dl_briefing_pdf"))
    assert Recorder.last is not None
    url = Recorder.last.execute_deferred(pdf_btn.proto.deferred_file_id)
    pdf = Recorder.last._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content  # type: ignore[attr-defined]
    assert pdf.startswith(b"%PDF-") and export.pdf_pages(pdf) == 1
    at.button(key="mk_deck").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # The build ran inside st.status, which ends saying the slides are ready.
    labels = [e.label for e in at.status]
    assert po_text("ja", "share_deck_ready") in labels, labels
    btn = next(b for b in at.get("download_button") if b.proto.id.endswith("-dl_deck"))
    assert btn.proto.label == po_text("ja", "share_deck")
    mgr = Recorder.last
    assert mgr is not None
    raw = mgr._storage.get_file(btn.proto.url.rsplit("/", 1)[-1].split(".")[0]).content  # type: ignore[attr-defined]
    prs = Presentation(io.BytesIO(raw))
    text = "\n".join(sh.text_frame.text for s in prs.slides for sh in s.shapes if sh.has_text_frame)
    assert "前橋市" in text and SAMPLE_SNAP in text and "目標ごとの判定" in text
