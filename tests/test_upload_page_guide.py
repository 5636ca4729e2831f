"""The upload page guides the analyst (issue 19, item 8), through AppTest on a private copy of data/: a note on
the uploader in the user's language, the template year in 和暦, the preview's first line, problems one line per
kind with the details folded, an identical file that needs a confirmation, and the state column in the history.
Snapshot ids and years are read from the store, never written here."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from dashboard import auth, data, db, ingest
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.i18n import t
from dashboard.ingest import text
from dashboard.storage import LocalStore

PAGE = str(ROOT / "pages" / "upload.py")
CAT = load_catalog()
PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD, n=2**12)

pytestmark = pytest.mark.usefixtures("fresh_caches")  # a private data copy, fresh caches


def _login(lang: str = "ja") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["upload"] = {"users": {"田中": HASH}}
    if lang != "ja":
        at.query_params["lang"] = lang
    at.run()
    at.text_input(key="login_name").input("田中")
    at.text_input(key="login_password").input(PASSWORD)
    return next(b for b in at.button if b.label == text("login", lang)).click().run()


def _texts(at: AppTest) -> str:
    kinds = ("text", "markdown", "caption", "info", "warning", "error", "success")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def _upload(at: AppTest, name: str, frame: pl.DataFrame) -> AppTest:
    at.file_uploader[0].set_value((name, frame.write_csv().encode("utf-8"), "text/csv"))
    return at.run()


def _rows(rows: list[tuple[str, str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8, "fiscal_year": pl.Int64,
                                      "value": pl.Float64}, orient="row")


def _newest(data_copy: Path) -> int:
    """The newest fiscal year visitors see (any indicator at prefecture level)."""
    vals = data.values(db.connect(), LocalStore(data_copy), CAT, places=["10000"])
    return int(vals["fiscal_year"].max())  # type: ignore[arg-type]


def _publish_button(at: AppTest) -> Button:
    return next(b for b in at.button if b.label == text("publish_button"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_uploader_has_a_note_in_the_users_language_and_the_template_year_is_in_their_calendar(
        lang: str, data_copy: Path) -> None:
    at = _login(lang)
    assert not at.exception
    notes = [c.value for c in at.caption if "30" in str(c.value)]
    if lang == "ja":
        assert any("ドラッグ＆ドロップ" in n and "30MB" in n and "翻訳" not in n and "日本語にできません" in n
                   for n in notes)
    else:
        assert any("Drag a file" in n and "30 MB per file" in n for n in notes)
    year = at.selectbox(key="template_year")
    nxt = _newest(data_copy) + 1
    assert year.value == nxt  # the year after the newest data
    era = f"令和{nxt - 2018}年度（{nxt}）" if lang == "ja" else f"FY{nxt}"
    assert year.format_func(year.value) == era and era in year.options
    assert not any(str(o).isdigit() for o in year.options)  # never a bare Western year


def test_a_three_municipality_file_for_a_new_year_says_so_first_and_groups_its_warnings(data_copy: Path) -> None:
    year = _newest(data_copy) + 1
    three = CAT.municipality_codes()[:3]
    at = _upload(_login(), "three.csv", _rows([("kayoi_participants", c, year, 100.0) for c in three]))
    assert not at.exception
    first = at.info[0].value
    assert first.startswith(f"このファイル：令和{year - 2018}年度（{year}）、35市町村中3市町村、1指標（3行）。")
    assert f"最新年度が令和{year - 2018}年度（{year}）になります" in first
    assert "35市町村中3市町村分だけ" in first
    # One line per kind of warning, with its count; the sentences are folded under it, shown once.
    labels = [e.label for e in at.expander]
    assert "市町村の報告状況：1件" in labels
    assert t("upl_all_problems", "ja") in labels
    kinds = [lab for lab in labels if "：" in lab and lab.endswith("件")]
    assert len(kinds) == len(set(kinds))
    sentences = [str(x.value) for x in at.text if "35市町村中3市町村分しかありません" in str(x.value)]
    assert len(sentences) == 1  # not again as a wall of text above the table
    assert [w.value for w in at.warning] == [text("warnings", n=sum(int(lab.split("：")[1][:-1]) for lab in kinds))]
    assert _publish_button(at).disabled is False  # warnings do not block publishing
    assert not [c for c in at.checkbox if c.label == t("upl_confirm_same", "ja")]


def test_a_year_without_population_gives_one_line_with_what_to_do(data_copy: Path) -> None:
    year = _newest(data_copy) + 2  # no 65+ population there: the relative bound cannot be checked
    rows = [("kayoi_participants", c, year, 100.0) for c in CAT.municipality_codes()]
    at = _upload(_login(), "nopop.csv", _rows(rows))
    assert not at.exception
    lines = [e.label for e in at.expander if e.label.startswith("相対上限の基準値なし：")]
    assert len(lines) == 1
    assert t("upl_hint_bound_reference_missing", "ja") in [c.value for c in at.caption]


def test_a_file_identical_to_the_published_data_changes_nothing_and_needs_a_confirmation(data_copy: Path) -> None:
    store = LocalStore(data_copy)
    cur = ingest.current_rows(db.connect(), store)
    year = int(cur.filter(pl.col("indicator_id") == "kayoi_participants")["fiscal_year"].max())  # type: ignore[arg-type]
    same = (cur.filter((pl.col("indicator_id") == "kayoi_participants") & (pl.col("fiscal_year") == year)
                       & pl.col("value").is_not_nan())
            .select("indicator_id", "municipality_code", "fiscal_year", "value"))
    assert same.height > 3
    at = _upload(_login(), "same.csv", same)
    assert not at.exception
    assert f"公開中のデータとまったく同じ値です（変更なし {same.height}行）" in at.info[0].value
    assert {m.label: m.value for m in at.metric}[text("same")] == str(same.height)
    assert _publish_button(at).disabled is True
    assert t("upl_confirm_same_needed", "ja") in _texts(at)
    before = len(store.list())
    box = next(c for c in at.checkbox if c.label == t("upl_confirm_same", "ja"))
    box.check().run()
    assert _publish_button(at).disabled is False
    at.text_input(key="pub_label").input("同じデータ")
    at.radio(key="pub_kind").set_value("sample")
    at = _publish_button(at).click().run()
    assert not at.exception, _texts(at)
    assert len(LocalStore(data_copy).list()) == before + 1, _texts(at)  # published, as asked, as a new snapshot


def test_bad_input_gets_a_sentence_and_changes_nothing(data_copy: Path) -> None:
    before = sorted(p.name for p in (data_copy / "snapshots").iterdir())
    at = _upload(_login("en"), "bad.csv", _rows([("kayoi_participants", "99999", 2025, 5.0)]))
    assert not at.exception
    assert [e.value for e in at.error] == [text("errors", "en", n=1)]
    assert "Unknown municipality code" in _texts(at)
    assert not [b for b in at.button if b.label == text("publish_button", "en")]
    assert sorted(p.name for p in (data_copy / "snapshots").iterdir()) == before


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_withdraw_choice_offers_only_the_action_that_applies(lang: str, data_copy: Path) -> None:
    store = LocalStore(data_copy)
    target = store.list()[0]
    at = _login(lang)
    assert not [b for b in at.button if b.label in (text("withdraw", lang), text("restore", lang))]
    at.selectbox(key="wd_id").set_value(target.id).run()
    assert t("upl_state_now", lang, state=t("upl_state_published", lang)) in [x.value for x in at.text]
    labels = {b.label for b in at.button}
    assert text("withdraw", lang) in labels and text("restore", lang) not in labels
    store.set_withdrawn(target.id, True, reason="test", who="test")  # as if someone else withdrew it meanwhile
    at.run()
    labels = {b.label for b in at.button}
    assert text("restore", lang) in labels and text("withdraw", lang) not in labels
    _, hist = next((el.value.columns, el.value) for el in at.dataframe if "sha256" in el.value.columns)
    assert hist[hist["id"] == target.id]["state"].tolist() == [t("upl_state_withdrawn", lang)]
