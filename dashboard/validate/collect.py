"""Gathering problems while a file is checked: every count, at most max_per_rule records per rule."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import polars as pl

from dashboard.validate.model import Limits, Problem, Result

# ------------------------------------------------------------------------------ messages


def _fmt_size(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def _shown(value: Any, limit: int = 60) -> str | None:
    """A value as text for messages (shortened; shown as plain text, never interpreted)."""
    if value is None:
        return None
    s = repr(value) if isinstance(value, float) and not math.isfinite(value) else str(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        s = str(int(value))
    return s if len(s) <= limit else s[: limit - 1] + "…"


class _Collector:
    """Gathers problems, keeping every count but at most max_per_rule records per rule."""

    def __init__(self, result: Result, limits: Limits, line_offset: int | None) -> None:
        self.result, self.limits, self.line_offset = result, limits, line_offset

    def add(self, rule: str, message_id: str, params: dict[str, Any], *, row: int | None = None,
            column: str | None = None, value: Any = None, severity: str = "error") -> None:
        """Record a problem: its rule, the id of its sentence in MESSAGES and the sentence's parameters."""
        self.result.counts[rule] += 1
        if self.result.counts[rule] > self.limits.max_per_rule:
            return
        line = row + self.line_offset if row is not None and self.line_offset is not None else None
        p = Problem(row=row, column=column, value=_shown(value), rule=rule, message_id=message_id,
                    params=dict(params), line=line, severity=severity)
        (self.result.errors if severity == "error" else self.result.warnings).append(p)


def _capped(col: _Collector, rule: str, frame: pl.DataFrame, single: bool = False) -> Iterator[Any]:
    """Rows to report for a rule: at most max_per_rule become records, the rest are only counted
    (a million bad rows must not cost a million Python calls)."""
    cap = max(0, col.limits.max_per_rule - col.result.counts[rule])
    head = frame.head(cap)
    yield from (head.to_series(0).to_list() if single else head.iter_rows())
    col.result.counts[rule] += max(0, frame.height - cap)  # after the records, so add() keeps them


class _Stop(Exception):
    """Reading cannot continue; the problem has been recorded."""
