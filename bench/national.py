"""Deterministic national-scale data in the snapshot contract, with its own catalog.

Layout of a generated folder (never committed; a temp folder or bench/out/):
    snapshots/      published through storage.LocalStore, exactly as uploads would be
    catalog/        indicators.csv (the bundled indicators plus synthetic ones), targets.csv,
                    policy_areas.csv (copies of the bundled ones)
    reference/      municipalities.csv (code5, area_code = prefecture 'P01'..'P47'), areas.csv

The 35 real Gunma codes are among the municipalities and every bundled indicator id is in the
data, so the dashboard itself (bundled catalog) runs over this folder at national data volume.
Snapshots arrive year by year, each fiscal year in a few indicator chunks, then a tail of
revision snapshots that restate a slice of earlier values (the as-of rule has work to do).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from dashboard import contract
from dashboard.catalog import Catalog, read_indicators, read_targets
from dashboard.config import PREFECTURE, ROOT
from dashboard.storage import LocalStore

BUNDLED_CATALOG = ROOT / "data" / "catalog"
BUNDLED_REFERENCE = ROOT / "data" / "reference"
N_PREFECTURES = 47
GUNMA = 10


@dataclass(frozen=True)
class Scale:
    """How big the generated data set is."""

    municipalities: int = 1741
    years: int = 20
    indicators: int = 220
    snapshots: int = 50
    first_year: int = 2005
    revision_share: float = 0.02  # share of one year's rows restated by each revision snapshot


NATIONAL = Scale()
TINY = Scale(municipalities=60, years=3, indicators=30, snapshots=6, first_year=2020)


@dataclass(frozen=True)
class Generated:
    """What was written."""

    root: Path
    rows: int
    snapshots: int
    indicators: int
    municipalities: int
    years: int


def _municipalities(n: int) -> pl.DataFrame:
    """n municipality codes over 47 prefectures; Gunma's are the 35 real ones."""
    gunma = pl.read_csv(BUNDLED_REFERENCE / "municipalities.csv", infer_schema=False)
    g_codes = gunma["code5"].to_list()
    g_names = dict(zip(g_codes, gunma["name_ja"].to_list(), strict=True))
    g_en = dict(zip(g_codes, gunma["name_en"].to_list(), strict=True))
    others = max(n - len(g_codes), 0)
    per = [others // (N_PREFECTURES - 1) + (1 if i < others % (N_PREFECTURES - 1) else 0)
           for i in range(N_PREFECTURES - 1)]
    rows: list[tuple[str, str, str, str]] = []
    pref_iter = iter(per)
    for p in range(1, N_PREFECTURES + 1):
        if p == GUNMA:
            codes = g_codes[: n if n < len(g_codes) else None]
            rows += [(c, g_names[c], g_en[c], f"P{p:02d}") for c in codes]
            continue
        for k in range(next(pref_iter)):
            code = f"{p:02d}{201 + k:03d}"
            rows.append((code, f"市町村{code}", f"Municipality {code}", f"P{p:02d}"))
    rows = rows[:n]
    return pl.DataFrame(rows, schema=["code5", "name_ja", "name_en", "area_code"], orient="row")


def _indicators(n: int) -> pl.DataFrame:
    """The bundled indicators plus synthetic groups (count, denominator, weighted rate, score, flag)."""
    base = pl.read_csv(BUNDLED_CATALOG / "indicators.csv", infer_schema=False)
    rows: list[dict[str, str]] = []
    group = 0
    while base.height + len(rows) < n:
        g = f"syn{group:03d}"
        area = str(group % 5 + 1)
        common = {"policy_area": area, "direction": "higher", "numerator": "", "denominator": "",
                  "scale": "", "max_value": "", "per_pop65": "false", "definition_ja": "合成指標（ベンチマーク用）",
                  "definition_en": "Synthetic indicator (benchmark)", "source": "bench.national"}
        spec = [
            (f"{g}_count", "count", "sum", {"unit_ja": "人", "unit_en": "people", "per_pop65": "true"}),
            (f"{g}_base", "count", "sum", {"unit_ja": "人", "unit_en": "people"}),
            (f"{g}_rate", "rate", "weighted_rate", {"unit_ja": "%", "unit_en": "%", "numerator": f"{g}_count",
                                                      "denominator": f"{g}_base", "scale": "100", "max_value": "100"}),
            (f"{g}_score", "score", "mean", {"unit_ja": "点", "unit_en": "points", "max_value": "100"}),
            (f"{g}_flag", "flag", "count_flag", {"unit_ja": "市町村", "unit_en": "municipalities", "max_value": "1"}),
        ]
        for j, (iid, kind, rollup, extra) in enumerate(spec):
            rows.append({**common, "indicator_id": iid, "sort": str(1000 + group * 10 + j),
                         "name_ja": f"合成{group}-{j}", "name_en": f"Synthetic {group}-{j}",
                         "kind": kind, "rollup": rollup, **extra})
        group += 1
    syn = pl.DataFrame(rows) if rows else base.clear()
    syn = syn.with_columns([pl.lit("").alias(c) for c in base.columns if c not in syn.columns]).select(base.columns)
    return pl.concat([base, syn])


