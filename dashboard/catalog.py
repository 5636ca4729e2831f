"""Indicators, targets, policy areas and places, read from the catalog and reference files."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from dashboard.config import NATIONAL, PREFECTURE, catalog_dir, reference_dir

KINDS = ("count", "rate", "score", "flag")
ROLLUPS = ("sum", "weighted_rate", "mean", "count_flag", "none")
TARGET_KINDS = ("level", "cumulative", "period_total", "above_national")


@dataclass(frozen=True)
class Indicator:
    """One catalog indicator."""

    id: str
    policy_area: str
    sort: int
    name_ja: str
    name_en: str
    unit_ja: str
    unit_en: str
    kind: str
    direction: str
    rollup: str
    numerator: str | None
    denominator: str | None
    scale: float | None
    max_value: float | None
    per_pop65: bool
    definition_ja: str
    definition_en: str
    source: str
    # Plausible bounds (validation). Defaults follow the kind, so a catalog without these columns still loads:
    # counts and flags are whole numbers, counts >= 0, rates 0-100, flags 0/1 per municipality.
    integer: bool = False  # a whole number at every place level (a sum or count of whole numbers stays whole)
    min_value: float | None = None
    max_ref: str | None = None  # an indicator the value is bounded by, at the same place and year (e.g. pop65)
    max_ref_ratio: float | None = None  # value <= max_ref_ratio x that indicator's value

    def name(self, lang: str) -> str:
        """Name in the given language."""
        return self.name_ja if lang == "ja" else self.name_en

    def unit(self, lang: str) -> str:
        """Unit in the given language."""
        return self.unit_ja if lang == "ja" else self.unit_en

    def definition(self, lang: str) -> str:
        """Definition in the given language."""
        return self.definition_ja if lang == "ja" else self.definition_en


@dataclass(frozen=True)
class Target:
    """One plan target (data, from targets.csv)."""

    id: str
    indicator_id: str
    scope: str
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float | None
    kind: str
    period_start: int | None
    period_end: int | None
    plan_table: str
    plan_section: str
    label_ja: str
    label_en: str
    plan: str = ""  # the plan period the target belongs to (plans.csv)

    def label(self, lang: str) -> str:
        """Label in the given language."""
        return self.label_ja if lang == "ja" else self.label_en


@dataclass(frozen=True)
class Plan:
    """One plan period (plans.csv): its targets are chosen together."""

    id: str
    name_ja: str
    name_en: str
    first_year: int
    last_year: int

    def name(self, lang: str) -> str:
        """Name in the given language."""
        return self.name_ja if lang == "ja" else self.name_en


@dataclass(frozen=True)
class PolicyArea:
    """One policy area of the plan and what its page shows (policy_areas.csv columns, not code)."""

    id: str
    name_ja: str
    name_en: str
    page: bool  # has a page of its own (the population context has none)
    targets: bool  # headline progress towards targets
    timeline: bool  # the implementation timeline of its flag indicators (一体的実施: municipalities by year)
    comparison: bool  # the municipal comparison (ranking, tiles, map)

    def name(self, lang: str) -> str:
        """Name in the given language."""
        return self.name_ja if lang == "ja" else self.name_en

    @property
    def page_name(self) -> str:
        """The page's name and URL path (area1, area2, ...)."""
        return f"area{self.id}"


