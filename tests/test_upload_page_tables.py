"""The upload page's tables read in the user's language (issue #12): headers in words, rules, severities,
change kinds, snapshot kinds and actions in words, fiscal years as the dashboard writes them, and a blank
wherever nothing applies (never "None"). Expected words are written out here, not taken from the code."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth, data, db
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore

PAGE = str(ROOT / "pages" / "upload.py")
CAT = load_catalog()
PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD, n=2**12)

# Each table is told apart by its field names (AppTest dataframes carry no key).
FIELDS = {"problems": {"severity", "rule", "message"}, "by_indicator": {"add", "revise", "same"},
          "revisions": {"old_value", "new_value"}, "history": {"sha256", "publisher"},
          "events": {"snapshot_id", "action", "who"}}
HEADERS = {
    "ja": {"problems": ["種類", "行", "列", "値", "規則", "内容"],
           "by_indicator": ["指標ID", "指標", "追加", "修正", "変更なし", "対象外（そのまま）"],
           "revisions": ["指標", "地域", "年度", "修正前の値", "修正後の値", "修正前の値のスナップショット"],
           "history": ["ID", "名称", "種類", "状態", "公開者", "作成日時", "行数", "SHA-256", "元のファイル名"],
           "events": ["日時（UTC）", "スナップショット", "操作", "実施者", "理由"]},
    "en": {"problems": ["Severity", "Row", "Column", "Value", "Rule", "Message"],
           "by_indicator": ["Indicator ID", "Indicator", "Added", "Revised", "Unchanged", "Left alone"],
           "revisions": ["Indicator", "Place", "Fiscal year", "Old value", "New value", "Snapshot of the old value"],
           "history": ["ID", "Label", "Kind", "State", "Published by", "Created", "Rows", "SHA-256", "Source file"],
           "events": ["When (UTC)", "Snapshot", "Action", "By", "Reason"]},
}
WORDS = {
    "ja": {"error": "エラー", "warning": "警告", "unknown_municipality": "市町村コード",
           "empty_value_skipped": "未記入行", "official": "公式", "sample": "サンプル（架空）",
           "published": "公開中", "withdrawn": "取り下げ済み", "withdraw": "取り下げ", "fy2024": "令和6年度（2024）",
           "login": "ログイン", "withdraw_button": "取り下げる", "confirm": "このスナップショットを取り下げます",
           "done": "取り下げました：", "option": "{seq} {label}（{date}・取り下げ済み）"},
    "en": {"error": "Error", "warning": "Warning", "unknown_municipality": "municipality code",
           "empty_value_skipped": "rows left empty", "official": "official", "sample": "sample (fictional)",
           "published": "Published", "withdrawn": "Withdrawn", "withdraw": "Withdrawn", "fy2024": "FY2024",
           "login": "Log in", "withdraw_button": "Withdraw", "confirm": "Withdraw this snapshot",
           "done": "Withdrawn: ", "option": "{seq} {label} ({date}, Withdrawn)"},
}
CODES = {"add", "revise", "same", "error", "warning", "withdraw", "restore", "unknown_municipality",
         "empty_value_skipped", "None", "nan", "NaN", "null"}


pytestmark = pytest.mark.usefixtures("fresh_caches")  # a private data copy, fresh caches


def _login(lang: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["upload"] = {"users": {"田中": HASH}}
    at.query_params["lang"] = lang
    at.run()
    at.text_input(key="login_name").input("田中")
    at.text_input(key="login_password").input(PASSWORD)
    return next(b for b in at.button if b.label == WORDS[lang]["login"]).click().run()


def _table(at: AppTest, name: str) -> tuple[list[str], pd.DataFrame]:
    """A table's headers as shown (its column config) and its shown cells by field name."""
    for el in at.dataframe:
        if FIELDS[name] <= set(el.value.columns):
            config = json.loads(el.proto.columns)
            shown = [c for c in el.value.columns if not config.get(c, {}).get("hidden")]
            return [config.get(c, {}).get("label") or c for c in shown], el.value[shown]
    raise AssertionError(f"no {name} table on the page")


def date_month(m: int) -> str:
    return ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1]


def _no_codes(df: pd.DataFrame) -> None:
    cells = {str(v) for col in df.columns for v in df[col].tolist()}
    assert not cells & CODES, cells & CODES


