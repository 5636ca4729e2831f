"""The workbook in: a filled evaluation sheet read back (an untrusted file: size, expansion and rows capped) and
what importing it would change, row by row (import_preview)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from dashboard import notes as nt
from dashboard.catalog import Catalog
from dashboard.evaluation.rows import SheetRow
from dashboard.evaluation.sheet import Column, columns
from dashboard.export import FORMULA_START
from dashboard.i18n import N_, t

IMPORT_MAX_BYTES = 5 * 1024 * 1024  # a filled sheet is a few dozen KB; anything far bigger is not one
IMPORT_MAX_UNZIPPED = 50 * 1024 * 1024  # (a zip bomb expands far beyond this)
IMPORT_MAX_ROWS = 2000


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


PREVIEW_COLUMNS = ("id", "field", "old", "new", "problem")


def preview_frame(changes: Sequence[Change], lang: str) -> pl.DataFrame:
    """The import preview as a table: one row per changed field (its label in `lang`, now, from the sheet, why
    refused), and one row for each row refused without a change."""
    fields = {**nt.FIELD_KEYS, "grade": "eval_self_label"}
    return pl.DataFrame(
        [{"id": c.target_id, "field": t(fields[k], lang), "old": was, "new": now, "problem": c.problem}
         for c in changes for k, (was, now) in c.changed.items()]
        + [{"id": c.target_id, "field": "", "old": "", "new": "", "problem": c.problem}
           for c in changes if not c.changed],
        schema={k: pl.Utf8 for k in PREVIEW_COLUMNS})
