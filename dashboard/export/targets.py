"""A target's numbers as the deck's tables and the briefing print them, and the provisional roll-ups' lines."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard import fmt, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.i18n import t


def progress_cells(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> list[list[str]]:
    """Target, latest actual, target value, share of the way, verdict and what it rests on: a slide's numbers."""
    head = [t("export_col_target", lang), t("export_col_actual", lang), t("export_col_target_value", lang),
            t("export_col_progress", lang), t("export_col_status", lang), t("col_verdict_detail", lang)]
    out = [head]
    for r in rows:
        if r.status == "context":
            continue
        ind = catalog.indicators[r.indicator_id]
        tgt = next(tg for tg in catalog.targets if tg.id == r.target_id)
        actual = fmt.value(r.actual_value, ind.unit(lang), ind.kind, lang)
        if r.actual_year is not None:
            actual += views.paren(fmt.fiscal_year(r.actual_year, lang), lang)
        if r.actual_n_reporting is not None and r.actual_n_expected is not None:
            cov = t("coverage_short", lang, n=fmt.number(r.actual_n_reporting), of=fmt.number(r.actual_n_expected))
            actual += "\n" + t("export_bracket", lang, text=cov)  # a line of its own: never split mid-bracket
        out.append([tgt.label(lang), actual, fmt.value(r.target_value, ind.unit(lang), ind.kind, lang),
                    fmt.share(r.share_of_way, lang), views.status_text(r.status, lang),
                    views.verdict_detail(catalog, r, lang) or "－"])
    return out


def provisional_lines(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> list[str]:
    """One line per target with a newer roll-up that not every municipality reported (shown, never judged)."""
    tgts = {tg.id: tg for tg in catalog.targets}
    seen: set[tuple[str, int]] = set()
    out = []
    for r in rows:
        if r.provisional_year is None or (r.indicator_id, r.provisional_year) in seen:
            continue
        seen.add((r.indicator_id, r.provisional_year))
        name = catalog.indicators[r.indicator_id].name(lang) if r.target_id in tgts else r.target_id
        out.append(t("export_provisional_line", lang, name=name, text=views.provisional_text(catalog, r, lang)))
    return out
