"""What a verdict is made of and what it gives: the statuses, a place's value series (PlaceSeries) and a
target's progress row (Progress), every number finite or None (finite_or_none, jsonable), rows as a frame."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import polars as pl

# Verdicts, in the order tallies list them. FINAL, PACE and WAITING name the phases; "context" is a
# prefecture-wide target shown at a place it was not set for (never judged, never tallied).
FINAL = ("achieved", "not_achieved")
PACE = ("reached_early", "on_track", "slightly_behind", "behind", "moving_away", "not_available")
WAITING = ("awaiting", "awaiting_national")
STATUSES = (*FINAL, *PACE, *WAITING, "context")

Series = dict[int, float]
Coverage = tuple[int, int]  # (municipalities reporting, municipalities expected) behind a roll-up
Partial = dict[int, tuple[float, int, int]]  # year -> (value, n_reporting, n_expected) of partial roll-ups


@dataclass(frozen=True)
class PlaceSeries:
    """One indicator at one place: complete values by year, partial roll-ups apart, coverage by year."""

    values: Series  # years whose value counts (direct, municipal, or a roll-up every member reported)
    sample: frozenset[int]
    coverage: dict[int, Coverage] = field(default_factory=dict)  # roll-up years only (complete and partial)
    partial: Partial = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """One target's progress at one place, as of one fiscal year: its figures and its one verdict."""

    target_id: str
    indicator_id: str
    place_code: str
    target_kind: str
    phase: str  # "pace", "final", "awaiting" or "context"
    baseline_year: int | None
    baseline_value: float | None
    target_year: int
    target_value: float | None  # the bar: the plan's value, or the national average for "above" targets
    actual_year: int | None
    actual_value: float | None
    actual_is_sample: bool
    national_value: float | None  # national average in the actual year, where known
    baseline_national_value: float | None  # national average in the baseline year, where known
    share_of_way: float | None  # 0 at baseline, 1 at target
    expected_now: float | None  # straight line from baseline to target, at the actual year
    ratio: float | None  # pace ratio (pace phase only)
    status: str
    projected_value: float | None  # value in the target year at the current pace (pace phase only)
    projected_year: float | None  # year the target would be reached at the current pace (pace phase only)
    share_of_prefecture: float | None  # the place's actual ÷ the prefecture's, same year (context rows)
    per_1000_65: float | None  # count per 1,000 people aged 65+
    # Roll-ups: how many municipalities the actual covers (None where the actual is not a roll-up).
    actual_n_reporting: int | None = None
    actual_n_expected: int | None = None
    # A newer roll-up that not every municipality reported: shown as provisional, never judged.
    provisional_year: int | None = None
    provisional_value: float | None = None
    provisional_n_reporting: int | None = None
    provisional_n_expected: int | None = None
    # Final phase: how far the actual is from the target, in the indicator's unit (positive = short of it),
    # and the actual as a share of the target (actual ÷ target; target ÷ actual where lower is better).
    gap: float | None = None
    share_of_target: float | None = None
    expectation_value: float | None = None  # "above the national average": the rate the plan expected
    level: str = "prefecture_total"  # what the target measures (catalog)

    def as_dict(self) -> dict[str, object]:
        """Plain dict (for tables, JSON and CSV)."""
        return asdict(self)

    @property
    def judged(self) -> bool:
        """Whether the row carries a verdict (context rows do not; they are never tallied)."""
        return self.status != "context"


def finite_or_none(x: float | None) -> float | None:
    """The number when it is finite, else None (nothing shown or exported is ever inf or NaN)."""
    return x if x is None or math.isfinite(x) else None


def _finite(p: Progress) -> Progress:
    """The row with every non-finite float (an overflow in a projection, say) replaced by None."""
    bad: dict[str, Any] = {f.name: None for f in fields(p)
           if isinstance(getattr(p, f.name), float) and not math.isfinite(getattr(p, f.name))}
    return replace(p, **bad) if bad else p


def to_frame(rows: list[Progress]) -> pl.DataFrame:
    """Progress rows as a Polars frame (stable schema even when empty)."""
    schema = {"target_id": pl.Utf8, "indicator_id": pl.Utf8, "place_code": pl.Utf8,
              "target_kind": pl.Utf8, "phase": pl.Utf8, "baseline_year": pl.Int64,
              "baseline_value": pl.Float64, "target_year": pl.Int64, "target_value": pl.Float64,
              "actual_year": pl.Int64, "actual_value": pl.Float64, "actual_is_sample": pl.Boolean,
              "national_value": pl.Float64, "baseline_national_value": pl.Float64,
              "share_of_way": pl.Float64, "expected_now": pl.Float64,
              "ratio": pl.Float64, "status": pl.Utf8, "projected_value": pl.Float64,
              "projected_year": pl.Float64, "share_of_prefecture": pl.Float64,
              "per_1000_65": pl.Float64, "actual_n_reporting": pl.Int64, "actual_n_expected": pl.Int64,
              "provisional_year": pl.Int64, "provisional_value": pl.Float64,
              "provisional_n_reporting": pl.Int64, "provisional_n_expected": pl.Int64,
              "gap": pl.Float64, "share_of_target": pl.Float64, "expectation_value": pl.Float64,
              "level": pl.Utf8}
    return pl.DataFrame([r.as_dict() for r in rows], schema=schema)


def jsonable(obj: object) -> object:
    """A structure for json.dumps(allow_nan=False): non-finite floats become None (null), recursively."""
    if isinstance(obj, float):
        return finite_or_none(obj)
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    return obj
