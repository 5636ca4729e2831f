"""Build the bundled snapshots in data/snapshots/ (deterministic; same output on every run).

- 0001 official: the plan's real figures (prefecture actuals and national averages it
  reports) and the resident-register population of each municipality, each row with its source.
- 0002–0004 sample: FICTIONAL municipal values for every catalog indicator from FY2019 on,
  arriving over time (0003 revises FY2021 values). They roll up exactly to the plan's real
  prefecture figures where those exist and follow real 65+ populations.

Usage: python scripts/generate_data.py [DATA_DIR] [--seed N]   (refuses to run over existing snapshots)

--seed changes the fictional sample (0002–0004) and so their ids; the default, 20211, gives the bundled files.
The official snapshot (0001) does not depend on it. Tests that do not check the shipped figures must pass with
any seed (a check of that: regenerate with another seed into a copy of the project and run the fast tier).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.contract import to_parquet_bytes  # noqa: E402
from dashboard.storage import LocalStore  # noqa: E402

PLAN = "群馬県高齢者保健福祉計画（第8期）第2章"
JUKI = "総務省 住民基本台帳に基づく人口、人口動態及び世帯数調査"
SAMPLE_NOTE = "サンプル（架空）データ / sample (fictional) data"
SEED = 20211  # the bundled sample's

Row = tuple[str, str, int, float, str]


def _allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split an integer total in proportion to weights, summing exactly (largest remainder)."""
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def official_rows(pop: pl.DataFrame) -> list[Row]:
    """The plan's real figures plus real municipal population (FY2016–2021)."""
    rows: list[Row] = [
        ("kayoi_participants", "10000", 2020, 35660, f"{PLAN}1 通いの場の目標 令和2年度実績"),
        ("kayoi_participation_rate", "10000", 2020, 6.1, f"{PLAN}1 通いの場の目標 令和2年度実績"),
        ("kayoi_places_weekly", "10000", 2020, 644, f"{PLAN}1 通いの場の目標 令和2年度実績"),
        ("supporters_cumulative", "10000", 2019, 10518,
         f"{PLAN}1 介護予防関連サポーターの養成目標 令和元年度養成実績（介護予防サポーター初級）"),
        ("ittaiteki_implemented", "10000", 2020, 13, f"{PLAN}4 一体的実施を行っている市町村数 令和2年度実績"),
        ("rehab_support_centre", "10000", 2020, 1, f"{PLAN}2 令和2年4月1日現在"),
        ("rehab_regional_centres", "10000", 2020, 11, f"{PLAN}2 令和2年4月1日現在"),
        ("pref_score", "10000", 2021, 1781, f"{PLAN}5(1) 令和3年度評価結果（満点2,935点）"),
        ("pref_score_rate", "10000", 2021, 60.7, f"{PLAN}5(1) 令和3年度評価結果"),
        ("pref_score", "00000", 2021, 2058, f"{PLAN}5(1) 令和3年度 全国平均点"),
        ("pref_score_rate", "00000", 2021, 70.1, f"{PLAN}5(1) 令和3年度 全国平均得点率"),
        ("muni_score", "10000", 2021, 1198, f"{PLAN}5(2) 令和3年度 県内平均点（満点2,475点）"),
        ("muni_score_rate", "10000", 2021, 48.4, f"{PLAN}5(2) 令和3年度 県内平均得点率"),
        ("muni_score", "00000", 2021, 1273, f"{PLAN}5(2) 令和3年度 全国平均点"),
        ("muni_score_rate", "00000", 2021, 51.4, f"{PLAN}5(2) 令和3年度 全国平均得点率"),
    ]
    for r in pop.filter(pl.col("code5") != "10000").iter_rows(named=True):
        note = f"{JUKI}（{r['as_of']}現在）"
        for col in ("pop_total", "pop65", "pop75"):
            rows.append((col, r["code5"], r["fiscal_year"], r[col], note))
    return rows