@dataclass(frozen=True)
class Catalog:
    """Everything the dashboard knows about indicators, targets, areas and places."""

    indicators: dict[str, Indicator]
    targets: tuple[Target, ...]
    policy_areas: pl.DataFrame
    municipalities: pl.DataFrame
    areas: pl.DataFrame
    indicators_csv: Path
    municipalities_csv: Path
    plans: tuple[Plan, ...] = ()  # every plan period, oldest first
    plan: str = ""  # the plan whose targets are in `targets`
    all_targets: tuple[Target, ...] = ()  # every plan's targets

    def plans_with_targets(self) -> list[Plan]:
        """Plan periods that have at least one target, oldest first."""
        used = {tg.plan for tg in self.all_targets}
        return [p for p in self.plans if p.id in used]

    def plan_name(self, lang: str, plan: str | None = None) -> str:
        """The name of a plan period (default: the catalog's plan)."""
        pid = plan or self.plan
        return next((p.name(lang) for p in self.plans if p.id == pid), pid)

    def for_plan(self, plan: str | None) -> Catalog:
        """The catalog with the targets of one plan period (the default plan when unknown or None)."""
        return self._by_plan.get(plan or self.plan, self)

    @functools.cached_property
    def _by_plan(self) -> dict[str, Catalog]:
        return {p.id: replace(self, targets=tuple(tg for tg in self.all_targets if tg.plan == p.id), plan=p.id)
                for p in self.plans}

    def areas_info(self) -> list[PolicyArea]:
        """Every policy area in catalog order, with what its page shows."""
        def flag(r: dict[str, str | None], col: str, default: bool) -> bool:
            return _opt_bool(r.get(col), default)
        return [PolicyArea(id=str(r["policy_area"]), name_ja=str(r["name_ja"]), name_en=str(r["name_en"]),
                           page=flag(r, "page", r["policy_area"] != "context"),
                           targets=flag(r, "has_targets", False), timeline=flag(r, "timeline", False),
                           comparison=flag(r, "comparison", r["policy_area"] != "context"))
                for r in self.policy_areas.iter_rows(named=True)]

    def area_info(self, area_id: str) -> PolicyArea:
        """One policy area (KeyError when unknown)."""
        found = next((a for a in self.areas_info() if a.id == area_id), None)
        if found is None:
            raise KeyError(area_id)
        return found

    def indicators_in(self, policy_area: str) -> list[Indicator]:
        """Indicators of one policy area in display order."""
        return sorted((i for i in self.indicators.values() if i.policy_area == policy_area),
                      key=lambda i: i.sort)

    def targets_for(self, indicator_id: str | None = None, scope: str | None = None) -> list[Target]:
        """Targets, optionally filtered by indicator and scope."""
        return [t for t in self.targets
                if (indicator_id is None or t.indicator_id == indicator_id)
                and (scope is None or t.scope == scope)]

    def municipality_codes(self) -> list[str]:
        """The 35 municipality codes in code order."""
        return self.municipalities["code5"].to_list()

    def area_codes(self) -> list[str]:
        """The 10 老人福祉圏域 codes."""
        return self.areas["area_code"].to_list()

    def place_codes(self) -> list[str]:
        """Every place the dashboard can show: prefecture, areas, municipalities."""
        return [PREFECTURE, *self.area_codes(), *self.municipality_codes()]

    @functools.cached_property
    def _places(self) -> dict[str, tuple[str, str, str]]:
        # code -> (kind, Japanese name, English name), built once: the place picker asks for ~50 names
        # on every rerun, and a frame filter per name was most of a cached rerun's time.
        out = {PREFECTURE: ("prefecture", "群馬県", "Gunma Prefecture"),
               NATIONAL: ("national", "全国", "Japan (national)")}
        for r in self.areas.iter_rows(named=True):
            out[r["area_code"]] = ("area", f"{r['name_ja']}圏域", f"{r['name_en']} area")
        for r in self.municipalities.iter_rows(named=True):
            out[r["code5"]] = ("municipality", str(r["name_ja"]), str(r["name_en"]))
        return out

    def place_kind(self, code: str) -> str:
        """'prefecture', 'area', 'municipality', 'national' or 'unknown'."""
        return self._places.get(code, ("unknown", code, code))[0]

    def place_name(self, code: str, lang: str = "ja") -> str:
        """Display name of a place."""
        _, ja, en = self._places.get(code, ("unknown", code, code))
        return ja if lang == "ja" else en

    def area_of(self, municipality_code: str) -> str:
        """The 老人福祉圏域 code a municipality belongs to."""
        return str(self.municipalities.filter(pl.col("code5") == municipality_code)["area_code"][0])

    def members(self, place_code: str) -> list[str]:
        """Municipality codes that make up a place."""
        kind = self.place_kind(place_code)
        if kind == "prefecture":
            return self.municipality_codes()
        if kind == "area":
            return self.municipalities.filter(pl.col("area_code") == place_code)["code5"].to_list()
        if kind == "municipality":
            return [place_code]
        return []


def _opt_float(v: object) -> float | None:
    return None if v is None or v == "" else float(v)  # type: ignore[arg-type]


def _opt_int(v: object) -> int | None:
    return None if v is None or v == "" else int(v)  # type: ignore[call-overload]


def _opt_bool(v: object, default: bool) -> bool:
    return default if v is None or v == "" else str(v).strip().lower() == "true"


# Bounds by kind when the catalog leaves them empty: (integer, minimum, maximum).
KIND_BOUNDS: dict[str, tuple[bool, float | None, float | None]] = {
    "count": (True, 0.0, None), "rate": (False, 0.0, 100.0), "score": (False, 0.0, None), "flag": (True, 0.0, 1.0)}


