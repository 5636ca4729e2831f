"""Rule labels and the collector that gathers problems (capped per rule) with their words in ja and en."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import polars as pl

from dashboard.validate.model import Limits, Problem, Result

# ------------------------------------------------------------------------------ messages

RULE_LABELS: dict[str, tuple[str, str]] = {
    "empty_file": ("空のファイル", "empty file"),
    "too_large": ("ファイルサイズ上限", "file size limit"),
    "unsupported_type": ("ファイル形式", "file type"),
    "not_parquet": ("Parquet形式", "Parquet format"),
    "parquet_truncated": ("Parquet形式", "Parquet format"),
    "parquet_unreadable": ("Parquet形式", "Parquet format"),
    "not_csv": ("CSV形式", "CSV format"),
    "csv_encoding": ("文字コード", "text encoding"),
    "csv_malformed": ("CSV形式", "CSV format"),
    "not_xlsx": ("Excel形式", "Excel format"),
    "xlsx_unreadable": ("Excel形式", "Excel format"),
    "decompression_bomb": ("展開後サイズ上限", "uncompressed size limit"),
    "memory_limit": ("メモリ上限", "memory limit"),
    "time_limit": ("時間制限", "time limit"),
    "too_many_rows": ("行数上限", "row limit"),
    "too_many_columns": ("列数上限", "column limit"),
    "no_rows": ("データ行なし", "no rows"),
    "missing_column": ("必須列", "required column"),
    "unexpected_column": ("想定外の列", "unexpected column"),
    "duplicate_column": ("列名の重複", "duplicate column"),
    "wrong_column_type": ("列の型", "column type"),
    "wrong_type": ("値の型", "value type"),
    "missing_value": ("必須値", "required value"),
    "unknown_indicator": ("指標ID", "indicator id"),
    "unknown_municipality": ("市町村コード", "municipality code"),
    "year_out_of_range": ("年度の範囲", "fiscal year range"),
    "duplicate_key": ("重複行", "duplicate key"),
    "nan": ("非数（NaN）", "NaN value"),
    "infinite": ("無限大", "infinite value"),
    "negative_count": ("負の件数", "negative count"),
    "rate_range": ("率の範囲（0～100）", "rate range (0–100)"),
    "score_range": ("点数の範囲（0～満点）", "score range (0–maximum)"),
    "flag_value": ("実施有無（0/1）", "yes/no flag (0/1)"),
    "note_too_long": ("備考の長さ", "note length"),
    "not_integer": ("整数", "whole number"),
    "above_maximum": ("値の上限", "maximum value"),
    "below_minimum": ("値の下限", "minimum value"),
    "flag_count_range": ("実施市町村数の範囲", "number of municipalities"),
    "above_reference": ("65歳以上人口などに対する上限", "bound relative to a reference such as the 65+ population"),
    "bound_reference_missing": ("相対上限の基準値なし", "no reference for the relative bound"),
    "coverage_partial": ("市町村の報告状況", "municipalities reporting"),
    "csv_line_too_long": ("1行の長さ", "line length"),
    "xlsx_too_many_cells": ("セル数上限", "cell limit"),
    "reader_failed": ("読み取り処理", "file reader"),
    "internal_error": ("検査処理", "validation"),
    "empty_value_skipped": ("未記入行", "rows left empty"),
    "large_jump": ("前年度からの大きな変化", "large change from previous year"),
    "large_revision": ("公開中の値の大きな修正", "large revision of a published value"),
    "sum_mismatch": ("市町村合計と県全体の不一致", "municipal sum vs prefecture total"),
}


def _fmt_size(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def _shown(value: Any, limit: int = 60) -> str | None:
    """A value as text for messages (shortened; shown as plain text, never interpreted)."""
    if value is None:
        return None
    s = repr(value) if isinstance(value, float) and not math.isfinite(value) else str(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        s = str(int(value))
    return s if len(s) <= limit else s[: limit - 1] + "…"


class _Collector:
    """Gathers problems, keeping every count but at most max_per_rule records per rule."""

    def __init__(self, result: Result, limits: Limits, line_offset: int | None) -> None:
        self.result, self.limits, self.line_offset = result, limits, line_offset

    def where(self, row: int | None, column: str | None, value: str | None) -> tuple[str, str]:
        ja, en = [], []
        if row is not None:
            if self.line_offset is not None:
                ja.append(f"{row}行目（ファイルの{row + self.line_offset}行目）")
                en.append(f"Row {row} (line {row + self.line_offset} of the file)")
            else:
                ja.append(f"{row}行目")
                en.append(f"Row {row}")
        if column is not None:
            ja.append(f"列「{column}」")
            en.append(f"column “{column}”")
        if row is not None or value is not None:
            ja.append("値「（空）」" if value is None else f"値「{value}」")
            en.append("value “(empty)”" if value is None else f"value “{value}”")
        return "・".join(ja), ", ".join(en)

    def add(self, rule: str, ja: str, en: str, *, row: int | None = None, column: str | None = None,
            value: Any = None, severity: str = "error") -> None:
        self.result.counts[rule] += 1
        if self.result.counts[rule] > self.limits.max_per_rule:
            return
        shown = _shown(value)
        wja, wen = self.where(row, column, shown)
        label_ja, label_en = RULE_LABELS[rule]
        msg_ja = f"{wja}：{ja}［規則：{label_ja}］" if wja else f"{ja}［規則：{label_ja}］"
        msg_en = f"{wen}: {en} [rule: {label_en}]" if wen else f"{en} [rule: {label_en}]"
        p = Problem(row=row, column=column, value=shown, rule=rule, message_ja=msg_ja, message_en=msg_en,
                    severity=severity)
        (self.result.errors if severity == "error" else self.result.warnings).append(p)


def _capped(col: _Collector, rule: str, frame: pl.DataFrame, single: bool = False) -> Iterator[Any]:
    """Rows to report for a rule: at most max_per_rule become records, the rest are only counted
    (a million bad rows must not cost a million Python calls)."""
    cap = max(0, col.limits.max_per_rule - col.result.counts[rule])
    head = frame.head(cap)
    yield from (head.to_series(0).to_list() if single else head.iter_rows())
    col.result.counts[rule] += max(0, frame.height - cap)  # after the records, so add() keeps them


class _Stop(Exception):
    """Reading cannot continue; the problem has been recorded."""
