"""Catalog: everything the dashboard knows about indicators, targets, areas and places, and the lookups on it
(by plan, policy area, place and member municipality)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from dashboard.catalog.entries import Indicator, Plan, PolicyArea, Target
from dashboard.catalog.labels import NO_LABELS, Labels, inline_labels
from dashboard.catalog.readers import _opt_bool
from dashboard.config import NATIONAL, PREFECTURE


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
