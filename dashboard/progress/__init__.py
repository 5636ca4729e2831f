"""Progress towards targets and the verdict on each, in two phases. No Streamlit here.

Pace phase (before the target year, or while the target year's actual is not in): the Open SDG /
Statistics Canada method. ratio = CAGR achieved since the baseline / CAGR needed to reach the target
on time: >= 0.95 on_track (順調); >= 0.6 slightly_behind (やや遅れ); >= 0 behind (遅れ); < 0
moving_away (後退). Where a growth rate is undefined (a zero baseline, period totals) the same
thresholds apply to the linear ratio. A target whose value is met before its year reads
reached_early (目標値に到達（目標年度前）) and stays open until its year. No actual after the baseline:
not_available.

Final phase: the year shown is at or past the target year and the target year's actual is in (a
period total: every year of the period; an "above the national average" target: that year's
national figure too). The verdict is achieved (達成) or not_achieved (未達成), with the gap in the
indicator's unit and as a share of the target. Past the target year without those figures: awaiting
(結果待ち) with the latest actual and its year, or awaiting_national (全国平均の公表待ち).

Level: a target is judged at the place it was set for. At a 圏域 or municipality a prefecture-wide
target is context (status "context": the place's own figure beside it, never a verdict, a share of
the way or a place in the tally), unless the catalog says it applies to each municipality
(targets.csv below=each: 一体的実施 in all 35), which is then judged at every member.

Coverage: a 圏域 or prefecture roll-up that not every member municipality reported is provisional.
It never gets a status and is never the actual: the latest complete year is, and the newer partial
year is reported beside it (provisional_*), with how many municipalities reported. A figure
published for the place itself (source 'direct') is authoritative and always complete.
Every number a Progress row carries is finite or None.

One module per job:

- rows: the statuses (FINAL, PACE, WAITING, STATUSES), PlaceSeries and Progress, finite_or_none, to_frame
  and jsonable: plain data and its formatting, no verdict.
- verdict: the verdict on one target at one place (evaluate, with_coverage) and its arithmetic (cagr,
  classify, met, gap_and_share, pace_ratio, THRESHOLDS).
- places: progress_for_place, every target at a place (per_place for below=each, context for below=context),
  place_series, latest_year and needed_places.

Every public name is importable from dashboard.progress itself, as it was when this was one module. A test
that replaces a name (monkeypatch) replaces it in the submodule that uses it: a name rebound here is not seen
there.
"""

from __future__ import annotations

from dashboard.progress.places import context, latest_year, needed_places, per_place, place_series, progress_for_place
from dashboard.progress.rows import (
    FINAL,
    PACE,
    STATUSES,
    WAITING,
    Coverage,
    Partial,
    PlaceSeries,
    Progress,
    Series,
    finite_or_none,
    jsonable,
    to_frame,
)
from dashboard.progress.verdict import (
    THRESHOLDS,
    cagr,
    classify,
    evaluate,
    gap_and_share,
    met,
    pace_ratio,
    with_coverage,
)

__all__ = [
    "FINAL", "PACE", "STATUSES", "THRESHOLDS", "WAITING", "Coverage", "Partial", "PlaceSeries", "Progress", "Series",
    "cagr", "classify", "context", "evaluate", "finite_or_none", "gap_and_share", "jsonable", "latest_year", "met",
    "needed_places", "pace_ratio", "per_place", "place_series", "progress_for_place", "to_frame", "with_coverage",
]
