"""Downloads an analyst can reuse: a progress table's CSV opens as numbers with headers in the user's language,
shares rounded as shown; the .xlsx has a frozen header, columns sized to their content and the machine names
in its 'about' sheet (tests' own catalog)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from dashboard import export, views
from dashboard import progress as pg
from dashboard.catalog import Catalog


def _table(catalog: Catalog, lang: str):  # type: ignore[no-untyped-def]
    people = next(t for t in catalog.targets if t.id == "T-people")
    rate = next(t for t in catalog.targets if t.id == "T-rate")
    rows = [pg.evaluate(people, catalog.indicators["t_people"], {2025: 41060.0}, 2025, place="10000"),
            pg.evaluate(rate, catalog.indicators["t_rate"], {2022: 9.4567}, 2022, place="10000")]
    return views.progress_table(catalog, rows, lang)


def test_csv_is_numbers_with_headers_in_the_users_language(tiny_catalog: Catalog) -> None:
    frame, names = export.progress_frame(_table(tiny_catalog, "ja"), "ja")
    text = export.csv_bytes(frame, False, "ja").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["実績値"] == "41060.0" and rows[0]["目標値（判定の基準）"] == "200.0"
    assert rows[0]["単位"] == "単位" and rows[0]["状況"].endswith("達成")
    assert rows[1]["実績値"] == "9.5"  # a rate to one decimal, as shown
    assert rows[1]["進捗率（%）"] == "36.0"  # (9.4567 − 8) ÷ (12 − 8) = 36.4 %, a whole percentage as shown
    assert names["実績値"] == "actual_value" and "share" in names.values()
    en = export.progress_frame(_table(tiny_catalog, "en"), "en")[0]
    assert "Actual" in en.columns and "actual_value" not in en.columns


def test_xlsx_freezes_the_header_sizes_columns_and_names_the_machine_columns(tiny_catalog: Catalog) -> None:
    frame, names = export.progress_frame(_table(tiny_catalog, "ja"), "ja")
    meta = export.ExportMeta("t", "群馬県", 2025, "0001-x", "label", False, "ja")
    wb = load_workbook(io.BytesIO(export.xlsx_bytes(frame, meta, names=names)))
    ws = wb.active
    assert ws.freeze_panes == "A2"
    label_col = next(c for c in ws[1] if c.value == "目標")
    assert ws.column_dimensions[label_col.column_letter].width >= 12
    assert isinstance(next(c for c in ws[2] if ws.cell(1, c.column).value == "実績値").value, (int, float))
    about = [tuple(r) for r in wb["about"].iter_rows(values_only=True)]
    assert ("実績値", "actual_value") in about
