"""Smoke run of the floor comparison's first-render figures (bench/floor.py first_renders) in Chromium against
real servers: the dashboard, the floor app, and the floor with one interactive table. No timed assertion: it
checks that the figures `make bench` sets beside the floor keep being produced, and that the floor app's table
variant really draws a table (it is what explains the rest of a page's first render)."""

from __future__ import annotations

from typing import Any

from bench import floor
from tests.browser.conftest import charts_drawn, settle, start_server


def test_first_render_figures_have_the_floor_and_the_floor_with_a_table_beside_them(server: str, browser: Any,
                                                                                   page: Any) -> None:
    from dashboard.config import ROOT

    proc, floor_url = start_server(ROOT / "data", app=floor.FLOOR_APP)
    try:
        page.goto(f"{floor_url}/?place=10201&table=1")
        settle(page)
        page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)  # the variant draws its table
        page.goto(f"{floor_url}/?place=10201")
        settle(page)
        assert charts_drawn(page) == 1
        assert page.locator("[data-testid='stDataFrame']").count() == 0  # the plain floor does not
        figs = floor.first_renders(server, floor_url, ["overview"], rounds=1, browser=browser)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    (f,) = figs
    assert f.name == "overview: browser first render" and f.value and f.value > 0
    assert f.extra["floor"] and f.extra["floor"] > 0 and f.extra["times_floor"] == f.value / f.extra["floor"]
    assert "the floor with one interactive table (st.dataframe)" in f.note and "page ÷ that" in f.note
