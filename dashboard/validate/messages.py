"""The words of validation live in the message catalogue (locale/<lang>/LC_MESSAGES/messages.po): each rule's
label (`val_rule_<rule>`), each problem's sentence (`val_<message id>`) and the frame a problem is shown in
(`val_part_<part>`). This module maps ids to those message keys and holds the one function that puts a
problem into words at the edge (the CLI, the upload page, exports): render(problem, lang)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from dashboard.i18n import N_, t, tn


class Problem(Protocol):
    """What render() reads of a problem (validate.model.Problem has it; no import back, so no cycle)."""

    @property
    def rule(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def row(self) -> int | None: ...
    @property
    def line(self) -> int | None: ...
    @property
    def column(self) -> str | None: ...
    @property
    def value(self) -> Any: ...

# Each rule's label, by rule id (the message key of its words).
RULE_LABELS: dict[str, str] = {
    "empty_file": N_("val_rule_empty_file"),
    "too_large": N_("val_rule_too_large"),
    "unsupported_type": N_("val_rule_unsupported_type"),
    "not_parquet": N_("val_rule_not_parquet"),
    "parquet_truncated": N_("val_rule_parquet_truncated"),
    "parquet_unreadable": N_("val_rule_parquet_unreadable"),
    "not_csv": N_("val_rule_not_csv"),
    "csv_encoding": N_("val_rule_csv_encoding"),
    "csv_malformed": N_("val_rule_csv_malformed"),
    "not_xlsx": N_("val_rule_not_xlsx"),
    "xlsx_unreadable": N_("val_rule_xlsx_unreadable"),
    "decompression_bomb": N_("val_rule_decompression_bomb"),
    "memory_limit": N_("val_rule_memory_limit"),
    "time_limit": N_("val_rule_time_limit"),
    "too_many_rows": N_("val_rule_too_many_rows"),
    "too_many_columns": N_("val_rule_too_many_columns"),
    "no_rows": N_("val_rule_no_rows"),
    "missing_column": N_("val_rule_missing_column"),
    "unexpected_column": N_("val_rule_unexpected_column"),
    "duplicate_column": N_("val_rule_duplicate_column"),
    "wrong_column_type": N_("val_rule_wrong_column_type"),
    "wrong_type": N_("val_rule_wrong_type"),
    "missing_value": N_("val_rule_missing_value"),
    "unknown_indicator": N_("val_rule_unknown_indicator"),
    "unknown_municipality": N_("val_rule_unknown_municipality"),
    "year_out_of_range": N_("val_rule_year_out_of_range"),
    "duplicate_key": N_("val_rule_duplicate_key"),
    "nan": N_("val_rule_nan"),
    "infinite": N_("val_rule_infinite"),
    "negative_count": N_("val_rule_negative_count"),
    "rate_range": N_("val_rule_rate_range"),
    "score_range": N_("val_rule_score_range"),
    "flag_value": N_("val_rule_flag_value"),
    "note_too_long": N_("val_rule_note_too_long"),
    "not_integer": N_("val_rule_not_integer"),
    "above_maximum": N_("val_rule_above_maximum"),
    "below_minimum": N_("val_rule_below_minimum"),
    "flag_count_range": N_("val_rule_flag_count_range"),
    "above_reference": N_("val_rule_above_reference"),
    "bound_reference_missing": N_("val_rule_bound_reference_missing"),
    "coverage_partial": N_("val_rule_coverage_partial"),
    "csv_line_too_long": N_("val_rule_csv_line_too_long"),
    "xlsx_too_many_cells": N_("val_rule_xlsx_too_many_cells"),
    "reader_failed": N_("val_rule_reader_failed"),
    "internal_error": N_("val_rule_internal_error"),
    "empty_value_skipped": N_("val_rule_empty_value_skipped"),
    "large_jump": N_("val_rule_large_jump"),
    "large_revision": N_("val_rule_large_revision"),
    "sum_mismatch": N_("val_rule_sum_mismatch"),
}

# The sentence of each problem, by message id: whole-sentence templates with named placeholders, filled from
# the Problem's parameters when it is shown (Problem.message), never when it is found. A message id is its
# rule's id, or the rule's id and a number where one rule has several sentences.
MESSAGES: dict[str, str] = {
    "above_maximum": N_("val_above_maximum"),
    "above_reference": N_("val_above_reference"),
    "above_reference_2": N_("val_above_reference_2"),
    "below_minimum": N_("val_below_minimum"),
    "bound_reference_missing": N_("val_bound_reference_missing"),
    "coverage_partial": N_("val_coverage_partial"),
    "csv_encoding": N_("val_csv_encoding"),
    "csv_line_too_long": N_("val_csv_line_too_long"),
    "csv_malformed": N_("val_csv_malformed"),
    "decompression_bomb": N_("val_decompression_bomb"),
    "decompression_bomb_2": N_("val_decompression_bomb_2"),
    "duplicate_column": N_("val_duplicate_column"),
    "duplicate_key": N_("val_duplicate_key"),
    "empty_file": N_("val_empty_file"),
    "empty_value_skipped": N_("val_empty_value_skipped"),
    "flag_count_range": N_("val_flag_count_range"),
    "flag_value": N_("val_flag_value"),
    "infinite": N_("val_infinite"),
    "internal_error": N_("val_internal_error"),
    "large_jump": N_("val_large_jump"),
    "large_revision": N_("val_large_revision"),
    "memory_limit": N_("val_memory_limit"),
    "memory_limit_2": N_("val_memory_limit_2"),
    "missing_column": N_("val_missing_column"),
    "missing_value": N_("val_missing_value"),
    "nan": N_("val_nan"),
    "negative_count": N_("val_negative_count"),
    "no_rows": N_("val_no_rows"),
    "no_rows_2": N_("val_no_rows_2"),
    "no_rows_3": N_("val_no_rows_3"),
    "no_rows_4": N_("val_no_rows_4"),
    "no_rows_5": N_("val_no_rows_5"),
    "no_rows_6": N_("val_no_rows_6"),
    "not_csv": N_("val_not_csv"),
    "not_integer": N_("val_not_integer"),
    "not_integer_2": N_("val_not_integer_2"),
    "not_parquet": N_("val_not_parquet"),
    "not_xlsx": N_("val_not_xlsx"),
    "note_too_long": N_("val_note_too_long"),
    "parquet_truncated": N_("val_parquet_truncated"),
    "parquet_unreadable": N_("val_parquet_unreadable"),
    "parquet_unreadable_2": N_("val_parquet_unreadable_2"),
    "parquet_unreadable_3": N_("val_parquet_unreadable_3"),
    "rate_range": N_("val_rate_range"),
    "reader_failed": N_("val_reader_failed"),
    "score_range": N_("val_score_range"),
    "sum_mismatch": N_("val_sum_mismatch"),
    "time_limit": N_("val_time_limit"),
    "time_limit_2": N_("val_time_limit_2"),
    "time_limit_3": N_("val_time_limit_3"),
    "too_large": N_("val_too_large"),
    "too_large_2": N_("val_too_large_2"),
    "too_many_columns": N_("val_too_many_columns"),
    "too_many_columns_2": N_("val_too_many_columns_2"),
    "too_many_rows": N_("val_too_many_rows"),
    "too_many_rows_2": N_("val_too_many_rows_2"),
    "too_many_rows_3": N_("val_too_many_rows_3"),
    "unexpected_column": N_("val_unexpected_column"),
    "unexpected_column_2": N_("val_unexpected_column_2"),
    "unknown_indicator": N_("val_unknown_indicator"),
    "unknown_municipality": N_("val_unknown_municipality"),
    "unsupported_type": N_("val_unsupported_type"),
    "unsupported_type_2": N_("val_unsupported_type_2"),
    "wrong_column_type": N_("val_wrong_column_type"),
    "wrong_type": N_("val_wrong_type"),
    "xlsx_too_many_cells": N_("val_xlsx_too_many_cells"),
    "xlsx_unreadable": N_("val_xlsx_unreadable"),
    "xlsx_unreadable_2": N_("val_xlsx_unreadable_2"),
    "xlsx_unreadable_3": N_("val_xlsx_unreadable_3"),
    "xlsx_unreadable_4": N_("val_xlsx_unreadable_4"),
    "year_out_of_range": N_("val_year_out_of_range"),
}

# Sentences with plural forms (rendered with tn for their parameter n).
PLURAL = frozenset({"bound_reference_missing"})

# The frame every problem is shown in: where it is (row, file line, column, value), joined, then the sentence
# and the rule's label.
PARTS: dict[str, str] = {
    "row": N_("val_part_row"),
    "row_line": N_("val_part_row_line"),
    "column": N_("val_part_column"),
    "value": N_("val_part_value"),
    "empty_value": N_("val_part_empty_value"),
    "join": N_("val_part_join"),
    "located": N_("val_part_located"),
    "whole": N_("val_part_whole"),
}


# Parameters that are words themselves, put into the reader's language only when the problem is rendered
# (a Problem holds data, never sentences; all three are plain dicts and lists, so they pickle and go to JSON).

class Localized(dict[str, str]):
    """A catalog text per language (an indicator's or a place's name); English where a language has none."""


class Phrase(dict[str, Any]):
    """A message of the catalogue and its parameters, e.g. Phrase("val_where_prefecture") → 県全体 / the prefecture."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(msg=key, **params)


