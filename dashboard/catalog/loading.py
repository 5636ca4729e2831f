"""Loading the catalog: the CSVs and labels of a catalog folder and the reference files read into one Catalog
(cached per folder pair: restart to apply an edited catalog)."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl

from dashboard.catalog.labels import inline_labels, read_labels
from dashboard.catalog.lookups import Catalog
from dashboard.catalog.readers import read_indicators, read_plans, read_targets
from dashboard.config import NATIONAL, PREFECTURE, catalog_dir, reference_dir


@functools.cache
def _load(cat_dir: Path, ref_dir: Path) -> Catalog:
    frames = {name: pl.read_csv(cat_dir / f"{name}.csv", infer_schema=False)
              for name in ("indicators", "targets", "policy_areas")}
    plans_df = pl.read_csv(cat_dir / "plans.csv", infer_schema=False) if (cat_dir / "plans.csv").is_file() else None
    munis = pl.read_csv(ref_dir / "municipalities.csv", infer_schema=False)
    areas = pl.read_csv(ref_dir / "areas.csv", infer_schema=False)
    if (cat_dir / "labels").is_dir():
        labels = read_labels(cat_dir / "labels")
    else:  # an older catalog or a test fixture: the texts sit in the CSVs' own name_<lang> ... columns
        labels = inline_labels({"indicator": [(frames["indicators"], "indicator_id")],
                                "target": [(frames["targets"], "target_id")],
                                "policy_area": [(frames["policy_areas"], "policy_area")],
                                "plan": [(plans_df, "plan")] if plans_df is not None else [],
                                "place": [(munis, "code5")]}, areas=areas)
    indicators = read_indicators(cat_dir / "indicators.csv", labels)
    targets = read_targets(cat_dir / "targets.csv", indicators, labels)
    plans = read_plans(cat_dir / "plans.csv", targets, labels)
    if labels.files:  # every entry has its texts in every language: a gap is an error here, not a blank on a page
        labels.require("indicator", list(indicators))
        labels.require("target", [tg.id for tg in targets])
        labels.require("policy_area", [str(a) for a in frames["policy_areas"]["policy_area"]])
        labels.require("plan", [p.id for p in plans] if plans_df is not None else [])
        labels.require("place", [PREFECTURE, NATIONAL, *map(str, areas["area_code"]), *map(str, munis["code5"])])
    used = {tg.plan for tg in targets}
    newest = next((p.id for p in reversed(plans) if p.id in used), plans[-1].id if plans else "")
    # The policy-area frame keeps a name column per language (name_ja, name_en, ...) for older readers.
    areas_df = frames["policy_areas"].drop([c for c in frames["policy_areas"].columns if c.startswith("name_")])
    areas_df = areas_df.with_columns([pl.Series(f"name_{lang}", [labels.text("policy_area", str(a), "name", lang)
                                                                 for a in areas_df["policy_area"]], dtype=pl.Utf8)
                                      for lang in labels.languages])
    return Catalog(
        indicators=indicators,
        # The newest plan that has targets is the default: every caller that does not choose sees its targets.
        targets=tuple(tg for tg in targets if tg.plan == newest),
        policy_areas=areas_df,
        municipalities=munis,
        areas=areas,
        indicators_csv=cat_dir / "indicators.csv",
        municipalities_csv=ref_dir / "municipalities.csv",
        plans=plans, plan=newest, all_targets=targets, labels=labels,
    )



def load_catalog() -> Catalog:
    """The catalog from the configured folders (cached per folder pair)."""
    return _load(catalog_dir(), reference_dir())
