"""Smoke run of the websocket load client against a real server (tiny sizes, no timed assertions)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench import load
from dashboard.config import ROOT
from tests.browser.conftest import start_server


def test_burst_and_paced_sessions_all_finish_without_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("cache"))
    proc, url = start_server(data)
    try:
        burst = load.run_round(url, proc.pid, 3, timeout=120)
        assert burst.errors == 0, burst.error_kinds
        assert len(burst.first_ms) == len(burst.change_ms) == 3
        paced = load.run_paced(url, proc.pid, 4, ramp_s=0.5, think_s=(0.1, 0.2), timeout=120)
        assert paced.errors == 0, paced.error_kinds
        assert len(paced.first_ms) == 4 and len(paced.change_ms) == 8
        assert paced.peak_connected == 4  # everyone stays connected until the last one is done
        assert paced.rss_peak_mb >= paced.rss_before_mb > 0 and paced.client_cpu_s > 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
