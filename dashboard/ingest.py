"""From a validated upload to a published snapshot: preview, publish, templates (no Streamlit).

- preview(): what a candidate adds, what it revises (old → new by indicator and place) and what
  it leaves alone, against the current as-of view (SQL in queries/preview_*.sql);
- publish(): encodes the contract frame canonically and hands it to the store, which writes it
  under a new immutable name and makes it visible in one step;
- template_*(): a CSV / .xlsx with catalog ids and municipality codes filled in and names beside
  them (the name columns are accepted and ignored on upload).
"""

from __future__ import annotations

import io
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from dashboard import contract, db
from dashboard.asof import asof_args
from dashboard.catalog import Catalog
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.storage import KINDS, SnapshotMeta, SnapshotStore, visible
from dashboard.validate import Keys

LABEL_MAX = 200
NAME_MAX = 100


@dataclass(frozen=True)
class Preview:
    """What publishing a candidate would change, against the as-of view it was computed on."""

    base_seq: int  # newest snapshot seq at preview time (publish refuses if it moved)
    base_id: str | None
    adds: int
    revises: int
    same: int
    untouched: int
    by_indicator: pl.DataFrame  # indicator_id, name, add, revise, same, untouched
    revisions: pl.DataFrame  # indicator, place, fiscal_year, old_value, new_value, old_snapshot
    untouched_detail: pl.DataFrame  # indicator_id, rows, places, first_year, last_year


def current_rows(con: duckdb.DuckDBPyConnection, store: SnapshotStore, as_of: str | None = None) -> pl.DataFrame:
    """The contract rows in force at the as-of point (all of them, with the snapshot each comes from)."""
    snaps = visible(store.list(), as_of)
    if not snaps:
        return pl.DataFrame(schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8,
                                    "fiscal_year": pl.Int32, "value": pl.Float64, "snapshot_id": pl.Utf8})
    return db.run(con, "asof_rows", **asof_args(store, snaps))


def published_values(con: duckdb.DuckDBPyConnection, store: SnapshotStore, keys: Keys) -> pl.DataFrame:
    """The newest published values within an upload's keys: what its revision and jump warnings compare with.

    Pass as `validate_*(..., published=lambda keys: published_values(con, store, keys))`.
    """
    snaps = visible(store.list(), None)
    if not snaps or not (keys.indicator_ids and keys.municipality_codes and keys.fiscal_years):
        return pl.DataFrame(schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8,
                                    "fiscal_year": pl.Int32, "value": pl.Float64})
    return db.run(con, "asof_values_for_keys", **asof_args(store, snaps), indicators=keys.indicator_ids,
                  municipalities=keys.municipality_codes, fiscal_years=keys.fiscal_years)


def preview(con: duckdb.DuckDBPyConnection, store: SnapshotStore, cat: Catalog, frame: pl.DataFrame,
            lang: str = "ja") -> Preview:
    """Compare a validated contract frame with the newest as-of view."""
    metas = store.list()
    snaps = visible(metas, None)
    base_seq = max((m.seq for m in metas), default=0)
    base_id = metas[-1].id if metas else None
    with tempfile.TemporaryDirectory(prefix="gunma-preview-") as tmp:
        cand = Path(tmp) / "candidate.parquet"
        cand.write_bytes(contract.to_parquet_bytes(frame))
        if snaps:
            snap_args = asof_args(store, snaps)
            keys = Keys.of(frame)
            changes = db.run(con, "preview_changes_for_keys", candidate=str(cand), **snap_args,
                             indicators=keys.indicator_ids, municipalities=keys.municipality_codes,
                             fiscal_years=sorted({int(y) for y in frame["fiscal_year"].unique()}))
            untouched = pl.concat([db.run(con, "preview_untouched_range", candidate=str(cand),
                                          files=snap_args["files"], lo=lo, hi=hi)
                                   for lo, hi in _id_ranges(cat, sum(m.rows for m in snaps))])
        else:
            changes = frame.select(contract.KEY).with_columns(
                frame["value"].alias("new_value"), pl.lit(None, pl.Float64).alias("old_value"),
                pl.lit(None, pl.Utf8).alias("old_snapshot"), pl.lit("add").alias("change"))
            untouched = pl.DataFrame(schema={"indicator_id": pl.Utf8, "rows": pl.Int64, "places": pl.Int64,
                                             "first_year": pl.Int32, "last_year": pl.Int32})
    counts = changes.group_by("indicator_id", "change").len().pivot("change", index="indicator_id", values="len")
    for c in ("add", "revise", "same"):
        if c not in counts.columns:
            counts = counts.with_columns(pl.lit(0, pl.UInt32).alias(c))
    joined = (counts.join(untouched.select("indicator_id", pl.col("rows").alias("untouched")), on="indicator_id",
                          how="full", coalesce=True)
              .fill_null(0))
    by_ind = (joined.with_columns(_named(pl.col("indicator_id"), joined["indicator_id"],
                                         lambda i: _ind_name(cat, i, lang)).alias("name"))
              .select("indicator_id", "name", "add", "revise", "same", "untouched").sort("indicator_id"))
    rev = changes.filter(pl.col("change") == "revise")
    revisions = rev.select(
        _named(pl.col("indicator_id"), rev["indicator_id"], lambda i: _ind_name(cat, i, lang)).alias("indicator"),
        _named(pl.col("municipality_code"), rev["municipality_code"],
               lambda c: f"{c} {cat.place_name(c, lang)}").alias("place"),
        "fiscal_year", "old_value", "new_value", "old_snapshot")
    return Preview(base_seq=base_seq, base_id=base_id,
                   adds=int((changes["change"] == "add").sum()), revises=rev.height,
                   same=int((changes["change"] == "same").sum()),
                   untouched=int(untouched["rows"].sum()) if untouched.height else 0,
                   by_indicator=by_ind, revisions=revisions, untouched_detail=untouched)


