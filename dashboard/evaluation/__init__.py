"""The annual self-evaluation (自己評価): proposed grades, the year's evaluation rows and the workbook. No Streamlit.

- proposed_grade(): the grade the numbers propose, by the rule in data/catalog/grades.csv (rows tried in
  order; the first whose statuses and minimum share of target both match gives the grade; an empty grade
  means "no proposal", e.g. while a result is awaited);
- sheet_rows(): one row per 取組 of the plan in plan order (targets, then one pseudo-target per policy area
  without numeric targets: "area2", "area3"), each with its figures, verdict, proposed grade and note;
- workbook(): the year's evaluation sheet as .xlsx (one sheet per policy area, A4 landscape), its columns
  from data/catalog/evaluation_columns.csv; read_workbook() / import_preview(): the filled sheet read back.

The grade is the analyst's and the verdict is the data's: every row carries both, verdict first.

One module per job:

- grades: the proposed-grade rule (GradeRule, grade_rules, share_of_target, proposed_grade).
- rows: the year's rows (SheetRow, sheet_rows, target_ids, pseudo_target) and the words about a row
  (note_state, stale_text, figure_text).
- sheet: the workbook out (Column, columns, cell_values, workbook).
- readback: the workbook in (read_workbook, ImportRefused, Filled, import_preview, Change; the import caps).
- year: the year as one reader sees it (YearView, year_view) and approved_lines for a policy area's page.

Every public name is importable from dashboard.evaluation itself, as it was when this was one module; the
submodules are not named after functions (sheet, not workbook; year, not year_view). A test that replaces a
name (monkeypatch) replaces it in the submodule that uses it: a name rebound here is not seen there.
"""

from __future__ import annotations

from dashboard.evaluation.grades import GRADE_RULES, GradeRule, grade_rules, proposed_grade, share_of_target
from dashboard.evaluation.readback import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    IMPORT_MAX_UNZIPPED,
    Change,
    Filled,
    ImportRefused,
    import_preview,
    preview_frame,
    read_workbook,
)
from dashboard.evaluation.rows import (
    SheetRow,
    figure_text,
    note_state,
    pseudo_target,
    sheet_rows,
    stale_text,
    target_ids,
)
from dashboard.evaluation.sheet import COLUMNS_FILE, FIELDS, Column, cell_values, columns, workbook
from dashboard.evaluation.year import YearView, approved_lines, year_view

__all__ = [
    "COLUMNS_FILE", "FIELDS", "GRADE_RULES", "IMPORT_MAX_BYTES", "IMPORT_MAX_ROWS", "IMPORT_MAX_UNZIPPED", "Change",
    "Column", "Filled", "GradeRule", "ImportRefused", "SheetRow", "YearView", "approved_lines", "cell_values",
    "columns", "figure_text", "grade_rules", "import_preview", "note_state", "preview_frame", "proposed_grade",
    "pseudo_target",
    "read_workbook", "share_of_target", "sheet_rows", "stale_text", "target_ids", "workbook", "year_view",
]
