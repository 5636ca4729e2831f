"""Indicators, targets, policy areas and places, read from the catalog and reference files.

The catalog CSVs hold data only; every text a reader sees (indicator names, units, definitions, target
labels, policy-area, plan and place names) comes from one labels file per language,
`<catalog>/labels/<lang>.csv` (columns kind,id,field,text): adding a language is adding a file. A label
missing from any language's file is a load-time error naming the file and the id. A catalog without a
labels folder (older catalogs, test fixtures) may carry the texts inline as `<field>_<lang>` columns.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from dashboard.config import NATIONAL, PREFECTURE, catalog_dir, reference_dir

# The texts each kind of catalog entry needs in every language (labels files: kind,id,field,text).
LABEL_FIELDS: dict[str, tuple[str, ...]] = {"indicator": ("name", "unit", "definition"), "target": ("label",),
                                            "policy_area": ("name",), "plan": ("name",), "place": ("name",)}
# Texts an entry may have (a language without one shows the default the code gives: for a target's source, the
# plan's own Japanese citation).
OPTIONAL_LABEL_FIELDS: dict[str, tuple[str, ...]] = {"target": ("source",)}
FALLBACK_LANG = "en"  # the texts shown in a language that has no labels file


class Labels:
    """Catalog texts by language: (kind, id, field) -> text, with the file each language came from."""

    def __init__(self, texts: Mapping[str, Mapping[tuple[str, str, str], str]],
                 files: Mapping[str, str] | None = None) -> None:
        self.texts = {lang: dict(m) for lang, m in texts.items()}
        self.files = dict(files or {})

    @property
    def languages(self) -> list[str]:
        """Languages with labels, sorted."""
        return sorted(self.texts)

    def text(self, kind: str, id_: str, field_: str, lang: str, default: str | None = None) -> str:
        """The text in `lang` (a language without labels: English, else the first there is)."""
        got = self.texts.get(lang) or self.texts.get(FALLBACK_LANG) or next(iter(self.texts.values()), {})
        found = got.get((kind, id_, field_))
        return found if found is not None else (default if default is not None else id_)

    def require(self, kind: str, ids: list[str]) -> None:
        """ValueError naming the file and id when any language lacks a text of these entries."""
        for lang in self.languages:
            for id_ in ids:
                for f in LABEL_FIELDS[kind]:
                    if (kind, id_, f) not in self.texts[lang]:
                        where = self.files.get(lang, f"labels for {lang!r}")
                        raise ValueError(f"{where}: no {f!r} label for {kind} {id_!r}")


NO_LABELS = Labels({})

KINDS = ("count", "rate", "score", "flag")
ROLLUPS = ("sum", "weighted_rate", "mean", "count_flag", "none")
TARGET_KINDS = ("level", "cumulative", "period_total", "above_national")
# What a target measures (targets.csv `level`) and how it reads at a place below the one it was set for
# (`below`): "context" shows the place's own figure beside the target, never a verdict; "each" judges every
# member municipality (a 圏域: all of its members) against the target's meaning for one place.
TARGET_LEVELS = ("prefecture_total", "prefecture_rate", "prefecture_own", "municipal_average",
                 "every_municipality")
TARGET_BELOW = ("context", "each", "none")


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
    # (name_ja ... definition_en above are the Japanese and English texts, kept for older callers.)
    labels: Labels = field(default=NO_LABELS, compare=False, repr=False)

    def name(self, lang: str) -> str:
        """Name in the given language."""
        return self.labels.text("indicator", self.id, "name", lang, self.name_en or self.id)

    def unit(self, lang: str) -> str:
        """Unit in the given language."""
        return self.labels.text("indicator", self.id, "unit", lang, self.unit_en)

    def definition(self, lang: str) -> str:
        """Definition in the given language."""
        return self.labels.text("indicator", self.id, "definition", lang, self.definition_en)

    def names(self) -> dict[str, str]:
        """The name in every language with labels (for messages rendered later, in the reader's language)."""
        return {lang: self.name(lang) for lang in self.labels.languages} or {"en": self.name_en}


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
    level: str = "prefecture_total"  # what the target measures (TARGET_LEVELS)
    below: str = "context"  # how it reads at a 圏域 or municipality (TARGET_BELOW)
    labels: Labels = field(default=NO_LABELS, compare=False, repr=False)

    def label(self, lang: str) -> str:
        """Label in the given language."""
        return self.labels.text("target", self.id, "label", lang, self.label_en)

    def source(self, lang: str) -> str:
        """Where the plan sets this target (section and table), in the given language."""
        return self.labels.text("target", self.id, "source", lang, f"{self.plan_section} {self.plan_table}")


@dataclass(frozen=True)
class Plan:
    """One plan period (plans.csv): its targets are chosen together."""

    id: str
    name_ja: str
    name_en: str
    first_year: int
    last_year: int
    labels: Labels = field(default=NO_LABELS, compare=False, repr=False)

    def name(self, lang: str) -> str:
        """Name in the given language."""
        return self.labels.text("plan", self.id, "name", lang, self.name_en)


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
    labels: Labels = field(default=NO_LABELS, compare=False, repr=False)

    def name(self, lang: str) -> str:
        """Name in the given language."""
        return self.labels.text("policy_area", self.id, "name", lang, self.name_en)

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
    labels: Labels = field(default=NO_LABELS, compare=False, repr=False)  # every text, by language

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
        return list(self._areas_info)

    @functools.cached_property
    def _areas_info(self) -> tuple[PolicyArea, ...]:
        # Built once per catalog: every page run asks for the areas several times (menu, links, pages), and
        # each time walked the frame's rows.
        def flag(r: dict[str, str | None], col: str, default: bool) -> bool:
            return _opt_bool(r.get(col), default)
        lab = self.labels

        def area(r: dict[str, str | None]) -> PolicyArea:
            pid = str(r["policy_area"])
            return PolicyArea(id=pid, name_ja=lab.text("policy_area", pid, "name", "ja", str(r.get("name_ja"))),
                              name_en=lab.text("policy_area", pid, "name", "en", str(r.get("name_en"))),
                              page=flag(r, "page", pid != "context"), targets=flag(r, "has_targets", False),
                              timeline=flag(r, "timeline", False), comparison=flag(r, "comparison", pid != "context"),
                              labels=lab)
        return tuple(area(r) for r in self.policy_areas.iter_rows(named=True))

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
    def _places(self) -> dict[str, str]:
        # code -> kind, built once: the place picker asks for ~50 names on every rerun, and a frame filter
        # per name was most of a cached rerun's time.
        out = {PREFECTURE: "prefecture", NATIONAL: "national"}
        out |= {str(c): "area" for c in self.areas["area_code"]}
        out |= {str(c): "municipality" for c in self.municipalities["code5"]}
        return out

    def place_kind(self, code: str) -> str:
        """'prefecture', 'area', 'municipality', 'national' or 'unknown'."""
        return self._places.get(code, "unknown")

    def place_name(self, code: str, lang: str = "ja") -> str:
        """Display name of a place (the code itself when unknown)."""
        return self._place_labels.text("place", code, "name", lang, code) if code in self._places else code

    @functools.cached_property
    def _place_labels(self) -> Labels:
        # A Catalog built without labels (by hand, from the readers alone) names places from the reference files.
        if any(k[0] == "place" for m in self.labels.texts.values() for k in m):
            return self.labels
        return inline_labels({"place": [(self.municipalities, "code5")]}, areas=self.areas)

    def place_readings(self, code: str) -> tuple[str, ...]:
        """How people may type a place besides its name: its kana and romaji where the reference data has them
        (municipalities.csv `kana`/`name_en`, areas.csv `name_en`, prefecture.csv), else nothing."""
        return self._readings.get(code, ())

    @functools.cached_property
    def _readings(self) -> dict[str, tuple[str, ...]]:
        def row(r: Mapping[str, object]) -> tuple[str, ...]:
            return tuple(str(r[c]) for c in ("kana", "name_en") if r.get(c) not in (None, ""))
        out = {str(r["code5"]): row(r) for r in self.municipalities.iter_rows(named=True)}
        out |= {str(r["area_code"]): row(r) for r in self.areas.iter_rows(named=True)}
        pref = self.municipalities_csv.parent / "prefecture.csv"  # optional: a catalog without it still loads
        if pref.is_file():
            out |= {str(r["code5"]): row(r) for r in pl.read_csv(pref, infer_schema=False).iter_rows(named=True)}
        return out

    @functools.cached_property
    def _area_of(self) -> dict[str, str]:
        # municipality -> 圏域, built once: the profile asks on every run (a frame filter each time).
        m = self.municipalities
        return dict(zip(m["code5"].to_list(), m["area_code"].cast(pl.Utf8).to_list(), strict=True))

    def area_of(self, municipality_code: str) -> str:
        """The 老人福祉圏域 code a municipality belongs to (KeyError for a code that is not a municipality)."""
        return self._area_of[municipality_code]

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


def read_labels(folder: Path) -> Labels:
    """Every `<lang>.csv` of a labels folder (columns kind,id,field,text); ValueError naming a bad file."""
    texts: dict[str, dict[tuple[str, str, str], str]] = {}
    files: dict[str, str] = {}
    for path in sorted(folder.glob("*.csv")):
        got: dict[tuple[str, str, str], str] = {}
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != ["kind", "id", "field", "text"]:
                raise ValueError(f"{path}: the columns must be kind,id,field,text")
            for r in reader:
                key = (r["kind"], r["id"], r["field"])
                if r["kind"] not in LABEL_FIELDS or r["field"] not in (
                        *LABEL_FIELDS[r["kind"]], *OPTIONAL_LABEL_FIELDS.get(r["kind"], ())):
                    raise ValueError(f"{path}: unknown label {r['kind']} {r['id']!r} {r['field']!r}")
                if key in got:
                    raise ValueError(f"{path}: {r['kind']} {r['id']!r} {r['field']!r} is labelled twice")
                if not (r["text"] or "").strip():
                    raise ValueError(f"{path}: an empty {r['field']!r} label for {r['kind']} {r['id']!r}")
                got[key] = r["text"]
        texts[path.stem] = got
        files[path.stem] = str(path)
    return Labels(texts, files)


# Older catalogs without a labels folder: the prefecture, the nation and the 圏域 suffix in the two languages
# they were written in (a catalog with labels files names every place itself).
_INLINE_PLACES = {"ja": ("群馬県", "全国", "{name}圏域"), "en": ("Gunma Prefecture", "Japan (national)", "{name} area")}


def inline_labels(sources: Mapping[str, list[tuple[pl.DataFrame, str]]],
                  areas: pl.DataFrame | None = None) -> Labels:
    """Labels from `<field>_<lang>` columns of catalog frames (kind -> [(frame, id column)]), for catalogs
    without a labels folder."""
    texts: dict[str, dict[tuple[str, str, str], str]] = {}
    for kind, frames in sources.items():
        for df, id_col in frames:
            for col in df.columns:
                f, _, lang = col.rpartition("_")
                if f in LABEL_FIELDS[kind] and lang:
                    for id_, text in zip(df[id_col], df[col], strict=True):
                        texts.setdefault(lang, {})[(kind, str(id_), f)] = "" if text is None else str(text)
    if areas is not None:
        for lang, (pref, nation, area) in _INLINE_PLACES.items():
            got = texts.setdefault(lang, {})
            got[("place", PREFECTURE, "name")], got[("place", NATIONAL, "name")] = pref, nation
            if f"name_{lang}" in areas.columns:
                for code, name in zip(areas["area_code"], areas[f"name_{lang}"], strict=True):
                    got[("place", str(code), "name")] = area.format(name=name)
    return Labels(texts)


def _txt(labels: Labels, kind: str, id_: str, field_: str, lang: str) -> str:
    """A text for the legacy name_ja/name_en-style attributes ("" when that language has none)."""
    return labels.texts.get(lang, {}).get((kind, id_, field_), "")


def load_catalog() -> Catalog:
    """The catalog from the configured folders (cached per folder pair)."""
    return _load(catalog_dir(), reference_dir())
