"""The query layer over real Parquet files in temporary folders: roll-ups and the as-of rule."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest

from dashboard import data, db
from dashboard.catalog import load_catalog
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore

CAT = load_catalog()
# 渋川圏域 (K03) = 渋川市 10208, 榛東村 10344, 吉岡町 10345.
SHIBUKAWA = ["10208", "10344", "10345"]


def _publish(store: LocalStore, rows: list[tuple[str, str, int, float]], kind: str = "sample") -> str:
    df = pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8,
                                    "fiscal_year": pl.Int32, "value": pl.Float64}, orient="row")
    return store.publish(to_parquet_bytes(df), label="t", kind=kind, source_name="t.parquet",
                         rows=df.height, publisher="test").id


def _value(df: pl.DataFrame, ind: str, place: str, fy: int) -> float | None:
    row = df.filter((pl.col("indicator_id") == ind) & (pl.col("place_code") == place)
                    & (pl.col("fiscal_year") == fy))
    return None if row.is_empty() else float(row["value"][0])


@pytest.fixture()
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path)


def test_rollups_match_hand_computed_sums(store: LocalStore) -> None:
    codes = CAT.municipality_codes()
    rows = []
    for i, c in enumerate(codes):
        rows += [("kayoi_participants", c, 2022, 100.0 + i),       # sum
                 ("pop65", c, 2022, 1000.0 + 10 * i),              # denominator
                 ("muni_score", c, 2022, 1000.0 + 20 * i),         # mean
                 ("ittaiteki_implemented", c, 2022, float(i % 3 == 0))]  # count of flags
    _publish(store, rows)
    con = db.connect()
    df = data.values(con, store, CAT)
    n = len(codes)
    # Prefecture: by hand.
    assert _value(df, "kayoi_participants", "10000", 2022) == sum(100 + i for i in range(n))
    assert _value(df, "muni_score", "10000", 2022) == pytest.approx(sum(1000 + 20 * i for i in range(n)) / n)
    assert _value(df, "ittaiteki_implemented", "10000", 2022) == sum(1 for i in range(n) if i % 3 == 0)
    rate = sum(100 + i for i in range(n)) / sum(1000 + 10 * i for i in range(n)) * 100
    assert _value(df, "kayoi_participation_rate", "10000", 2022) == pytest.approx(rate)
    # 圏域: only its members.
    idx = [codes.index(c) for c in SHIBUKAWA]
    assert _value(df, "kayoi_participants", "K03", 2022) == sum(100 + i for i in idx)
    k03_rate = sum(100 + i for i in idx) / sum(1000 + 10 * i for i in idx) * 100
    assert _value(df, "kayoi_participation_rate", "K03", 2022) == pytest.approx(k03_rate)
    # Municipality: rate derived from its own numerator and denominator.
    i = codes.index("10344")
    assert _value(df, "kayoi_participation_rate", "10344", 2022) == pytest.approx((100 + i) / (1000 + 10 * i) * 100)
    row = df.filter((pl.col("place_code") == "10000") & (pl.col("indicator_id") == "kayoi_participants"))
    assert row["n_reporting"][0] == 35 and row["n_expected"][0] == 35 and row["source"][0] == "rollup"


def test_partial_reporting_is_visible_not_hidden(store: LocalStore) -> None:
    _publish(store, [("kayoi_participants", "10201", 2022, 500.0), ("kayoi_participants", "10202", 2022, 700.0)])
    df = data.values(db.connect(), store, CAT, places=["10000"])
    row = df.filter(pl.col("indicator_id") == "kayoi_participants")
    assert row["value"][0] == 1200 and row["n_reporting"][0] == 2 and row["n_expected"][0] == 35


def test_prefecture_figure_wins_over_rollup(store: LocalStore) -> None:
    _publish(store, [("kayoi_participants", "10000", 2020, 35660.0)], kind="official")
    _publish(store, [("kayoi_participants", c, 2020, 10.0) for c in CAT.municipality_codes()])
    df = data.values(db.connect(), store, CAT, indicator_ids=["kayoi_participants"], places=["10000"])
    row = df.filter(pl.col("fiscal_year") == 2020)
    assert row["value"][0] == 35660 and row["source"][0] == "direct" and not row["has_sample"][0]


def test_as_of_rule_newest_snapshot_at_or_before_wins(store: LocalStore) -> None:
    s1 = _publish(store, [("kayoi_participants", "10201", 2021, 100.0), ("kayoi_participants", "10201", 2022, 200.0)])
    s2 = _publish(store, [("kayoi_participants", "10201", 2021, 150.0)])  # revises 2021 only
    s3 = _publish(store, [("kayoi_participants", "10201", 2022, 250.0)])  # revises 2022
    con = db.connect()

    def at(as_of: str | None) -> tuple[float | None, float | None]:
        df = data.values(con, store, CAT, as_of=as_of, places=["10201"], indicator_ids=["kayoi_participants"])
        return _value(df, "kayoi_participants", "10201", 2021), _value(df, "kayoi_participants", "10201", 2022)

    assert at(s1) == (100, 200)
    assert at(s2) == (150, 200)
    assert at(s3) == (150, 250)
    assert at(None) == (150, 250)
    # Withdrawn snapshots are skipped; the older value shows again. Restoring brings it back.
    store.set_withdrawn(s2, True, reason="wrong file", who="test")
    assert at(None) == (100, 250)
    store.set_withdrawn(s2, False, reason="it was right", who="test")
    assert at(None) == (150, 250)
    assert [e["action"] for e in store.events()] == ["withdraw", "restore"]


def test_no_snapshots_gives_an_empty_frame(store: LocalStore) -> None:
    df = data.values(db.connect(), store, CAT)
    assert df.is_empty() and "value" in df.columns


def test_runner_refuses_unknown_queries_and_wrong_params() -> None:
    con = db.connect()
    with pytest.raises(ValueError, match="unknown query"):
        db.run(con, "../etc/passwd")
    with pytest.raises(ValueError, match="missing"):
        db.run(con, "values", files=[])


def test_every_query_declares_its_params() -> None:
    for name in db.query_names():
        q = db.load(name)
        assert q.sql.lstrip().startswith("--"), f"{name}.sql needs a header comment"
        assert q.params, f"{name}.sql declares no $params"


def test_shared_connection_memory_limit_fits_a_workers_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared connection's DuckDB limit is its share of a worker's 1.5 GB (bench/memory.py), set in MB."""
    monkeypatch.delenv("GUNMA_DUCKDB_MEMORY_MB", raising=False)
    assert db.default_memory_limit() == "256MB"
    monkeypatch.setenv("GUNMA_DUCKDB_MEMORY_MB", "512")
    assert db.connect().execute("SELECT current_setting('memory_limit')").fetchall() == [("488.2 MiB",)]
    assert db.connect(memory_limit="600MB").execute("SELECT current_setting('memory_limit')").fetchall() \
        == [("572.2 MiB",)]


def test_queries_spill_under_the_system_temporary_folder() -> None:
    """Past its limit a query spills to $TMPDIR (writable in every deployment), not to .tmp/ in a read-only root."""
    got = db.connect().execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    assert got == db.temp_directory() and db.temp_directory().startswith(tempfile.gettempdir())
