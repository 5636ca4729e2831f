"""The year's evaluation as one reader sees it (year_view: figures from a snapshot, notes as the reader may see
them) and the approved notes of a policy area as lines for its page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard import notes as nt
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.evaluation.rows import SheetRow, pseudo_target, sheet_rows, target_ids
from dashboard.i18n import t


@dataclass(frozen=True)
class YearView:
    """The year's evaluation as one reader sees it: rows, the snapshot their figures come from."""

    catalog: Catalog
    rows: list[SheetRow]
    snapshot_id: str | None
    year: int


def year_view(year: int, *, analyst: bool, lang: str, as_of: str | None = None, store: object = None,
              note_store: nt.NoteStore | None = None, catalog: Catalog | None = None) -> YearView:
    """The year's evaluation rows at the prefecture: figures as of the newest (or `as_of`) snapshot, notes as the
    reader may see them (analysts: current versions, drafts included; officials: approved versions only)."""
    from dashboard import services
    from dashboard.config import PREFECTURE

    view = services.place_view(PREFECTURE, as_of, year, store=store, catalog=catalog)  # type: ignore[arg-type]
    ns = note_store or nt.open_note_store()
    progress = pg.progress_for_place(view.catalog, view.values, PREFECTURE, year)
    approved = nt.approved(ns, year)
    shown = nt.current(ns, year) if analyst else approved
    rows = sheet_rows(view.catalog, progress, shown, lang, approved)
    return YearView(view.catalog, rows, view.snaps[-1].id if view.snaps else None, year)


def approved_lines(cat: Catalog, approved: Mapping[str, nt.Note], area_id: str, lang: str,
                   limit: int = 160) -> list[str]:
    """One line per approved note of a policy area's measures, in plan order: its label and the analyst's grade
    (labelled 自己評価, apart from the verdict), then 課題と対応策, shortened (shown as plain text)."""
    out = []
    for tid in target_ids(cat):
        note = approved.get(tid)
        tg = next((x for x in cat.targets if x.id == tid), None)
        in_area = cat.indicators[tg.indicator_id].policy_area == area_id if tg else tid == pseudo_target(area_id)
        if note is None or not in_area:
            continue
        label = tg.label(lang) if tg else cat.area_info(area_id).name(lang)
        line = t("eval_caption_line", lang, label=label, grade=nt.grade_word(note.grade, lang),
                 next=" ".join(note.next.split()))
        out.append(line if len(line) <= limit else line[: limit - 1] + "…")
    return out
