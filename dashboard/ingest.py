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
from dashboard.i18n import N_, t
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
        return t("ing_label_needed", lang)
    if len(label) > LABEL_MAX:
        return t("ing_label_too_long", lang, max=LABEL_MAX)
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

# The upload page's words, by the key the page asks for: message keys of the catalogue (ing_<key>).
UI_TEXT: dict[str, str] = {
    "title": N_("ing_title"),
    "intro": N_("ing_intro"),
    "disabled": N_("ing_disabled"),
    "how_enable": N_("ing_how_enable"),
    "login": N_("ing_login"),
    "logout": N_("ing_logout"),
    "login_needed": N_("ing_login_needed"),
    "name": N_("ing_name"),
    "password": N_("ing_password"),
    "bad_login": N_("ing_bad_login"),
    "throttled": N_("ing_throttled"),
    "signed_in": N_("ing_signed_in"),
    "template": N_("ing_template"),
    "template_help": N_("ing_template_help"),
    "template_year": N_("ing_template_year"),
    "upload": N_("ing_upload"),
    "errors": N_("ing_errors"),
    "warnings": N_("ing_warnings"),
    "valid": N_("ing_valid"),
    "preview": N_("ing_preview"),
    "adds": N_("ing_adds"),
    "revises": N_("ing_revises"),
    "same": N_("ing_same"),
    "untouched": N_("ing_untouched"),
    "revisions": N_("ing_revisions"),
    "publish": N_("ing_publish"),
    "label": N_("ing_label"),
    "kind": N_("ing_kind"),
    "kind_official": N_("ing_kind_official"),
    "kind_sample": N_("ing_kind_sample"),
    "publish_button": N_("ing_publish_button"),
    "published": N_("ing_published"),
    "conflict": N_("ing_conflict"),
    "busy": N_("ing_busy"),
    "history": N_("ing_history"),
    "events": N_("ing_events"),
    "withdraw_title": N_("ing_withdraw_title"),
    "snapshot": N_("ing_snapshot"),
    "reason": N_("ing_reason"),
    "withdraw": N_("ing_withdraw"),
    "restore": N_("ing_restore"),
    "done": N_("ing_done"),
    "reason_needed": N_("ing_reason_needed"),
}


def text(key: str, lang: str = "ja", **kwargs: object) -> str:
    """A page string in the given language (from the message catalogue)."""
    return t(UI_TEXT[key], lang, **kwargs)


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
