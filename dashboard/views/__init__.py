"""Page data, prepared without Streamlit: tables and series the pages and charts display.

Everything here takes the catalog and an as-of values frame (see dashboard.data.values) and
returns plain frames or dataclasses, so it is unit-tested without a server. The work is split by job:
wording (values, statuses and verdicts in words), tables (the overview's progress table and tallies),
trends (a trend chart's data) and places (comparison, implementation matrix, profile); every public
name is re-exported here, so callers keep writing `views.trend_view`.
"""

from __future__ import annotations

from dashboard.i18n import t
from dashboard.views.places import (
    benchmark_for,
    comparable,
    compare_series,
    comparison,
    coverage_by_year,
    finite_columns,
    flag_counts,
    flag_coverage,
    has_municipal_values,
    implementation_matrix,
    not_reported,
    plan_points,
    pop65,
    prefecture_reference,
    profile_table,
)
from dashboard.views.tables import (
    data_years,
    expected_share,
    progress_table,
    snapshot_table,
    status_counts,
    target_for,
)
from dashboard.views.trends import (
    TrendView,
    series,
    trend_view,
)
from dashboard.views.wording import (
    coverage_text,
    dash,
    gap_text,
    paren,
    place_label,
    plain,
    provisional_text,
    reached_words,
    share_text,
    status_text,
    value_text,
    verdict_detail,
    year_provisional_text,
)

# `t` too: callers (and tests) reach the translator through views.t
__all__ = [
    "TrendView",
    "benchmark_for",
    "comparable",
    "compare_series",
    "comparison",
    "coverage_by_year",
    "coverage_text",
    "dash",
    "data_years",
    "expected_share",
    "finite_columns",
    "flag_counts",
    "flag_coverage",
    "gap_text",
    "has_municipal_values",
    "implementation_matrix",
    "not_reported",
    "paren",
    "place_label",
    "plain",
    "plan_points",
    "pop65",
    "prefecture_reference",
    "profile_table",
    "progress_table",
    "provisional_text",
    "reached_words",
    "series",
    "share_text",
    "snapshot_table",
    "status_counts",
    "status_text",
    "t",
    "target_for",
    "trend_view",
    "value_text",
    "verdict_detail",
    "year_provisional_text",
]