def _values(rng: np.random.Generator, ind: pl.DataFrame, n_muni: int, year_idx: int) -> np.ndarray:
    """Plausible values for every (indicator, municipality) at one year: shape (indicators, munis)."""
    kinds = ind["kind"].to_list()
    out = np.empty((len(kinds), n_muni))
    for i, k in enumerate(kinds):
        if k == "flag":
            out[i] = (rng.random(n_muni) < 0.2 + 0.03 * year_idx).astype(float)
        elif k == "score":
            out[i] = np.round(rng.uniform(20, 95, n_muni), 1)
        elif k == "rate":
            out[i] = np.round(rng.uniform(1, 60, n_muni), 2)
        else:
            out[i] = np.round(rng.lognormal(6 + 0.01 * year_idx, 1.2, n_muni))
    return out


def generate(root: Path, scale: Scale = NATIONAL, seed: int = 20240401) -> Generated:
    """Write catalog, reference and published snapshots under root (emptied first); deterministic."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    (root / "catalog").mkdir(parents=True)
    (root / "reference").mkdir()
    munis = _municipalities(scale.municipalities)
    inds = _indicators(scale.indicators)
    munis.write_csv(root / "reference" / "municipalities.csv")
    areas = (munis.group_by("area_code", maintain_order=True)
             .agg(pl.col("code5").str.join(" ").alias("member_codes"))
             .with_columns(name_ja=pl.col("area_code"), name_en=pl.col("area_code"))
             .select("area_code", "name_ja", "name_en", "member_codes"))
    areas.write_csv(root / "reference" / "areas.csv")
    inds.write_csv(root / "catalog" / "indicators.csv")
    for name in ("targets.csv", "policy_areas.csv"):
        shutil.copy(BUNDLED_CATALOG / name, root / "catalog" / name)

    # Derived rates are computed by the query layer; prefecture-only indicators get one row.
    muni_inds = inds.filter(~pl.col("rollup").is_in(["weighted_rate", "none"]))
    pref_inds = inds.filter(pl.col("rollup") == "none")["indicator_id"].to_list()
    codes = np.array(munis["code5"].to_list(), dtype=object)
    ids = np.array(muni_inds["indicator_id"].to_list(), dtype=object)
    # Each fiscal year arrives in `chunks` snapshots; the rest of the snapshot budget are revisions.
    chunks = max((scale.snapshots - max(scale.snapshots // 5, 1)) // scale.years, 1)
    n_rev = max(scale.snapshots - chunks * scale.years, 1)
    rng = np.random.default_rng(seed)
    store = LocalStore(root)
    total = n_snaps = 0
    year_frames: dict[int, pl.DataFrame] = {}

    def publish(df: pl.DataFrame, label: str) -> None:
        nonlocal total, n_snaps
        n_snaps += 1
        stamp = f"2030-01-01T00:{n_snaps // 60:02d}:{n_snaps % 60:02d}Z"
        store.publish(contract.to_parquet_bytes(df), label=label, kind="sample", source_name=f"{label}.parquet",
                      rows=df.height, publisher="bench", created_at=stamp)
        total += df.height

    for yi in range(scale.years):
        year = scale.first_year + yi
        vals = _values(rng, muni_inds, len(codes), yi)
        df = pl.DataFrame({
            "indicator_id": np.repeat(ids, len(codes)).tolist(),
            "municipality_code": np.tile(codes, len(ids)).tolist(),
            "fiscal_year": np.full(vals.size, year, dtype=np.int32),
            "value": vals.ravel(),
        })
        if pref_inds:
            df = pl.concat([df, pl.DataFrame({
                "indicator_id": pref_inds, "municipality_code": [PREFECTURE] * len(pref_inds),
                "fiscal_year": np.full(len(pref_inds), year, dtype=np.int32),
                "value": np.round(rng.uniform(50, 95, len(pref_inds)), 1)})])
        year_frames[year] = df
        chunk_of = pl.col("indicator_id").hash(seed) % chunks
        for c in range(chunks):
            publish(df.filter(chunk_of == c), f"FY{year}-part{c + 1}")
    for r in range(n_rev):
        year = scale.first_year + (r * 7) % scale.years
        df = year_frames[year]
        pick = rng.random(df.height) < scale.revision_share
        rev = df.filter(pl.Series(pick)).with_columns(pl.col("value") * 1.05)
        publish(rev, f"revision{r + 1}-FY{year}")
    return Generated(root=root, rows=total, snapshots=n_snaps, indicators=inds.height,
                     municipalities=munis.height, years=scale.years)


def national_catalog(root: Path) -> Catalog:
    """A Catalog over a generated folder (built from the catalog module's own readers)."""
    root = Path(root)
    indicators = read_indicators(root / "catalog" / "indicators.csv")
    return Catalog(
        indicators=indicators,
        targets=read_targets(root / "catalog" / "targets.csv", indicators),
        policy_areas=pl.read_csv(root / "catalog" / "policy_areas.csv", infer_schema=False),
        municipalities=pl.read_csv(root / "reference" / "municipalities.csv", infer_schema=False),
        areas=pl.read_csv(root / "reference" / "areas.csv", infer_schema=False),
        indicators_csv=root / "catalog" / "indicators.csv",
        municipalities_csv=root / "reference" / "municipalities.csv",
    )


if __name__ == "__main__":
    import sys
    import time

    t0 = time.perf_counter()
    g = generate(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "bench" / "out" / "national"))
    print(g, f"{time.perf_counter() - t0:.1f} s")