class Joined(list[Any]):
    """Items shown as a list in the reader's language (「、」 in Japanese, ", " in English)."""


def _word(v: Any, lang: str) -> Any:
    if isinstance(v, Localized):
        return v.get(lang) or v.get("en") or next(iter(v.values()), "")
    if isinstance(v, Phrase):
        return t(v["msg"], lang, **{k: _word(x, lang) for k, x in v.items() if k != "msg"})
    if isinstance(v, Joined):
        return t(N_("val_list_sep"), lang).join(str(_word(x, lang)) for x in v)
    return v


def _params(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    return {k: _word(v, lang) for k, v in params.items()}


def render(p: Problem, lang: str) -> str:
    """A problem in words: where it is, its sentence and its rule's label, in the given language."""
    where: list[str] = []
    if p.row is not None:
        where.append(t(PARTS["row" if p.line is None else "row_line"], lang, row=p.row, line=p.line))
    if p.column is not None:
        where.append(t(PARTS["column"], lang, column=p.column))
    if p.row is not None or p.value is not None:
        where.append(t(PARTS["empty_value"], lang) if p.value is None else t(PARTS["value"], lang, value=p.value))
    params = _params(p.params, lang)
    if p.message_id in PLURAL:  # a sentence whose words follow a count: its plural form for that count
        body = tn(MESSAGES[p.message_id], int(params.pop("n")), lang, **params).rstrip()
    else:
        body = t(MESSAGES[p.message_id], lang, **params).rstrip()
    label = t(RULE_LABELS[p.rule], lang)
    if where:
        return t(PARTS["located"], lang, where=t(PARTS["join"], lang).join(where), body=body, label=label)
    return t(PARTS["whole"], lang, body=body, label=label)
