"""The annual self-evaluation (dashboard/evaluation/ and the `note` / `evaluation` commands): the proposed grade
rule, the year's rows, stale notes after a new snapshot, the workbook and reading it back."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dashboard import cli
from dashboard import evaluation as ev
from dashboard import notes as nt
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.export import FORMULA_START
from tests.conftest import TinyStore, publish_rows

BASE = pg.Progress(target_id="X", indicator_id="x", place_code="10000", target_kind="level", phase="pace",
                   baseline_year=2020, baseline_value=100.0, target_year=2025, target_value=200.0, actual_year=2023,
                   actual_value=150.0, actual_is_sample=False, national_value=None, baseline_national_value=None,
                   share_of_way=None, expected_now=None, ratio=None, status="behind", projected_value=None,
                   projected_year=None, share_of_prefecture=None, per_1000_65=None)

GRADE_CASES = [  # (changes to the row, indicator direction, proposed grade): one row per case
    ({"phase": "final", "status": "achieved", "share_of_target": 1.02}, "higher", "◎"),
    ({"status": "moving_away", "actual_value": 190.0}, "higher", "×"),  # moving away beats a high share
    ({"status": "on_track", "actual_value": 110.0}, "higher", "○"),
    ({"status": "reached_early", "actual_value": 210.0}, "higher", "○"),
    ({"phase": "final", "status": "not_achieved", "share_of_target": 0.994}, "higher", "○"),
    ({"phase": "final", "status": "not_achieved", "share_of_target": 0.872}, "higher", "△"),
    ({"phase": "final", "status": "not_achieved", "share_of_target": 0.59}, "higher", "×"),
    ({"status": "behind", "actual_value": 185.0}, "higher", "○"),  # pace row: 185 ÷ 200 = 92.5 %
    ({"status": "behind", "actual_value": 130.0}, "higher", "△"),  # 65 %
    ({"status": "behind", "actual_value": 100.0}, "higher", "×"),  # 50 %
    ({"status": "slightly_behind", "actual_value": 10.5, "target_value": 10.0}, "lower", "○"),  # 10 ÷ 10.5
    ({"status": "behind", "actual_value": 16.0, "target_value": 10.0}, "lower", "△"),  # 10 ÷ 16 = 62.5 %
    ({"status": "behind", "target_kind": "period_total", "actual_value": 700.0, "target_value": 1200.0},
     "lower", "×"),  # a period total's sum so far ÷ the total, whatever the direction: 58 %
    ({"status": "not_available", "actual_value": None}, "higher", ""),
    ({"phase": "awaiting", "status": "awaiting", "actual_value": 190.0}, "higher", ""),
    ({"phase": "context", "status": "context"}, "higher", ""),
]


@pytest.mark.parametrize(("change", "direction", "grade"), GRADE_CASES)
def test_proposed_grade_follows_the_catalog_rule(change: dict[str, Any], direction: str, grade: str) -> None:
    assert ev.proposed_grade(replace(BASE, **change), direction) == grade


def test_the_rule_is_data(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    path.write_text("grade,statuses,min_share\n△,,0.5\n×,,\n", encoding="utf-8")
    rules = ev.grade_rules(path)
    assert ev.proposed_grade(replace(BASE, status="achieved", actual_value=190.0), "higher", rules) == "△"
    path.write_text("grade,statuses,min_share\n☆,,\n", encoding="utf-8")
    with pytest.raises(ValueError):
        ev.grade_rules(path)


def test_every_policy_area_has_rows_those_without_numeric_targets_one_pseudo_target() -> None:
    from dashboard.catalog import load_catalog

    ids = ev.target_ids(load_catalog())
    assert ids[:6] == ["A1-2023", "A1-2025", "A2-2023", "A2-2025", "A3-2023", "A3-2025"]
    assert "area2" in ids and "area3" in ids and ids.index("area2") < ids.index("area3") < ids.index("C1-2021")


def _view(tiny: TinyStore, cat: Catalog, notes: nt.NoteStore, as_of: str | None, analyst: bool = True) -> ev.YearView:
    return ev.year_view(2022, analyst=analyst, lang="ja", as_of=as_of, store=tiny.store, note_store=notes,
                        catalog=cat)


def test_every_measure_has_a_row_and_a_new_snapshot_does_not_move_a_note(tiny_store: TinyStore,
                                                                          tiny_catalog: Catalog,
                                                                          tmp_path: Path) -> None:
    notes = nt.LocalNoteStore(tmp_path)
    yv = _view(tiny_store, tiny_catalog, notes, tiny_store.s1)
    assert [r.target_id for r in yv.rows] == ["T-people", "T-rate", "T-flag"]
    assert all(r.note is None for r in yv.rows)
    row = yv.rows[0]
    assert row.figure == 150.0 and row.figure_year == 2021  # 10 + 20 + 30 + 40 + 50
    written = nt.save(notes, nt.make_note(target_id=row.target_id, year=2022, grade=row.proposed or "△",
                                          done="実施", next_steps="次", author="tanaka", proposed=row.proposed,
                                          snapshot_id=yv.snapshot_id, figure=row.figure,
                                          figure_year=row.figure_year))
    assert not _view(tiny_store, tiny_catalog, notes, tiny_store.s1).rows[0].stale
    later = _view(tiny_store, tiny_catalog, notes, tiny_store.s2)  # s2 revises 19001's 2021 figure: 10 → 15
    now = later.rows[0]
    assert now.figure == 155.0 and now.note == written  # the note itself did not move
    assert now.stale
    text = ev.stale_text(later.catalog, now, "ja")
    assert text.startswith("数値更新あり") and "150" in text and "155" in text
    publish_rows(tiny_store.store, [("t_people", "19003", 2021, 99.0)])  # yet another snapshot
    assert nt.history(notes, "T-people", 2022) == [written]
    assert _view(tiny_store, tiny_catalog, notes, None, analyst=False).rows[0].note is None  # not approved


# ------------------------------------------------------------------------------------ the workbook, as an analyst


def _run(*argv: str) -> int:
    return cli.main(list(argv))


def _three_notes() -> None:
    assert _run("note", "add", "--target", "A1-2025", "--year", "2024", "--grade", "○", "--done", "教室20か所",
                "--next", "=HYPERLINK(\"http://evil\")", "--author", "tanaka") == 0
    assert _run("note", "add", "--target", "A3-2023", "--year", "2024", "--grade", "○", "--done", "会場確保",
                "--next", "週1回の場を増やす", "--reason", "年度末に開設が集中した", "--author", "sato") == 0
    assert _run("note", "add", "--target", "area2", "--year", "2024", "--grade", "◎", "--done", "<b>研修</b>",
                "--next", "継続", "--author", "sato") == 0


def test_analyst_flow_notes_workbook_edit_import_history(data_copy: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    _three_notes()
    # An override without a reason is refused, with a sentence.
    assert _run("note", "add", "--target", "A3-2023", "--year", "2024", "--grade", "◎", "--done", "x",
                "--next", "y", "--author", "sato", "--lang", "en") == 1
    assert "Give the reason" in capsys.readouterr().err
    out = tmp_path / "eval.xlsx"
    assert _run("evaluation", "--year", "2024", "--out", str(out)) == 0
    wb = load_workbook(out)
    assert len(wb.sheetnames) == 5 and wb.sheetnames[0].startswith("1.")  # one sheet per policy area
    ws = wb[wb.sheetnames[0]]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert "サンプル" in str(ws["A2"].value)  # the newest bundled snapshots are sample data
    heads = [c.value for c in ws[3]]
    assert heads[:6] == ["取組", "目標", "実績", "判定", "数値からの提案", "自己評価"] and "課題と対応策" in heads
    rows = {r[heads.index("ID")]: dict(zip(heads, r, strict=True)) for r in ws.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {"A1-2023", "A1-2025", "A2-2023", "A2-2025", "A3-2023", "A3-2025", "B1-2023", "B2-2021-23"}
    assert rows["A2-2023"]["状態"] == "未記入"  # listed, never dropped
    assert rows["A1-2025"]["課題と対応策"] == "'=HYPERLINK(\"http://evil\")"  # neutralised
    assert rows["A3-2023"]["自己評価"] == "○" and rows["A3-2023"]["数値からの提案"] == "△"
    assert rows["A3-2023"]["提案と異なる理由"] == "年度末に開設が集中した"
    assert "（" in rows["A1-2025"]["実績"] and "判定" in heads and rows["A1-2025"]["判定"].startswith("△")
    for sheet in wb.worksheets:
        for line in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith(FORMULA_START) for v in line)
    area2 = wb[wb.sheetnames[1]]
    a2 = [c.value for c in area2[4]]
    assert a2[heads.index("ID")] == "area2" and a2[heads.index("自己評価")] == "◎" and "数値目標なし" in a2[1]
    # An analyst changes one note in the sheet, then reads it back: a preview first, nothing saved.
    col = heads.index("実施内容") + 1
    row_no = next(i for i in range(4, ws.max_row + 1) if ws.cell(i, heads.index("ID") + 1).value == "A1-2025")
    ws.cell(row_no, col).value = "教室25か所（年度末に追加）"
    wb.save(out)
    capsys.readouterr()
    assert _run("note", "import", str(out), "--year", "2024", "--author", "tanaka") == 0
    preview = capsys.readouterr().out
    assert "変更される行：1" in preview and "A1-2025" in preview and "教室25か所" in preview
    assert len(nt.history(nt.open_note_store(), "A1-2025", 2024)) == 1
    assert _run("note", "import", str(out), "--year", "2024", "--author", "tanaka", "--apply") == 0
    versions = nt.history(nt.open_note_store(), "A1-2025", 2024)
    assert [v.done for v in versions] == ["教室20か所", "教室25か所（年度末に追加）"]
    assert versions[1].next == "=HYPERLINK(\"http://evil\")"  # the sheet's quote is not taken as the analyst's
    assert nt.version_states(versions) == ["superseded", "current"]
    # Approval: officials' workbook shows approved notes only.
    assert _run("note", "approve", "--year", "2024", "--author", "suzuki") == 0
    assert _run("note", "add", "--target", "A2-2023", "--year", "2024", "--grade", "○", "--done", "後から",
                "--next", "x", "--author", "sato") == 0
    assert _run("evaluation", "--year", "2024", "--out", str(out), "--approved-only") == 0
    ws = load_workbook(out)[wb.sheetnames[0]]
    rows = {r[heads.index("ID")]: dict(zip(heads, r, strict=True)) for r in ws.iter_rows(min_row=4, values_only=True)}
    assert rows["A2-2023"]["状態"] == "未記入" and rows["A1-2025"]["状態"] == "決裁済"
    capsys.readouterr()
    assert _run("note", "list", "--year", "2024", "--history") == 0
    listing = capsys.readouterr().out
    assert "旧版" in listing and "現行版" in listing and "下書き" in listing


def _xlsx_with(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["タイトル"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_hostile_file_is_refused_with_a_sentence() -> None:
    with pytest.raises(ev.ImportRefused) as e:
        ev.read_workbook(b"x" * (ev.IMPORT_MAX_BYTES + 1))
    assert "MB" in e.value.sentence("en")
    with pytest.raises(ev.ImportRefused) as e:
        ev.read_workbook(b"<html>not a workbook</html>")
    assert ".xlsx" in e.value.sentence("ja")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (ev.IMPORT_MAX_UNZIPPED + 1))
    assert len(bomb.getvalue()) < 1_000_000
    with pytest.raises(ev.ImportRefused):
        ev.read_workbook(bomb.getvalue())
    many = _xlsx_with([["ID", "自己評価"]] + [[f"A{i}", "○"] for i in range(ev.IMPORT_MAX_ROWS + 5)])
    with pytest.raises(ev.ImportRefused):
        ev.read_workbook(many)


def test_reading_back_finds_the_columns_by_header_in_either_language(tiny_store: TinyStore, tiny_catalog: Catalog,
                                                                      tmp_path: Path) -> None:
    data = _xlsx_with([["Self-evaluation", "ID", "What was done", "Issues and next steps"],
                       ["○ Good", "T-rate", "done it", "'=cmd|' /C calc'!A0"], ["", "NOPE", "", ""],
                       ["△", "T-flag", "x" * 3000, ""], ["×", "T-people", "=WEBSERVICE(\"http://x\")", ""]])
    filled = ev.read_workbook(data)
    assert [f.target_id for f in filled] == ["T-rate", "NOPE", "T-flag", "T-people"] and filled[0].grade == "○"
    assert filled[3].done == ""  # a formula cell is never read as text (nor run: values only, none cached)
    yv = _view(tiny_store, tiny_catalog, nt.LocalNoteStore(tmp_path), None)
    changes = {c.target_id: c for c in ev.import_preview(yv.catalog, filled, yv.rows, year=2022, author="tanaka",
                                                         snapshot_id=yv.snapshot_id, lang="en")}
    assert changes["NOPE"].problem and changes["NOPE"].note is None
    assert "too long" in changes["T-flag"].problem and changes["T-flag"].note is None
    ok = changes["T-rate"]
    assert ok.note is not None and ok.note.next == "=cmd|' /C calc'!A0" and ok.changed["grade"] == ("", "○")


def test_a_sheet_row_is_as_tall_as_its_longest_wrapped_cell() -> None:
    # Neither Excel nor LibreOffice sizes a row to its wrapped text on opening: the sheet sets the height.
    from dashboard.evaluation.sheet import LINE_PT, sheet_row_height

    assert sheet_row_height(["短い", "x"], [10, 10]) == LINE_PT
    assert sheet_row_height(["あ" * 20, ""], [11, 10]) == 4 * LINE_PT  # 40 half-widths, 10 to a line
    assert sheet_row_height(["a\nb\nc", "one"], [20, 10]) == 3 * LINE_PT
