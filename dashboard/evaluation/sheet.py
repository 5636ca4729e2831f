"""The workbook out: the year's evaluation sheet as .xlsx (one sheet per policy area, A4 landscape), its columns
from data/catalog/evaluation_columns.csv; every cell neutralised (never a formula)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dashboard import fmt
from dashboard.catalog import Catalog
from dashboard.evaluation.grades import _catalog_file
from dashboard.evaluation.rows import SheetRow, note_state, stale_text
from dashboard.export import display_width, neutralise
from dashboard.i18n import t

COLUMNS_FILE = "evaluation_columns.csv"
FIELDS = ("target", "goal", "actual", "verdict", "proposed", "grade", "done", "next", "reason", "status", "id")


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


LINE_PT = 15.0  # one line of 11 pt text in a row, as Excel and LibreOffice space it


def sheet_row_height(texts: Sequence[str], widths: Sequence[float]) -> float:
    """A row's height in points so every wrapped cell shows whole: neither Excel nor LibreOffice sizes a row to
    its wrapped text on opening, and a printed sheet would cut the verdict and the notes at the first line."""
    def lines(text: str, width: float) -> int:
        room = max(width - 1, 1)  # a column's width counts half-width characters, less its padding
        return sum(max(1, math.ceil(display_width(line) / room)) for line in (text.splitlines() or [""]))

    return LINE_PT * max((lines(x, w) for x, w in zip(texts, widths, strict=True)), default=1)


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
            texts = [vals[c.field] for c in cols]
            ws.append(texts)
            ws.row_dimensions[ws.max_row].height = sheet_row_height(texts, [c.width for c in cols])
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
