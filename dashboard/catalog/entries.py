"""The catalog's entries as data: Indicator, Target, Plan, PolicyArea, and the words a catalog file may use
(kinds, roll-ups, target kinds, levels)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dashboard.catalog.labels import NO_LABELS, Labels

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