def read_indicators(path: Path) -> dict[str, Indicator]:
    """Parse indicators.csv, checking kinds, roll-ups, numerator and bound references."""
    df = pl.read_csv(path, infer_schema=False)
    for c in ("integer", "min_value", "max_value", "max_ref", "max_ref_ratio"):  # older catalogs lack them
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.Utf8).alias(c))
    out: dict[str, Indicator] = {}
    for r in df.iter_rows(named=True):
        whole, lo, hi = KIND_BOUNDS.get(r["kind"], (False, None, None))
        mx = _opt_float(r["max_value"])
        ind = Indicator(
            id=r["indicator_id"], policy_area=r["policy_area"], sort=int(r["sort"]),
            name_ja=r["name_ja"], name_en=r["name_en"], unit_ja=r["unit_ja"], unit_en=r["unit_en"],
            kind=r["kind"], direction=r["direction"], rollup=r["rollup"],
            numerator=r["numerator"] or None, denominator=r["denominator"] or None,
            scale=_opt_float(r["scale"]), max_value=hi if mx is None else mx,
            per_pop65=(r["per_pop65"] or "").lower() == "true",
            definition_ja=r["definition_ja"], definition_en=r["definition_en"], source=r["source"],
            integer=_opt_bool(r["integer"], whole),
            min_value=lo if _opt_float(r["min_value"]) is None else _opt_float(r["min_value"]),
            max_ref=r["max_ref"] or None, max_ref_ratio=_opt_float(r["max_ref_ratio"]),
        )
        if ind.kind not in KINDS or ind.rollup not in ROLLUPS or ind.direction not in ("higher", "lower"):
            raise ValueError(f"indicators.csv: bad kind/rollup/direction for {ind.id}")
        if (ind.max_ref is None) != (ind.max_ref_ratio is None):
            raise ValueError(f"indicators.csv: {ind.id} needs both max_ref and max_ref_ratio, or neither")
        out[ind.id] = ind
    for ind in out.values():
        if ind.rollup == "weighted_rate" and (ind.numerator not in out or ind.denominator not in out):
            raise ValueError(f"indicators.csv: {ind.id} needs known numerator and denominator")
        if ind.max_ref is not None and (ind.max_ref not in out or ind.max_ref == ind.id):
            raise ValueError(f"indicators.csv: {ind.id} is bounded by an unknown indicator {ind.max_ref}")
    return out


def read_plans(path: Path, targets: tuple[Target, ...]) -> tuple[Plan, ...]:
    """Parse plans.csv (oldest first); without the file, one unnamed period per plan the targets name."""
    if not path.is_file():
        ids = sorted({tg.plan for tg in targets}, key=_plan_order)
        return tuple(Plan(p, p, p, min(tg.baseline_year for tg in targets if tg.plan == p),
                          max(tg.target_year for tg in targets if tg.plan == p)) for p in ids)
    df = pl.read_csv(path, infer_schema=False)
    out = [Plan(id=str(r["plan"]), name_ja=str(r["name_ja"]), name_en=str(r["name_en"]),
                first_year=int(r["first_year"]), last_year=int(r["last_year"])) for r in df.iter_rows(named=True)]
    known = {p.id for p in out}
    for tg in targets:
        if tg.plan not in known:
            raise ValueError(f"targets.csv: {tg.id} names an unknown plan {tg.plan!r} (plans.csv)")
    return tuple(sorted(out, key=lambda p: (p.first_year, _plan_order(p.id))))


def _plan_order(plan: str) -> tuple[int, str]:
    return (int(plan), "") if plan.isdigit() else (10**9, plan)


def read_targets(path: Path, indicators: dict[str, Indicator]) -> tuple[Target, ...]:
    """Parse targets.csv, checking that each target names a known indicator and kind."""
    df = pl.read_csv(path, infer_schema=False)
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
            label_ja=r["label_ja"], label_en=r["label_en"], plan=str(r["plan"] or "").strip(),
        )
        if t.indicator_id not in indicators or t.kind not in TARGET_KINDS:
            raise ValueError(f"targets.csv: bad indicator or kind in {t.id}")
        out.append(t)
    return tuple(out)


@functools.cache
def _load(cat_dir: Path, ref_dir: Path) -> Catalog:
    indicators = read_indicators(cat_dir / "indicators.csv")
    targets = read_targets(cat_dir / "targets.csv", indicators)
    plans = read_plans(cat_dir / "plans.csv", targets)
    used = {tg.plan for tg in targets}
    newest = next((p.id for p in reversed(plans) if p.id in used), plans[-1].id if plans else "")
    return Catalog(
        indicators=indicators,
        # The newest plan that has targets is the default: every caller that does not choose sees its targets.
        targets=tuple(tg for tg in targets if tg.plan == newest),
        policy_areas=pl.read_csv(cat_dir / "policy_areas.csv", infer_schema=False),
        municipalities=pl.read_csv(ref_dir / "municipalities.csv", infer_schema=False),
        areas=pl.read_csv(ref_dir / "areas.csv", infer_schema=False),
        indicators_csv=cat_dir / "indicators.csv",
        municipalities_csv=ref_dir / "municipalities.csv",
        plans=plans, plan=newest, all_targets=targets,
    )


def load_catalog() -> Catalog:
    """The catalog from the configured folders (cached per folder pair)."""
    return _load(catalog_dir(), reference_dir())
