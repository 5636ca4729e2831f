"""The implementation matrix: municipality × year grid of a yes/no measure (policy area 4), with the
prefecture's count, the reporting coverage and the plan's figure under each year."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
import polars as pl

from dashboard import fmt
from dashboard.charts.theme import OKABE_ITO, figure, look
from dashboard.i18n import t


def _year_tick(year: int, lang: str, counts: Mapping[int, float] | None, plan: Mapping[int, float] | None,
               coverage: Mapping[int, tuple[str, bool]]) -> str:
    """A year's column heading: the year, how many municipalities (a partial count says so) and the plan's."""
    tick = fmt.fy_label(year, lang)
    if counts is not None and year in counts:
        tick += "<br>" + t("matrix_count", lang, n=fmt.number(counts[year]))
        cov_text, provisional = coverage.get(year, ("", False))
        if provisional:
            tick += "<br>" + cov_text  # a partial count says so under its year
    if plan is not None and year in plan:
        tick += "<br>" + t("matrix_plan", lang, n=fmt.number(plan[year]))
    return tick


def _cell_word(v: float | None, lang: str) -> str:
    return t("implemented", lang) if v == 1 else (t("not_implemented", lang) if v == 0 else "－")


def implementation_matrix(matrix: pl.DataFrame, lang: str, title: str, counts: Mapping[int, float] | None = None,
                          plan: Mapping[int, float] | None = None,
                          coverage: Mapping[int, tuple[str, bool]] | None = None) -> go.Figure:
    """Municipality × year grid of a yes/no measure; ✓ and × written in every cell.

    Under each year: how many municipalities (`counts`), how many reported (`coverage`: text and whether
    provisional; in the hover, and under the year when provisional) and, where the plan gives one, its
    figure (`plan`, e.g. 13 → 22 → 35).
    """
    coverage = coverage or {}
    years = [c for c in matrix.columns if c not in ("place_code", "name")]
    z = [[r[y] for y in years] for r in matrix.iter_rows(named=True)]
    text = [["✓" if v == 1 else ("×" if v == 0 else "") for v in row] for row in z]
    cov = [coverage.get(int(y), ("", False))[0] for y in years]
    words = [[_cell_word(v, lang) + (f"<br>{c}" if c else "") for v, c in zip(row, cov, strict=True)] for row in z]
    ticks = [_year_tick(int(y), lang, counts, plan, coverage) for y in years]
    grid = {"type": "heatmap", "z": z, "x": ticks, "y": matrix["name"].to_list(), "text": text,
            "texttemplate": "%{text}", "customdata": words, "zmin": 0, "zmax": 1, "showscale": False, "xgap": 2,
            "ygap": 2, "colorscale": [[0, "#F2F2F2"], [1, OKABE_ITO[2]]],
            "hovertemplate": "%{y}<br>%{x}<br>%{customdata}<extra></extra>"}
    return figure([grid], look(title, height=max(420, 24 * matrix.height + 140),
                               margin={"l": 10, "r": 20, "t": 100, "b": 10}, xaxis={"side": "top"},
                               yaxis={"autorange": "reversed", "title": {"text": t("col_municipality", lang)}}))
