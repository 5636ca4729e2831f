"""The upload page (データ更新) through Streamlit's AppTest: access control, validation errors, preview,
publish, history and withdrawal, with user text always shown as plain text.

The page runs directly (AppTest.from_file) over a private copy of data/; login is faked with
at.secrets (password hash) and at.user (OIDC).
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth, data, db, materialize
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.i18n import t
from dashboard.ingest import text
from dashboard.storage import LocalStore, visible

PAGE = str(ROOT / "pages" / "upload.py")
CAT = load_catalog()
PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD, n=2**12)  # cheaper than the default; same code path
# One account per analyst (the names the tests sign in with).
USERS = {name: HASH for name in ("田中 分析担当", "佐藤", "A", "someone", "another analyst")}


pytestmark = pytest.mark.usefixtures("fresh_caches")  # a private data copy, fresh caches


def _app(secrets: dict[str, object] | None = None, lang: str = "ja") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if secrets is not None:
        for k, v in secrets.items():
            at.secrets[k] = v
    if lang != "ja":
        at.query_params["lang"] = lang
    return at.run()


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("text", "markdown", "caption", "info", "warning", "error", "success", "code")
             for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


FRAMES = {"problems": {"rule", "message", "row"}, "history": {"sha256", "publisher"},
          "events": {"snapshot_id", "action", "who"}, "revisions": {"old_value", "new_value"}}


def _frame(at: AppTest, name: str) -> pd.DataFrame:
    """The table on the page whose columns identify it (AppTest dataframes carry no key)."""
    for el in at.dataframe:
        if FRAMES[name] <= set(el.value.columns):
            return el.value
    raise AssertionError(f"no {name} table on the page")


def _submit(at: AppTest, label: str) -> AppTest:
    button = next(b for b in at.button if b.label == label)
    return button.click().run()


def _login(name: str = "田中 分析担当", password: str = PASSWORD) -> AppTest:
    at = _app({"upload": {"users": USERS}})
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return _submit(at, text("login"))


def _csv(rows: list[tuple[str, str, int, object]], note: str | None = None) -> bytes:
    df = pl.DataFrame(rows, schema=["indicator_id", "municipality_code", "fiscal_year", "value"], orient="row")
    if note is not None:
        df = df.with_columns(pl.lit(note).alias("note"))
    return df.write_csv().encode("utf-8")


def _good_upload() -> bytes:
    """FY2025 participants for every municipality plus one revision of a published FY2024 value."""
    rows: list[tuple[str, str, int, object]] = [("kayoi_participants", c, 2025, 100 + n)  # <= every 65+ population
                                                for n, c in enumerate(CAT.municipality_codes())]
    return _csv(rows)


def test_without_any_login_configured_uploads_are_disabled_and_the_page_says_how_to_enable() -> None:
    at = _app()
    assert not at.exception
    body = _texts(at)
    assert text("disabled") in body
    assert "hash-password" in body
    assert "[upload.users]" in body
    assert len(at.get("file_uploader")) == 0


def test_wrong_password_is_refused_counted_in_the_shared_file_then_throttled(data_copy: Path) -> None:
    at = _app({"upload": {"users": USERS}})
    for _ in range(2):
        at.text_input(key="login_name").input("someone")
        at.text_input(key="login_password").input("wrong")
        at = _submit(at, text("login"))
        assert text("bad_login") in _texts(at)
        assert len(at.get("file_uploader")) == 0
    # The failures are in the file every worker process shares (counted per client and per account).
    assert auth.throttle_path() == data_copy / "cache" / "auth" / "throttle.sqlite"
    shared = auth.SharedThrottle(auth.throttle_path())
    assert shared.failures(client="local") == 2  # AppTest has no client address
    assert shared.failures(account="someone") == 2
    assert shared.begin("local", "someone")[0] is not None  # as if another worker had taken a third guess just now
    assert shared.failures(client="local") == 3
    at.text_input(key="login_password").input(PASSWORD)
    at = _submit(at, text("login"))
    assert "試行回数が多すぎます" in _texts(at)  # this client waits, even with the right password
    assert len(at.get("file_uploader")) == 0
    at.text_input(key="login_name").input("another analyst")  # another name gets no more guesses from it
    at = _submit(at, text("login"))
    assert "試行回数が多すぎます" in _texts(at) and len(at.get("file_uploader")) == 0
    assert shared.wait("10.0.0.9", "someone") == 0  # the analyst's own, clean machine is never delayed


OIDC = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x", "client_id": "id",
        "client_secret": "s", "server_metadata_url": "http://localhost/.well-known/openid-configuration"}


def _oidc_app(user: dict[str, object], analysts: list[str] | None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["auth"] = OIDC
    if analysts is not None:
        at.secrets["upload"] = {"analysts": analysts}
    at.user = user
    return at.run()


def test_oidc_login_when_auth_is_configured() -> None:
    at = _oidc_app({"is_logged_in": False}, ["analyst@pref.gunma.example"])
    assert not at.exception
    assert text("login_needed") in _texts(at)
    assert any(b.label == text("login") for b in at.button)
    assert len(at.get("file_uploader")) == 0
    at.user = {"is_logged_in": True, "email": "analyst@pref.gunma.example", "name": "Analyst"}
    at.run()
    assert not at.exception
    assert "analyst@pref.gunma.example" in _texts(at)
    assert len(at.get("file_uploader")) == 1
    assert any(b.label == text("logout") for b in at.button)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_signed_in_user_who_is_not_an_analyst_is_refused(lang: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["auth"] = OIDC
    at.secrets["upload"] = {"analysts": ["analyst@pref.gunma.example", "@kenko.example"]}
    at.user = {"is_logged_in": True, "email": "visitor@gmail.example", "name": "Visitor"}
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert t("login_not_analyst", lang) in _texts(at)
    assert text("signed_in", lang, who="visitor@gmail.example") in [x.value for x in at.text]  # plain text
    assert len(at.get("file_uploader")) == 0 and len(at.get("text_input")) == 0
    assert any(b.label == text("logout", lang) for b in at.button)  # to sign in with another account
    at.user = {"is_logged_in": True, "email": "sato@kenko.example", "name": "Sato"}  # listed by its domain
    at.run()
    assert len(at.get("file_uploader")) == 1


def test_oidc_without_an_analysts_list_lets_nobody_upload() -> None:
    at = _oidc_app({"is_logged_in": True, "email": "analyst@pref.gunma.example"}, None)
    assert not at.exception
    assert t("login_no_analysts", "ja") in _texts(at)
    assert len(at.get("file_uploader")) == 0


def test_password_login_is_refused_when_snapshots_are_shared_by_several_machines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNMA_STORE", "s3://snapshots-prod/gunma")
    at = _app({"upload": {"users": USERS}}, lang="en")
    assert not at.exception
    assert t("login_password_refused", "en") in _texts(at)
    assert len(at.get("text_input")) == 0 and len(at.get("file_uploader")) == 0


def test_log_out_button_ends_the_password_login() -> None:
    at = _login()
    assert len(at.get("file_uploader")) == 1
    at = _submit(at, text("logout"))
    assert not at.exception
    assert t("logged_out", "ja") in _texts(at)
    assert len(at.get("file_uploader")) == 0
    assert at.text_input(key="login_password") is not None  # the login form again
    at.run()  # and it stays logged out
    assert len(at.get("file_uploader")) == 0


def test_bad_file_lists_every_problem_with_row_column_and_value(data_copy: Path) -> None:
    before = {p.name: p.read_bytes() for p in (data_copy / "snapshots").iterdir() if p.is_file()}
    at = _login()
    assert not at.exception
    bad = _csv([("kayoi_participants", "10201", 2025, 10), ("no_such_indicator", "10201", 2025, 5),
                ("kayoi_participants", "99999", 2025, 5), ("kayoi_participation_rate", "10201", 2025, 140),
                ("kayoi_participants", "10202", 1890, 5), ("kayoi_participants", "10201", 2025, 11)])
    at.file_uploader[0].set_value(("bad.csv", bad, "text/csv"))
    at.run()
    assert not at.exception
    problems = _frame(at, "problems")
    got = {(r["rule"], r["row"]) for r in problems.to_dict("records")}
    # CSV rows are numbered from the first data row; the message also gives the file line. Rules in words.
    assert {("指標ID", "2"), ("市町村コード", "3"), ("率の範囲（0～100）", "4"),
            ("年度の範囲", "5"), ("重複行", "6")} <= got
    row = problems[problems["rule"] == "市町村コード"].iloc[0]
    assert row["column"] == "municipality_code" and row["value"] == "99999"
    assert "99999" in row["message"]
    assert not any(b.label == text("publish_button") for b in at.button)  # nothing to publish
    after = {p.name: p.read_bytes() for p in (data_copy / "snapshots").iterdir() if p.is_file()}
    assert after == before


def test_english_messages_with_the_language_switch() -> None:
    at = _app({"upload": {"users": USERS}}, lang="en")
    at.text_input(key="login_name").input("A")
    at.text_input(key="login_password").input(PASSWORD)
    at = _submit(at, text("login", "en"))
    at.file_uploader[0].set_value(("bad.csv", _csv([("kayoi_participants", "99999", 2025, 5)]), "text/csv"))
    at.run()
    msgs = _frame(at, "problems")["message"].tolist()
    assert any("Unknown municipality code" in m for m in msgs)


def test_preview_then_publish_records_who_and_the_dashboard_sees_the_new_data(data_copy: Path) -> None:
    at = _login("田中 分析担当")
    at.file_uploader[0].set_value(("fy2025.csv", _good_upload(), "text/csv"))
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[text("adds")] == "35"
    assert metrics[text("revises")] == "0"
    assert int(metrics[text("untouched")].replace(",", "")) > 1000
    label = "令和7年度 速報 <script>alert(1)</script> **太字** ../../etc/passwd"
    at.text_input(key="pub_label").input(label)
    at = _submit(at, text("publish_button"))  # no kind chosen yet: refused with a message
    assert t("kind_needed", "ja") in _texts(at)
    assert len(LocalStore(data_copy).list()) == 4
    at.radio(key="pub_kind").set_value("official")
    at = _submit(at, text("publish_button"))
    assert not at.exception
    store = LocalStore(data_copy)
    meta = store.list()[-1]
    assert meta.seq == 5 and meta.rows == 35 and meta.publisher == "田中 分析担当" and meta.kind == "official"
    assert meta.label == label  # stored as typed; never used as a path
    assert Path(store.path(meta)).parent == data_copy / "snapshots"
    assert any(meta.id in str(s.value) for s in at.success)
    hist = _frame(at, "history")
    assert hist.iloc[0]["id"] == meta.id and hist.iloc[0]["label"] == label
    assert hist.iloc[0]["sha256"] == meta.sha256
    # User text never reaches Markdown or HTML elements.
    assert all("<script>" not in str(m.value) and "**太字**" not in str(m.value) for m in at.markdown)
    vals = data.values(db.connect(), store, CAT, indicator_ids=["kayoi_participants"], places=["10000"])
    fy25 = vals.filter(pl.col("fiscal_year") == 2025)["value"].to_list()
    assert fy25 == [float(sum(100 + n for n in range(35)))]
    # The new view is pre-aggregated in the background right after publishing, with the same figures.
    cached = materialize.cache_path(data_copy / "cache", visible(store.list(), None), CAT)
    for _ in range(200):
        if cached.exists():
            break
        time.sleep(0.05)
    got = data.values_for(db.connect(), store, CAT, visible(store.list(), None), ["kayoi_participants"], ["10000"],
                          cache_dir=data_copy / "cache")
    assert cached.exists() and got.filter(pl.col("fiscal_year") == 2025)["value"].to_list() == fy25


def test_revision_shows_old_and_new_values(data_copy: Path) -> None:
    cur = data.values(db.connect(), LocalStore(data_copy), CAT, indicator_ids=["kayoi_participants"],
                      places=["10201"])
    old = cur.filter(pl.col("fiscal_year") == 2024)["value"][0]
    at = _login()
    at.file_uploader[0].set_value(("rev.csv", _csv([("kayoi_participants", "10201", 2024, old + 7)]), "text/csv"))
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[text("revises")] == "1" and metrics[text("adds")] == "0"
    rev = _frame(at, "revisions").iloc[0]
    assert rev["old_value"] == old and rev["new_value"] == old + 7
    assert rev["fiscal_year"] == "令和6年度（2024）" and "10201" in rev["place"]


def _choose(at: AppTest, snapshot_id: str, reason: str = "", confirm: bool = False) -> AppTest:
    """Pick a snapshot in the withdraw/restore form (its form appears then), give a reason, maybe confirm."""
    at.selectbox(key="wd_id").set_value(snapshot_id).run()
    if reason:
        at.text_input(key="wd_reason").input(reason)
    if confirm:
        at.checkbox(key="wd_sure").check()
    return at


def test_withdraw_and_restore_are_recorded_with_who_when_and_why(data_copy: Path) -> None:
    at = _login("佐藤")
    store = LocalStore(data_copy)
    target = store.list()[-2].id  # a published snapshot, not the newest
    at = _submit(_choose(at, target, "誤りのため <b>取り下げ</b>", confirm=True), text("withdraw"))
    assert not at.exception
    assert {m.id: m.withdrawn for m in store.list()}[target] is True
    assert any(str(s.value).startswith("取り下げました：") for s in at.success)
    ev = _frame(at, "events").iloc[0]
    assert ev["snapshot_id"] == target and ev["action"] == "取り下げ" and ev["who"] == "佐藤"
    assert ev["reason"] == "誤りのため <b>取り下げ</b>" and ev["at"]
    assert Path(store.path(next(m for m in store.list() if m.id == target))).is_file()  # file kept
    # Now only restoring applies, and the reason and confirmation start empty again.
    at = _choose(at, target)
    labels = {b.label for b in at.button}
    assert text("restore") in labels and text("withdraw") not in labels
    assert at.text_input(key="wd_reason").value == "" and at.checkbox(key="wd_sure").value is False
    at = _submit(_choose(at, target, "確認できたため", confirm=True), text("restore"))
    assert any(str(s.value).startswith("再公開しました：") for s in at.success)
    assert {m.id: m.withdrawn for m in LocalStore(data_copy).list()}[target] is False
    assert [e["action"] for e in LocalStore(data_copy).events()] == ["withdraw", "restore"]


def test_withdrawal_needs_a_reason_and_a_confirmation(data_copy: Path) -> None:
    target = LocalStore(data_copy).list()[1].id
    at = _submit(_choose(_login(), target, confirm=True), text("withdraw"))
    assert text("reason_needed") in _texts(at)
    at.text_input(key="wd_reason").input("誤り")
    at.checkbox(key="wd_sure").uncheck()
    at = _submit(at, text("withdraw"))
    assert t("upl_confirm_needed", "ja") in _texts(at)
    assert LocalStore(data_copy).events() == []
    assert not any(m.withdrawn for m in LocalStore(data_copy).list())


def test_templates_download_and_upload_back_after_filling_in() -> None:
    at = _login()
    assert not at.exception
    from dashboard import ingest
    from dashboard.validate import validate_bytes

    csv_bytes = ingest.template_csv(CAT, 2025)
    df = pl.read_csv(io.BytesIO(csv_bytes), infer_schema=False)
    assert {"indicator_id", "indicator_name", "municipality_code", "municipality_name"} <= set(df.columns)
    filled = df.with_columns(pl.when(pl.col("indicator_id") == "kayoi_participants").then(pl.lit("12"))
                             .otherwise(pl.col("value")).alias("value"))
    res = validate_bytes(filled.write_csv().encode(), "filled.csv", CAT)
    assert res.ok and res.frame is not None and res.frame.height == 35
    assert "indicator_name" not in res.frame.columns  # the name columns are accepted and ignored
