"""Shared fixtures: a private copy of the bundled data for every test that writes, and a small synthetic
catalog with its own snapshots for back-end tests that assert hand-computed numbers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from dashboard import catalog as catalog_module
from dashboard.catalog import Catalog
from dashboard.config import ROOT
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore
from tests.recording import app_data  # noqa: F401  (a fixture: a data copy with download recording)


@pytest.fixture()
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary copy of data/ (snapshots included, pre-aggregated values not), set as $GUNMA_DATA_DIR."""
    dst = tmp_path / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))  # caches are rebuilt per test
    monkeypatch.setenv("GUNMA_DATA_DIR", str(dst))
    yield dst


@pytest.fixture()
def fresh_caches(data_copy: Path) -> Iterator[Path]:
    """A private data copy and fresh process-wide Streamlit caches (the upload page's login throttle is one)."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    yield data_copy
    st.cache_resource.clear()


@pytest.fixture()
def empty_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty data folder (no snapshots), set as $GUNMA_DATA_DIR."""
    dst = tmp_path / "data"
    (dst / "snapshots").mkdir(parents=True)
    monkeypatch.setenv("GUNMA_DATA_DIR", str(dst))
    yield dst


# ------------------------------------------------------------------ a small synthetic catalog and store
# (as datasette's tests/fixtures.py does): back-end tests assert numbers computed by hand on these, so they
# do not move when the bundled catalog or sample data change. Two 圏域 (T1: 3 municipalities, T2: 2),
# one indicator of each kind and roll-up, three targets, and three snapshots (see tiny_store).

TINY_MUNICIPALITIES = [("19001", "T1", "甲市", "Ko"), ("19002", "T1", "乙町", "Otsu"), ("19003", "T1", "丙村", "Hei"),
                       ("19004", "T2", "丁市", "Tei"), ("19005", "T2", "戊町", "Bo")]
_IND_COLS = ("indicator_id,policy_area,sort,name_ja,name_en,unit_ja,unit_en,kind,direction,rollup,numerator,"
             "denominator,scale,integer,min_value,max_value,max_ref,max_ref_ratio,per_pop65,definition_ja,"
             "definition_en,source")
_INDICATORS = [  # id, policy area, kind, roll-up, numerator, denominator, scale
    ("t_people", "1", "count", "sum", "", "", ""),
    ("t_pop65", "1", "count", "sum", "", "", ""),
    ("t_rate", "1", "rate", "weighted_rate", "t_people", "t_pop65", "100"),
    ("t_score", "2", "score", "mean", "", "", ""),
    ("t_flag", "2", "flag", "count_flag", "", "", ""),
]
_TGT_COLS = ("target_id,indicator_id,scope,baseline_year,baseline_value,target_year,target_value,kind,"
             "period_start,period_end,plan_table,plan_section,label_ja,label_en")
TINY_TARGETS = [  # id, indicator, baseline year/value, target year/value, kind
    ("T-people", "t_people", 2020, 100.0, 2025, 200.0, "level"),
    ("T-rate", "t_rate", 2020, 8.0, 2025, 12.0, "level"),
    ("T-flag", "t_flag", 2020, 2.0, 2025, 5.0, "level"),
]


def write_tiny_catalog(root: Path) -> tuple[Path, Path]:
    """Write the synthetic catalog and reference files under root; (catalog folder, reference folder)."""
    cat, ref = root / "catalog", root / "reference"
    cat.mkdir(parents=True)
    ref.mkdir(parents=True)
    rows = [_IND_COLS] + [f"{i},{pa},{n},指標{n},Indicator {n},単位,unit,{kind},higher,{rollup},{num},{den},{scale},"
                          f",,,,,false,定義,definition,synthetic"
                          for n, (i, pa, kind, rollup, num, den, scale) in enumerate(_INDICATORS, 1)]
    (cat / "indicators.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (cat / "targets.csv").write_text("\n".join(
        [_TGT_COLS] + [f"{t},{i},10000,{by},{bv},{ty},{tv},{k},,,表,第2章,目標{t},Target {t}"
                       for t, i, by, bv, ty, tv, k in TINY_TARGETS]) + "\n", encoding="utf-8")
    (cat / "policy_areas.csv").write_text(
        "policy_area,name_ja,name_en,has_targets,plan_section\n1,分野一,Area one,true,第2章 1\n"
        "2,分野二,Area two,false,第2章 2\n", encoding="utf-8")
    (ref / "municipalities.csv").write_text("\n".join(
        ["code5,code6,name_ja,kana,name_en,type_ja,type_en,gun,area_code,office_lat,office_lng,tile_row,tile_col"]
        + [f"{c},{c}0,{ja},,{en},市,city,,{a},36.0,139.0,{k},{k}"
           for k, (c, a, ja, en) in enumerate(TINY_MUNICIPALITIES)]) + "\n", encoding="utf-8")
    (ref / "areas.csv").write_text(
        "area_code,name_ja,name_en,member_codes\nT1,第一,First,19001 19002 19003\nT2,第二,Second,19004 19005\n",
        encoding="utf-8")
    return cat, ref