def _csv(rows: list[tuple[str, str, int, object]]) -> bytes:
    df = pl.DataFrame(rows, schema=["indicator_id", "municipality_code", "fiscal_year", "value"], orient="row")
    return df.write_csv().encode("utf-8")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_problems_show_severity_and_rule_in_words_and_blanks_where_nothing_applies(lang: str) -> None:
    at = _login(lang)
    # One unknown municipality (an error at row 2) and one row left without a value (a warning on the file).
    body = _csv([("kayoi_participants", "10201", 2025, 5), ("kayoi_participants", "99999", 2025, 5)])
    body += b"kayoi_participants,10202,2025,\n"
    at.file_uploader[0].set_value(("bad.csv", body, "text/csv"))
    at.run()
    assert not at.exception
    shown, df = _table(at, "problems")
    assert shown == HEADERS[lang]["problems"]
    w = WORDS[lang]
    err = df[df["rule"] == w["unknown_municipality"]].iloc[0]
    assert (err["severity"], err["row"], err["column"], err["value"]) == (w["error"], "2", "municipality_code",
                                                                          "99999")
    warn = df[df["rule"] == w["empty_value_skipped"]].iloc[0]
    assert (warn["severity"], warn["row"], warn["column"], warn["value"]) == (w["warning"], "", "", "")
    _no_codes(df)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_preview_counts_and_revisions_in_words(lang: str, data_copy: Path) -> None:
    cur = data.values(db.connect(), LocalStore(data_copy), CAT, indicator_ids=["kayoi_participants"],
                      places=["10201"])
    old = cur.filter(pl.col("fiscal_year") == 2024)["value"][0]
    at = _login(lang)
    rows: list[tuple[str, str, int, object]] = [("kayoi_participants", "10201", 2024, old + 7),
                                                ("kayoi_participants", "10201", 2025, 100)]
    at.file_uploader[0].set_value(("rev.csv", _csv(rows), "text/csv"))
    at.run()
    assert not at.exception
    shown, counts = _table(at, "by_indicator")
    assert shown == HEADERS[lang]["by_indicator"]
    kayoi = counts[counts["indicator_id"] == "kayoi_participants"].iloc[0]
    assert (kayoi["add"], kayoi["revise"], kayoi["same"]) == (1, 1, 0)
    shown, rev = _table(at, "revisions")
    assert shown == HEADERS[lang]["revisions"]
    assert rev.iloc[0]["fiscal_year"] == WORDS[lang]["fy2024"]
    assert (rev.iloc[0]["old_value"], rev.iloc[0]["new_value"]) == (old, old + 7)
    _no_codes(rev)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_history_and_withdrawals_in_words(lang: str, data_copy: Path) -> None:
    at = _login(lang)
    w = WORDS[lang]
    shown, hist = _table(at, "history")
    assert shown == HEADERS[lang]["history"]
    # The bundled snapshots: 0001 official, 0002–0004 sample; none withdrawn.
    assert dict(zip(hist["id"].str[:4], hist["kind"], strict=True)) == {
        "0001": w["official"], "0002": w["sample"], "0003": w["sample"], "0004": w["sample"]}
    assert set(hist["state"]) == {w["published"]}
    _no_codes(hist)
    target = hist.iloc[1]["id"]  # the second newest (hist is newest first)
    meta = next(m for m in LocalStore(data_copy).list() if m.id == target)
    at.selectbox(key="wd_id").set_value(target).run()
    at.text_input(key="wd_reason").input("誤り")
    at.checkbox(key="wd_sure").check()
    assert at.checkbox(key="wd_sure").label.startswith(w["confirm"])
    at = next(b for b in at.button if b.label == w["withdraw_button"]).click().run()
    assert not at.exception
    assert any(str(s.value).startswith(w["done"]) for s in at.success)
    shown, ev = _table(at, "events")
    assert shown == HEADERS[lang]["events"]
    assert (ev.iloc[0]["snapshot_id"], ev.iloc[0]["action"], ev.iloc[0]["who"]) == (target, w["withdraw"], "田中")
    _no_codes(ev)
    _, hist = _table(at, "history")
    assert hist[hist["id"] == target]["state"].tolist() == [w["withdrawn"]]
    # The snapshot picker names each one by number, label, date and state, in the user's language.
    date = meta.created_at[:10]
    y, m, d = (int(x) for x in date.split("-"))
    shown_date = f"令和{y - 2018}年{m}月{d}日" if lang == "ja" else f"{d} {date_month(m)} {y}"
    label = meta.label if len(meta.label) <= 40 else meta.label[:39].rstrip(" /(（「") + "…"
    option = w["option"].format(seq=f"{meta.seq:04d}", label=label, date=shown_date)
    assert option in at.selectbox(key="wd_id").options
