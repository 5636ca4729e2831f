"""A data folder that is missing, a file, unreadable or without snapshots/: every page says which folder
and what to do (Japanese and English), and the CLI exits non-zero with that sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.config import ROOT, data_folder_problem
from dashboard.i18n import t
from tests.apptest_pages import names, switch

APP = str(ROOT / "dashboard" / "app.py")
PAGES = names(upload=True)  # from the page registry


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("title", "error", "text", "markdown", "warning", "info")
                     for e in at.get(kind))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_names_the_missing_folder_and_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             lang: str) -> None:
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("GUNMA_DATA_DIR", str(missing))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    for name in PAGES:
        if name != "overview":
            switch(at, name).run()
        assert not at.exception, name
        body = _texts(at)
        assert t("data_missing", lang, path=missing) in body, name
        assert str(missing) in body and "GUNMA_DATA_DIR" in body
        assert t("no_data", lang) not in body and "none" not in body.lower().split()
        assert len(at.get("file_uploader")) == 0 and len(at.get("plotly_chart")) == 0
    assert not missing.exists()  # nothing was created on the way


def test_a_file_or_a_folder_without_snapshots_is_named_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a_file = tmp_path / "data.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("GUNMA_DATA_DIR", str(a_file))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and t("data_not_folder", "ja", path=a_file) in _texts(at)
    monkeypatch.setenv("GUNMA_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and t("data_no_snapshots", "ja", path=tmp_path) in _texts(at)


def test_problem_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert data_folder_problem(ROOT / "data") is None
    assert data_folder_problem(tmp_path / "x") == "missing"
    (tmp_path / "snapshots").mkdir()
    assert data_folder_problem(tmp_path) is None  # an empty store is fine
    real_scandir = os.scandir

    def refuse(path: object) -> object:
        if Path(str(path)) == tmp_path / "snapshots":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "scandir", refuse)  # (tests run as root: chmod cannot make a folder unreadable)
    assert data_folder_problem(tmp_path) == "unreadable"
    monkeypatch.setenv("GUNMA_STORE", "s3://snapshots-test/x")  # snapshots in an object store: no local check
    monkeypatch.setenv("GUNMA_DATA_DIR", str(tmp_path / "x"))
    assert data_folder_problem() is None


@pytest.mark.parametrize(("args", "lang"), [(["progress"], "ja"), (["check", "x.csv", "--lang", "en"], "en")])
def test_cli_exits_non_zero_with_a_sentence(tmp_path: Path, args: list[str], lang: str) -> None:
    missing = tmp_path / "nowhere"
    env = {**os.environ, "GUNMA_DATA_DIR": str(missing), "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "dashboard", *args], env=env, capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""  # no empty table
    assert r.stderr.strip() == t("data_missing", lang, path=missing)
    assert "Traceback" not in r.stderr
