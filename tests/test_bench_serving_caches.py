"""The serving-cost cuts of issue 13 keep what a page shows: the per-view memo, what runs derive from cached
sections, and charts handed to Streamlit as their cached dict."""

from __future__ import annotations

import gc
import json
import threading
import time

import plotly.graph_objects as go
import plotly.io
import polars as pl
import pytest

from dashboard import charts, export
from dashboard.ui import layout, widgets


def test_a_view_is_built_once_and_every_caller_gets_it() -> None:
    calls: list[tuple[str, int]] = []

    def section(key: str, year: int, lang: str = "ja") -> dict[str, object]:
        calls.append((key, year))
        time.sleep(0.05)  # long enough for the other threads to arrive while it is being built
        return {"key": key, "year": year, "lang": lang}

    cached = layout.ViewCache(section)
    got: list[object] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        got.append(cached("s1", 2024))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert calls == [("s1", 2024)]  # eight sessions at once: built once
    assert all(g is got[0] for g in got)
    assert cached("s1", 2024, lang="en") == {"key": "s1", "year": 2024, "lang": "en"}
    assert cached("s2", 2024) == {"key": "s2", "year": 2024, "lang": "ja"}  # a new store state: a new view
    assert len(calls) == 3


def test_least_recently_used_views_go_and_clear_forgets() -> None:
    calls: list[int] = []

    def section(n: int) -> int:
        calls.append(n)
        return n * 10

    cached = layout.ViewCache(section, max_entries=2)
    assert [cached(1), cached(2), cached(1), cached(3)] == [10, 20, 10, 30]  # 2 is the least recently used
    assert calls == [1, 2, 3]
    assert cached(1) == 10 and calls == [1, 2, 3]
    assert cached(2) == 20 and calls == [1, 2, 3, 2]
    cached.clear()
    assert cached(2) == 20 and calls == [1, 2, 3, 2, 2]


def test_a_failed_build_is_not_cached() -> None:
    calls: list[int] = []

    def section(n: int) -> int:
        calls.append(n)
        if len(calls) == 1:
            raise OSError("data folder away")
        return n

    cached = layout.ViewCache(section)
    with pytest.raises(OSError):
        cached(5)
    assert cached(5) == 5 and calls == [5, 5]


def test_arguments_python_cannot_hash_still_give_the_right_view() -> None:
    def total(values: list[int]) -> int:
        return sum(values)

    cached = layout.ViewCache(total)
    assert cached([1, 2]) == 3
    assert cached([1, 2, 3]) == 6


def test_derived_values_live_as_long_as_their_frame() -> None:
    calls: list[int] = []

    def arrow(df: pl.DataFrame) -> object:
        calls.append(df.height)
        return df.to_arrow()

    df = pl.DataFrame({"label": ["a", "b"], "share": [0.5, 1.0]})
    first = widgets.derived(df, "arrow", arrow)
    assert widgets.derived(df, "arrow", arrow) is first and calls == [2]
    assert first.to_pylist() == [{"label": "a", "share": 0.5}, {"label": "b", "share": 1.0}]  # type: ignore[attr-defined]
    other = pl.DataFrame({"label": ["c"], "share": [0.1]})
    assert widgets.derived(other, "arrow", arrow).to_pylist() == [{"label": "c", "share": 0.1}]  # type: ignore[attr-defined]
    assert calls == [2, 1]
    n = len(widgets._DERIVED)
    del df, first
    gc.collect()
    assert len(widgets._DERIVED) == n - 1  # the dead frame's entry went with it


def _figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=["2022", "2023", "2024"], y=[1.5, None, 2.5], name="前橋市"))
    fig.update_layout(title="通いの場", height=420)
    return fig


def test_a_prepared_figure_draws_what_the_built_one_draws() -> None:
    spec = _figure().to_dict()
    kept = json.dumps(spec, sort_keys=True, default=str)
    prepared = widgets.PreparedFigure(spec)
    assert isinstance(prepared, go.Figure)
    # What st.plotly_chart sends: plotly.io.to_json of the figure's to_dict() (the same JSON, keys maybe reordered).
    assert json.loads(plotly.io.to_json(prepared.to_dict(), validate=False)) == json.loads(plotly.io.to_json(
        charts.from_spec(spec).to_dict(), validate=False))
    # Exports read the figure itself: it is built then, and changing it leaves the cached dict alone.
    assert export.figure_frame(prepared).to_dicts() == [
        {"series": "前橋市", "x": "2022", "y": 1.5}, {"series": "前橋市", "x": "2023", "y": None},
        {"series": "前橋市", "x": "2024", "y": 2.5}]
    assert prepared.layout.height == 420
    prepared.update_layout(height=100, title="changed")
    assert prepared.to_dict()["layout"]["height"] == 100
    assert json.dumps(spec, sort_keys=True, default=str) == kept
