"""The self-evaluation page (pages/evaluation.py) through AppTest: officials see approved notes only and no form;
a signed-in analyst sees every measure (verdict first, then the self-evaluation), saves a note and sees the new
version in the history; user text is shown as plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth, registry
from dashboard import notes as nt
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.ingest import text

PAGE = str(ROOT / "pages" / "evaluation.py")
PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD, n=2**12)

pytestmark = pytest.mark.usefixtures("fresh_caches")


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("text", "markdown", "caption", "info", "warning", "error", "success")
             for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def _app(login: bool) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.secrets["upload"] = {"users": {"tanaka": HASH}}
    at.run()
    at.selectbox(key="eval_year").set_value(2024).run()
    if login:
        at.text_input(key="login_name").input("tanaka")
        at.text_input(key="login_password").input(PASSWORD)
        next(b for b in at.button if b.label == text("login")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_is_registered_beside_the_upload_page() -> None:
    assert registry.names(load_catalog(), upload=True)[-2:] == ["upload", "evaluation"]
    assert "evaluation" not in registry.data_pages(load_catalog())


def test_officials_see_approved_notes_only_and_no_form(fresh_caches: Path) -> None:
    store = nt.open_note_store()
    nt.save(store, nt.make_note(target_id="A1-2025", year=2024, grade="△", done="承認済みの内容", next_steps="次",
                                reason="理由", proposed="○", author="sato"))
    at = _app(login=False)
    assert "決裁済の自己評価はまだありません" in _texts(at) and not at.expander
    assert "承認済みの内容" not in _texts(at)  # a draft: analysts only
    nt.approve(store, 2024, "suzuki")
    nt.save(store, nt.make_note(target_id="A1-2025", year=2024, grade="○", done="あとの下書き", next_steps="次",
                                proposed="○", author="sato"))
    at = _app(login=False)
    shown = _texts(at)
    assert "承認済みの内容" in shown and "あとの下書き" not in shown
    assert not at.expander and all(e.label != "保存" for e in at.button)  # only the login form


def test_an_analyst_writes_a_note_and_sees_the_new_version(fresh_caches: Path) -> None:
    at = _app(login=True)
    labels = [e.label for e in at.expander][1:]  # (the first reads a filled sheet back)
    assert len(labels) == 16 and labels[0].index("判定") < labels[0].index("自己評価")  # verdict first
    assert any("数値目標なし" in x for x in labels)  # areas 2 and 3 have rows
    key = "A1-2025_2024_new"
    at.radio(key=f"g_{key}").set_value("△")
    at.text_area(key=f"d_{key}").input("<script>alert(1)</script> 教室20か所")
    at.text_area(key=f"n_{key}").input("担い手の確保")
    at.text_area(key=f"r_{key}").input("参加者の伸びが鈍い")
    form_button = [b for b in at.button if b.label == "保存"][1]  # A1-2023 first, then A1-2025
    form_button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _texts(at)
    assert "保存しました" in shown and "現行版" in shown
    assert "<script>alert(1)</script> 教室20か所" not in "".join(str(m.value) for m in at.markdown)
    versions = nt.history(nt.open_note_store(), "A1-2025", 2024)
    assert len(versions) == 1 and versions[0].author == "tanaka" and versions[0].grade == "△"
    assert versions[0].snapshot_id and versions[0].figure is not None


def test_an_area_page_shows_the_approved_grades_under_its_progress_table(fresh_caches: Path) -> None:
    from dashboard.ui import evaluation_notes
    from tests.apptest_pages import switch

    store = nt.open_note_store()
    nt.save(store, nt.make_note(target_id="A1-2025", year=2024, grade="△", done="x", next_steps="<b>担い手</b>の確保",
                                reason="伸びが鈍い", proposed="○", author="sato"))
    nt.save(store, nt.make_note(target_id="area2", year=2024, grade="◎", done="x", next_steps="研修の継続",
                                author="sato"))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.query_params.update({"place": "10000", "year": "2024"})
    switch(at.run(), "area1").run()
    assert "担い手" not in _texts(at)  # a draft: not shown to officials
    nt.approve(store, 2024, "suzuki")
    evaluation_notes.forget_approved()  # what the evaluation page does after an approval
    switch(at, "area1").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "自己評価 △ やや不十分　課題と対応策：<b>担い手</b>の確保" in _texts(at)  # as plain text
    assert "<b>担い手</b>" not in "".join(str(m.value) for m in at.markdown)
    switch(at, "area2").run()
    assert "自己評価 ◎ 優れている" in _texts(at)


def test_an_analyst_reads_a_filled_sheet_back_with_a_preview_then_saves(fresh_caches: Path) -> None:
    import io

    from openpyxl import load_workbook

    from dashboard import evaluation as ev

    yv = ev.year_view(2024, analyst=True, lang="ja")
    wb = load_workbook(io.BytesIO(ev.workbook(yv.catalog, yv.rows, 2024, "ja", yv.snapshot_id)))
    ws = wb.worksheets[0]
    heads = [c.value for c in ws[3]]
    row = next(i for i in range(4, ws.max_row + 1) if ws.cell(i, heads.index("ID") + 1).value == "A2-2025")
    ws.cell(row, heads.index("自己評価") + 1).value = "△"
    ws.cell(row, heads.index("実施内容") + 1).value = "=1+1"  # a formula typed in the sheet: never read as text
    ws.cell(row, heads.index("課題と対応策") + 1).value = "参加率の向上"
    buf = io.BytesIO()
    wb.save(buf)
    at = _app(login=True)
    at.file_uploader[0].set_value(("filled.xlsx", buf.getvalue(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "変更される行：1" in _texts(at)
    preview = at.dataframe[0].value
    assert set(preview["new"]) >= {"△", "参加率の向上"} and "=1+1" not in set(preview["new"])
    assert nt.history(nt.open_note_store(), "A2-2025", 2024) == []  # a preview saves nothing
    next(b for b in at.button if b.label.startswith("変更を保存")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    versions = nt.history(nt.open_note_store(), "A2-2025", 2024)
    assert len(versions) == 1 and versions[0].grade == "△" and versions[0].author == "tanaka"
    assert "新しい版として保存した行：1" in _texts(at)


def test_the_profile_shows_the_prefectures_approved_grades(fresh_caches: Path) -> None:
    from dashboard.ui import evaluation_notes
    from tests.apptest_pages import switch

    store = nt.open_note_store()
    nt.save(store, nt.make_note(target_id="A3-2025", year=2024, grade="△", done="x", next_steps="会場の確保",
                                proposed="△", author="sato"))
    nt.approve(store, 2024, "suzuki")
    evaluation_notes.forget_approved()  # what the evaluation page does after an approval
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.query_params.update({"place": "10201", "year": "2024"})
    switch(at.run(), "profile").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _texts(at)
    assert "県の自己評価" in shown and "自己評価 △ やや不十分　課題と対応策：会場の確保" in shown


def test_the_methodology_page_states_the_proposed_grade_rule(fresh_caches: Path) -> None:
    from dashboard.i18n import t
    from tests.apptest_pages import switch

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.query_params.update({"lang": "en"})
    switch(at.run(), "methodology").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(str(m.value) for m in at.markdown)
    assert t("meth_grades", "en") in shown and t("grade_method", "en") in shown


def test_an_approval_forgets_the_notes_and_keeps_the_figures(fresh_caches: Path) -> None:
    from dashboard.ui import evaluation_notes, state

    evaluation_notes.forget_approved()  # what earlier tests in this process read
    figure = state.ViewCache(lambda v: ("a figure of", v.place), keyed=True)  # a page section, as per_view makes
    figure(state.ViewKey("state-1", None, "10201"))
    assert dict(evaluation_notes._approved(2024)) == {}
    assert len(evaluation_notes.NOTES) == 1
    evaluation_notes.forget_approved()
    assert len(evaluation_notes.NOTES) == 0 and len(figure) == 1  # notes under a key of their own