def sample_rows(pop: pl.DataFrame, codes: list[str], types: dict[str, str],
                seed: int = SEED) -> dict[int, list[Row]]:
    """Fictional municipal series, FY2019–2024, keyed by the year they are released in."""
    rnd = random.Random(seed)
    last = {r["code5"]: r for r in pop.filter(pl.col("fiscal_year") == 2021).iter_rows(named=True)}
    first = {r["code5"]: r for r in pop.filter(pl.col("fiscal_year") == 2019).iter_rows(named=True)}
    years = range(2019, 2025)
    out: list[Row] = []

    def pop65(code: str, fy: int) -> float:
        if fy <= 2021:
            return float(pop.filter((pl.col("code5") == code) & (pl.col("fiscal_year") == fy))["pop65"][0])
        # Beyond the real series: continue each municipality's FY2019–21 trend (sample).
        step = (last[code]["pop65"] - first[code]["pop65"]) / 2
        return last[code]["pop65"] + step * (fy - 2021)

    # Sample population FY2022–2025 (denominators for rates), projected from the real trend.
    for fy in range(2022, 2026):
        for c in codes:
            p65 = round(pop65(c, fy))
            tot = round(last[c]["pop_total"] * (1 - 0.006 * (fy - 2021)))
            p75 = round(last[c]["pop75"] * (1 + 0.025 * (fy - 2021)))
            out += [("pop_total", c, fy, tot, SAMPLE_NOTE), ("pop65", c, fy, p65, SAMPLE_NOTE),
                    ("pop75", c, fy, p75, SAMPLE_NOTE)]

    propensity = {c: rnd.uniform(0.55, 1.5) for c in codes}
    city_boost = {c: (1.3 if types[c] == "city" else 1.0) for c in codes}

    def series(ind: str, totals: dict[int, int], base: dict[str, float]) -> None:
        for fy, total in totals.items():
            w = {c: base[c] * rnd.uniform(0.9, 1.1) for c in codes}
            for c, v in _allocate(total, w).items():
                out.append((ind, c, fy, v, SAMPLE_NOTE))

    w65 = {c: pop65(c, 2020) * propensity[c] for c in codes}
    series("kayoi_participants",
           {2019: 37820, 2020: 35660, 2021: 37410, 2022: 39290, 2023: 41060, 2024: 43120}, w65)
    series("kayoi_places_weekly", {2019: 612, 2020: 644, 2021: 758, 2022: 897, 2023: 1046, 2024: 1231},
           {c: pop65(c, 2020) * propensity[c] ** 0.5 for c in codes})
    new = {2019: 402, 2020: 251, 2021: 283, 2022: 301, 2023: 322, 2024: 340}
    new_by = {fy: _allocate(t, {c: pop65(c, 2020) * rnd.uniform(0.6, 1.4) for c in codes})
              for fy, t in new.items()}
    cum = _allocate(10518, {c: pop65(c, 2020) * city_boost[c] for c in codes})
    for fy in years:
        for c in codes:
            if fy > 2019:
                cum[c] += new_by[fy][c]
            out.append(("supporters_cumulative", c, fy, cum[c], SAMPLE_NOTE))
            out.append(("supporters_new", c, fy, new_by[fy][c], SAMPLE_NOTE))
    series("frailty_leaders_trained", {2019: 96, 2020: 58, 2021: 131, 2022: 174, 2023: 205, 2024: 236}, w65)
    series("rehab_dispatch_kayoi", {2019: 640, 2020: 410, 2021: 702, 2022: 815, 2023: 903, 2024: 968}, w65)
    series("rehab_dispatch_care_meeting", {2019: 388, 2020: 301, 2021: 420, 2022: 466, 2023: 512, 2024: 540}, w65)
    series("rehab_dispatch_training", {2019: 122, 2020: 64, 2021: 118, 2022: 139, 2023: 151, 2024: 160}, w65)
    series("care_meetings_held", {2019: 352, 2020: 298, 2021: 371, 2022: 402, 2023: 436, 2024: 455}, w65)
    series("care_meeting_cases", {2019: 905, 2020: 744, 2021: 968, 2022: 1062, 2023: 1140, 2024: 1187}, w65)
    series("care_meeting_advisers", {2019: 41, 2020: 33, 2021: 47, 2022: 52, 2023: 58, 2024: 60},
           {c: 1.0 for c in codes})

    # Flags: each municipality starts in one year and stays (counts match the plan where known).
    def flags(ind: str, counts: dict[int, int]) -> None:
        order = sorted(codes, key=lambda c: (-city_boost[c] * rnd.random(), c))
        for fy in years:
            on = set(order[: counts[fy]])
            for c in codes:
                out.append((ind, c, fy, 1.0 if c in on else 0.0, SAMPLE_NOTE))

    flags("ittaiteki_implemented", {2019: 0, 2020: 13, 2021: 22, 2022: 29, 2023: 33, 2024: 35})
    flags("volunteer_point_scheme", {2019: 8, 2020: 10, 2021: 12, 2022: 14, 2023: 16, 2024: 18})

    # Municipal incentive-grant scores (evaluation years); FY2021 averages exactly 1,198.
    mean_score = {2019: 1105, 2020: 1150, 2021: 1198, 2022: 1240, 2023: 1262, 2024: 1301}
    skill = {c: rnd.gauss(0, 180) + (60 if types[c] == "city" else 0) for c in codes}
    for fy, mean in mean_score.items():
        raw = {c: max(400.0, mean + skill[c] + rnd.gauss(0, 60)) for c in codes}
        shift = mean - sum(raw.values()) / len(codes)
        ints = _allocate(mean * len(codes), {c: raw[c] + shift for c in codes})
        for c, v in ints.items():
            out.append(("muni_score", c, fy, v, SAMPLE_NOTE))
            out.append(("muni_score_rate", c, fy, v / 2475 * 100, SAMPLE_NOTE))

    # Prefecture-only series (sample) and national averages after the plan's FY2021 (sample).
    pref: list[tuple[str, int, float]] = [("rehab_support_centre", y, 1) for y in range(2021, 2025)]
    pref += [("rehab_regional_centres", y, 11) for y in range(2021, 2025)]
    pref += [("care_meeting_trainings", y, n) for y, n in
             {2019: 6, 2020: 3, 2021: 7, 2022: 8, 2023: 8, 2024: 9}.items()]
    pref += [("pref_score", 2022, 1905), ("pref_score_rate", 2022, 64.9),
             ("pref_score", 2023, 1968), ("pref_score_rate", 2023, 67.1),
             ("pref_score", 2024, 2012), ("pref_score_rate", 2024, 68.6)]
    for ind, fy, val in pref:
        out.append((ind, "10000", fy, float(val), SAMPLE_NOTE))
    nat: list[tuple[str, int, float]] = [("pref_score", 2022, 2101), ("pref_score_rate", 2022, 71.6),
           ("pref_score", 2023, 2122), ("pref_score_rate", 2023, 72.3),
           ("pref_score", 2024, 2140), ("pref_score_rate", 2024, 72.9),
           ("muni_score", 2022, 1290), ("muni_score_rate", 2022, 52.1),
           ("muni_score", 2023, 1302), ("muni_score_rate", 2023, 52.6),
           ("muni_score", 2024, 1311), ("muni_score_rate", 2024, 53.0)]
    for ind, fy, val in nat:
        out.append((ind, "00000", fy, float(val), SAMPLE_NOTE))

    releases: dict[int, list[Row]] = {2021: [], 2022: [], 2024: []}
    for r in out:
        releases[2021 if r[2] <= 2021 else 2022 if r[2] == 2022 else 2024].append(r)
    # The FY2022 release also corrects two FY2021 figures (a late report and a recount).
    fixes = {("kayoi_participants", "10201"): 118, ("kayoi_places_weekly", "10202"): 9}
    for r in releases[2021]:
        if (r[0], r[1]) in fixes and r[2] == 2021:
            releases[2022].append((r[0], r[1], 2021, r[3] + fixes[(r[0], r[1])],
                                   SAMPLE_NOTE + " 修正 / revised"))
    return releases


