"""The data shipped in data/: reference facts, the plan's figures, and the sample series."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from dashboard import data, db
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore

SHARED = ROOT / "tests" / "sources"  # the source files data/reference was built from (SOURCES.md says where from)
CAT = load_catalog()
STORE = LocalStore(ROOT / "data")
METAS = STORE.list()


def _cli(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return out.stdout


def test_reference_matches_the_shared_sources() -> None:
    with open(SHARED / "gunma_municipalities.csv", encoding="utf-8") as f:
        src = {r["code5"]: r for r in csv.DictReader(f)}
    mine = CAT.municipalities
    assert mine.height == 35 and set(mine["code5"]) == set(src)
    for r in mine.iter_rows(named=True):
        assert r["name_ja"] == src[r["code5"]]["name"]
        assert r["code6"] == src[r["code5"]]["code6"]
    pop = pl.read_csv(ROOT / "data/reference/population.csv", schema_overrides={"code5": pl.Utf8})
    with open(SHARED / "gunma_juki_age_population_2017_2022.csv", encoding="utf-8") as f:
        ref = [r for r in csv.DictReader(f) if r["level"] == "municipality"]
    assert len(ref) == 210
    for r in ref:
        row = pop.filter((pl.col("code5") == r["code5"]) & (pl.col("as_of") == r["as_of"]))
        assert row["pop65"][0] == int(r["pop65plus"]) and row["pop_total"][0] == int(r["total"])


def test_tile_grid_gives_each_municipality_its_own_tile() -> None:
    cells = set(zip(CAT.municipalities["tile_row"], CAT.municipalities["tile_col"], strict=True))
    assert len(cells) == 35


# Every figure in shared/seed/README.md, as (target id, baseline, target).
SEED_TARGETS = {
    "A1-2023": (35660, 41300), "A1-2025": (35660, 47500),
    "A2-2023": (6.1, 7.0), "A2-2025": (6.1, 8.0),
    "A3-2023": (644, 1200), "A3-2025": (644, 1865),
    "B1-2023": (10518, 11700), "B2-2021-23": (0, 1200),
    "C1-2021": (13, 22), "C1-2024": (13, 35),
    "D1-2024": (1781, None), "D2-2024": (60.7, 71.0),
    "E1-2024": (1198, None), "E2-2024": (48.4, 52.0),
}


def test_cli_progress_json_reproduces_every_seed_figure() -> None:
    official = METAS[0]
    assert official.kind == "official"
    out = json.loads(_cli("progress", "--format", "json", "--as-of", official.id))
    got = {t["target_id"]: t for t in out["targets"]}
    assert set(got) == set(SEED_TARGETS)
    for tid, (base, target) in SEED_TARGETS.items():
        assert got[tid]["baseline_value"] == base, tid
        if target is not None:
            assert got[tid]["target_value"] == target, tid
    # National averages the plan reports beside the prefecture's FY2021 scores.
    assert got["D1-2024"]["baseline_national_value"] == 2058
    assert got["D2-2024"]["baseline_national_value"] == 70.1
    assert got["E1-2024"]["baseline_national_value"] == 1273
    assert got["E2-2024"]["baseline_national_value"] == 51.4
    assert got["B2-2021-23"]["target_year"] == 2023 and got["C1-2021"]["target_year"] == 2021
    assert not out["sample_data_used"]
    # Latest view: sample data is flagged.
    latest = json.loads(_cli("progress", "--format", "json"))
    assert latest["sample_data_used"] and latest["as_of"] == METAS[-1].id


def test_full_marks_are_in_the_catalog() -> None:
    assert CAT.indicators["pref_score"].max_value == 2935
    assert CAT.indicators["muni_score"].max_value == 2475


def test_official_snapshot_holds_the_plans_actuals_with_sources() -> None:
    df = pl.read_parquet(STORE.path(METAS[0]))
    assert df["note"].null_count() == 0
    expect = {("kayoi_participants", "10000", 2020): 35660, ("kayoi_participation_rate", "10000", 2020): 6.1,
              ("kayoi_places_weekly", "10000", 2020): 644, ("supporters_cumulative", "10000", 2019): 10518,
              ("ittaiteki_implemented", "10000", 2020): 13, ("rehab_support_centre", "10000", 2020): 1,
              ("rehab_regional_centres", "10000", 2020): 11,
              ("pref_score", "10000", 2021): 1781, ("pref_score_rate", "10000", 2021): 60.7,
              ("pref_score", "00000", 2021): 2058, ("pref_score_rate", "00000", 2021): 70.1,
              ("muni_score", "10000", 2021): 1198, ("muni_score_rate", "10000", 2021): 48.4,
              ("muni_score", "00000", 2021): 1273, ("muni_score_rate", "00000", 2021): 51.4}
    for (ind, code, fy), v in expect.items():
        row = df.filter((pl.col("indicator_id") == ind) & (pl.col("municipality_code") == code)
                        & (pl.col("fiscal_year") == fy))
        assert row["value"].to_list() == [v], (ind, code, fy)


def test_sample_series_rolls_up_to_the_plans_real_figures() -> None:
    samples = [m for m in METAS if m.kind == "sample"]
    assert len(samples) >= 3
    assert all("サンプル" in m.label and "Sample" in m.label for m in samples)
    vals = data.values_for(db.connect(), STORE, CAT, samples, places=["10000"])

    def v(ind: str, fy: int) -> float:
        return float(vals.filter((pl.col("indicator_id") == ind) & (pl.col("fiscal_year") == fy))["value"][0])

    assert v("kayoi_participants", 2020) == 35660
    assert v("kayoi_places_weekly", 2020) == 644
    assert v("supporters_cumulative", 2019) == 10518
    assert v("ittaiteki_implemented", 2020) == 13
    assert v("ittaiteki_implemented", 2021) == 22
    assert v("muni_score", 2021) == pytest.approx(1198)
    assert round(v("muni_score_rate", 2021), 1) == 48.4
    # With the real 65+ population (official snapshot) the municipal values give the plan's 6.1 %.
    munis = data.values(db.connect(), STORE, CAT, indicator_ids=["kayoi_participants", "pop65"],
                        places=CAT.municipality_codes()).filter(pl.col("fiscal_year") == 2020)
    sums = munis.group_by("indicator_id").agg(pl.col("value").sum())
    total = dict(zip(sums["indicator_id"], sums["value"], strict=True))
    assert round(total["kayoi_participants"] / total["pop65"] * 100, 1) == 6.1


def test_sample_series_covers_every_indicator_from_fy2019_and_revises_once() -> None:
    samples = [m for m in METAS if m.kind == "sample"]
    frames = [pl.read_parquet(STORE.path(m)) for m in samples]
    allrows = pl.concat(frames)
    for ind in CAT.indicators.values():
        rows = allrows.filter(pl.col("indicator_id") == ind.id)
        if ind.rollup == "weighted_rate":
            continue  # derived from numerator and denominator, which are checked themselves
        assert rows.height, ind.id
        if ind.rollup != "none" and ind.policy_area != "context":
            munis = rows.filter(pl.col("municipality_code").is_in(CAT.municipality_codes()))
            for fy in range(2019, 2025):
                assert munis.filter(pl.col("fiscal_year") == fy)["municipality_code"].n_unique() == 35, (ind.id, fy)
    # A later snapshot revises an earlier key.
    keys = [set(map(tuple, f.select("indicator_id", "municipality_code", "fiscal_year").rows())) for f in frames]
    assert keys[0] & keys[1], "no revision in the sample series"


def test_sample_values_are_plausible_against_real_population() -> None:
    vals = data.values(db.connect(), STORE, CAT, indicator_ids=["kayoi_participation_rate"],
                       places=CAT.municipality_codes())
    assert vals.height >= 35 * 6
    assert vals["value"].min() > 1 and vals["value"].max() < 20  # type: ignore[operator]


def test_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts/generate_data.py"), str(tmp_path)], check=True,
                   capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    fresh = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "snapshots").glob("*.parquet")}
    shipped = {m.file: m.sha256 for m in METAS if m.publisher == "scripts/generate_data.py"}
    assert fresh == shipped


def test_cli_snapshots_lists_metadata() -> None:
    rows = json.loads(_cli("snapshots", "--format", "json"))
    assert [r["id"] for r in rows] == [m.id for m in METAS]
    assert {"label", "kind", "created_at", "source_name", "sha256", "rows"} <= set(rows[0])


def test_cli_table_for_a_village_shows_prefecture_targets_as_context_and_judges_its_own() -> None:
    out = _cli("progress", "--place", "10383", "--year", "2023")
    assert "南牧村" in out and "参考（県全体の目標）" in out  # a prefecture-wide target beside the village's figure
    assert "目標値に到達（目標年度前）" in out  # 一体的実施 applies to each municipality: 南牧村 already does it
    got = json.loads(_cli("progress", "--place", "10383", "--year", "2024", "--format", "json"))
    assert got["place_name"] == "南牧村"
    rows = {r["target_id"]: r for r in got["targets"]}
    assert set(rows) == {tg.id for tg in CAT.targets if tg.below != "none"}  # (not the prefecture's own D1/D2)
    # Only C1-2024 (below=each) is judged at the village, in its target year: 達成, saying what it rests on.
    judged = {tid: r for tid, r in rows.items() if r["status"] != "context"}
    assert list(judged) == ["C1-2024"]
    c1 = judged["C1-2024"]
    assert (c1["phase"], c1["status"], c1["target_value"], c1["actual_value"]) == ("final", "achieved", 1.0, 1.0)
    assert c1["status_text"] == "◎ 達成" and c1["verdict_detail"]
    # Every other row is context: the village's own figure and the prefecture's target, never a verdict or a share.
    for r in rows.values():
        if r["status"] == "context":
            assert r["phase"] == "context" and r["status_text"] == "・ 参考（県全体の目標）"
            assert r["share_of_way"] is None and r["gap"] is None and r["verdict_detail"] == ""
            assert r["actual_value"] is not None
