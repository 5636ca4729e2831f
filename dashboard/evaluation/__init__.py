"""The annual self-evaluation (自己評価): proposed grades, the year's evaluation rows and the workbook. No Streamlit.

- proposed_grade(): the grade the numbers propose, by the rule in data/catalog/grades.csv (rows tried in
  order; the first whose statuses and minimum share of target both match gives the grade; an empty grade
  means "no proposal", e.g. while a result is awaited);
- sheet_rows(): one row per 取組 of the plan in plan order (targets, then one pseudo-target per policy area
  without numeric targets: "area2", "area3"), each with its figures, verdict, proposed grade and note;
- workbook(): the year's evaluation sheet as .xlsx (one sheet per policy area, A4 landscape), its columns
  from data/catalog/evaluation_columns.csv; read_workbook() / import_preview(): the filled sheet read back.

The grade is the analyst's and the verdict is the data's: every row carries both, verdict first.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard import fmt, views
from dashboard import notes as nt
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.config import ROOT, catalog_dir
from dashboard.export import FORMULA_START, neutralise
from dashboard.i18n import N_, t

GRADE_RULES = "grades.csv"
COLUMNS_FILE = "evaluation_columns.csv"
FIELDS = ("target", "goal", "actual", "verdict", "proposed", "grade", "done", "next", "reason", "status", "id")
IMPORT_MAX_BYTES = 5 * 1024 * 1024  # a filled sheet is a few dozen KB; anything far bigger is not one
IMPORT_MAX_UNZIPPED = 50 * 1024 * 1024  # (a zip bomb expands far beyond this)
IMPORT_MAX_ROWS = 2000


# ------------------------------------------------------------------------------------- grade rule

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


# ------------------------------------------------------------------------------------ sheet rows

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
            + views.paren(f"{fmt.fy_label(p.actual_year, lang)}・{kind}" if lang == "ja"
                          else f"{fmt.fy_label(p.actual_year, lang)}, {kind}", lang))


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


# ------------------------------------------------------------------------------------- workbook

@dataclass(frozen=True)
class Column:
    """One column of the evaluation sheet (evaluation_columns.csv): which field, its headers, its width."""

    field: str
    headers: dict[str, str]
    width: float

    def header(self, lang: str) -> str:
        """The header in a language (English for a language the template does not name)."""
        return self.headers.get(lang) or self.headers.get("en") or self.field


def columns(path: Path | None = None) -> list[Column]:
    """The sheet's columns, in order, from the template an official can edit (ValueError when unusable)."""
    out = []
    with open(path or _catalog_file(COLUMNS_FILE), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            field = (r.get("field") or "").strip()
            if field not in FIELDS:
                raise ValueError(f"{COLUMNS_FILE}: unknown field {field!r} (one of {', '.join(FIELDS)})")
            heads = {k[len("header_"):]: (v or "").strip() for k, v in r.items() if k and k.startswith("header_")}
            out.append(Column(field, heads, float(r.get("width") or 14)))
    if "id" not in {c.field for c in out}:
        raise ValueError(f"{COLUMNS_FILE}: the id column is needed to read a filled sheet back")
    return out


def cell_values(cat: Catalog, row: SheetRow, lang: str) -> dict[str, str]:
    """The text of every field of a row as the sheet writes it (neutralised: never a formula)."""
    n = row.note
    vals = {"target": row.label, "goal": row.goal,
            "actual": row.actual, "verdict": row.verdict,
            "proposed": row.proposed, "grade": n.grade if n else "",
            "done": n.done if n else "", "next": n.next if n else "", "reason": n.reason if n else "",
            "status": note_state(row, lang) + (("\n" + stale_text(cat, row, lang)) if row.stale else ""),
            "id": row.target_id}
    return {k: neutralise(v) for k, v in vals.items()}


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in text)[:31].strip() or "sheet"
    base, i = name, 2
    while name in used:
        name = f"{base[:28]}({i})"
        i += 1
    used.add(name)
    return name


def workbook(cat: Catalog, rows: Sequence[SheetRow], year: int, lang: str, as_of: str | None,
             cols: Sequence[Column] | None = None) -> bytes:
    """The year's self-evaluation workbook: one sheet per policy area, one row per 取組, A4 landscape."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = list(cols or columns())
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    sample = any(r.is_sample for r in rows)
    for area_id in dict.fromkeys(r.area_id for r in rows):
        mine = [r for r in rows if r.area_id == area_id]
        ws = wb.create_sheet(_sheet_name(f"{area_id}. {mine[0].area_name}", used))
        ws.append([neutralise(t("eval_sheet_title", lang, fy=fmt.fy_label(year, lang), area=mine[0].area_name))])
        ws.append([neutralise(t("eval_sheet_as_of", lang, snapshot=as_of or "－")
                              + ("　" + t("eval_sheet_sample", lang) if sample else ""))])
        ws.append([neutralise(c.header(lang)) for c in cols])
        for r in mine:
            vals = cell_values(cat, r, lang)
            ws.append([vals[c.field] for c in cols])
        ws["A1"].font = Font(bold=True, size=14)
        for cell in ws[3]:
            cell.font = Font(bold=True)
        for i, c in enumerate(cols, 1):
            ws.column_dimensions[get_column_letter(i)].width = c.width
        for line in ws.iter_rows(min_row=3):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A4"
        ws.print_title_rows = "3:3"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------- reading back

class ImportRefused(ValueError):
    """A file that cannot be read as a filled evaluation sheet: a message key and parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params

    def sentence(self, lang: str) -> str:
        """What is wrong, in the user's language."""
        return t(self.key, lang, **self.params)


