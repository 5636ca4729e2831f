"""Page rerun times through Streamlit's AppTest: each page's full rerun and the rerun after a filter
change, the project's way (cached DuckDB queries) and the naive way (pandas reads every file on
every rerun, no caching), in the same process over the same data folder."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import naive
from bench.common import Figure, median, pct
from dashboard import registry
from dashboard.catalog import load_catalog
from dashboard.config import ROOT

APP = str(ROOT / "dashboard" / "app.py")
PAGES = registry.data_pages(load_catalog())  # the page registry (every page but the upload page)
PLACES = ["10201", "10202", "10203", "10204", "10205", "10206", "10207", "10208"]


def app_present() -> bool:
    """Whether the dashboard app exists (its pages come from the registry)."""
    return Path(APP).is_file()


@contextlib.contextmanager
def data_dir(folder: Path) -> Iterator[None]:
    """Point the app at a data folder for the duration ($GUNMA_DATA_DIR)."""
    old = os.environ.get("GUNMA_DATA_DIR")
    os.environ["GUNMA_DATA_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("GUNMA_DATA_DIR", None)
        else:
            os.environ["GUNMA_DATA_DIR"] = old


@contextlib.contextmanager
def naive_mode() -> Iterator[None]:
    """Swap the app's cached query layer for the naive pandas one (no caching at all)."""
    from dashboard.ui import state

    saved = state.values

    def uncached(v: state.ViewKey, indicator_ids: tuple[str, ...] = (), places: tuple[str, ...] = ()) -> Any:
        return naive.values(state.store(), state.catalog(), v.snapshot, indicator_ids, places)

    state.values = uncached  # type: ignore[assignment]
    try:
        yield
    finally:
        state.values = saved  # type: ignore[assignment]


def _clear_caches() -> None:
    import streamlit as st

    from dashboard.ui import layout, state

    st.cache_data.clear()
    layout.clear_views()  # the page sections' own cache (dashboard/ui/layout.py per_view)
    if isinstance(state.values, state.ViewCache):  # in naive mode it is the uncached function
        state.values.clear()


def _timed_run(at: Any, uncached: bool = False) -> float:
    if uncached:
        _clear_caches()  # the naive way caches nothing: not the page sections either
    t0 = time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t0) * 1000
    if at.exception:
        raise RuntimeError(f"page raised: {[e.value for e in at.exception][:1]}")
    return ms


TRENDS = "推移"  # label of the trends tab of a policy-area page (the language is Japanese here)


def page_times(pages: list[str], reps: int, changes: int, uncached: bool = False) -> dict[str, dict[str, list[float]]]:
    """For each page: first open, full reruns (same filters) and reruns after a place change; on a policy-area
    page also place changes with its trends tab open (it opens on its headline)."""
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    out: dict[str, dict[str, list[float]]] = {}
    for page in pages:
        at = AppTest.from_file(APP, default_timeout=600)
        at.query_params["place"] = "10000"
        at.run()
        if page != "overview":
            at._page_hash = calc_hash(page)  # an st.Page is known by the hash of its url_path (the registry name)
        first = [_timed_run(at, uncached)]
        rerun = [_timed_run(at, uncached) for _ in range(reps)]
        change = []
        for i in range(changes):
            at.sidebar.selectbox[0].set_value(PLACES[i % len(PLACES)])
            change.append(_timed_run(at, uncached))
        out[page] = {"first": first, "rerun": rerun, "change": change}
        tab = f"{page}_section"
        if tab in at.session_state and TRENDS in [t.label for t in at.tabs] and at.session_state[tab] != TRENDS:
            at.session_state[tab] = TRENDS
            _timed_run(at, uncached)
            out[page]["trends"] = []
            for i in range(changes):  # places whose trends have not been built yet
                at.sidebar.selectbox[0].set_value(PLACES[(changes + i) % len(PLACES)])
                out[page]["trends"].append(_timed_run(at, uncached))
    return out


def measure(folder: Path, scale: str, pages: list[str] | None = None, reps: int = 5, changes: int = 5,
            naive_pages: list[str] | None = None, naive_reps: int = 1) -> list[Figure]:
    """Figures for every page at one scale; the naive way for naive_pages (default: all)."""
    pages = pages or PAGES
    naive_pages = pages if naive_pages is None else naive_pages
    figs: list[Figure] = []
    with data_dir(folder):
        _clear_caches()
        fast = page_times(pages, reps, changes)
        with naive_mode():
            slow = page_times(naive_pages, naive_reps, naive_reps, uncached=True) if naive_pages else {}
        _clear_caches()
    for page in pages:
        f, s = fast[page], slow.get(page)
        figs.append(Figure("page (AppTest)", scale, f"{page}: full rerun median", median(f["rerun"]), "ms",
                           median(s["rerun"]) if s else None,
                           note=f"first open {f['first'][0]:.0f} ms; p95 {pct(f['rerun'], 0.95):.0f} ms"))
        figs.append(Figure("page (AppTest)", scale, f"{page}: after place change median", median(f["change"]), "ms",
                           median(s["change"]) if s else None,
                           note=f"p95 {pct(f['change'], 0.95):.0f} ms over {len(f['change'])} new places"))
        if f.get("trends"):
            figs.append(Figure("page (AppTest)", scale, f"{page} (trends tab open): after place change median",
                               median(f["trends"]), "ms", median(s["trends"]) if s and s.get("trends") else None,
                               note=f"p95 {pct(f['trends'], 0.95):.0f} ms over {len(f['trends'])} new places"))
    return figs
