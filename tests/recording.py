"""Download recording for AppTest: the MediaFileManager AppTest creates per run, remembered so a test can
"click" a download button and read what the file holds (tests/test_share_downloads.py, test_share_deck.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import app_test as app_test_module

from dashboard.config import ROOT


class Recorder(MediaFileManager):
    """The MediaFileManager AppTest creates per run, remembered so the test can "click" downloads."""

    last: MediaFileManager | None = None

    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        Recorder.last = self


@pytest.fixture()
def app_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of data/ (without caches) served to the app, and download recording switched on."""
    dst = tmp_path / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv("GUNMA_DATA_DIR", str(dst))
    monkeypatch.setattr(app_test_module, "MediaFileManager", Recorder)
    yield dst
