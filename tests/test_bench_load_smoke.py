"""Smoke run of the websocket load client and of the floor comparison against real servers (tiny sizes, no
timed assertions): the figures `make bench` sets beside Streamlit's floor keep being produced."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import floor, load, run
from dashboard.config import ROOT
from tests.browser.conftest import start_server


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the bundled data (no pre-aggregated cache)."""
    dst = tmp_path_factory.mktemp("load") / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))
    return dst


def test_burst_and_paced_sessions_all_finish_without_errors(data: Path) -> None:
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


def test_every_page_figure_has_the_floor_beside_it(data: Path) -> None:
    """The floor app and the dashboard side by side: CPU per run and a burst with each session its own places,
    then the results table. The floor runs in `make serve`'s set-up (here one worker): bench/floor.py starts
    scripts/serve.py with the floor app in place of the dashboard."""
    places = floor.PLACES[:4]
    with floor.server(floor.DASHBOARD_APP, data) as app, floor.cluster(floor.FLOOR_APP, data, 1) as c_floor:
        fl = (c_floor.url, c_floor.pids[0])
        # Both apps answer a place from the URL: a session that changes place sees the new place on screen.
        for url, pid in (app, fl):
            r = load.run_round(url, pid, 2, places=places, timeout=120)
            assert r.errors == 0 and len(r.change_ms) == 2, r.error_kinds
        figs = floor.cpu_per_run(app, fl, ["overview"], places, passes=1)
        figs += floor.bursts(app, fl, ["area1"], (3,), places)
        figs += floor.bursts(app, (c_floor.url, c_floor.pids), ["overview"], (2,), places, setup="1 worker",
                             target_n=2)
    assert [f.name for f in figs] == ["overview: server CPU per run", "area1: 1 process, burst of 3 sessions, p95",
                                      "overview: 1 worker, burst of 2 sessions, p95"]
    cpu, burst, cluster = figs
    assert cpu.value and cpu.value > 0 and cpu.extra["floor"] is not None and "errors 0" in cpu.note
    for f in (burst, cluster):
        assert f.value and f.value > 0 and f.extra["floor"] and f.extra["floor"] > 0, f
        assert f.extra["times_floor"] == pytest.approx(f.value / f.extra["floor"])
        assert "errors 0" in f.note and "(floor 0)" in f.note, f.note
    assert cluster.extra["met"] is (cluster.value < 2000)  # the p95 < 2 s target is judged on the served set-up
    info = {"command": "smoke", "date": "today", "minutes": 0.0, "machine": run.machine(), "versions": {},
            "load_start": "0", "national": "-", "gunma_rows": 1, "gunma_snaps": 1, "profile": "## profile"}
    text = run.render(figs, info, [])
    assert "| scale | figure | page | floor | × floor | target | met | note |" in text
    assert f"| gunma | overview: server CPU per run | {run._fmt(cpu.value, 'ms')} |" in text
    assert text.rstrip().endswith("## profile")
