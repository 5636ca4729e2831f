"""The catalog CSV readers (indicators.csv, targets.csv, plans.csv) and their checks: a bad row is a
ValueError naming the file and the entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from dashboard.catalog.entries import (
    KINDS,
    ROLLUPS,
    TARGET_BELOW,
    TARGET_KINDS,
    TARGET_LEVELS,
    Indicator,
    Plan,
    Target,
)
from dashboard.catalog.labels import Labels, _txt, inline_labels


def _opt_float(v: object) -> float | None:
    return None if v is None or v == "" else float(v)  # type: ignore[arg-type]


def _opt_int(v: object) -> int | None:
    return None if v is None or v == "" else int(v)  # type: ignore[call-overload]


def _opt_bool(v: object, default: bool) -> bool:
    return default if v is None or v == "" else str(v).strip().lower() == "true"


# Bounds by kind when the catalog leaves them empty: (integer, minimum, maximum).
KIND_BOUNDS: dict[str, tuple[bool, float | None, float | None]] = {
    "count": (True, 0.0, None), "rate": (False, 0.0, 100.0), "score": (False, 0.0, None), "flag": (True, 0.0, 1.0)}


def read_indicators(path: Path, labels: Labels | None = None) -> dict[str, Indicator]:
    """Parse indicators.csv, checking kinds, roll-ups, numerator and bound references (texts from labels,
    else from the file's own name_<lang> ... columns)."""
    df = pl.read_csv(path, infer_schema=False)
    lab = labels if labels is not None else inline_labels({"indicator": [(df, "indicator_id")]})
    for c in ("integer", "min_value", "max_value", "max_ref", "max_ref_ratio"):  # older catalogs lack them
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.Utf8).alias(c))
    out: dict[str, Indicator] = {}
    for r in df.iter_rows(named=True):
        ind = _indicator(r, lab)
        if ind.kind not in KINDS or ind.rollup not in ROLLUPS or ind.direction not in ("higher", "lower"):
            raise ValueError(f"indicators.csv: bad kind/rollup/direction for {ind.id}")
        if (ind.max_ref is None) != (ind.max_ref_ratio is None):
            raise ValueError(f"indicators.csv: {ind.id} needs both max_ref and max_ref_ratio, or neither")
        out[ind.id] = ind
    # References are checked once every row is read: a numerator or a bound may come later in the file.
    _check_references(out)
    return out


def _check_references(out: dict[str, Indicator]) -> None:
    """Every weighted rate's numerator and denominator, and every relative bound, names a known indicator."""
    for ind in out.values():
        if ind.rollup == "weighted_rate" and (ind.numerator not in out or ind.denominator not in out):
            raise ValueError(f"indicators.csv: {ind.id} needs known numerator and denominator")
        if ind.max_ref is not None and (ind.max_ref not in out or ind.max_ref == ind.id):
            raise ValueError(f"indicators.csv: {ind.id} is bounded by an unknown indicator {ind.max_ref}")


def _indicator(r: dict[str, Any], lab: Labels) -> Indicator:
    """One row of indicators.csv, its empty bounds filled from KIND_BOUNDS (unchecked)."""
    whole, lo, hi = KIND_BOUNDS.get(r["kind"], (False, None, None))
    mx = _opt_float(r["max_value"])
    return Indicator(
        id=r["indicator_id"], policy_area=r["policy_area"], sort=int(r["sort"]),
        name_ja=_txt(lab, "indicator", r["indicator_id"], "name", "ja"),
        name_en=_txt(lab, "indicator", r["indicator_id"], "name", "en"),
        unit_ja=_txt(lab, "indicator", r["indicator_id"], "unit", "ja"),
        unit_en=_txt(lab, "indicator", r["indicator_id"], "unit", "en"),
        kind=r["kind"], direction=r["direction"], rollup=r["rollup"],
        numerator=r["numerator"] or None, denominator=r["denominator"] or None,
        scale=_opt_float(r["scale"]), max_value=hi if mx is None else mx,
        per_pop65=(r["per_pop65"] or "").lower() == "true",
        definition_ja=_txt(lab, "indicator", r["indicator_id"], "definition", "ja"),
        definition_en=_txt(lab, "indicator", r["indicator_id"], "definition", "en"), source=r["source"],
        integer=_opt_bool(r["integer"], whole),
        min_value=lo if _opt_float(r["min_value"]) is None else _opt_float(r["min_value"]),
        max_ref=r["max_ref"] or None, max_ref_ratio=_opt_float(r["max_ref_ratio"]), labels=lab,
    )


def read_plans(path: Path, targets: tuple[Target, ...], labels: Labels | None = None) -> tuple[Plan, ...]:
    """Parse plans.csv (oldest first); without the file, one unnamed period per plan the targets name."""
    if not path.is_file():
        ids = sorted({tg.plan for tg in targets}, key=_plan_order)
        return tuple(Plan(p, p, p, min(tg.baseline_year for tg in targets if tg.plan == p),
                          max(tg.target_year for tg in targets if tg.plan == p)) for p in ids)
    df = pl.read_csv(path, infer_schema=False)
    lab = labels if labels is not None else inline_labels({"plan": [(df, "plan")]})
    out = [Plan(id=str(r["plan"]), name_ja=_txt(lab, "plan", str(r["plan"]), "name", "ja"),
                name_en=_txt(lab, "plan", str(r["plan"]), "name", "en"),
                first_year=int(r["first_year"]), last_year=int(r["last_year"]), labels=lab)
           for r in df.iter_rows(named=True)]
    known = {p.id for p in out}
    for tg in targets:
        if tg.plan not in known:
            raise ValueError(f"targets.csv: {tg.id} names an unknown plan {tg.plan!r} (plans.csv)")
    return tuple(sorted(out, key=lambda p: (p.first_year, _plan_order(p.id))))


def _plan_order(plan: str) -> tuple[int, str]:
    return (int(plan), "") if plan.isdigit() else (10**9, plan)


def read_targets(path: Path, indicators: dict[str, Indicator], labels: Labels | None = None) -> tuple[Target, ...]:
    """Parse targets.csv, checking that each target names a known indicator and kind."""
    df = pl.read_csv(path, infer_schema=False)
    lab = labels if labels is not None else inline_labels({"target": [(df, "target_id")]})
    if "plan" not in df.columns:  # older catalogs: one plan
        df = df.with_columns(pl.lit("8").alias("plan"))
    out = []
    for r in df.iter_rows(named=True):
        t = Target(
            id=r["target_id"], indicator_id=r["indicator_id"], scope=r["scope"],
            baseline_year=int(r["baseline_year"]), baseline_value=float(r["baseline_value"]),
            target_year=int(r["target_year"]), target_value=_opt_float(r["target_value"]),
            kind=r["kind"], period_start=_opt_int(r["period_start"]), period_end=_opt_int(r["period_end"]),
            plan_table=r["plan_table"], plan_section=r["plan_section"],
            label_ja=_txt(lab, "target", r["target_id"], "label", "ja"),
            label_en=_txt(lab, "target", r["target_id"], "label", "en"), plan=str(r["plan"] or "").strip(),
            level=(r.get("level") or "prefecture_total").strip(), below=(r.get("below") or "context").strip(),
            labels=lab,
        )
        if t.indicator_id not in indicators or t.kind not in TARGET_KINDS:
            raise ValueError(f"targets.csv: bad indicator or kind in {t.id}")
        if t.level not in TARGET_LEVELS or t.below not in TARGET_BELOW:
            raise ValueError(f"targets.csv: bad level or below in {t.id}")
        out.append(t)
    return tuple(out)