@pytest.fixture(scope="session")
def tiny_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The synthetic catalog: 5 indicators (sum, weighted rate, mean, count of flags), 3 targets, 2 圏域, 5 places."""
    cat, ref = write_tiny_catalog(tmp_path_factory.mktemp("tiny"))
    return catalog_module._load(cat, ref)


def publish_rows(store: LocalStore, rows: list[tuple[str, str, int, float]], kind: str = "official") -> str:
    """Publish (indicator, municipality, fiscal year, value) rows as one snapshot; its id."""
    df = pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8,
                                    "fiscal_year": pl.Int32, "value": pl.Float64}, orient="row")
    return store.publish(to_parquet_bytes(df), label=f"{kind} {df.height}", kind=kind, source_name="t.parquet",
                         rows=df.height, publisher="test").id


@dataclass(frozen=True)
class TinyStore:
    """The synthetic store and its snapshot ids, oldest first."""

    store: LocalStore
    s1: str  # official: FY2021 for all five places, every indicator
    s2: str  # sample: revises 19001's t_people 2021 (10 → 15); t_people 2022 for T1 only; t_pop65 2022 for all
    s3: str  # official: 19002's t_people 2021 becomes NaN (missing), 19004's t_score 2021 4 → 8


@pytest.fixture()
def tiny_store(tmp_path: Path) -> TinyStore:
    """Three snapshots over the synthetic catalog's places (values chosen to make hand sums easy)."""
    store = LocalStore(tmp_path / "tiny-data")
    codes = [c for c, *_ in TINY_MUNICIPALITIES]
    s1 = publish_rows(store, [("t_people", c, 2021, 10.0 * k) for k, c in enumerate(codes, 1)]
                      + [("t_pop65", c, 2021, 100.0 * k) for k, c in enumerate(codes, 1)]
                      + [("t_score", c, 2021, float(k)) for k, c in enumerate(codes, 1)]
                      + [("t_flag", c, 2021, float(k % 2)) for k, c in enumerate(codes, 1)])
    s2 = publish_rows(store, [("t_people", "19001", 2021, 15.0)]
                      + [("t_people", c, 2022, 10.0 * k + 1) for k, c in enumerate(codes[:3], 1)]
                      + [("t_pop65", c, 2022, 100.0 * k + 10) for k, c in enumerate(codes, 1)], kind="sample")
    s3 = publish_rows(store, [("t_people", "19002", 2021, float("nan")), ("t_score", "19004", 2021, 8.0)])
    return TinyStore(store, s1, s2, s3)


# The `slow` tier: tests that start real servers (nginx + supervisord, SeaweedFS, moto, the benchmarks' cluster,
# private mount namespaces) or take more than a few seconds on their own. `make test-fast` leaves them out with the
# browser and container tiers; `make test` runs everything.
SLOW_MODULES = {"test_serve.py", "test_s3_store.py", "test_bench_load_smoke.py", "test_bench_memory_smoke.py",
                "test_store_faults.py", "test_publish_atomic.py", "test_upload_page_corpus.py"}
SLOW_TESTS = {"test_check_cli_leaves_the_data_folder_byte_identical", "test_english_messages_have_no_japanese",
              "test_optimised_values_query_gives_the_same_rows_as_before", "test_fuzzed_parquet_gets_a_result",
              "test_writers_killed_at_any_moment_leave_a_consistent_bucket",
              "test_writers_killed_at_any_moment_leave_a_consistent_folder"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tier markers, so `make test-fast` can leave the browser, container and slow tests out: every test under
    tests/browser/ is `browser`, every one under tests/deploy/ is `deploy`, those named above are `slow`; a test's
    S3 variants (SeaweedFS or moto behind a `bucket` parameter) are `slow` too (each starts a server)."""
    for item in items:
        parts = item.path.parts
        if "browser" in parts:
            item.add_marker(pytest.mark.browser)
        if "deploy" in parts:
            item.add_marker(pytest.mark.deploy)
        name = getattr(item, "originalname", item.name)
        params = getattr(getattr(item, "callspec", None), "params", {})
        bucket = any(v in ("bucket", "seaweedfs", "moto") for v in map(str, params.values()))
        if item.path.name in SLOW_MODULES or name in SLOW_TESTS or bucket:
            item.add_marker(pytest.mark.slow)
