"""Smoke run of the redraw comparison (bench/redraw.py) in Chromium against real servers: the dashboard and the
floor app, the place changed in the sidebar of both. No timed assertion: it checks that `make bench` keeps
producing every view's redraw beside the floor's, and that the floor really follows a pick (a keyless
selectbox whose default follows the URL drops the user's second pick)."""

from __future__ import annotations

from typing import Any

from bench import floor, redraw
from dashboard.catalog import load_catalog
from dashboard.ui.filters import place_option
from tests.browser.conftest import start_server


def test_every_view_has_its_redraw_beside_the_floors(server: str, browser: Any) -> None:
    from dashboard.config import ROOT

    cat = load_catalog()
    assert "area1" in redraw.trend_pages(cat, ["overview", "area1"])
    proc, floor_url = start_server(ROOT / "data", app=floor.FLOOR_APP)
    try:
        figs = redraw.measure(server, floor_url, ["area1"], ["area1"], ["10201"],
                              lambda c: place_option(cat, c, "ja"), passes=1, browser=browser)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert [f.name for f in figs] == ["area1: place change → redrawn, p95",
                                      "area1 (trends tab): place change → redrawn, p95"]
    for f in figs:
        assert f.value and f.value > 0 and f.extra["floor"] and f.extra["floor"] > 0
        assert f.extra["times_floor"] == f.value / f.extra["floor"]
        assert "floor with one table" in f.note and "first visit of each place" in f.note
        assert "until the script finished" in f.note and "drawing after it" in f.note
