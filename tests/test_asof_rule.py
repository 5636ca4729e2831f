"""The as-of rule (queries/macros/as_of.sql) through every query built on it, on the synthetic catalog and
store of conftest.py; every expected number is worked out by hand from the rows published there."""

from __future__ import annotations

import math

import polars as pl
import pytest

from dashboard import data, db, ingest
from dashboard.catalog import Catalog
from dashboard.validate import Keys
from tests.conftest import TinyStore


def _one(df: pl.DataFrame, ind: str, place: str, fy: int) -> dict[str, object] | None:
    rows = df.filter((pl.col("indicator_id") == ind) & (pl.col("place_code") == place)
                     & (pl.col("fiscal_year") == fy)).to_dicts()
    assert len(rows) <= 1
    return rows[0] if rows else None


def test_every_query_on_published_snapshots_uses_the_one_macro() -> None:
    for name in ("asof_rows", "asof_values_for_keys", "preview_changes_for_keys", "values"):
        q = db.load(name)
        assert [m.split("MACRO ", 1)[1].split("(", 1)[0] for m in q.macros] == ["as_of"], name
        assert "read_parquet($files" not in q.sql and "seq DESC" not in q.sql, name  # snapshots only via the macro
    assert db.load("values_cached").macros == ()


def test_asof_rows_newest_snapshot_wins_per_key(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    rows = ingest.current_rows(db.connect(), tiny_store.store).filter(
        (pl.col("indicator_id") == "t_people") & (pl.col("fiscal_year") == 2021))
    got = {r["municipality_code"]: (r["value"], r["snapshot_id"]) for r in rows.to_dicts()}
    s1, s2, s3 = tiny_store.s1, tiny_store.s2, tiny_store.s3
    assert got["19001"] == (15.0, s2)  # revised by the sample snapshot
    assert math.isnan(got["19002"][0]) and got["19002"][1] == s3  # the newest row wins even when it is NaN
    assert {c: got[c] for c in ("19003", "19004", "19005")} == {"19003": (30.0, s1), "19004": (40.0, s1),
                                                                "19005": (50.0, s1)}
    # As of the first snapshot, only its rows.
    old = ingest.current_rows(db.connect(), tiny_store.store, as_of=s1)
    assert old.height == 20 and set(old["snapshot_id"]) == {s1}


def test_values_roll_up_the_rows_in_force(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    df = data.values(db.connect(), tiny_store.store, tiny_catalog)
    # t_people FY2021 in force: 15, (NaN = missing), 30, 40, 50.
    pref = _one(df, "t_people", "10000", 2021)
    assert pref is not None
    assert (pref["value"], pref["n_reporting"], pref["n_expected"], pref["has_sample"]) == (135.0, 4, 5, True)
    t1 = _one(df, "t_people", "T1", 2021)
    assert t1 is not None and (t1["value"], t1["n_reporting"], t1["n_expected"]) == (45.0, 2, 3)
    t2 = _one(df, "t_people", "T2", 2021)
    assert t2 is not None and (t2["value"], t2["n_reporting"], t2["has_sample"]) == (90.0, 2, False)
    assert _one(df, "t_people", "19002", 2021) is None  # NaN: missing, and the older 20 does not come back
    # Weighted rate: Σ people ÷ Σ pop65 × 100 over places with both: 135 ÷ (100+300+400+500) × 100.
    rate = _one(df, "t_rate", "10000", 2021)
    assert rate is not None and rate["value"] == pytest.approx(135 / 1300 * 100) and rate["n_reporting"] == 4
    assert _one(df, "t_rate", "19001", 2021)["value"] == pytest.approx(15.0)  # type: ignore[index]
    # Mean of scores 1, 2, 3, 8 (revised), 5; count of flags 1, 0, 1, 0, 1.
    assert _one(df, "t_score", "10000", 2021)["value"] == pytest.approx(19 / 5)  # type: ignore[index]
    assert _one(df, "t_score", "T2", 2021)["value"] == pytest.approx(6.5)  # type: ignore[index]
    assert _one(df, "t_flag", "10000", 2021)["value"] == 3  # type: ignore[index]
    assert _one(df, "t_flag", "T1", 2021)["value"] == 2  # type: ignore[index]
    # FY2022: people only in T1 (11 + 21 + 31), pop65 everywhere (110 … 510).
    p22 = _one(df, "t_people", "10000", 2022)
    assert p22 is not None and (p22["value"], p22["n_reporting"], p22["n_expected"]) == (63.0, 3, 5)
    assert _one(df, "t_people", "T2", 2022) is None
    assert _one(df, "t_rate", "T1", 2022)["value"] == pytest.approx(63 / 630 * 100)  # type: ignore[index]


def test_values_as_of_an_older_snapshot_and_after_a_withdrawal(tiny_catalog: Catalog,
                                                               tiny_store: TinyStore) -> None:
    con = db.connect()
    first = data.values(con, tiny_store.store, tiny_catalog, as_of=tiny_store.s1)
    pref = _one(first, "t_people", "10000", 2021)
    assert pref is not None and (pref["value"], pref["n_reporting"], pref["has_sample"]) == (150.0, 5, False)
    tiny_store.store.set_withdrawn(tiny_store.s2, True, reason="test", who="test")
    now = data.values(con, tiny_store.store, tiny_catalog)
    assert _one(now, "t_people", "10000", 2021)["value"] == 10 + 30 + 40 + 50  # type: ignore[index]
    assert _one(now, "t_people", "10000", 2022) is None


def test_values_for_some_places_and_indicators_match_the_full_query(tiny_catalog: Catalog,
                                                                    tiny_store: TinyStore) -> None:
    con = db.connect()
    some = data.values(con, tiny_store.store, tiny_catalog, indicator_ids=["t_rate"], places=["T1", "19004"])
    assert set(some["place_code"]) == {"T1", "19004"} and set(some["indicator_id"]) == {"t_rate"}
    assert _one(some, "t_rate", "T1", 2021)["value"] == pytest.approx(45 / 400 * 100)  # type: ignore[index]
    assert _one(some, "t_rate", "19004", 2021)["value"] == pytest.approx(10.0)  # type: ignore[index]


def test_published_values_and_preview_read_the_keys_in_force(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    con = db.connect()
    keys = Keys(indicator_ids=["t_people"], municipality_codes=["19001"], fiscal_years=[2021, 2022])
    got = ingest.published_values(con, tiny_store.store, keys).sort("fiscal_year")
    assert got.select("municipality_code", "fiscal_year", "value").rows() == [("19001", 2021, 15.0),
                                                                            ("19001", 2022, 11.0)]
    frame = pl.DataFrame({"indicator_id": ["t_people"] * 3, "municipality_code": ["19001", "19003", "19001"],
                          "fiscal_year": pl.Series([2021, 2021, 2023], dtype=pl.Int32), "value": [15.0, 33.0, 5.0]})
    pv = ingest.preview(con, tiny_store.store, tiny_catalog, frame, "en")
    assert (pv.adds, pv.revises, pv.same) == (1, 1, 1)
    assert pv.revisions.select("fiscal_year", "old_value", "new_value", "old_snapshot").rows() == [
        (2021, 30.0, 33.0, tiny_store.s1)]
