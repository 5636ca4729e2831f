"""The upload page's tables as a reader sees them: words instead of codes, blanks instead of None, and the
headers in the user's language (plain functions, no Streamlit: the page passes the headers to column_config).

Every table keeps its field names as columns (so exports and tests can name them); `headers(name, lang)`
gives the header shown for each.
"""

from __future__ import annotations

import polars as pl

from dashboard import fmt, i18n
from dashboard.i18n import N_, t
from dashboard.validate import messages

# The header of each shown column, by table: a message id (the same word for the same thing everywhere).
HEADERS: dict[str, dict[str, str]] = {
    "problems": {"severity": N_("col_severity"), "row": N_("col_row"), "column": N_("col_column"),
                 "value": N_("col_value"), "rule": N_("col_rule"), "message": N_("col_message")},
    "by_indicator": {"indicator_id": N_("col_indicator_id"), "name": N_("col_indicator"), "add": N_("change_add"),
                     "revise": N_("change_revise"), "same": N_("change_same"), "untouched": N_("change_untouched")},
    "revisions": {"indicator": N_("col_indicator"), "place": N_("f_place"), "fiscal_year": N_("f_year"),
                  "old_value": N_("col_old_value"), "new_value": N_("col_new_value"),
                  "old_snapshot": N_("col_old_snapshot")},
    "history": {"id": N_("col_id"), "label": N_("col_label"), "kind": N_("col_kind"), "state": N_("upl_col_state"),
                "publisher": N_("col_publisher"), "created_at": N_("col_created"), "rows": N_("col_rows"),
                "sha256": N_("col_sha256"), "source_name": N_("col_source_file")},
    "events": {"at": N_("col_at"), "snapshot_id": N_("col_snapshot"), "action": N_("col_action"),
               "who": N_("col_who"), "reason": N_("col_reason")},
}


HIDDEN = {"problems": ("rule_id",)}  # kept in the data (for who reads it by id), not shown


def headers(table: str, lang: str) -> dict[str, str | None]:
    """Column name -> header shown (None: hidden), for one of the page's tables (see HEADERS)."""
    shown: dict[str, str | None] = {col: t(key, lang) for col, key in HEADERS[table].items()}
    return shown | dict.fromkeys(HIDDEN.get(table, ()))


def rule_label(rule: str, lang: str) -> str:
    """A validation rule in words (「必須列」 / "required column"), from validation's own labels."""
    # RULE_LABELS maps a rule to its message key (the catalogue); before validation moved its words there it
    # held the (ja, en) words themselves: both are read, so this works whichever lands first.
    label: object = messages.RULE_LABELS.get(rule)
    if isinstance(label, str):
        return t(label, lang)
    if isinstance(label, tuple) and lang in i18n.LANGS[:len(label)]:
        return str(label[i18n.LANGS.index(lang)])
    return rule


def _words(col: str, mapping: dict[str, str]) -> pl.Expr:
    """A code column put into words (an unknown code is shown as it is; a missing one as a blank)."""
    return pl.col(col).replace_strict(mapping, default=pl.col(col), return_dtype=pl.Utf8).fill_null("")


def _blank(*cols: str) -> list[pl.Expr]:
    """Text columns with a blank instead of None (numbers as text, so nothing reads "None")."""
    return [pl.col(c).cast(pl.Utf8).fill_null("") for c in cols]


def problems(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Validation problems (Result.problems_frame): severity and rule in words, blanks where nothing applies."""
    rules = {r: rule_label(r, lang) for r in frame["rule"].unique().to_list()}
    return frame.with_columns(
        _words("severity", {"error": t("severity_error", lang), "warning": t("severity_warning", lang)}),
        _words("rule", rules), *_blank("row", "column", "value", "message"), pl.col("rule").alias("rule_id"))


def by_indicator(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The preview's counts per indicator (Preview.by_indicator), names blank where the catalog has none."""
    return frame.with_columns(*_blank("indicator_id", "name"))


def revisions(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The values an upload revises (Preview.revisions): the fiscal year as the dashboard writes it."""
    years = [fmt.fy_label(int(y), lang) if y is not None else "" for y in frame["fiscal_year"]]
    return frame.with_columns(pl.Series("fiscal_year", years, pl.Utf8), *_blank("indicator", "place", "old_snapshot"))


def history(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Every snapshot (ingest.history_frame): kind and state (公開中 / 取り下げ済み) in words, the date it was
    published as people read it (in Japan, in the reader's calendar: 令和8年12月6日), blanks for None."""
    kinds = {k: t(key, lang) for k, key in fmt.KIND_KEYS.items()}
    dates = [fmt.long_date(str(c), lang) if c else "" for c in frame["created_at"]]
    state = (pl.when(pl.col("withdrawn")).then(pl.lit(t("upl_state_withdrawn", lang)))
             .otherwise(pl.lit(t("upl_state_published", lang))).alias("state"))
    shown = frame.with_columns(_words("kind", kinds), state, pl.Series("created_at", dates, dtype=pl.Utf8),
                               *_blank("id", "label", "publisher", "sha256", "source_name"))
    return shown.select(*HEADERS["history"])


def events(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Withdrawals and restorations (ingest.events_frame): the action in words, blanks for None."""
    actions = {"withdraw": t("action_withdraw", lang), "restore": t("action_restore", lang)}
    return frame.with_columns(_words("action", actions), *_blank("at", "snapshot_id", "who", "reason"))