@dataclass(frozen=True)
class Filled:
    """One row of a filled sheet: the fields an analyst writes, as read."""

    target_id: str
    grade: str
    done: str
    next: str
    reason: str


def _unneutralise(text: str) -> str:
    """The text as the analyst wrote it: the sheet's own leading quote before a formula character removed."""
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_START and text[1:2] != "" else text


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return _unneutralise(str(v)).strip()


def read_workbook(data: bytes, cols: Sequence[Column] | None = None) -> list[Filled]:
    """The filled rows of an evaluation workbook (an untrusted file: size, expansion and rows capped;
    ImportRefused with a sentence key when it is not one)."""
    _check_import_size(data)
    from openpyxl import load_workbook

    cols = list(cols or columns())
    heads = {h: c.field for c in cols for h in c.headers.values() if h}
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean "not a workbook"
        raise ImportRefused(N_("eval_import_not_xlsx")) from None
    out: list[Filled] = []
    seen = 0
    try:
        for ws in wb.worksheets:
            where: dict[str, int] | None = None
            for line in ws.iter_rows(values_only=True):
                seen += 1  # counted over every sheet: the cap bounds the whole file
                if seen > IMPORT_MAX_ROWS:
                    raise ImportRefused(N_("eval_import_too_many_rows"), max=IMPORT_MAX_ROWS)
                cells = [_cell(v) for v in line]
                if where is None:
                    where = _header(cells, heads)
                elif (filled := _filled(cells, where)) is not None:
                    out.append(filled)
    finally:
        wb.close()
    return out


def _check_import_size(data: bytes) -> None:
    """Refuse a file too big, too big once unzipped, or not a zip at all, before openpyxl opens it."""
    if len(data) > IMPORT_MAX_BYTES:
        raise ImportRefused(N_("eval_import_too_big"), mb=IMPORT_MAX_BYTES // 2**20)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > IMPORT_MAX_UNZIPPED:
                raise ImportRefused(N_("eval_import_too_big"), mb=IMPORT_MAX_BYTES // 2**20)
    except zipfile.BadZipFile:
        raise ImportRefused(N_("eval_import_not_xlsx")) from None


def _header(cells: list[str], heads: dict[str, str]) -> dict[str, int] | None:
    """The column of each known field when this row is a sheet's header (it names the target id), else None."""
    found = {heads[c]: i for i, c in enumerate(cells) if c in heads}
    return found if "id" in found else None


def _filled(cells: list[str], where: dict[str, int]) -> Filled | None:
    """One row below the header as a Filled, or None when it names no target."""
    tid = cells[where["id"]] if where["id"] < len(cells) else ""
    if not tid:
        return None

    def get(f: str) -> str:
        i = where.get(f)
        return cells[i] if i is not None and i < len(cells) else ""
    grade = get("grade")
    return Filled(tid, grade[:1] if grade[:1] in nt.GRADES else grade, get("done"), get("next"), get("reason"))


@dataclass(frozen=True)
class Change:
    """What importing one row would do: the fields that change (old, new), or why it is refused."""

    target_id: str
    changed: dict[str, tuple[str, str]]
    problem: str = ""  # a sentence when the row cannot be saved
    note: nt.Note | None = None  # the version that would be saved


def import_preview(cat: Catalog, filled: Sequence[Filled], rows: Sequence[SheetRow], *, year: int, author: str,
                   snapshot_id: str | None, lang: str) -> list[Change]:
    """What importing a filled sheet would change, row by row (rows unchanged or left blank are left out)."""
    by_id = {r.target_id: r for r in rows}
    out = []
    for f in filled:
        row = by_id.get(f.target_id)
        if row is None:
            out.append(Change(f.target_id[:60], {}, t("eval_import_unknown_target", lang, target=f.target_id[:60])))
            continue
        old = row.note
        was = {"grade": old.grade if old else "", "done": old.done if old else "", "next": old.next if old else "",
               "reason": old.reason if old else ""}
        now = {"grade": f.grade, "done": f.done, "next": f.next, "reason": f.reason}
        changed = {k: (was[k], now[k]) for k in now if was[k] != now[k]}
        if not changed:
            continue
        try:
            note = nt.make_note(target_id=row.target_id, year=year, grade=f.grade, done=f.done, next_steps=f.next,
                                reason=f.reason, proposed=row.proposed, author=author, snapshot_id=snapshot_id,
                                figure=row.figure, figure_year=row.figure_year,
                                base=old.version if old else None)
        except nt.NoteRefused as e:
            out.append(Change(row.target_id, changed, e.sentence(lang)))
            continue
        out.append(Change(row.target_id, changed, "", note))
    return out


# ------------------------------------------------------------------------------------- the year

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