def frame(rows: list[Row]) -> pl.DataFrame:
    """Rows in the snapshot contract's column order and types."""
    return pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8,
                                      "fiscal_year": pl.Int32, "value": pl.Float64, "note": pl.Utf8},
                        orient="row").sort("indicator_id", "municipality_code", "fiscal_year")


def main(data_dir: Path, seed: int = SEED) -> None:
    """Publish the official snapshot and the sample series through the normal store."""
    store = LocalStore(data_dir)
    if store.list():
        sys.exit(f"{data_dir}/snapshots already holds snapshots; published files are never rewritten")
    ref = ROOT / "data" / "reference"
    pop = pl.read_csv(ref / "population.csv", schema_overrides={"code5": pl.Utf8})
    munis = pl.read_csv(ref / "municipalities.csv", infer_schema=False)
    codes = munis["code5"].to_list()
    types = dict(zip(codes, munis["type_en"].to_list(), strict=True))

    def publish(rows: list[Row], label: str, kind: str, created: str, name: str) -> None:
        df = frame(rows)
        meta = store.publish(to_parquet_bytes(df), label=label, kind=kind, source_name=name,
                             rows=df.height, publisher="scripts/generate_data.py", created_at=created)
        print(f"{meta.id}  {kind:8}  {meta.rows:6} rows  {label}")

    publish(official_rows(pop), "計画（第8期）第2章の実績値と住民基本台帳人口 / Plan figures and resident population",
            "official", "2021-03-31T00:00:00Z", "official_plan_ch2.parquet")
    rel = sample_rows(pop, codes, types, seed)
    publish(rel[2021], "サンプル（架空）令和元～3年度 / Sample (fictional) FY2019–2021", "sample",
            "2022-07-01T00:00:00Z", "sample_fy2019_2021.parquet")
    publish(rel[2022], "サンプル（架空）令和4年度・令和3年度修正 / Sample (fictional) FY2022 + FY2021 revisions",
            "sample", "2023-07-01T00:00:00Z", "sample_fy2022.parquet")
    publish(rel[2024], "サンプル（架空）令和5～6年度 / Sample (fictional) FY2023–2024", "sample",
            "2025-07-01T00:00:00Z", "sample_fy2023_2024.parquet")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Build the bundled snapshots.")
    ap.add_argument("data_dir", nargs="?", type=Path, default=ROOT / "data")
    ap.add_argument("--seed", type=int, default=SEED, help=f"the sample's random seed (default {SEED})")
    args = ap.parse_args()
    main(args.data_dir, args.seed)
