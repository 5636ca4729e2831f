"""The year's evaluation rows: one SheetRow per 取組 of the plan in plan order (targets, then one pseudo-target
per policy area without numeric targets), each with its figures, verdict, proposed grade and note, and the
words that describe a row (its note's state, 「数値更新あり」)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from dashboard import fmt, views
from dashboard import notes as nt
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.evaluation.grades import grade_rules, proposed_grade
from dashboard.i18n import N_, t


@dataclass(frozen=True)
class SheetRow:
    """One 取組 of the year's evaluation: figures, verdict, proposed grade and the note shown."""

    target_id: str  # a catalog target, or "areaN" for a policy area without numeric targets
    area_id: str
    area_name: str
    label: str
    goal: str  # 目標 (value and target year)
    actual: str  # 実績 (value, year, official or sample)
    verdict: str  # 判定 (the data's verdict in words, with what it rests on)
    status: str  # the verdict's status ("" for a policy area without numeric targets)
    proposed: str
    figure: float | None
    figure_year: int | None
    is_sample: bool
    note: nt.Note | None
    draft: bool  # the note shown is not the approved version

    @property
    def stale(self) -> bool:
        """A newer snapshot changed the figure the note was written against (「数値更新あり」)."""
        if self.note is None or self.note.snapshot_id is None:
            return False
        if self.note.figure_year != self.figure_year:
            return True
        a, b = self.note.figure, self.figure
        return (a is None) != (b is None) or (a is not None and b is not None and not math.isclose(a, b))


def pseudo_target(area_id: str) -> str:
    """The pseudo-target of a policy area without numeric targets ("area2")."""
    return f"area{area_id}"


def target_ids(cat: Catalog) -> list[str]:
    """Every 取組 of the plan in plan order: each policy area's targets, or its pseudo-target."""
    out = []
    for a in cat.areas_info():
        if not a.page:
            continue
        mine = [tg.id for tg in cat.targets if cat.indicators[tg.indicator_id].policy_area == a.id]
        out += mine or [pseudo_target(a.id)]
    return out


def sheet_rows(cat: Catalog, rows: Sequence[pg.Progress], shown: dict[str, nt.Note], lang: str,
               approved: dict[str, nt.Note] | None = None) -> list[SheetRow]:
    """The year's evaluation rows in plan order (`rows`: prefecture progress; `shown`: the notes to show;
    `approved`: the approved versions, to mark drafts)."""
    by_id = {r.target_id: r for r in rows}
    rules = grade_rules()
    approved = approved or {}
    out = []
    for a in cat.areas_info():
        if not a.page:
            continue
        targets = [tg for tg in cat.targets if cat.indicators[tg.indicator_id].policy_area == a.id]
        for tg in targets:
            p = by_id.get(tg.id)
            ind = cat.indicators[tg.indicator_id]
            note = shown.get(tg.id)
            out.append(SheetRow(
                target_id=tg.id, area_id=a.id, area_name=a.name(lang), label=tg.label(lang),
                goal=_goal(cat, tg.indicator_id, tg.target_value, tg.target_year, lang),
                actual=_actual(cat, p, lang), verdict=_verdict(cat, p, lang), status=p.status if p else "",
                proposed=proposed_grade(p, ind.direction, rules), figure=p.actual_value if p else None,
                figure_year=p.actual_year if p else None, is_sample=bool(p and p.actual_is_sample), note=note,
                draft=_draft(note, approved.get(tg.id))))
        if not targets:
            pid = pseudo_target(a.id)
            none = t("eval_no_numeric_target", lang)
            note = shown.get(pid)
            out.append(SheetRow(target_id=pid, area_id=a.id, area_name=a.name(lang), label=a.name(lang),
                                goal=none, actual=none, verdict=none, status="", proposed="", figure=None,
                                figure_year=None, is_sample=False, note=note,
                                draft=_draft(note, approved.get(pid))))
    return out


def _draft(note: nt.Note | None, approved: nt.Note | None) -> bool:
    return note is not None and (approved is None or approved.version != note.version)


def _goal(cat: Catalog, indicator_id: str, value: float | None, year: int, lang: str) -> str:
    bar = views.value_text(cat, indicator_id, value, lang) if value is not None else t("above_national_target", lang)
    return bar + views.paren(fmt.fy_label(year, lang), lang)


def _actual(cat: Catalog, p: pg.Progress | None, lang: str) -> str:
    if p is None or p.actual_value is None:
        return views.dash(N_("reason_not_reported"), lang)
    kind = t("sample" if p.actual_is_sample else "official", lang)
    return (views.value_text(cat, p.indicator_id, p.actual_value, lang)
            + views.paren(t("actual_year_kind", lang, year=fmt.fy_label(p.actual_year, lang), kind=kind), lang))


def _verdict(cat: Catalog, p: pg.Progress | None, lang: str) -> str:
    if p is None:
        return "－"
    detail = views.verdict_detail(cat, p, lang)
    return views.status_text(p.status, lang) + (views.paren(detail, lang) if detail else "")


def figure_text(cat: Catalog, target_id: str, value: float | None, year: int | None, lang: str) -> str:
    """A figure a note was written against, with its year (for 「数値更新あり」)."""
    tg = next((x for x in cat.targets if x.id == target_id), None)
    if tg is None or value is None:
        return "－"
    return views.value_text(cat, tg.indicator_id, value, lang) + views.paren(fmt.fy_label(year, lang), lang)


def stale_text(cat: Catalog, row: SheetRow, lang: str) -> str:
    """「数値更新あり：記入時 41,000人（令和6年度） → 現在 41,300人（令和6年度）」, "" when not stale."""
    if not row.stale or row.note is None:
        return ""
    return t("eval_stale", lang, then=figure_text(cat, row.target_id, row.note.figure, row.note.figure_year, lang),
             now=figure_text(cat, row.target_id, row.figure, row.figure_year, lang))


def note_state(row: SheetRow, lang: str) -> str:
    """未記入 / 下書き / 決裁済 for a row's note."""
    if row.note is None:
        return t("eval_unwritten", lang)
    return t("eval_draft" if row.draft else "eval_approved", lang)