ROWS_PER_RANGE = 1_000_000  # published rows per untouched-count query (bounds DuckDB's hash tables)


def _id_ranges(cat: Catalog, published_rows: int) -> list[tuple[str | None, str | None]]:
    """Consecutive indicator-id ranges [lo, hi) covering every id (open at both ends), about one per
    ROWS_PER_RANGE published rows, split at the catalog's ids."""
    ids = sorted(cat.indicators)
    n = max(1, min(len(ids), -(-published_rows // ROWS_PER_RANGE)))
    cuts = [ids[k * len(ids) // n] for k in range(1, n)]
    return list(zip([None, *cuts], [*cuts, None], strict=True))


def _named(expr: pl.Expr, values: pl.Series, name: Callable[[str], str]) -> pl.Expr:
    """expr's values replaced by name(value), each distinct value named once (not once per row)."""
    return expr.replace_strict({v: name(v) for v in values.unique().to_list()}, return_dtype=pl.Utf8)


def _ind_name(cat: Catalog, indicator_id: str, lang: str) -> str:
    ind = cat.indicators.get(indicator_id)
    return ind.name(lang) if ind else indicator_id


def clean_text(text: str, limit: int) -> str:
    """User text for metadata: control characters removed, whitespace collapsed, length capped.

    Stored and shown as plain text only; it never becomes part of a file name or path.
    """
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(kept.split())[:limit]


def check_label(label: str, lang: str = "ja") -> str | None:
    """A message when a label cannot be used, else None."""
    if not clean_text(label, LABEL_MAX):
        return "ラベルを入力してください（例：令和6年度 実績 確定値）。" if lang == "ja" else \
            "Enter a label (e.g. FY2024 results, final)."
    if len(label) > LABEL_MAX:
        return f"ラベルは{LABEL_MAX}文字以内にしてください。" if lang == "ja" else \
            f"Keep the label within {LABEL_MAX} characters."
    return None


def publish(store: SnapshotStore, frame: pl.DataFrame, *, label: str, kind: str, publisher: str,
            source_name: str, expected_last_seq: int | None = None) -> SnapshotMeta:
    """Publish a validated contract frame as a new immutable snapshot."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    problem = check_label(label, "en")
    if problem:
        raise ValueError(problem)
    data = contract.to_parquet_bytes(frame)
    return store.publish(data, label=clean_text(label, LABEL_MAX), kind=kind,
                         source_name=clean_text(Path(source_name).name, NAME_MAX) or "upload",
                         rows=frame.height, publisher=clean_text(publisher, NAME_MAX) or "unknown",
                         expected_last_seq=expected_last_seq)


# ------------------------------------------------------------------------------ templates

def template_frame(cat: Catalog, fiscal_year: int, lang: str = "ja") -> pl.DataFrame:
    """Rows to fill in: every indicator with the places it is reported for, names beside the codes.

    Municipal indicators get the 35 municipalities; prefecture-only ones (roll-up 'none') the
    prefecture, plus the national figure for scores and rates of policy area 5. Rates computed from
    a numerator and denominator (weighted_rate) are left out: the dashboard derives them.
    """
    rows = []
    munis = cat.municipality_codes()
    for ind in sorted(cat.indicators.values(), key=lambda i: (i.policy_area, i.sort)):
        if ind.rollup == "weighted_rate":
            continue
        if ind.rollup == "none":
            places = [PREFECTURE] + ([NATIONAL] if ind.kind in ("score", "rate") else [])
        else:
            places = munis + ([NATIONAL] if ind.kind in ("score", "rate") else [])
        for code in places:
            rows.append({"indicator_id": ind.id, "indicator_name": ind.name(lang), "municipality_code": code,
                         "municipality_name": cat.place_name(code, lang), "fiscal_year": fiscal_year,
                         "value": None, "note": None})
    return pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "indicator_name": pl.Utf8,
                                      "municipality_code": pl.Utf8, "municipality_name": pl.Utf8,
                                      "fiscal_year": pl.Int32, "value": pl.Float64, "note": pl.Utf8})


def template_csv(cat: Catalog, fiscal_year: int, lang: str = "ja") -> bytes:
    """The template as CSV, UTF-8 with BOM so that Excel opens the Japanese names correctly."""
    return b"\xef\xbb\xbf" + template_frame(cat, fiscal_year, lang).write_csv().encode("utf-8")


def template_xlsx(cat: Catalog, fiscal_year: int, lang: str = "ja") -> bytes:
    """The template as .xlsx: sheet 'data' to fill in (codes stored as text), sheet 'readme'."""
    import xlsxwriter

    df = template_frame(cat, fiscal_year, lang)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("data")
    text = wb.add_format({"num_format": "@"})
    bold = wb.add_format({"bold": True, "bg_color": "#F2F5F9"})
    grey = wb.add_format({"font_color": "#666666", "num_format": "@"})
    for j, c in enumerate(df.columns):
        ws.write_string(0, j, c, bold)
    for i, r in enumerate(df.iter_rows(), start=1):
        ind, ind_name, code, place, fy, _v, _n = r
        ws.write_string(i, 0, ind, text)
        ws.write_string(i, 1, ind_name, grey)
        ws.write_string(i, 2, code, text)  # text: keeps the leading zeros of 00000
        ws.write_string(i, 3, place, grey)
        ws.write_number(i, 4, fy)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 2, 18)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 6, 12)
    ws.freeze_panes(1, 0)
    readme = wb.add_worksheet("readme")
    for i, line in enumerate(TEMPLATE_README):
        readme.write_string(i, 0, line)
    readme.set_column(0, 0, 120)
    wb.close()
    return buf.getvalue()


TEMPLATE_README = [
    "データ更新用テンプレート / Upload template",
    "value 列に値を入力してください。値が空の行は取り込まれません（警告として件数を表示します）。",
    "Fill in the value column. Rows left without a value are skipped (a warning tells how many).",
    "indicator_name と municipality_name は確認用です。アップロード時には読み飛ばします（変更しても影響しません）。",
    "indicator_name and municipality_name are for people; they are accepted and ignored on upload.",
    "municipality_code: 5桁（群馬県の35市町村、県全体 10000、全国 00000）。fiscal_year: 西暦の年度（令和6年度 = 2024）"
    "。",
    "municipality_code: 5 digits (35 municipalities, 10000 prefecture, 00000 national). fiscal_year: Western FY.",
    "率（%）は 0～100 の数値（6.1% は 6.1）。実施の有無は 0 か 1。点数は満点以下。人数・件数は 0 以上。",
    "Rates are 0–100 (6.1% is 6.1). Yes/no flags are 0 or 1. Scores at most the maximum. Counts 0 or more.",
]


# ------------------------------------------------------------------------------ page text

UI_TEXT: dict[str, tuple[str, str]] = {
    "title": ("データ更新", "Data upload"),
    "intro": ("新しいデータをスナップショットとして公開します。公開済みのデータは変更・削除されず、"
              "履歴からいつでも過去の時点を表示できます。",
              "Publish new data as a snapshot. Published data is never changed or deleted; the history "
              "keeps every earlier state viewable."),
    "disabled": ("データ更新は無効です。分析担当者のログインが設定されていません。", "Uploads are disabled: no analyst "
                 "login is configured."),
    "how_enable": ("有効にするには、.streamlit/secrets.toml に [auth]（OIDCログイン、st.login）を設定するか、"
                   "次のコマンドで作ったパスワードのハッシュを [upload] に書いてサーバーを再起動してください："
                   "python -m dashboard hash-password",
                   "To enable them, configure [auth] (OIDC login through st.login) in .streamlit/secrets.toml, "
                   "or put a password hash made by `python -m dashboard hash-password` under [upload] and "
                   "restart the server."),
    "login": ("ログイン", "Log in"),
    "logout": ("ログアウト", "Log out"),
    "login_needed": ("このページは分析担当者のログインが必要です。", "This page needs an analyst login."),
    "name": ("氏名（公開者として記録されます）", "Your name (recorded as the publisher)"),
    "password": ("パスワード", "Password"),
    "bad_login": ("氏名またはパスワードが違います。", "Wrong name or password."),
    "throttled": ("試行回数が多すぎます。{s}秒後にもう一度お試しください。",
                  "Too many attempts. Try again in {s} seconds."),
    "signed_in": ("ログイン中：{who}", "Signed in as: {who}"),
    "template": ("1. テンプレート", "1. Template"),
    "template_help": ("指標IDと市町村コード（名前つき）を記入済みです。value列に値を入れてください。"
                      "名前の列は読み飛ばします。",
                      "Indicator ids and municipality codes (with names) are filled in; enter values in the "
                      "value column. The name columns are ignored on upload."),
    "template_year": ("年度（西暦）", "Fiscal year"),
    "upload": ("2. ファイルのアップロード（Parquet・CSV・Excel .xlsx）",
               "2. Upload a file (Parquet, CSV, Excel .xlsx)"),
    "errors": ("{n}件の問題があるため公開できません。下の表の行・列・値を直してください。",
               "{n} problems prevent publishing. Fix the rows, columns and values listed below."),
    "warnings": ("{n}件の警告があります（公開はできます）。内容を確認してください。",
                 "{n} warnings (publishing is allowed). Please check them."),
    "valid": ("検査に合格しました：{rows}行（{fmt}）", "Validation passed: {rows} rows ({fmt})"),
    "preview": ("3. 公開前の確認", "3. Preview"),
    "adds": ("新規追加", "Adds"),
    "revises": ("修正（旧→新）", "Revises (old → new)"),
    "same": ("変更なし（同じ値）", "Unchanged (same value)"),
    "untouched": ("対象外（そのまま）", "Left alone"),
    "revisions": ("修正される値", "Values revised"),
    "publish": ("4. 公開", "4. Publish"),
    "label": ("ラベル（履歴と「データ時点」に表示）", "Label (shown in the history and the as-of filter)"),
    "kind": ("種別", "Kind"),
    "kind_official": ("公式", "official"),
    "kind_sample": ("サンプル（架空）", "sample (fictional)"),
    "publish_button": ("公開する", "Publish"),
    "published": ("公開しました：{id}（{rows}行）。ダッシュボードの各ページに反映されています。",
                  "Published {id} ({rows} rows). Every dashboard page now shows it."),
    "conflict": ("確認中に別の公開（{msg}）がありました。確認内容を更新したので、"
                 "もう一度確認してから公開してください。",
                 "Someone else published meanwhile ({msg}). The preview has been refreshed; check it and publish "
                 "again."),
    "busy": ("別の公開が進行中です。少し待ってからもう一度押してください。",
             "Another publication is in progress. Wait a moment and press again."),
    "history": ("履歴", "History"),
    "events": ("取り下げ・復元の記録", "Withdrawals and restorations"),
    "withdraw_title": ("スナップショットの取り下げ・復元", "Withdraw or restore a snapshot"),
    "snapshot": ("スナップショット", "Snapshot"),
    "reason": ("理由（記録されます）", "Reason (recorded)"),
    "withdraw": ("取り下げる", "Withdraw"),
    "restore": ("復元する", "Restore"),
    "done": ("記録しました：{id} {action}", "Recorded: {id} {action}"),
    "reason_needed": ("理由を入力してください。", "Enter a reason."),
}


def text(key: str, lang: str = "ja", **kwargs: object) -> str:
    """A page string in the given language."""
    ja, en = UI_TEXT[key]
    s = ja if lang == "ja" else en
    return s.format(**kwargs) if kwargs else s


def history_frame(store: SnapshotStore) -> pl.DataFrame:
    """Every snapshot with its metadata and withdrawn state, newest first (shown as plain text)."""
    rows = [{"id": m.id, "label": m.label, "kind": m.kind, "publisher": m.publisher, "created_at": m.created_at,
             "rows": m.rows, "sha256": m.sha256, "source_name": m.source_name, "withdrawn": m.withdrawn}
            for m in reversed(store.list())]
    return pl.DataFrame(rows, schema={"id": pl.Utf8, "label": pl.Utf8, "kind": pl.Utf8, "publisher": pl.Utf8,
                                      "created_at": pl.Utf8, "rows": pl.Int64, "sha256": pl.Utf8,
                                      "source_name": pl.Utf8, "withdrawn": pl.Boolean})


def events_frame(store: SnapshotStore) -> pl.DataFrame:
    """Withdrawal and restoration records (who, when, why), newest first."""
    ev = list(reversed(store.events()))
    schema = {"at": pl.Utf8, "snapshot_id": pl.Utf8, "action": pl.Utf8, "who": pl.Utf8, "reason": pl.Utf8}
    return pl.DataFrame([{k: e.get(k) for k in schema} for e in ev], schema=schema)
