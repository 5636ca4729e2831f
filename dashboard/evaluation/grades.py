"""The proposed grade: the rule in data/catalog/grades.csv (rows tried in order; the first whose statuses and
minimum share of target both match gives the grade; an empty grade means "no proposal")."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard import notes as nt
from dashboard import progress as pg
from dashboard.config import ROOT, catalog_dir

GRADE_RULES = "grades.csv"


@dataclass(frozen=True)
class GradeRule:
    """One row of grades.csv: the grade when the status is one of `statuses` (any if empty) and the share of
    target is at least `min_share` (any if None)."""

    grade: str
    statuses: frozenset[str]
    min_share: float | None


def _catalog_file(name: str) -> Path:
    """A catalog file from the configured catalog folder, else the bundled one (a test catalog may omit it)."""
    p = catalog_dir() / name
    return p if p.is_file() else ROOT / "data" / "catalog" / name


def grade_rules(path: Path | None = None) -> list[GradeRule]:
    """The proposed-grade rule, rows in order (ValueError on an unknown grade or status)."""
    rules = []
    with open(path or _catalog_file(GRADE_RULES), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            grade = (r.get("grade") or "").strip()
            statuses = frozenset((r.get("statuses") or "").split())
            share = (r.get("min_share") or "").strip()
            if (grade and grade not in nt.GRADES) or not statuses <= set(pg.STATUSES):
                raise ValueError(f"{GRADE_RULES}: bad row {r}")
            rules.append(GradeRule(grade, statuses, float(share) if share else None))
    return rules


def share_of_target(p: pg.Progress, direction: str) -> float | None:
    """The actual as a share of the target: the final phase's own share; otherwise actual ÷ target (target ÷
    actual where lower is better; a period total's sum so far ÷ the total). None without both figures."""
    if p.share_of_target is not None:
        return p.share_of_target
    a, tv = p.actual_value, p.target_value
    if a is None or tv is None or not math.isfinite(a) or not math.isfinite(tv):
        return None
    if p.target_kind == "period_total" or direction == "higher":
        return a / tv if tv else None
    return tv / a if a else None


def proposed_grade(p: pg.Progress | None, direction: str = "higher", rules: Sequence[GradeRule] | None = None) -> str:
    """The grade the numbers propose for a progress row ("" when none: no figures, or a result awaited)."""
    if p is None:
        return ""
    share = share_of_target(p, direction)
    for r in rules if rules is not None else grade_rules():
        if r.statuses and p.status not in r.statuses:
            continue
        if r.min_share is not None and (share is None or share < r.min_share):
            continue
        return r.grade
    return ""
