"""Exports execute nothing (issue 10, OWASP CSV injection): a text cell that a spreadsheet would read
as a formula is written with a leading single quote, in CSV and in .xlsx; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from dashboard import export, views
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore

LABEL = '=HYPERLINK("http://x","y")'
PUBLISHER = "@SUM(1)"


def _store_with_hostile_names(root: Path) -> LocalStore:
    store = LocalStore(root)
    frame = pl.DataFrame({"indicator_id": ["kayoi_participants"], "municipality_code": ["10201"],
                          "fiscal_year": [2024], "value": [1.0]})
    store.publish(to_parquet_bytes(frame), label=LABEL, kind="official", source_name="x.csv", rows=1,
                  publisher=PUBLISHER)
    return store


def test_snapshot_label_and_publisher_are_neutralised_in_csv_and_xlsx(data_copy: Path) -> None:
    store = _store_with_hostile_names(data_copy)
    metas = store.list()
    # The methodology page's snapshot table, as it is exported.
    table = views.snapshot_table(metas, {m.id for m in metas}, "en")
    rows = list(csv.reader(io.StringIO(export.csv_bytes(table, lang="en").decode("utf-8-sig"))))
    head = rows[0]
    last = dict(zip(head, rows[-1], strict=True))
    assert last["label"] == "'" + LABEL and last["publisher"] == "'" + PUBLISHER
    assert last["rows"] == "1"  # a number, not touched

    meta = export.ExportMeta(LABEL, "-Gunma", 2024, metas[-1].id, LABEL, False, "en")
    wb = load_workbook(io.BytesIO(export.xlsx_bytes(table, meta)))
    ws = wb["data"]
    cols = [c.value for c in ws[1]]
    cells = {cols[i]: c for i, c in enumerate(ws[ws.max_row])}
    for name, text in (("label", LABEL), ("publisher", PUBLISHER)):
        cell = cells[name]
        assert cell.data_type == "s" and cell.value == "'" + text  # a string, not a formula
    assert cells["rows"].data_type == "n" and cells["rows"].value == 1
    about = [r[0].value for r in wb["about"].iter_rows() if r[0].value]
    assert "'" + LABEL in about and "'-Gunma" in about
    assert all(not str(v).startswith(export.FORMULA_START) for v in about)


def test_every_dangerous_start_is_neutralised_and_negative_numbers_stay_numbers() -> None:
    texts = ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "safe", "－"]
    frame = pl.DataFrame({"text": texts, "number": [-5.0, 1.5, -0.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    rows = list(csv.reader(io.StringIO(export.csv_bytes(frame).decode("utf-8-sig"), newline="")))
    got = [r[0] for r in rows[1:]]
    assert got == ["'" + x for x in texts[:6]] + ["safe", "－"]
    assert rows[1][1] == "-5.0"
    ws = load_workbook(io.BytesIO(export.xlsx_bytes(frame)))["data"]
    assert ws.cell(2, 1).value == "'=1+1" and ws.cell(2, 1).data_type == "s"
    assert ws.cell(2, 2).value == -5.0 and ws.cell(2, 2).data_type == "n"
