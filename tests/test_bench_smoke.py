"""Smoke run of the benchmark code at tiny sizes, so it cannot rot (no timed assertions)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bench import naive, national, publish, queries, run
from bench.common import Figure
from dashboard import data, db
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore
from tests.grids import request_grid


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> national.Generated:
    """Tiny generated national data (same code path as the full scale)."""
    return national.generate(tmp_path_factory.mktemp("bench") / "national", national.TINY)


def test_generator_writes_the_contract_and_is_deterministic(tiny: national.Generated, tmp_path: Path) -> None:
    store = LocalStore(tiny.root)
    metas = store.list()
    assert len(metas) == tiny.snapshots == national.TINY.snapshots
    assert sum(m.rows for m in metas) == tiny.rows
    df = pl.read_parquet(store.path(metas[0]))
    assert df.columns == ["indicator_id", "municipality_code", "fiscal_year", "value"]
    cat = national.national_catalog(tiny.root)
    assert len(cat.municipality_codes()) == national.TINY.municipalities
    assert set(df["indicator_id"]) <= set(cat.indicators)
    # The bundled indicators and Gunma's real codes are in it, so the app runs over it unchanged.
    assert set(load_catalog().indicators) <= set(cat.indicators)
    assert pl.read_csv(cat.indicators_csv).columns == pl.read_csv(ROOT / "data/catalog/indicators.csv").columns
    again = national.generate(tmp_path / "again", national.TINY)
    assert [m.sha256 for m in LocalStore(again.root).list()] == [m.sha256 for m in metas]


@pytest.mark.parametrize("scale", ["gunma", "national"])
def test_naive_way_gives_the_query_layers_result(tiny: national.Generated, scale: str) -> None:
    root = ROOT / "data" if scale == "gunma" else tiny.root
    cat = load_catalog() if scale == "gunma" else national.national_catalog(root)
    store = LocalStore(root)
    con = db.connect()
    for r in queries.requests(cat, store):
        fast = data.values(con, store, cat, r.as_of, r.indicator_ids, r.places)
        slow = naive.values(store, cat, r.as_of, r.indicator_ids, r.places)
        assert fast.height > 0, r.name
        assert_frame_equal(slow, fast, check_exact=False, rel_tol=1e-9)


def test_query_measure_and_results_table(tiny: national.Generated, tmp_path: Path) -> None:
    store = LocalStore(tiny.root)
    cat = national.national_catalog(tiny.root)
    con = db.connect()
    figs = queries.measure(con, store, cat, "tiny", reps=1, naive_reps=1, cache_dir=tmp_path / "cache")
    assert len(figs) == 2 * len(queries.requests(cat, store))
    assert all(f.value is not None and f.naive is not None for f in figs)
    assert list((tmp_path / "cache").glob("values-*.parquet"))  # the project's figures read pre-aggregated files
    ba = queries.before_after(con, store, cat, "tiny", tmp_path / "cache", reps=1)
    assert len(ba) == len(queries.requests(cat, store)) and all(f.naive for f in ba)
    build = queries.build_figure(tiny.root, "national", tmp_path)
    assert build.value and build.value > 0 and "peak memory" in build.note
    info = {"command": "smoke", "date": "today", "minutes": 0.0, "machine": run.machine(),
            "versions": {"duckdb": "x"}, "load_start": "0", "national": "tiny", "gunma_rows": 1, "gunma_snaps": 1}
    text = run.render([*figs, Figure("publish", "tiny", "peak", 10.0, "MB", 20.0, target="< 1 GB")], info, ["a note"])
    assert "| tiny | place_series median |" in text
    assert "2.0×" in text and "## Notes" in text


def test_publish_benchmark_validates_and_publishes_a_small_file(tiny: national.Generated, tmp_path: Path) -> None:
    file = tmp_path / "upload.parquet"
    assert publish.make_file(tiny.root, file, 2_000) == 2_000
    before = len(LocalStore(tiny.root).list())
    got = publish.run(tiny.root, file, "rules")
    assert got["ok"], got
    assert float(got["peak_mb"]) > 0  # type: ignore[arg-type]
    assert len(LocalStore(tiny.root).list()) == before + 1


@pytest.mark.parametrize("scale", ["gunma", "national"])
def test_optimised_values_query_gives_the_same_rows_as_before(tiny: national.Generated, scale: str) -> None:
    root = ROOT / "data" if scale == "gunma" else tiny.root
    cat = load_catalog() if scale == "gunma" else national.national_catalog(root)
    store = LocalStore(root)
    con = db.connect()
    for as_of, ids, places in request_grid(cat, store):
        new = data.values(con, store, cat, as_of, ids, places)
        old = queries.values_before(con, store, cat, as_of, ids, places)
        assert_frame_equal(new, old)  # raises with the differing column; the loop values are in the traceback


def test_profile_summary_names_where_the_samples_went(tmp_path: Path) -> None:
    """py-spy's collapsed stacks summed into the named shares RESULTS.md reports (bench/profile.py)."""
    from bench import profile

    raw = tmp_path / "raw.txt"
    raw.write_text(
        "run (threading.py:1);main (dashboard/app.py:60);chart (dashboard/ui/widgets.py:61);"
        "ButtonMixin.download_button (streamlit/elements/widgets/button.py:9);"
        "MediaFileManager.add_deferred (streamlit/runtime/media_file_manager.py:368) 3\n"
        "run (threading.py:1);main (dashboard/app.py:60);render (dashboard/ui/filters.py:120);"
        "data_years (dashboard/views.py:108);LazyFrame._collect_eager (polars/lazyframe/frame.py:1);"
        "_LocalEngine.collect (polars/lazyframe/engine.py:410) 5\n"
        "task (streamlit/watcher/polling_path_watcher.py:90);PollingPathWatcher._check_if_path_changed "
        "(streamlit/watcher/polling_path_watcher.py:99) 2\n\n", encoding="utf-8")
    p = profile.summarise(raw)
    assert p.total == 10
    shares = {name.split(" (")[0]: n for name, n in p.shares.items()}
    assert shares["the page script"] == 8 and shares["download buttons"] == 3
    assert shares["file watchers"] == 2 and shares["Polars work in the page code"] == 5
    assert shares["views.data_years"] == 5 and shares["Streamlit config look-ups"] == 0
    assert shares["the sidebar filters"] == 5 and shares["st.plotly_chart"] == 0
    assert p.own.most_common(1) == [("_LocalEngine.collect (polars/lazyframe/engine.py)", 5)]
    assert p.dashboard["main (dashboard/app.py)"] == 8
    md = profile.markdown(p, "title")
    assert md.startswith("## title") and "| 30.0 % | download buttons" in md
