"""Page data for the overview: the years with data, the tally of statuses, the progress table, the snapshot table."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dashboard import fmt
from dashboard import progress as pg
from dashboard.catalog import Catalog, Target
from dashboard.i18n import N_, t
from dashboard.storage import SnapshotMeta
from dashboard.views.wording import (
    coverage_text,
    dash,
    paren,
    provisional_text,
    share_text,
    status_text,
    value_text,
    verdict_detail,
)

# ---------------------------------------------------------------- years with data

def data_years(values: pl.DataFrame, catalog: Catalog) -> list[int]:
    """Fiscal years with a value for any plan-area indicator (not the population context)."""
    ids = [i.id for i in catalog.indicators.values() if i.policy_area != "context"]
    years = values.filter(pl.col("indicator_id").is_in(ids))["fiscal_year"].unique().sort()
    return [int(y) for y in years.to_list()]


# ---------------------------------------------------------------- overview / headline progress

def expected_share(p: pg.Progress) -> float | None:
    """Where the straight line from baseline to target stands in the actual's year (0..1)."""
    if p.expected_now is None or p.baseline_value is None or p.target_value is None:
        return None
    span = p.target_value - p.baseline_value
    if p.target_kind == "period_total":
        return p.expected_now / p.target_value if p.target_value else None
    return (p.expected_now - p.baseline_value) / span if span else None


def status_counts(rows: Sequence[pg.Progress]) -> dict[str, int]:
    """Number of judged targets per status, in the method's order, statuses with none left out (context
    rows, a prefecture-wide target seen from a place it was not set for, are never tallied)."""
    counts = {s: 0 for s in pg.STATUSES}
    for r in rows:
        if r.judged:
            counts[r.status] += 1
    return {s: n for s, n in counts.items() if n}


def progress_table(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> pl.DataFrame:
    """One row per target: label, status, shares, texts; the overview and headline bars use it.

    `coverage` says how many municipalities a roll-up's actual covers; `provisional` gives a newer
    roll-up that not every municipality reported (never judged, never the actual)."""
    labels = {tg.id: tg.label(lang) for tg in catalog.targets}
    recs = []
    for p in rows:
        one_place = catalog.place_kind(p.place_code) == "municipality"  # a yes/no measure reads 実施/未実施
        recs.append({
            "target_id": p.target_id,
            "indicator_id": p.indicator_id,
            "policy_area": catalog.indicators[p.indicator_id].policy_area,
            "label": labels[p.target_id],
            "status": p.status,
            "status_text": status_text(p.status, lang),
            "share": p.share_of_way,
            "expected_share": expected_share(p),
            "baseline_text": (f"{value_text(catalog, p.indicator_id, p.baseline_value, lang)}"
                              f"{paren(fmt.fy_label(p.baseline_year, lang), lang)}" if p.baseline_year
                              else dash(N_("reason_not_applicable"), lang)),
            "actual_text": (value_text(catalog, p.indicator_id, p.actual_value, lang, one_place=one_place)
                            if p.actual_value is not None else dash(N_("reason_not_reported"), lang)),
            "actual_year": fmt.fy_label(p.actual_year, lang),
            "target_text": (f"{value_text(catalog, p.indicator_id, p.target_value, lang, one_place=one_place)}"
                            f"{paren(fmt.fy_label(p.target_year, lang), lang)}" if p.target_value is not None
                            else t("above_national_target", lang) + paren(fmt.fy_label(p.target_year, lang), lang)),
            "data": t("sample" if p.actual_is_sample else "official", lang) if p.actual_year else "－",
            "is_sample": p.actual_is_sample,
            "phase": p.phase,
            "reason": verdict_detail(catalog, p, lang),
            "share_of_prefecture": p.share_of_prefecture,
            "per_1000_65": p.per_1000_65,
            # The figures as numbers, for downloads that a spreadsheet can sum and chart again.
            "baseline_value": p.baseline_value, "actual_value": p.actual_value, "target_value": p.target_value,
            "baseline_fy": p.baseline_year, "actual_fy": p.actual_year, "target_fy": p.target_year,
            "unit": catalog.indicators[p.indicator_id].unit(lang),
            "decimals": fmt.decimals_for(catalog.indicators[p.indicator_id].kind),
            "gap": p.gap, "share_of_target": p.share_of_target,
            # The same figures as text for people (tables, cards): one rounding rule, a dash with its reason.
            "share_text": share_text(p, lang),
            "share_of_prefecture_text": (fmt.share(p.share_of_prefecture, lang) if p.share_of_prefecture is not None
                                         else dash(N_("reason_not_applicable"), lang)),
            "per_1000_text": (fmt.number(p.per_1000_65, 1, lang=lang) if p.per_1000_65 is not None
                              else dash(N_("reason_not_applicable"), lang)),
            "coverage": coverage_text(p.actual_n_reporting, p.actual_n_expected, lang),
            "provisional": provisional_text(catalog, p, lang),
        })
    schema = {"target_id": pl.Utf8, "indicator_id": pl.Utf8, "policy_area": pl.Utf8, "label": pl.Utf8,
              "status": pl.Utf8, "status_text": pl.Utf8, "share": pl.Float64, "expected_share": pl.Float64,
              "baseline_text": pl.Utf8, "actual_text": pl.Utf8, "actual_year": pl.Utf8, "target_text": pl.Utf8,
              "data": pl.Utf8, "is_sample": pl.Boolean, "phase": pl.Utf8, "reason": pl.Utf8,
              "share_of_prefecture": pl.Float64, "per_1000_65": pl.Float64,
              "baseline_value": pl.Float64, "actual_value": pl.Float64, "target_value": pl.Float64,
              "baseline_fy": pl.Int64, "actual_fy": pl.Int64, "target_fy": pl.Int64, "unit": pl.Utf8,
              "decimals": pl.Int64, "gap": pl.Float64, "share_of_target": pl.Float64, "share_text": pl.Utf8,
              "share_of_prefecture_text": pl.Utf8, "per_1000_text": pl.Utf8, "coverage": pl.Utf8,
              "provisional": pl.Utf8}
    return pl.DataFrame(recs, schema=schema)


# ---------------------------------------------------------------- snapshots and targets

def snapshot_table(metas: Sequence[SnapshotMeta], in_view: set[str], lang: str) -> pl.DataFrame:
    """The snapshots for the methodology page: id, label, kind, publisher, date (in Japan, in the reader's
    calendar: 令和8年12月6日), rows, use, withdrawal.

    Labels and publisher names are user text: shown as plain text, neutralised in CSV/XLSX exports."""
    schema = {"id": pl.Utf8, "label": pl.Utf8, "kind": pl.Utf8, "publisher": pl.Utf8, "created": pl.Utf8,
              "rows": pl.Int64, "in_view": pl.Utf8, "withdrawn": pl.Utf8}
    return pl.DataFrame([{
        "id": m.id, "label": m.label, "kind": t("kind_" + m.kind, lang), "publisher": m.publisher,
        "created": fmt.long_date(m.created_at, lang), "rows": m.rows,
        "in_view": t("yes" if m.id in in_view else "no", lang),
        "withdrawn": t("yes" if m.withdrawn else "no", lang)} for m in metas], schema=schema)


def target_for(catalog: Catalog, target_id: str) -> Target:
    """A target by id."""
    return next(tg for tg in catalog.targets if tg.id == target_id)
