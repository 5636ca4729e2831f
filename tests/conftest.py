"""Shared fixtures: a private copy of the bundled data for every test that writes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.config import ROOT

SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture()
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary copy of data/ (snapshots included, pre-aggregated values not), set as $GUNMA_DATA_DIR."""
    dst = tmp_path / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))  # caches are rebuilt per test
    monkeypatch.setenv("GUNMA_DATA_DIR", str(dst))
    yield dst


@pytest.fixture()
def empty_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty data folder (no snapshots), set as $GUNMA_DATA_DIR."""
    dst = tmp_path / "data"
    (dst / "snapshots").mkdir(parents=True)
    monkeypatch.setenv("GUNMA_DATA_DIR", str(dst))
    yield dst
