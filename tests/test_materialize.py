"""Pre-aggregated values: the cached file gives exactly the rows of the direct query, is keyed on
everything the values depend on, is written atomically, and never stands in the way of a page."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bench import national
from dashboard import data, db, materialize
from dashboard.catalog import Catalog, load_catalog
from dashboard.config import PREFECTURE, ROOT
from dashboard.storage import LocalStore, visible
from tests.grids import request_grid


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> national.Generated:
    """Tiny generated national data: weighted rates, many areas, several snapshots."""
    return national.generate(tmp_path_factory.mktemp("mat") / "national", national.TINY)


def _scale(scale: str, tiny: national.Generated) -> tuple[LocalStore, Catalog]:
    if scale == "gunma":
        return LocalStore(ROOT / "data"), load_catalog()
    return LocalStore(tiny.root), national.national_catalog(tiny.root)


@pytest.mark.parametrize("scale", ["gunma", "national"])
def test_cached_values_are_the_direct_values(tiny: national.Generated, scale: str, tmp_path: Path) -> None:
    store, cat = _scale(scale, tiny)
    con = db.connect()
    built = 0
    for as_of, ids, places in request_grid(cat, store):
        snaps = visible(store.list(), as_of)
        if not materialize.cache_path(tmp_path, snaps, cat).exists():
            materialize.build(tmp_path, store, cat, snaps)
            built += 1
        direct = data.values_for(con, store, cat, snaps, ids, places)
        cached = data.values_for(con, store, cat, snaps, ids, places, cache_dir=tmp_path)
        assert_frame_equal(cached, direct)  # same rows, same order, same types
    assert built == 2  # one file per snapshot set (latest, and as of the half-way snapshot)


def _queries_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the queries run from now on (db.run still runs them)."""
    asked: list[str] = []
    real_run = db.run

    def spy(c: object, name: str, **params: object) -> pl.DataFrame:
        asked.append(name)
        return real_run(c, name, **params)  # type: ignore[arg-type]

    monkeypatch.setattr(db, "run", spy)
    return asked


def test_the_cached_path_is_the_one_used_once_built(data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, cat, con = LocalStore(data_copy), load_catalog(), db.connect()
    snaps = visible(store.list(), None)
    cache = data_copy / "cache"
    asked = _queries_asked(monkeypatch)
    first = data.values_for(con, store, cat, snaps, (), (PREFECTURE,), cache_dir=cache)
    assert asked == ["values"]  # no file yet: computed from the snapshots, and a build started
    path = materialize.cache_path(cache, snaps, cat)
    for _ in range(200):
        if path.exists():
            break
        time.sleep(0.05)
    assert path.exists()
    again = data.values_for(con, store, cat, snaps, (), (PREFECTURE,), cache_dir=cache)
    assert asked == ["values", "values_cached"]
    assert_frame_equal(again, first)
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp")]


def test_key_follows_snapshots_catalog_and_reference(data_copy: Path, tmp_path: Path) -> None:
    store, cat = LocalStore(data_copy), load_catalog()
    metas = store.list()
    key = materialize.cache_key(metas, cat)
    assert materialize.cache_key(metas, cat) == key
    assert materialize.cache_key(metas[:-1], cat) != key  # a snapshot withdrawn, or an older as-of point
    first = next(iter(cat.indicators.values()))
    rules = {**cat.indicators, first.id: dataclasses.replace(first, scale=(first.scale or 1.0) * 10)}
    other = dataclasses.replace(cat, indicators=rules)
    assert materialize.cache_key(metas, other) != key  # the loaded catalog's roll-up rules are part of the key


def test_an_unwritable_cache_folder_never_breaks_a_page(data_copy: Path) -> None:
    store, cat, con = LocalStore(data_copy), load_catalog(), db.connect()
    snaps = visible(store.list(), None)
    blocked = data_copy / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")  # unwritable even for root
    with pytest.raises(OSError):
        materialize.build(blocked / "cache", store, cat, snaps)
    materialize.build_soon(blocked / "cache", store, cat, snaps)  # fails in its thread: logged, not raised
    got = data.values_for(con, store, cat, snaps, (), (PREFECTURE,), cache_dir=blocked / "cache")
    assert got.height > 0
    assert_frame_equal(got, data.values_for(con, store, cat, snaps, (), (PREFECTURE,)))


def test_prune_keeps_the_newest_and_the_one_in_use(tmp_path: Path) -> None:
    old = time.time() - 3600
    files = []
    for i in range(5):
        p = tmp_path / f"values-{i}.parquet"
        p.write_bytes(b"x")
        os.utime(p, (old + i, old + i))
        files.append(p)
    materialize.prune(tmp_path, keep=files[0], n=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["values-0.parquet", "values-3.parquet",
                                                           "values-4.parquet"]


def test_prune_keeps_the_folder_within_its_byte_budget(tmp_path: Path) -> None:
    old = time.time() - 3600
    files = []
    for i in range(5):
        p = tmp_path / f"values-{i}.parquet"
        p.write_bytes(b"x" * 1000)
        os.utime(p, (old + i, old + i))
        files.append(p)
    # 2,500 bytes of budget: the two newest (2,000 bytes) stay, the file in use stays whatever it costs.
    materialize.prune(tmp_path, keep=files[0], n=12, budget=2500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["values-0.parquet", "values-3.parquet",
                                                           "values-4.parquet"]


def test_a_build_never_takes_the_space_a_publication_needs(data_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    store, cat = LocalStore(data_copy), load_catalog()
    snaps = visible(store.list(), None)
    free = shutil.disk_usage(tmp_path).free
    monkeypatch.setenv("GUNMA_CACHE_RESERVE_MB", str(free // 2**20 + 1))  # more than the disk has free
    with pytest.raises(materialize.LowDisk):
        materialize.build(tmp_path / "cache", store, cat, snaps)
    assert not list((tmp_path / "cache").glob("values-*.parquet"))
    from dashboard import services

    built = services.prebuild(store, cat)  # after a publication: skipped with its reason, nothing raised
    assert built.seconds is None and built.skipped and "kept for publications" in built.skipped


def test_one_process_builds_while_another_holds_the_lock(data_copy: Path) -> None:
    import fcntl

    store, cat = LocalStore(data_copy), load_catalog()
    snaps = visible(store.list(), None)
    cache = data_copy / "cache"
    cache.mkdir()
    final = materialize.cache_path(cache, snaps, cat)
    with open(cache / f".{final.stem}.lock", "a") as held:  # as another worker building it would
        fcntl.flock(held, fcntl.LOCK_EX)
        assert materialize.build(cache, store, cat, snaps, wait=False) is None
        assert not final.exists()
    assert materialize.build(cache, store, cat, snaps, wait=False) == final
    assert final.exists()


def test_the_cli_reads_the_pages_pre_aggregated_file(data_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import services

    store, cat = LocalStore(data_copy), load_catalog()
    asked = _queries_asked(monkeypatch)
    services.place_view(PREFECTURE, store=store, catalog=cat)
    assert "values_cached" not in asked and not (data_copy / "cache").exists()  # a command starts no build
    snaps = visible(store.list(), None)
    materialize.build(data_copy / "cache", store, cat, snaps)
    asked.clear()
    view = services.place_view(PREFECTURE, store=store, catalog=cat)
    assert "values_cached" in asked and "values" not in asked  # the same file the pages read
    assert view.values.height > 0
