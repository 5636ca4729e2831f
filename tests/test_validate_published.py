"""Warnings against published data: the upload is compared only with the published rows it can meet
(its indicators, places, years and the year before), read through SQL over real Parquet in a temp folder,
and gives the same warnings as a comparison with every published row."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboard import contract, db, ingest, validate
from dashboard.catalog import load_catalog
from dashboard.storage import LocalStore
from dashboard.validate import Keys, Limits, Problem, validate_bytes
from tests.upload_corpus import parquet

# These tests compare warnings read from the keys with warnings against every row; the representative upload
# multiplies published counts (x3, x10) past the 65+ population, so the relative bounds (tested elsewhere) are
# left out of this catalog.
CAT = dataclasses.replace(load_catalog(), indicators={
    i: dataclasses.replace(ind, max_ref=None, max_ref_ratio=None) for i, ind in load_catalog().indicators.items()})


def representative_upload(cur: pl.DataFrame) -> pl.DataFrame:
    """A representative upload built from the published rows, in shuffled order: FY2024 restated (large and
    small revisions, flipped flags), FY2025 and FY2026 after it (jumps against the published year and against
    this file's own rows), FY2019 revisions with no year before them, a prefecture total that does not add up."""
    fy24 = cur.filter(pl.col("fiscal_year") == 2024).drop("snapshot_id").sort("indicator_id", "municipality_code")
    n = pl.int_range(pl.len())
    revised = fy24.with_columns(
        pl.when(pl.col("indicator_id").is_in(["kayoi_participants", "pop65", "supporters_cumulative"]) & (n % 7 == 0))
        .then(pl.col("value") * 3)
        .when(pl.col("indicator_id") == "care_meetings_held").then(pl.col("value") + 1)
        .when(pl.col("indicator_id") == "volunteer_point_scheme").then(1 - pl.col("value"))
        .otherwise(pl.col("value")).alias("value"))
    nxt = revised.filter(pl.col("indicator_id").is_in(["kayoi_participants", "kayoi_places_weekly"])).with_columns(
        pl.lit(2025, pl.Int32).alias("fiscal_year"),
        pl.when(n % 5 == 0).then(pl.col("value") * 2.5).when(n % 5 == 1).then(pl.col("value") * 0.3)
        .otherwise(pl.col("value") * 1.1).round(0).alias("value"))
    after = nxt.filter(pl.col("indicator_id") == "kayoi_participants").with_columns(
        pl.lit(2026, pl.Int32).alias("fiscal_year"), (pl.col("value") * 4).alias("value"))
    first = cur.filter(pl.col("fiscal_year") == 2019).drop("snapshot_id").head(5).with_columns(
        (pl.col("value") * 10).alias("value"))
    k25 = nxt.filter((pl.col("indicator_id") == "kayoi_participants") & (pl.col("municipality_code") != "10000"))
    total = k25.group_by("indicator_id", "fiscal_year").agg(pl.col("value").sum() + 1000).with_columns(
        pl.lit("10000").alias("municipality_code"))
    df = pl.concat([revised, nxt, after, first, total.select(revised.columns)])
    return df.sample(fraction=1.0, shuffle=True, seed=11)


def _seen(problems: list[Problem]) -> list[tuple[object, ...]]:
    return [(p.row, p.rule, p.value, p.message_ja, p.message_en, p.severity) for p in problems]


Bundled = tuple[LocalStore, duckdb.DuckDBPyConnection, pl.DataFrame]


@pytest.fixture()
def bundled(data_copy: Path) -> Bundled:
    """The bundled snapshots in a temp folder, a connection, and every row in force."""
    store, con = LocalStore(data_copy), db.connect()
    return store, con, ingest.current_rows(con, store)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_warnings_from_the_keys_read_equal_those_against_every_published_row(bundled: Bundled, fmt: str) -> None:
    store, con, cur = bundled
    df = representative_upload(cur)
    data = df.write_csv().encode() if fmt == "csv" else parquet(df)  # in the shuffled order, as given
    # Before: every published row handed to the validator. After: only the keys the upload can meet.
    before = validate_bytes(data, f"u.{fmt}", CAT, published=cur)
    asked: list[Keys] = []

    def published(keys: Keys) -> pl.DataFrame:
        asked.append(keys)
        return ingest.published_values(con, store, keys)

    after = validate_bytes(data, f"u.{fmt}", CAT, published=published)
    assert before.ok and after.ok and not after.errors
    assert _seen(after.warnings) == _seen(before.warnings)
    assert after.counts == before.counts
    # The figures below are what the validator gave before the published read was narrowed (same input).
    assert Counter(p.rule for p in after.warnings) == {"large_jump": 76, "large_revision": 20, "sum_mismatch": 1}
    by_row = {(p.row, p.rule): p.message_en for p in after.warnings}
    line = " (line {} of the file)" if fmt == "csv" else ""
    # Row 66 is 太田市's FY2024 65+ population x3: projected from the real resident register, not the random sample.
    assert by_row[(66, "large_revision")] == (
        f"Row 66{line.format(67)}, column “value”, value “180240”: Revises the published value 60080 by +200%. "
        "Please check. [rule: large revision of a published value]")
    assert by_row[(66, "large_jump")] == (
        f"Row 66{line.format(67)}, column “value”, value “180240”: Changes by +203% from 59549 in the previous "
        "fiscal year (2023). Please check. [rule: large change from previous year]")
    # Row 12 is FY2026 against this file's FY2025 (x4), not a published value; row 192 the prefecture's FY2025
    # total, 1,000 above the municipal sum. Their figures are the sample's, so they are read from the upload.
    r12 = df.row(11, named=True)
    own = (pl.col("indicator_id") == r12["indicator_id"]) & (pl.col("municipality_code") == r12["municipality_code"])
    fy25 = df.filter(own & (pl.col("fiscal_year") == 2025))["value"].item()
    assert r12["fiscal_year"] == 2026 and r12["value"] == fy25 * 4
    assert by_row[(12, "large_jump")].endswith(
        f"Changes by +300% from {fy25:.0f} in the previous fiscal year (2025). Please check. [rule: large change "
        "from previous year]")
    k25 = df.filter((pl.col("indicator_id") == "kayoi_participants") & (pl.col("fiscal_year") == 2025)
                    & (pl.col("municipality_code") != "10000"))["value"].sum()
    assert f"sum to {k25:.0f}, not the prefecture total {k25 + 1000:.0f}" in by_row[(192, "sum_mismatch")]
    # Asked once, for the upload's own indicators and places, its years and the year before each.
    assert len(asked) == 1
    k = asked[0]
    assert k.indicator_ids == sorted(df["indicator_id"].unique().to_list())
    assert k.municipality_codes == sorted(df["municipality_code"].unique().to_list())
    assert k.fiscal_years == [2018, 2019, 2023, 2024, 2025, 2026]


def test_over_the_record_cap_the_first_rows_of_the_file_are_listed_and_all_are_counted(bundled: Bundled) -> None:
    store, con, cur = bundled
    data = representative_upload(cur).write_csv().encode()
    full = validate_bytes(data, "u.csv", CAT, published=lambda k: ingest.published_values(con, store, k))
    capped = validate_bytes(data, "u.csv", CAT, published=lambda k: ingest.published_values(con, store, k),
                            limits=Limits(max_per_rule=5))
    for rule in ("large_jump", "large_revision"):
        assert _seen([p for p in capped.warnings if p.rule == rule]) == \
            _seen([p for p in full.warnings if p.rule == rule][:5])
        assert capped.counts[rule] == full.counts[rule]


def _within(frame: pl.DataFrame, keys: Keys) -> pl.DataFrame:
    inside = (pl.col("indicator_id").is_in(keys.indicator_ids)
              & pl.col("municipality_code").is_in(keys.municipality_codes)
              & pl.col("fiscal_year").is_in(keys.fiscal_years))
    return frame.filter(inside).select(*contract.KEY, "value").sort(contract.KEY)


def test_published_values_reads_only_the_keys_asked_with_the_as_of_winner(bundled: Bundled) -> None:
    store, con, cur = bundled
    keys = Keys(indicator_ids=["kayoi_participants", "pop65"], municipality_codes=["10201", "10202", "10000"],
                fiscal_years=[2020, 2024])
    got = ingest.published_values(con, store, keys).sort(contract.KEY)
    assert got.height > 0
    assert got.equals(_within(cur, keys))
    # A withdrawn snapshot no longer counts: the values come from the newest one still visible.
    store.set_withdrawn(store.list()[-1].id, True, reason="test", who="t")
    again = ingest.published_values(con, store, keys).sort(contract.KEY)
    assert again.equals(_within(ingest.current_rows(con, store), keys))
    assert not again.equals(got)
    assert ingest.published_values(con, store, Keys([], ["10201"], [2024])).is_empty()


def test_warnings_on_an_empty_store(empty_data: Path) -> None:
    store, con = LocalStore(empty_data), db.connect()
    data = pl.DataFrame({"indicator_id": ["kayoi_participants"] * 2, "municipality_code": ["10201"] * 2,
                         "fiscal_year": [2024, 2025], "value": [1000.0, 5000.0]}).write_csv().encode()
    res = validate_bytes(data, "e.csv", CAT, published=lambda k: ingest.published_values(con, store, k))
    assert res.ok and [p.rule for p in res.warnings if p.rule != "coverage_partial"] == ["large_jump"]  # in the file
    # One municipality of 35 in each year, nothing published: both years are partly covered.
    assert [p.value for p in res.warnings if p.rule == "coverage_partial"] == ["1/35", "1/35"]


def test_relative_bounds_use_the_published_65_plus_population(bundled: Bundled) -> None:
    """Participants aged 65+ may not exceed the 65+ population of the same place and year: taken from the file,
    else from the published data; for the prefecture, the sum of its 35 municipalities."""
    store, con, cur = bundled
    cat = load_catalog()
    pop = cur.filter((pl.col("indicator_id") == "pop65") & (pl.col("fiscal_year") == 2024))
    maebashi = float(pop.filter(pl.col("municipality_code") == "10201")["value"][0])
    whole = float(pop.filter(pl.col("municipality_code").is_in(cat.municipality_codes()))["value"].sum())

    def check(rows: list[str]) -> validate.Result:
        return validate_bytes(("indicator_id,municipality_code,fiscal_year,value\n" + "\n".join(rows) + "\n").encode(),
                              "r.csv", cat, published=lambda k: ingest.published_values(con, store, k))

    over = check([f"kayoi_participants,10201,2024,{maebashi + 1:.0f}"])
    assert [p.rule for p in over.errors] == ["above_reference"]
    assert f"{maebashi:,.0f}" in over.errors[0].message_en and "65+" in over.errors[0].message_en
    assert check([f"kayoi_participants,10201,2024,{maebashi:.0f}"]).ok
    # The file's own 65+ population wins over the published one.
    assert check([f"pop65,10201,2024,{maebashi * 2:.0f}", f"kayoi_participants,10201,2024,{maebashi + 1:.0f}"]).ok
    # The prefecture: bounded by the sum over its municipalities.
    assert [p.rule for p in check([f"kayoi_participants,10000,2024,{whole + 1:.0f}"]).errors] == ["above_reference"]
    assert check([f"kayoi_participants,10000,2024,{whole:.0f}"]).ok
    # No 65+ population for FY2040 anywhere: the fixed maximum still applies, and a warning says what was skipped.
    later = check(["kayoi_participants,10201,2040,50000"])
    assert later.ok and [p.rule for p in later.warnings if p.rule == "bound_reference_missing"] == \
        ["bound_reference_missing"]
    assert [p.rule for p in check(["kayoi_participants,10201,2040,10000001"]).errors] == ["above_maximum"]


def test_validate_bytes_never_raises_even_when_a_collaborator_fails(bundled: Bundled) -> None:
    def broken(keys: Keys) -> pl.DataFrame:
        raise RuntimeError("the store is unreachable: <secret path>")

    res = validate_bytes(b"indicator_id,municipality_code,fiscal_year,value\nkayoi_participants,10201,2024,5\n",
                         "x.csv", load_catalog(), published=broken)
    assert not res.ok and [p.rule for p in res.errors] == ["internal_error"]
    assert "secret" not in res.errors[0].message_en and "予期しない" in res.errors[0].message_ja
