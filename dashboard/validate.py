"""Validation of an uploaded snapshot file (Parquet, CSV or .xlsx) against the data contract.

Pure: no Streamlit. The file is untrusted, so it is read in a bounded way:
- size is capped before anything else; everything after that runs in a child process (forked from a
  fork server) whose data segment is limited (RLIMIT_DATA), whose resident memory is watched and which is
  stopped at a time limit, so any file gets its verdict within the limits whatever its shape; the kind of
  file is told from its first bytes (magic numbers), not from its name;
- Parquet: the footer is read first (pyarrow) and the row count and uncompressed size are capped
  *before* any data is read; text columns are then read as dictionaries to measure what they expand to
  (one note repeated 400,000 times is measured, not expanded); the data is read by a separate DuckDB
  connection with its own memory limit, one thread, no spilling to disk and a time limit (Polars is never
  pointed at the untrusted bytes: it can panic on damaged files);
- CSV: decoded in Python (UTF-8, or Shift_JIS as Excel in Japan saves it), line lengths capped, then read
  by the same bounded DuckDB connection with a fixed dialect;
- .xlsx: the zip directory is checked for decompression bombs, the cells of every sheet are counted by
  streaming the XML, then openpyxl streams rows up to the row limit and a deadline.

Values are checked against the catalog's bounds (whole numbers, minimum, maximum, and a maximum relative to
another indicator of the same place and year, e.g. participants aged 65+ <= the 65+ population), and an
upload that leaves an (indicator, fiscal year) partly covered is warned about, naming the missing
municipalities. No library's message reaches the user.

Every problem is reported at once as a `Problem` record naming the row, column, value and rule,
with a message in Japanese and English. Warnings do not block publishing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import re
import tempfile
import threading
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dashboard import contract, db
from dashboard.catalog import Catalog
from dashboard.config import NATIONAL, PREFECTURE

IGNORED_COLUMNS = ("indicator_name", "municipality_name")  # template helper columns: accepted, ignored
EXTENSIONS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class Limits:
    """Bounds for reading one untrusted file."""

    max_bytes: int = 30 * 2**20  # the upload itself
    max_rows: int = 2_000_000  # Parquet and CSV data rows
    max_xlsx_rows: int = 200_000  # openpyxl is slow; larger files should come as Parquet or CSV
    max_columns: int = 50
    max_uncompressed: int = 256 * 2**20  # decoded data (Parquet, CSV) / xlsx zip members, as declared
    memory_limit: str = "384MB"  # the validation DuckDB connection (inside the reader process)
    seconds: float = 8.0  # CPU time for reading and checking in the reader process, before it is stopped
    wall_factor: float = 4.0  # ... and wall-clock time x this (a busy machine slows the clock, not the work)
    max_per_rule: int = 1000  # problem records kept per rule (counts are always complete)
    note_max_chars: int = 2000
    max_line_chars: int = 100_000  # one CSV line (a full valid line is a few thousand characters at most)
    max_xlsx_cells: int = 2_000_000  # cells in all sheets of a workbook (the row limit x 10 columns)
    process_memory: int = 900 * 2**20  # the reader process's resident memory (watched; the process is stopped)
    isolate: bool = True  # read and check in a separate process with the memory and time limits above


@dataclass(frozen=True)
class Problem:
    """One problem (or warning) found in a file: where it is, what it is, and why."""

    row: int | None  # 1-based data row (the header is not counted); None for the whole file/column
    column: str | None
    value: str | None
    rule: str
    message_ja: str
    message_en: str
    severity: str = "error"  # "error" blocks publishing; "warning" does not

    def message(self, lang: str = "ja") -> str:
        """The message in the given language."""
        return self.message_ja if lang == "ja" else self.message_en


@dataclass
class Result:
    """Outcome of validating one file."""

    file_name: str
    file_format: str | None  # 'parquet' | 'csv' | 'xlsx' as detected from the content
    rows: int
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # problems per rule, beyond max_per_rule too
    frame: pl.DataFrame | None = None  # the contract frame, only when there are no errors
    reader: dict[str, float] = field(default_factory=dict)  # the reader process: seconds, peak_mb (for benchmarks)

    @property
    def ok(self) -> bool:
        """True when the file can be published."""
        return not self.errors and self.frame is not None

    def problems_frame(self, lang: str = "ja") -> pl.DataFrame:
        """Errors then warnings as a table for display (plain text cells)."""
        rows = [{"severity": p.severity, "row": p.row, "column": p.column, "value": p.value, "rule": p.rule,
                 "message": p.message(lang)} for p in [*self.errors, *self.warnings]]
        schema = {"severity": pl.Utf8, "row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8, "rule": pl.Utf8,
                  "message": pl.Utf8}
        return pl.DataFrame(rows, schema=schema)


@dataclass(frozen=True)
class Keys:
    """The published data an upload can be compared with: its indicators (and the references of their relative
    bounds), its places (and every municipality, for coverage), and its fiscal years plus the year before each
    (large revisions compare the same key, large jumps the year before)."""

    indicator_ids: list[str]
    municipality_codes: list[str]
    fiscal_years: list[int]

    @classmethod
    def of(cls, frame: pl.DataFrame) -> Keys:
        """The keys of a contract frame (indicator_id, municipality_code, fiscal_year)."""
        years = frame["fiscal_year"].unique().to_list()
        return cls(indicator_ids=sorted(frame["indicator_id"].unique().to_list()),
                   municipality_codes=sorted(frame["municipality_code"].unique().to_list()),
                   fiscal_years=sorted({int(y) for y in years} | {int(y) - 1 for y in years}))


# The published rows (indicator_id, municipality_code, fiscal_year, value): a frame, or a function given the
# upload's Keys that returns at least the published rows within them (so a store need not read everything).
Published = pl.DataFrame | Callable[[Keys], pl.DataFrame] | None


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


# ------------------------------------------------------------------------------ reading

def sniff(data: bytes) -> str:
    """What the bytes look like: 'parquet', 'parquet_truncated', 'xlsx', 'zip', 'xls', 'csv' or 'binary'."""
    if data[:4] == b"PAR1":
        return "parquet" if len(data) >= 12 and data[-4:] == b"PAR1" else "parquet_truncated"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return "xlsx" if "xl/workbook.xml" in z.namelist() else "zip"
        except (zipfile.BadZipFile, ValueError, OSError):
            return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    head = data[:65536]
    if b"\x00" in head:
        return "binary"
    return "csv" if _decode(head, partial=True) is not None else "binary"


LOOKS = {"parquet": ("Parquet", "Parquet"), "parquet_truncated": ("壊れたParquet", "a damaged Parquet file"),
         "xlsx": ("Excelブック（.xlsx）", "an Excel workbook (.xlsx)"), "zip": ("ZIP圧縮ファイル", "a ZIP archive"),
         "xls": ("古いExcel形式（.xls）", "an old Excel file (.xls)"), "csv": ("テキスト（CSV）", "text (CSV)"),
         "binary": ("不明なバイナリ", "unknown binary data")}


def _decode(data: bytes, partial: bool = False) -> str | None:
    """UTF-8 (with or without BOM), else Shift_JIS (cp932); None when neither fits."""
    for enc in ("utf-8-sig", "cp932"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError as e:
            # A sample cut in the middle of a multi-byte character is still text.
            if partial and e.start >= len(data) - 3:
                with contextlib.suppress(UnicodeDecodeError):
                    return data[: e.start].decode(enc)
    return None


def _connection(limits: Limits, tmp: str) -> duckdb.DuckDBPyConnection:
    """A private, bounded DuckDB connection for reading one untrusted file."""
    return duckdb.connect(config={"memory_limit": limits.memory_limit, "threads": 1,
                                  "temp_directory": tmp, "max_temp_directory_size": "0B",
                                  "enable_external_access": True})


@contextlib.contextmanager
def _deadline(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupt the query once this process has used `seconds` of CPU time (all threads) since entering."""
    start, done = time.process_time(), threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            if time.process_time() - start > seconds:
                con.interrupt()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _bomb(col: _Collector, limits: Limits, size: float) -> None:
    col.add("decompression_bomb",
            f"展開後のデータが大きすぎます（{_fmt_size(size)}超、上限{_fmt_size(limits.max_uncompressed)}）。"
            "圧縮率が極端に高いファイルのため読み込みを中止しました。",
            f"The data expands to more than {_fmt_size(size)} (limit {_fmt_size(limits.max_uncompressed)}): "
            "an extremely compressed file; reading was stopped.")


def _run_bounded(col: _Collector, limits: Limits, query: str, **params: Any) -> pl.DataFrame:
    """Run a validate_read_* query in a private bounded connection, streaming Arrow batches and
    stopping once the decoded data passes max_uncompressed (DuckDB can hold repeated strings
    compactly; the copy handed to Python is where a dictionary bomb would explode)."""
    import pyarrow as pa

    q = db.load(query)
    if set(params) != q.params:
        raise ValueError(f"query {query}: parameters {sorted(params)} != {sorted(q.params)}")
    with tempfile.TemporaryDirectory(prefix="gunma-validate-") as tmp:
        con = _connection(limits, tmp)
        try:
            with _deadline(con, limits.seconds):
                cur = con.cursor()
                reader = cur.sql(q.sql, params=params).to_arrow_reader(20_000)
                # Each batch becomes Polars as it arrives, so the Arrow copy of the whole file never exists
                # beside the Polars one (1M rows: tens of MB less at peak).
                frames, total = [pl.DataFrame(pl.from_arrow(pa.Table.from_batches([], schema=reader.schema)))], 0
                for batch in reader:
                    total += batch.nbytes
                    if total > limits.max_uncompressed:
                        _bomb(col, limits, total)
                        raise _Stop
                    frames.append(pl.DataFrame(pl.from_arrow(batch)))
                return pl.concat(frames, how="vertical", rechunk=True)
        except (duckdb.OutOfMemoryException, MemoryError, OSError) as e:  # Arrow's allocation failures: OSError
            if isinstance(e, OSError) and "memory" not in str(e).lower():
                raise
            col.add("memory_limit", f"読み込みに必要なメモリが上限（{limits.memory_limit}）を超えたため中止しました。"
                    "展開すると非常に大きくなるファイルです。ファイルを分けるか、内容を確認してください。",
                    f"Reading needed more memory than the limit ({limits.memory_limit}) and was stopped: the file "
                    "expands to a very large size. Split the file or check its content.")
            raise _Stop from e
        except duckdb.InterruptException as e:
            col.add("time_limit", f"読み込みが制限時間（{limits.seconds:g}秒）を超えたため中止しました。",
                    f"Reading took longer than the limit ({limits.seconds:g} s) and was stopped.")
            raise _Stop from e
        finally:
            con.close()


def _parquet_expanded_bytes(data: bytes) -> int:
    """Bytes the text columns take once decoded: dictionary-encoded pages are read as dictionaries (one copy of
    each distinct value plus an index per row) and each row's length is summed, so a file holding one 200 KB
    note 400,000 times is measured at 80 GB without ever expanding it. Other pages are bounded by the sizes
    the footer declares (checked before)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(io.BytesIO(data)).schema_arrow
    def is_text(t: Any) -> bool:
        t = t.value_type if pa.types.is_dictionary(t) else t
        return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
                    or pa.types.is_large_binary(t))

    text = [f.name for f in schema if is_text(f.type)]
    if not text:
        return 0
    pf = pq.ParquetFile(io.BytesIO(data), read_dictionary=text)
    total = 0
    for g in range(pf.metadata.num_row_groups):
        table = pf.read_row_group(g, columns=text)
        for column in table.columns:
            for chunk in column.chunks:
                if isinstance(chunk, pa.DictionaryArray):
                    lengths = pc.binary_length(chunk.dictionary)
                    total += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
                else:
                    total += int(pc.sum(pc.binary_length(chunk)).as_py() or 0)
    return total


def _read_parquet(data: bytes, col: _Collector, limits: Limits) -> pl.DataFrame:
    import pyarrow.parquet as pq  # footer only: cheap and bounded by the file size

    try:
        md = pq.ParquetFile(io.BytesIO(data)).metadata
        num_rows, num_cols = md.num_rows, md.num_columns
        declared = sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))
    except Exception as e:  # pyarrow raises several types for damaged footers
        col.add("parquet_unreadable", "Parquetファイルの末尾にある構造情報（フッター）が壊れていて読めません。"
                                      "元のソフトで書き出し直してください。",
                "The Parquet file's structure information (its footer) is damaged and cannot be read. Export "
                "it again from the original software.")
        raise _Stop from e
    if num_rows > limits.max_rows:
        col.add("too_many_rows", f"行数が多すぎます（{num_rows:,}行、上限{limits.max_rows:,}行）。"
                                 "ファイルを分けてください。",
                f"Too many rows ({num_rows:,}; the limit is {limits.max_rows:,}). Split the file.", value=num_rows)
        raise _Stop
    if num_cols > limits.max_columns:
        col.add("too_many_columns", f"列が多すぎます（{num_cols}列、上限{limits.max_columns}列）。",
                f"Too many columns ({num_cols}; the limit is {limits.max_columns}).", value=num_cols)
        raise _Stop
    if declared > limits.max_uncompressed:
        _bomb(col, limits, declared)
        raise _Stop
    try:
        expanded = _parquet_expanded_bytes(data)
    except Exception as e:  # pyarrow raises several types for damaged pages
        col.add("parquet_unreadable", "Parquetファイルの文字列の列が壊れていて読めません。元のソフトで書き出し直して"
                "ください。", "A text column of the Parquet file is damaged and cannot be read. Export it again "
                "from the original software.")
        raise _Stop from e
    if expanded > limits.max_uncompressed:
        _bomb(col, limits, expanded)
        raise _Stop
    with tempfile.TemporaryDirectory(prefix="gunma-upload-") as tmp:
        path = Path(tmp) / "upload.parquet"
        path.write_bytes(data)
        try:
            return _run_bounded(col, limits, "validate_read_parquet", path=str(path))
        except (duckdb.Error, OSError, ValueError) as e:
            col.add("parquet_unreadable", "Parquetファイルのデータ部分が壊れているか、対応していない形式で"
                    "圧縮・符号化されていて読めません。元のソフトで書き出し直してください。",
                    "The Parquet file's data is damaged, or compressed or encoded in a way that is not supported. "
                    "Export it again from the original software.")
            raise _Stop from e


def _read_csv(data: bytes, col: _Collector, limits: Limits) -> pl.DataFrame:
    text = _decode(data)
    if text is None:
        col.add("csv_encoding", "CSVの文字コードを読み取れません。UTF-8（またはShift_JIS）で保存してください。",
                "Cannot decode the CSV text. Save it as UTF-8 (or Shift_JIS).")
        raise _Stop
    lines = text.split("\n")
    too_long = max(map(len, lines), default=0) > limits.max_line_chars
    if too_long:
        n = next(i for i, line in enumerate(lines) if len(line) > limits.max_line_chars)
        where_ja = "見出し行" if n == 0 else f"ファイルの{n + 1}行目"
        where_en = "The header line" if n == 0 else f"Line {n + 1} of the file"
        col.add("csv_line_too_long", f"{where_ja}が長すぎます（{len(lines[n]):,}文字、"
                f"上限{limits.max_line_chars:,}文字）。"
                "区切り（カンマ・改行）が正しいか、1つのセルに大量の文字が入っていないか確認してください。",
                f"{where_en} is too long ({len(lines[n]):,} characters; the limit is {limits.max_line_chars:,}). "
                "Check the separators (commas, line breaks) and that no cell holds a huge text.")
        raise _Stop
    header = next(csv.reader([lines[0].rstrip("\r")]), []) if lines else []
    if not [h for h in header if h.strip()]:
        col.add("no_rows", "見出し行もデータ行もありません。", "There is neither a header line nor any data row.")
        raise _Stop
    names = _unique_names([h.strip() for h in header])
    _check_header([h.strip() for h in header], col, limits)
    if not any(line.strip() for line in lines[1:]):
        col.add("no_rows", "データ行がありません（見出し行だけです）"
                           "。", "There are no data rows (only the header line).")
        raise _Stop
    n_lines = text.count("\n") + 1
    if n_lines > limits.max_rows + 2:
        col.add("too_many_rows", f"行数が多すぎます（約{n_lines:,}行、上限{limits.max_rows:,}行）。"
                                 "ファイルを分けてください。",
                f"Too many rows (about {n_lines:,}; the limit is {limits.max_rows:,}). Split the file.")
        raise _Stop
    with tempfile.TemporaryDirectory(prefix="gunma-upload-") as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_text(text, encoding="utf-8")
        try:
            df = _run_bounded(col, limits, "validate_read_csv", path=str(path),
                              columns=dict.fromkeys(names, "VARCHAR"))
        except duckdb.Error as e:
            # DuckDB's message: "CSV Error on Line: N", "Original Line: ...", "Expected Number of Columns ...".
            counts = re.search(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)", str(e))
            detail_ja = f"見出しは{counts.group(1)}列、この行は{counts.group(2)}列です。" if counts else ""
            detail_en = f"The header has {counts.group(1)} fields, this line {counts.group(2)}." if counts else ""
            m = re.search(r"[Ll]ine:?\s*(\d+)", str(e))
            where_ja = f"ファイルの{m.group(1)}行目付近、" if m else ""
            where_en = f"near line {m.group(1)}: " if m else ""
            col.add("csv_malformed", f"CSVの形が崩れています（{where_ja}列の数が見出しと合わない、"
                                     f"引用符が閉じていない等）。{detail_ja}",
                    f"The CSV is malformed ({where_en}a row with more or fewer fields than the header, or an "
                    f"unclosed quote). {detail_en}".rstrip())
            raise _Stop from e
    return df


def _unique_names(header: list[str]) -> list[str]:
    """Column names usable as frame columns: blanks named by position, repeats numbered (both reported)."""
    names = [h if h else f"(column {i + 1})" for i, h in enumerate(header)]
    seen: Counter[str] = Counter()
    unique = []
    for n in names:
        seen[n] += 1
        unique.append(n if seen[n] == 1 else f"{n}#{seen[n]}")
    return unique


def _cell_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, float):
        return repr(v)
    s = str(v)
    return s if s.strip() else None


def _read_xlsx(data: bytes, col: _Collector, limits: Limits) -> pl.DataFrame:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            declared = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        col.add("xlsx_unreadable", "Excelブックとして読めません（ZIP構造が壊れています）。",
                "Cannot read the Excel workbook (its zip structure is damaged).")
        raise _Stop from e
    if declared > limits.max_uncompressed:
        col.add("decompression_bomb",
                f"展開後のデータが大きすぎます（約{_fmt_size(declared)}、上限{_fmt_size(limits.max_uncompressed)}）。"
                "圧縮率が極端に高いファイルのため読み込みを中止しました。",
                f"The workbook expands to {_fmt_size(declared)} (limit {_fmt_size(limits.max_uncompressed)}): an "
                "extremely compressed file; reading was stopped.")
        raise _Stop
    try:
        n_cells = _xlsx_cells(data, limits.max_xlsx_cells)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as e:
        col.add("xlsx_unreadable", "Excelブックのシートが壊れていて読めません（圧縮データを展開できません）。"
                "Excelで開いて「.xlsx」形式で保存し直してください。",
                "A sheet of the Excel workbook is damaged (its compressed data cannot be expanded). Open it in "
                "Excel and save it again as .xlsx.")
        raise _Stop from e
    if n_cells > limits.max_xlsx_cells:
        col.add("xlsx_too_many_cells", f"Excelブックのセルが上限（{limits.max_xlsx_cells:,}個）を超えています"
                f"（{n_cells:,}個まで数えて中止）。"
                "不要な列や行を削除するか、CSVかParquetで保存してください。",
                f"The workbook has more cells than the limit of {limits.max_xlsx_cells:,} (counting stopped at "
                f"{n_cells:,}). Delete "
                "unneeded rows and columns, or save it as CSV or Parquet.", value=n_cells)
        raise _Stop
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for damaged workbooks
        col.add("xlsx_unreadable", "Excelブックの構造（ブック・シートの定義）が壊れていて読めません。"
                "Excelで開いて「.xlsx」形式で保存し直してください。",
                "The Excel workbook's structure (its workbook or sheet definitions) is damaged. Open it in "
                "Excel and save it again as .xlsx.")
        raise _Stop from e
    try:
        ws = wb["data"] if "data" in wb.sheetnames else wb.worksheets[0]
        rows: list[list[str | None]] = []
        header: list[str] = []
        stop_at = time.process_time() + limits.seconds * 0.8  # a sentence of our own before the process is stopped
        for i, r in enumerate(ws.iter_rows(values_only=True)):
            if i % 256 == 0 and time.process_time() > stop_at:
                col.add("time_limit", f"Excelブックの読み込みが制限時間（{limits.seconds:g}秒）を超えたため"
                        "中止しました。"
                        "CSVかParquetで保存し直すか、ファイルを分けてください。",
                        f"Reading the Excel workbook took longer than the limit ({limits.seconds:g} s) and was "
                        "stopped. Save it as CSV or Parquet, or split the file.")
                raise _Stop
            cells = [_cell_text(v) for v in r]
            if i == 0:
                header = [(c or "").strip() for c in cells]
                while header and not header[-1]:
                    header.pop()
                continue
            if len(rows) >= limits.max_xlsx_rows:
                col.add("too_many_rows", f"Excelの行数が多すぎます（上限{limits.max_xlsx_rows:,}行）。"
                        "CSVかParquetにするか、ファイルを分けてください。",
                        f"Too many rows for an Excel upload (limit {limits.max_xlsx_rows:,}). Use CSV or Parquet, "
                        "or split the file.")
                raise _Stop
            rows.append(cells[: len(header)] + [None] * (len(header) - len(cells)))
    except _Stop:
        raise
    except Exception as e:
        col.add("xlsx_unreadable", "Excelシートのセルの内容が壊れていて読めません。"
                "Excelで開いて「.xlsx」形式で保存し直してください。",
                "The cells of the Excel sheet are damaged and cannot be read. Open the workbook in Excel and "
                "save it again as .xlsx.")
        raise _Stop from e
    finally:
        wb.close()
    if not [h for h in header if h]:
        col.add("no_rows", "見出し行もデータ行もありません。", "There is neither a header row nor any data row.")
        raise _Stop
    _check_header(header, col, limits)
    while rows and all(c is None for c in rows[-1]):
        rows.pop()
    if not rows:
        col.add("no_rows", "データ行がありません（見出し行だけです）"
                           "。", "There are no data rows (only the header row).")
        raise _Stop
    unique = _unique_names(header)  # duplicates were reported by _check_header; keep the frame buildable
    df = pl.DataFrame({n: [r[i] for r in rows] for i, n in enumerate(unique)},
                      schema={n: pl.Utf8 for n in unique})
    if "municipality_code" in df.columns:  # Excel drops leading zeros of numeric cells: 0 -> 00000
        df = df.with_columns(pl.when(pl.col("municipality_code").str.contains(r"^\d{1,4}$"))
                             .then(pl.col("municipality_code").str.zfill(5))
                             .otherwise(pl.col("municipality_code")))
    return df


def _xlsx_cells(data: bytes, cap: int) -> int:
    """Cells in every worksheet of a workbook, counted by streaming each sheet's XML through the decompressor
    rather than by parsing it, and whatever its declared dimension says; counting stops once past `cap`."""
    count = 0
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with z.open(info) as f:
                tail = b""
                while chunk := f.read(1 << 20):
                    buf = tail + chunk
                    # <c ...>, <c> or <c/> opens a cell; the last 3 bytes are kept so a tag cut between chunks counts.
                    count += buf.count(b"<c ") + buf.count(b"<c>") + buf.count(b"<c/")
                    tail = buf[-3:]
                    count -= tail.count(b"<c ") + tail.count(b"<c>") + tail.count(b"<c/")
                    if count > cap:
                        return count
    return count


def _check_header(header: list[str], col: _Collector, limits: Limits) -> None:
    if len(header) > limits.max_columns:
        col.add("too_many_columns", f"列が多すぎます（{len(header)}列、上限{limits.max_columns}列）。",
                f"Too many columns ({len(header)}; the limit is {limits.max_columns}).")
        raise _Stop
    for name, n in Counter(header).items():
        if n > 1 and name:
            col.add("duplicate_column", f"列名が{n}回出てきます。列名は1回ずつにしてください。",
                    f"The column name appears {n} times; each column must appear once.", column=name)


# ------------------------------------------------------------------------------ checking

def _columns(df: pl.DataFrame, col: _Collector, fmt: str) -> set[str]:
    """Report missing and unexpected columns; return the contract columns present."""
    allowed = set(contract.COLUMNS) | set(IGNORED_COLUMNS)
    listed = "、".join(contract.COLUMNS)
    for c in df.columns:
        base = c.split("#")[0]
        if base not in allowed and not re.fullmatch(r"\(column \d+\)", c):
            col.add("unexpected_column", f"想定外の列です。使える列は {listed}（ほかに説明用の "
                    f"{'、'.join(IGNORED_COLUMNS)} は読み飛ばします）。",
                    f"Unexpected column. Allowed columns: {', '.join(contract.COLUMNS)} (the helper columns "
                    f"{', '.join(IGNORED_COLUMNS)} are accepted and ignored).", column=c)
        elif re.fullmatch(r"\(column \d+\)", c) and df[c].null_count() < df.height:
            col.add("unexpected_column", "見出しのない列に値があります。", "A column without a header holds values.",
                    column=c)
    for c in contract.REQUIRED:
        if c not in df.columns:
            col.add("missing_column", "必須の列がありません。", "A required column is missing.", column=c)
    return {c for c in contract.COLUMNS if c in df.columns}


EXPECTED = {"indicator_id": ("文字列", "text"),
            "municipality_code": ("5桁の文字列（先頭の0を含む）", "5-digit text (keep leading zeros)"),
            "note": ("文字列", "text"), "fiscal_year": ("整数（西暦の年度）", "an integer (Western fiscal year)"),
            "value": ("数値", "a number")}


def _coerce(df: pl.DataFrame, present: set[str], col: _Collector) -> pl.DataFrame:
    """Cast present contract columns to contract types, reporting column- and row-level type errors."""
    out = df.select(pl.int_range(1, df.height + 1, dtype=pl.Int64).alias("_row"), *[pl.col(c) for c in present])
    for c in sorted(present):
        dt = df.schema[c]
        exp_ja, exp_en = EXPECTED[c]
        if c in ("indicator_id", "municipality_code", "note"):
            if dt in (pl.Utf8, pl.Categorical) or isinstance(dt, pl.Enum):
                out = out.with_columns(pl.col(c).cast(pl.Utf8).alias(c))
                continue
            col.add("wrong_column_type", f"列の型が{dt}です。{exp_ja}にしてください。",
                    f"The column's type is {dt}; it must be {exp_en}.", column=c)
            out = out.drop(c)
            continue
        raw = pl.col(c)
        if dt == pl.Utf8:
            stripped = raw.str.strip_chars()
            parsed = (stripped.cast(pl.Int64, strict=False) if c == "fiscal_year"
                      else stripped.str.replace_all(r"^\+", "").cast(pl.Float64, strict=False))
        elif dt.is_integer() or dt.is_float() or dt == pl.Decimal:
            parsed = raw.cast(pl.Float64, strict=False)
            if c == "fiscal_year":
                parsed = pl.when(parsed == parsed.round(0)).then(parsed).otherwise(None).cast(pl.Int64, strict=False)
        else:
            col.add("wrong_column_type", f"列の型が{dt}です。{exp_ja}にしてください。",
                    f"The column's type is {dt}; it must be {exp_en}.", column=c)
            out = out.drop(c)
            continue
        # A number is never blank; it is turned into text only for the rows reported (1M floats as text: ~50 MB).
        given = raw.is_not_null() & (raw.str.strip_chars() != "") if dt == pl.Utf8 else raw.is_not_null()
        out = out.with_columns(parsed.alias(c), raw.alias(f"_raw_{c}"), given.alias(f"_given_{c}"))
        bad = out.filter(pl.col(f"_given_{c}") & pl.col(c).is_null())
        for r, v in _capped(col, "wrong_type", bad.select("_row", pl.col(f"_raw_{c}").cast(pl.Utf8))):
            hint_ja = "（桁区切りのカンマは付けないでください）" if c == "value" and "," in v else ""
            hint_en = " (no thousands separators)" if c == "value" and "," in v else ""
            col.add("wrong_type", f"{exp_ja}ではありません{hint_ja}。", f"Not {exp_en}{hint_en}.",
                    row=r, column=c, value=v)
        out = out.drop(f"_raw_{c}")
    return out


def _kind_maps(cat: Catalog) -> tuple[dict[str, str], dict[str, float]]:
    kinds = {i.id: i.kind for i in cat.indicators.values()}
    maxes = {i.id: float(i.max_value) for i in cat.indicators.values() if i.max_value is not None}
    return kinds, maxes


def _row_rules(df: pl.DataFrame, cat: Catalog, col: _Collector, limits: Limits, fmt: str) -> pl.DataFrame:
    """Row-level rules on the coerced frame; returns the frame without skipped template rows."""
    skip = pl.lit(False)
    if fmt != "parquet" and "_given_value" in df.columns:
        # Template rows left without a value are skipped with one warning (their other cells are
        # still checked: a mistyped code in a half-filled row should not go unnoticed).
        skip = ~pl.col("_given_value")
        empty = df.filter(skip)
        if empty.height:
            first = ", ".join(str(r) for r in empty["_row"].head(10).to_list())
            col.add("empty_value_skipped",
                    f"値が空の行が{empty.height:,}行あり、取り込みから除きました（テンプレートの未記入行）。"
                    f"例：{first}行目",
                    f"{empty.height:,} rows have no value and were skipped (template rows left empty), "
                    f"e.g. rows {first}.", severity="warning")
    for c in contract.REQUIRED:
        if c in df.columns:
            # For numbers, a cell that failed to parse was reported as a type error already.
            empty_c = ~pl.col(f"_given_{c}") if f"_given_{c}" in df.columns else pl.col(c).is_null()
            empty_rows = df.filter(empty_c & ~skip if c == "value" else empty_c).select("_row")
            for r in _capped(col, "missing_value", empty_rows, single=True):
                col.add("missing_value", "値が空です。必ず入力してください。", "The value is empty; it is required.",
                        row=r, column=c)
    if "indicator_id" in df.columns:
        bad = df.filter(pl.col("indicator_id").is_not_null() & ~pl.col("indicator_id").is_in(list(cat.indicators)))
        for r, v in _capped(col, "unknown_indicator", bad.select("_row", "indicator_id")):
            col.add("unknown_indicator", "カタログにない指標IDです（テンプレートの指標IDを使ってください）。",
                    "This indicator id is not in the catalog (use the ids from the template).",
                    row=r, column="indicator_id", value=v)
    if "municipality_code" in df.columns:
        codes = [*cat.municipality_codes(), PREFECTURE, NATIONAL]
        bad = df.filter(pl.col("municipality_code").is_not_null() & ~pl.col("municipality_code").is_in(codes))
        for r, v in _capped(col, "unknown_municipality", bad.select("_row", "municipality_code")):
            col.add("unknown_municipality", "不明な市町村コードです（群馬県の35市町村の5桁コード、県全体は10000、"
                                            "全国は00000）。",
                    "Unknown municipality code (the 5-digit code of one of Gunma's 35 municipalities, 10000 for "
                    "the prefecture, 00000 for the national figure).", row=r, column="municipality_code", value=v)
    if "fiscal_year" in df.columns:
        lo, hi = contract.FIRST_YEAR, contract.LAST_YEAR
        bad = df.filter(pl.col("fiscal_year").is_not_null() & ~pl.col("fiscal_year").is_between(lo, hi))
        for r, v in _capped(col, "year_out_of_range", bad.select("_row", "fiscal_year")):
            col.add("year_out_of_range", f"年度が範囲外です（{lo}～{hi}年度の西暦で入力してください）。",
                    f"Fiscal year out of range ({lo}–{hi}, Western calendar).", row=r, column="fiscal_year", value=v)
    if set(contract.KEY) <= set(df.columns):
        # Rows whose key hash repeats hold every duplicate (equal keys, equal hashes) and rarely a collision,
        # which the exact window below drops; the window then groups those few rows, not all 1M (~150 MB).
        keyed = pl.when(pl.all_horizontal(pl.col(contract.KEY).is_not_null()) & ~skip).then(
            pl.struct(contract.KEY).hash())
        maybe = df.filter(keyed.is_not_null() & keyed.is_duplicated()).select("_row", *contract.KEY)
        first_row = pl.col("_row").min().over(contract.KEY).alias("_first")
        dups = maybe.with_columns(first_row).filter(pl.col("_row") != pl.col("_first"))
        for r, f, i, m, y in _capped(col, "duplicate_key", dups.select("_row", "_first", *contract.KEY)):
            col.add("duplicate_key", f"同じ指標・市町村・年度の行が{f}行目にもあります（1組に1行だけにしてください）。",
                    f"Row {f} has the same indicator, municipality and fiscal year (one row per combination).",
                    row=r, column="indicator_id / municipality_code / fiscal_year", value=f"{i} / {m} / {y}")
    if "value" in df.columns:
        val = pl.col("value")
        for r, x in _capped(col, "nan", df.filter(val.is_nan()).select("_row", "value")):
            col.add("nan", "値がNaN（非数）です。数値を入力するか、行を削除してください。",
                    "The value is NaN (not a number); enter a number or drop the row.", row=r, column="value", value=x)
        for r, x in _capped(col, "infinite", df.filter(val.is_infinite()).select("_row", "value")):
            col.add("infinite", "値が無限大です。", "The value is infinite.", row=r, column="value", value=x)
        if "indicator_id" in df.columns:
            _absolute_bounds(df, cat, col)
    if "note" in df.columns:
        long = df.filter(pl.col("note").str.len_chars() > limits.note_max_chars)
        for r, x in _capped(col, "note_too_long", long.select("_row", "note")):
            col.add("note_too_long", f"備考が長すぎます（上限{limits.note_max_chars:,}文字）。",
                    f"The note is too long (limit {limits.note_max_chars:,} characters).",
                    row=r, column="note", value=x)
    return df.filter(~skip)


NATIONAL_MUNICIPALITIES = 1741  # 市区町村 in Japan (the 23 special wards counted singly): a national flag count's bound


def _num(x: float) -> str:
    """A bound or reference value for a message: whole numbers with separators, others as given."""
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:,g}"


def _absolute_bounds(df: pl.DataFrame, cat: Catalog, col: _Collector) -> None:
    """The catalog's bounds that need no other value: whole numbers, minimum and maximum for every place level;
    a flag is 0/1 for a municipality and a whole number of municipalities for the prefecture or Japan."""
    inds = cat.indicators
    val = pl.col("value")
    code = pl.col("municipality_code") if "municipality_code" in df.columns else pl.lit(None, pl.Utf8)
    n_pref = len(cat.members(PREFECTURE))
    aggregate = code.is_in([PREFECTURE, NATIONAL])
    ind = pl.col("indicator_id")
    lo = ind.replace_strict({i.id: i.min_value for i in inds.values()}, default=None, return_dtype=pl.Float64)
    hi = ind.replace_strict({i.id: i.max_value for i in inds.values()}, default=None, return_dtype=pl.Float64)
    whole = ind.replace_strict({i.id: i.integer for i in inds.values()}, default=False, return_dtype=pl.Boolean)
    kind = ind.replace_strict({i.id: i.kind for i in inds.values()}, default=None, return_dtype=pl.Utf8)
    cols = ["_row", "indicator_id", "value", *(["municipality_code"] if "municipality_code" in df.columns else [])]
    known = df.select(*cols).with_columns(lo.alias("_lo"), hi.alias("_hi"), whole.alias("_int"),
                                          kind.alias("_kind"), aggregate.alias("_agg"))
    known = known.filter(pl.col("_kind").is_not_null() & val.is_finite())
    flag = pl.col("_kind") == "flag"
    # Flags: 0/1 per municipality; at 10000 / 00000 the number of municipalities with the flag set.
    bad = known.filter(flag & ~pl.col("_agg") & ~val.is_in([0.0, 1.0])).select("_row", "value")
    for r, x in _capped(col, "flag_value", bad):
        col.add("flag_value", "実施の有無は0（なし）か1（あり）で入力してください。",
                "A yes/no flag must be 0 (no) or 1 (yes).", row=r, column="value", value=x)
    if "municipality_code" in known.columns:
        agg_flags = known.filter(flag & pl.col("_agg")).with_columns(
            pl.when(pl.col("municipality_code") == PREFECTURE).then(n_pref).otherwise(NATIONAL_MUNICIPALITIES)
            .alias("_n"))
        for r, i, x, c, n in _capped(col, "not_integer", agg_flags.filter(val != val.round(0))
                                     .select("_row", "indicator_id", "value", "municipality_code", "_n")):
            where_ja, where_en = ("県全体", "the prefecture") if c == PREFECTURE else ("全国", "Japan")
            col.add("not_integer", f"「{inds[i].name_ja}」の{where_ja}の値は実施している市町村の数です。"
                    f"0～{n:,}の整数で入力してください。",
                    f"“{inds[i].name_en}” for {where_en} is a number of municipalities: enter a whole number "
                    f"from 0 to {n:,}.", row=r, column="value", value=x)
        out = agg_flags.filter((val == val.round(0)) & ((val < 0) | (val > pl.col("_n"))))
        for r, i, x, c, n in _capped(col, "flag_count_range",
                                     out.select("_row", "indicator_id", "value", "municipality_code", "_n")):
            where_ja, where_en = ("県全体", "the prefecture") if c == PREFECTURE else ("全国", "Japan")
            col.add("flag_count_range", f"「{inds[i].name_ja}」の{where_ja}の値は実施している市町村の数なので、"
                    f"0～{n:,}の範囲です（{where_ja}の市町村数は{n:,}）。",
                    f"“{inds[i].name_en}” for {where_en} is a number of municipalities, so it lies between 0 and "
                    f"{n:,} ({where_en} has {n:,} municipalities).", row=r, column="value", value=x)
    other = known.filter(~flag)
    low = other.filter(pl.col("_lo").is_not_null() & (val < pl.col("_lo")))
    high = other.filter(pl.col("_hi").is_not_null() & (val > pl.col("_hi")))
    rates = pl.col("_kind") == "rate"
    scores = pl.col("_kind") == "score"
    out_of_range = pl.concat([low, high]).sort("_row")
    for r, x, lo_, hi_ in _capped(col, "rate_range", out_of_range.filter(rates).select("_row", "value", "_lo", "_hi")):
        col.add("rate_range", f"率（%）は{_num(lo_)}～{_num(hi_)}の範囲で入力してください（例：6.1%は6.1）。",
                f"A rate (%) must be between {_num(lo_)} and {_num(hi_)} (e.g. 6.1% is 6.1).",
                row=r, column="value", value=x)
    for r, x, lo_, hi_ in _capped(col, "score_range", out_of_range.filter(scores)
                                  .select("_row", "value", "_lo", "_hi")):
        col.add("score_range", f"点数が{_num(lo_)}～満点（{_num(hi_)}点）の範囲外です。",
                f"The score is outside {_num(lo_)} to the maximum ({_num(hi_)} points).", row=r, column="value",
                value=x)
    rest = ~rates & ~scores
    negative = low.filter(rest & (pl.col("_lo") == 0)).select("_row", "value")
    for r, x in _capped(col, "negative_count", negative):
        col.add("negative_count", "人数・件数の指標に負の値は使えません。", "A count cannot be negative.",
                row=r, column="value", value=x)
    for r, i, x, lo_ in _capped(col, "below_minimum", low.filter(rest & (pl.col("_lo") != 0))
                                .select("_row", "indicator_id", "value", "_lo")):
        col.add("below_minimum", f"「{inds[i].name_ja}」の下限（{_num(lo_)}）を下回っています。",
                f"Below the minimum of “{inds[i].name_en}” ({_num(lo_)}).", row=r, column="value", value=x)
    for r, i, x, hi_ in _capped(col, "above_maximum", high.filter(rest)
                                .select("_row", "indicator_id", "value", "_hi")):
        col.add("above_maximum", f"「{inds[i].name_ja}」としてありえない大きさです（上限{_num(hi_)}）。"
                "桁や単位の誤りがないか確認してください。",
                f"Implausibly large for “{inds[i].name_en}” (the maximum is {_num(hi_)}). Check the digits and "
                "the unit.", row=r, column="value", value=x)
    frac = other.filter(pl.col("_int") & (val != val.round(0))).select("_row", "indicator_id", "value")
    for r, i, x in _capped(col, "not_integer", frac):
        col.add("not_integer", f"「{inds[i].name_ja}」は人数・件数なので整数で入力してください。",
                f"“{inds[i].name_en}” is a count: enter a whole number.", row=r, column="value", value=x)


def _key(cat: Catalog) -> pl.Expr:
    """One Int64 per (indicator, place, fiscal year) for the catalog's ids and codes and the years an upload
    can meet (FIRST_YEAR - 1 to LAST_YEAR; null otherwise): the warning joins then hash one integer instead
    of three strings (for a 1M-row upload ~250 MB less at peak). A key + 1 is the same place a year later."""
    inds = {i: n for n, i in enumerate(cat.indicators)}
    codes = {c: n for n, c in enumerate(dict.fromkeys([*cat.municipality_codes(), PREFECTURE, NATIONAL]))}
    year = pl.col("fiscal_year").cast(pl.Int64)
    first = contract.FIRST_YEAR - 1  # offsets 0..41 and 42 after the +1 shift: within the 64 reserved
    return ((pl.col("indicator_id").replace_strict(inds, default=None, return_dtype=pl.Int64) * len(codes)
             + pl.col("municipality_code").replace_strict(codes, default=None, return_dtype=pl.Int64)) * 64
            + pl.when(year.is_between(first, contract.LAST_YEAR)).then(year - first)).alias("_key")


def _warnings(df: pl.DataFrame, cat: Catalog, col: _Collector, published: pl.DataFrame | None) -> None:
    """Large jumps against the previous year or the published value; municipal sums vs the prefecture."""
    kinds, _ = _kind_maps(cat)
    # No errors at this point: every candidate id, code and year is known, so every candidate has a key.
    # Published rows without one cannot match a candidate (or the year before one) and are dropped.
    # Joins keep the candidate's order: the records kept under max_per_rule are the first ones in the file.
    cand = df.select(_key(cat), *contract.KEY, "value", "_row")
    if published is not None:  # also when empty, so that large_revision is counted (as 0) like every rule checked
        pub = (published.lazy().select(_key(cat), pl.col("value").cast(pl.Float64))
               .filter(pl.col("_key").is_not_null()).collect())
        rev = cand.join(pub.rename({"value": "_old"}), on="_key", how="inner", maintain_order="left")
        rev = rev.filter(_big_change(pl.col("_old"), pl.col("value")))
        for r, i, new, old in _capped(col, "large_revision", rev.select("_row", "indicator_id", "value", "_old")):
            if kinds.get(i) == "flag":
                continue
            col.add("large_revision", f"公開中の値{_shown(old)}を{_pct(old, new)}変更します。"
                                      "誤りでないか確認してください。",
                    f"Revises the published value {_shown(old)} by {_pct(old, new)}. Please check.",
                    row=r, column="value", value=new, severity="warning")
        base = pl.concat([pub.join(cand.select("_key"), on="_key", how="anti"), cand.select("_key", "value")])
    else:
        base = cand.select("_key", "value")
    prev = base.select((pl.col("_key") + 1).alias("_key"), pl.col("value").alias("_prev"))  # as of the next year
    jumps = (cand.join(prev, on="_key", how="inner", maintain_order="left")
             .filter(_big_change(pl.col("_prev"), pl.col("value"))))
    for r, i, _m, y, new, old in _capped(col, "large_jump", jumps.select("_row", *contract.KEY, "value", "_prev")):
        if kinds.get(i) == "flag":
            continue
        col.add("large_jump", f"前年度（{y - 1}年度）の{_shown(old)}から{_pct(old, new)}変化しています。"
                              "誤りでないか確認してください。",
                f"Changes by {_pct(old, new)} from {_shown(old)} in the previous fiscal year ({y - 1}). Please check.",
                row=r, column="value", value=new, severity="warning")
    sums = [i.id for i in cat.indicators.values() if i.rollup == "sum"]
    munis = cat.municipality_codes()
    m = (cand.filter(pl.col("indicator_id").is_in(sums) & pl.col("municipality_code").is_in(munis))
         .group_by("indicator_id", "fiscal_year").agg(pl.col("value").sum().alias("_sum"), pl.len().alias("_n")))
    p = cand.filter(pl.col("indicator_id").is_in(sums) & (pl.col("municipality_code") == PREFECTURE))
    chk = p.join(m, on=["indicator_id", "fiscal_year"], how="inner").filter(
        ((pl.col("_n") == len(munis)) & ((pl.col("_sum") - pl.col("value")).abs() > 0.5))
        | ((pl.col("_n") < len(munis)) & (pl.col("_sum") > pl.col("value") + 0.5)))
    chk = chk.select("_row", "indicator_id", "fiscal_year", "value", "_sum", "_n")
    for r, i, y, total, s, n in _capped(col, "sum_mismatch", chk):
        ind = cat.indicators[i]
        part_ja = "" if n == len(munis) else f"（{n}市町村分だけで）"
        part_en = "" if n == len(munis) else f" (from only {n} municipalities)"
        col.add("sum_mismatch", f"「{ind.name_ja}」{y}年度：同じファイルの市町村の合計{_shown(s)}{part_ja}が県全体の値"
                f"{_shown(total)}と合いません。", f"“{ind.name_en}” FY{y}: the municipal values in this file sum to "
                f"{_shown(s)}{part_en}, not the prefecture total {_shown(total)}.",
                row=r, column="value", value=total, severity="warning")


def _big_change(old: pl.Expr, new: pl.Expr) -> pl.Expr:
    """More than +100% or −50% against a non-zero old value (or from zero to a sizeable value)."""
    return (((old.abs() > 0) & ((new / old > 2.0) | (new / old < 0.5)) & ((new - old).abs() >= 5))
            | ((old == 0) & (new.abs() >= 100)))


def _pct(old: float, new: float) -> str:
    return "∞" if old == 0 else f"{(new - old) / abs(old) * 100:+,.0f}%"


# ------------------------------------------------------------------------------ checks against other values

def _keys(df: pl.DataFrame, cat: Catalog) -> Keys:
    """What to read from the published data for this upload: its indicators and the references of their
    relative bounds; its places and every municipality (coverage); its years and the year before each.
    Only ids, codes and years the catalog knows are asked for (a damaged file cannot make the lists huge)."""
    known = df.filter(pl.col("indicator_id").is_in(list(cat.indicators))
                      & pl.col("municipality_code").is_in([*cat.municipality_codes(), PREFECTURE, NATIONAL])
                      & pl.col("fiscal_year").is_between(contract.FIRST_YEAR, contract.LAST_YEAR))
    ids = set(known["indicator_id"].unique().to_list())
    refs = {cat.indicators[i].max_ref for i in ids} - {None}
    codes = set(known["municipality_code"].unique().to_list())
    if any(cat.indicators[i].rollup != "none" for i in ids):
        codes |= set(cat.municipality_codes())
    if refs:
        codes |= set(cat.municipality_codes())  # the prefecture's reference is the sum of its municipalities
    years = {int(y) for y in known["fiscal_year"].unique().to_list()}
    return Keys(indicator_ids=sorted(ids | {r for r in refs if r}), municipality_codes=sorted(codes),
                fiscal_years=sorted(years | {y - 1 for y in years}))


def _reference_values(df: pl.DataFrame, cat: Catalog, pub: pl.DataFrame | None, refs: list[str]) -> pl.DataFrame:
    """(indicator_id, municipality_code, fiscal_year, _ref) for the reference indicators: the file's finite,
    non-negative values, else the published ones; for the prefecture, its own figure, else the sum of all its
    municipalities when every one of them has a value."""
    mine = df.filter(pl.col("indicator_id").is_in(refs) & pl.col("value").is_finite() & (pl.col("value") >= 0)
                     ).select(*contract.KEY, "value")
    if pub is not None:
        theirs = pub.filter(pl.col("indicator_id").is_in(refs)).join(mine, on=contract.KEY, how="anti")
        mine = pl.concat([mine, theirs.select(mine.columns)])
    munis = cat.municipality_codes()
    pref = (mine.filter(pl.col("municipality_code").is_in(munis)).group_by("indicator_id", "fiscal_year")
            .agg(pl.col("value").sum(), pl.col("municipality_code").n_unique().alias("_n"))
            .filter(pl.col("_n") == len(munis))
            .select("indicator_id", pl.lit(PREFECTURE).alias("municipality_code"), "fiscal_year", "value"))
    pref = pref.join(mine, on=contract.KEY, how="anti")
    return pl.concat([mine, pref.select(mine.columns)]).rename({"value": "_ref"})


def _relative_bounds(df: pl.DataFrame, cat: Catalog, col: _Collector, pub: pl.DataFrame | None) -> None:
    """value <= max_ref_ratio x the reference indicator at the same place and year (e.g. participants aged
    65+ <= the 65+ population). Without a reference value the absolute bounds still hold, and one warning
    per indicator says how many rows could not be checked against the reference."""
    bounded = {i.id: i for i in cat.indicators.values() if i.max_ref is not None}
    rows = df.filter(pl.col("indicator_id").is_in(list(bounded)) & pl.col("value").is_finite())
    if rows.is_empty():
        return
    inds = cat.indicators
    ref_of = pl.col("indicator_id").replace_strict({i: b.max_ref for i, b in bounded.items()}, return_dtype=pl.Utf8)
    ratio = pl.col("indicator_id").replace_strict({i: b.max_ref_ratio for i, b in bounded.items()},
                                                  return_dtype=pl.Float64)
    lo = pl.col("indicator_id").replace_strict({i: b.min_value for i, b in bounded.items()}, return_dtype=pl.Float64)
    hi = pl.col("indicator_id").replace_strict({i: b.max_value for i, b in bounded.items()}, return_dtype=pl.Float64)
    refs = _reference_values(df, cat, pub, sorted({b.max_ref for b in bounded.values() if b.max_ref}))
    rows = (rows.select("_row", *contract.KEY, "value", ref_of.alias("_ref_id"), ratio.alias("_ratio"),
                        lo.alias("_lo"), hi.alias("_hi"))
            # A value outside its absolute bounds is reported once, there.
            .filter((pl.col("_lo").is_null() | (pl.col("value") >= pl.col("_lo")))
                    & (pl.col("_hi").is_null() | (pl.col("value") <= pl.col("_hi"))))
            .join(refs.rename({"indicator_id": "_ref_id"}), on=["_ref_id", "municipality_code", "fiscal_year"],
                  how="left", maintain_order="left"))
    over = rows.filter(pl.col("_ref").is_not_null() & (pl.col("value") > pl.col("_ratio") * pl.col("_ref")))
    for r, i, x, ref_id, ratio_, ref in _capped(col, "above_reference", over.select(
            "_row", "indicator_id", "value", "_ref_id", "_ratio", "_ref")):
        ref_ind = inds[ref_id]
        times_ja = "" if ratio_ == 1 else f"の{_num(ratio_)}倍"
        times_en = "" if ratio_ == 1 else f"{_num(ratio_)} × "
        bound_ja = "" if ratio_ == 1 else f"{times_ja}（{_num(ratio_ * ref)}）"
        col.add("above_reference", f"「{inds[i].name_ja}」は同じ地域・年度の「{ref_ind.name_ja}」（{_num(ref)}）"
                f"{bound_ja}を超えられません。桁や地域・年度の誤りがないか確認してください。",
                f"“{inds[i].name_en}” cannot exceed {times_en}“{ref_ind.name_en}” ({_num(ref)}) of the same place "
                f"and year, i.e. {_num(ratio_ * ref)}. Check the digits, the place and the year.",
                row=r, column="value", value=x)
    missing = rows.filter(pl.col("_ref").is_null())
    for (i,), part in missing.group_by("indicator_id", maintain_order=True):
        first = part.row(0, named=True)
        ref_ind = inds[str(first["_ref_id"])]
        col.add("bound_reference_missing",
                f"「{inds[i].name_ja}」の{part.height:,}行（例：{first['municipality_code']} "
                f"{first['fiscal_year']}年度）は、"
                f"同じ地域・年度の「{ref_ind.name_ja}」がファイルにも公開済みデータにもないため、それに対する上限を"
                f"確かめられませんでした（固定の上限{_num(first['_hi'])}は確認済み）。",
                f"{part.height:,} row{'' if part.height == 1 else 's'} of “{inds[i].name_en}” "
                f"(e.g. {first['municipality_code']} FY"
                f"{first['fiscal_year']}) could not be checked against “{ref_ind.name_en}” of the same place and "
                f"year, which is neither in the file nor published (the fixed maximum {_num(first['_hi'])} was "
                "checked).", row=int(first["_row"]), column="value", value=first["value"], severity="warning")


COVERAGE_NAMES = 6  # missing municipalities named in a coverage warning before "... and N more"


def _coverage(df: pl.DataFrame, cat: Catalog, col: _Collector, pub: pl.DataFrame | None) -> None:
    """Warn when, after this upload, an (indicator, fiscal year) with municipal values would still lack some
    municipalities: their roll-ups (圏域, prefecture) would then be partial. Names the missing ones."""
    munis = cat.municipality_codes()
    rolled = [i.id for i in cat.indicators.values() if i.rollup != "none"]
    mine = df.filter(pl.col("indicator_id").is_in(rolled) & pl.col("municipality_code").is_in(munis))
    if mine.is_empty():
        return
    groups = mine.group_by("indicator_id", "fiscal_year", maintain_order=True).agg(
        pl.col("_row").min(), pl.col("municipality_code").unique().alias("_given"))
    have: dict[tuple[str, int], set[str]] = {}
    if pub is not None:
        seen = (pub.join(groups.select("indicator_id", "fiscal_year"), on=["indicator_id", "fiscal_year"])
                .filter(pl.col("municipality_code").is_in(munis))
                .group_by("indicator_id", "fiscal_year").agg(pl.col("municipality_code").unique()))
        have = {(i, int(y)): set(c) for i, y, c in seen.iter_rows()}
    for i, y, r, given in groups.iter_rows():
        covered = set(given) | have.get((i, int(y)), set())
        lack = [m for m in munis if m not in covered]
        if not lack:
            continue
        ind = cat.indicators[i]
        shown = lack[:COVERAGE_NAMES]
        more = len(lack) - len(shown)
        names_ja = "、".join(cat.place_name(m, "ja") for m in shown) + (f"ほか{more}市町村" if more else "")
        names_en = ", ".join(cat.place_name(m, "en") for m in shown) + (f" and {more} more" if more else "")
        n, total = len(munis) - len(lack), len(munis)
        col.add("coverage_partial",
                f"「{ind.name_ja}」{y}年度：このファイルと公開済みデータを合わせても{total}市町村中{n}市町村分しか"
                f"ありません（未報告：{names_ja}）。県・圏域の値は一部の市町村だけの集計（暫定）になります。",
                f"“{ind.name_en}” FY{y}: with this file and the published data, only {n} of {total} municipalities "
                f"report (missing: {names_en}). Prefecture and area figures would be partial (provisional).",
                row=int(r), column="municipality_code", value=f"{n}/{total}", severity="warning")


# ------------------------------------------------------------------------------ the reader process

def _status_kb(pid: int, field_name: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used, from /proc; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


DATA_SEGMENT_LIMIT = 6 * 2**30


def _reader_main(path: str, file_name: str, cat: Catalog, limits: Limits, out: str, conn: Any) -> None:
    """Child process: limit its own data segment, read and check the file, hand back the result and frame."""
    import resource

    # A hard backstop against allocations faster than the parent's watch on resident memory (every 20 ms). The
    # data segment also counts what the allocators reserve without touching (DuckDB, Polars' threads: well over
    # 1 GB for a valid 2M-row file using 600 MB), so this bound is much wider than the resident one.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (DATA_SEGMENT_LIMIT, DATA_SEGMENT_LIMIT))
    conn.send("started")  # the parent's clock starts now, not while the fork server is still starting
    t0 = time.perf_counter()
    data = Path(path).read_bytes()
    result, df = _read_checked(data, file_name, cat, limits)
    del data
    if df is not None:
        df.write_ipc(out)
    result.reader["seconds"] = time.perf_counter() - t0
    conn.send((result, df is not None))
    conn.close()


_CTX: Any = None
_STARTING = threading.local()


def _context() -> Any:
    """A forkserver context: children fork from a small server that has imported this module (~0.1 s each),
    never from the (threaded) Streamlit or test process. Our children do not re-run the parent's main script
    (multiprocessing would, e.g. the `streamlit` or `pytest` launcher): they need nothing from it."""
    global _CTX
    if _CTX is None:
        import multiprocessing
        from multiprocessing import spawn

        original = spawn.get_preparation_data

        def preparation(name: str) -> dict[str, Any]:
            d = dict(original(name))
            if getattr(_STARTING, "reader", False):
                d.pop("init_main_from_path", None)
                d.pop("init_main_from_name", None)
            return d

        spawn.get_preparation_data = preparation  # type: ignore[assignment]
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["dashboard.validate", "openpyxl", "pyarrow.parquet"])
        _CTX = ctx
    return _CTX


def _read_isolated(data: bytes, file_name: str, cat: Catalog, limits: Limits) -> tuple[Result, pl.DataFrame | None]:
    """_read_checked in a child process, stopped when its memory passes limits.process_memory or it runs longer
    than limits.seconds; either way the file gets a sentence in both languages."""
    ctx = _context()
    with tempfile.TemporaryDirectory(prefix="gunma-reader-") as tmp:
        src, out = Path(tmp) / "upload.bin", Path(tmp) / "frame.arrow"
        src.write_bytes(data)
        here, there = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_reader_main, args=(str(src), file_name, cat, limits, str(out), there),
                           daemon=True)
        t0 = time.perf_counter()
        _STARTING.reader = True
        try:
            proc.start()
        finally:
            _STARTING.reader = False
        there.close()
        peak_kb, why, got, cpu0 = 0, None, None, 0.0
        # The reader stops itself before limits.seconds (DuckDB interrupt, the xlsx loop); this is the backstop.
        # Until the child says it started, the (first) start of the fork server may take a while.
        deadline, started = t0 + 120.0, False
        try:
            while True:
                if here.poll(0.02):
                    try:
                        msg = here.recv()
                    except EOFError:  # the child died without an answer
                        why = "died"
                        break
                    if msg == "started" and not started:
                        started, t0 = True, time.perf_counter()
                        deadline = t0 + limits.seconds * limits.wall_factor
                        cpu0 = _cpu_seconds(proc.pid)
                        continue
                    got = msg
                    break
                rss = _status_kb(proc.pid, "VmRSS") or 0
                peak_kb = max(peak_kb, _status_kb(proc.pid, "VmHWM") or 0, rss)
                if rss * 1024 > limits.process_memory:
                    why = "memory"
                    break
                if time.perf_counter() > deadline or (started and _cpu_seconds(proc.pid) - cpu0 > limits.seconds + 1):
                    why = "time"
                    break
                if not proc.is_alive() and not here.poll(0):
                    why = "died"
                    break
            peak_kb = max(peak_kb, _status_kb(proc.pid, "VmHWM") or 0)
        finally:
            if proc.is_alive() and got is None:
                proc.kill()
            proc.join(5)
            here.close()
        seconds = time.perf_counter() - t0
        if got is not None:
            result, has_frame = got
            df = pl.read_ipc(out).rechunk() if has_frame else None
        else:
            result, df = Result(file_name=file_name, file_format=None, rows=0), None
            c = _Collector(result, limits, None)
            if why == "time":
                c.add("time_limit", f"読み込みと検査が制限時間（{limits.seconds:g}秒）を超えたため中止しました。"
                      "ファイルを分けるか、CSVかParquetで保存し直してください。",
                      f"Reading and checking took longer than the limit ({limits.seconds:g} s) and was stopped. "
                      "Split the file, or save it as CSV or Parquet.")
            elif why == "memory":
                c.add("memory_limit", f"読み込みに必要なメモリが上限（{_fmt_size(limits.process_memory)}）を超えたため"
                      "中止しました。展開すると非常に大きくなるファイルです。ファイルを分けるか、内容を確認してください。",
                      f"Reading needed more memory than the limit ({_fmt_size(limits.process_memory)}) and was "
                      "stopped: the file expands to a very large size. Split the file or check its content.")
            else:
                c.add("reader_failed", "ファイルの読み取り処理が途中で止まりました（メモリ上限に達したか、"
                      "読み取れない内容です）。ファイルを書き出し直すか、内容を確認してください。",
                      "The file reader stopped part-way (it reached its memory limit or met content it cannot "
                      "read). Export the file again or check its content.")
        result.reader.update({"seconds": seconds, "peak_mb": peak_kb / 1024})
        return result, df


# ------------------------------------------------------------------------------ entry point

def validate_bytes(data: bytes, file_name: str, cat: Catalog, *, published: Published = None,
                   limits: Limits | None = None) -> Result:
    """Validate an uploaded file; never raises (an unexpected failure is itself a reported problem).

    The file is read and checked row by row in a separate process with memory and time limits
    (`Limits.isolate`); bounds relative to other values, coverage and the warnings are then checked here.
    `published` (indicator_id, municipality_code, fiscal_year, value) is the current as-of data, or
    a function given the upload's `Keys` returning the as-of rows within them (called once, when the file
    could be read); it gives the reference values of relative bounds (e.g. the 65+ population), which
    municipalities are already published (coverage), and the values large jumps and revisions compare with.
    """
    limits = limits or Limits()
    result = Result(file_name=file_name, file_format=None, rows=0)
    try:
        if limits.isolate and data and len(data) <= limits.max_bytes:
            result, df = _read_isolated(data, file_name, cat, limits)
        else:
            result, df = _read_checked(data, file_name, cat, limits)
        if df is not None:
            col = _Collector(result, limits, None if result.file_format == "parquet" else 1)
            pub = published(_keys(df, cat)) if callable(published) else published
            if pub is not None:
                pub = pub.select(*contract.KEY, "value").cast({"fiscal_year": pl.Int64, "value": pl.Float64})
            df = df.with_columns(pl.col("fiscal_year").cast(pl.Int64))
            _relative_bounds(df, cat, col, pub)
            if not result.errors:
                _coverage(df, cat, col, pub)
                _warnings(df, cat, col, pub)
                cols = [c for c in contract.COLUMNS if c in df.columns]
                result.frame = df.select(cols).cast({c: contract.SCHEMA[c] for c in cols})  # type: ignore[arg-type]
    except Exception:  # the last line of defence: a bilingual sentence, never a library's message
        result.frame = None
        _Collector(result, limits, None).add(
            "internal_error", "検査の途中で予期しない問題が起きたため、このファイルは公開できません。"
            "ファイルの内容を確認し、解決しない場合は担当者に連絡してください。",
            "An unexpected problem stopped the check, so this file cannot be published. Check the file; "
            "if that does not help, contact the maintainers.")
    # File-level problems first, then by row, so a person can work down the file.
    result.errors.sort(key=lambda p: (p.row or 0))
    result.warnings.sort(key=lambda p: (p.row or 0))
    return result


def _read_checked(data: bytes, file_name: str, cat: Catalog, limits: Limits) -> tuple[Result, pl.DataFrame | None]:
    """Read the file and apply the rules that need nothing but the file and the catalog.

    Returns the result so far and the checked frame (`_row` plus the contract columns present), or None
    when the file could not be read or lacks a required column."""
    result = Result(file_name=file_name, file_format=None, rows=0)
    ext = Path(file_name).suffix.lower()
    col = _Collector(result, limits, None)
    try:
        if not data:
            col.add("empty_file", "ファイルが空です（0バイト）。", "The file is empty (0 bytes).")
            raise _Stop
        if len(data) > limits.max_bytes:
            col.add("too_large", f"ファイルが大きすぎます（{_fmt_size(len(data))}、上限{_fmt_size(limits.max_bytes)}）"
                                 "。"
                    "ファイルを分けてください。", f"The file is too large ({_fmt_size(len(data))}; the limit is "
                    f"{_fmt_size(limits.max_bytes)}). Split the file.", value=len(data))
            raise _Stop
        looks = sniff(data)
        fmt = _format_for(ext, looks, col)
        result.file_format = fmt
        if fmt == "parquet":
            raw = _read_parquet(data, col, limits)
        elif fmt == "csv":
            col.line_offset = 1
            raw = _read_csv(data, col, limits)
        else:
            col.line_offset = 1
            raw = _read_xlsx(data, col, limits)
        result.rows = raw.height
        if raw.height == 0:
            col.add("no_rows", "データ行がありません。", "The file has no data rows.")
            raise _Stop
        present = _columns(raw, col, fmt)
        df = _coerce(raw, present, col)
        del raw  # the coerced frame replaces it
        df = _row_rules(df, cat, col, limits, fmt)
        if df.height == 0 and not result.errors:
            col.add("no_rows", "値の入った行がありません。", "No row has a value.")
    except _Stop:
        return result, None
    if not set(contract.REQUIRED) <= set(df.columns):
        return result, None
    return result, df.select("_row", *[c for c in contract.COLUMNS if c in df.columns])
def _format_for(ext: str, looks: str, col: _Collector) -> str:
    """The format to read, from the name and the content; a mismatch is an error of its own."""
    want = EXTENSIONS.get(ext)
    if ext == ".xls" or (want is None and looks == "xls"):
        col.add("unsupported_type", "古いExcel形式（.xls）は読めません。Excelで「.xlsx」形式で保存し直してください。",
                "Old Excel files (.xls) are not supported. Save the workbook as .xlsx in Excel.", value=ext)
        raise _Stop
    if want is None:
        col.add("unsupported_type", "対応していないファイル形式です。Parquet（.parquet）、CSV（.csv）、Excel（.xlsx）の"
                "いずれかにしてください。",
                "Unsupported file type. Use Parquet (.parquet), CSV (.csv) or Excel (.xlsx).",
                value=ext or "(no extension)")
        raise _Stop
    ja, en = LOOKS[looks]
    if want == "parquet" and looks != "parquet":
        if looks == "parquet_truncated":
            col.add("parquet_truncated", "Parquetファイルが途中で切れているか壊れています"
                    "（末尾の目印「PAR1」がありません）。"
                    "もう一度書き出してアップロードしてください。", "The Parquet file is truncated or damaged (its "
                    "closing “PAR1” marker is missing). Export and upload it again.")
        else:
            col.add("not_parquet", f"拡張子は .parquet ですが、中身はParquetではありません（{ja}のようです）。"
                    "正しい形式で保存するか、拡張子を直してください。", f"The name ends in .parquet but the content is "
                    f"not Parquet (it looks like {en}). Save it in the right format or fix the extension.")
        raise _Stop
    if want == "csv" and looks != "csv":
        col.add("not_csv", f"拡張子は {ext} ですが、中身はCSV（テキスト）ではありません（{ja}のようです）。",
                f"The name ends in {ext} but the content is not CSV text (it looks like {en}).")
        raise _Stop
    if want == "xlsx" and looks != "xlsx":
        col.add("not_xlsx", f"拡張子は .xlsx ですが、中身はExcelブックではありません（{ja}のようです）。",
                f"The name ends in .xlsx but the content is not an Excel workbook (it looks like {en}).")
        raise _Stop
    return want


def validate_file(path: Path, cat: Catalog, *, published: Published = None,
                  limits: Limits | None = None) -> Result:
    """Validate a file on disk (the CLI); its size is checked before it is read."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size > limits.max_bytes:
        result = Result(file_name=path.name, file_format=None, rows=0)
        _Collector(result, limits, None).add(
            "too_large", f"ファイルが大きすぎます（{_fmt_size(size)}、上限{_fmt_size(limits.max_bytes)}）。"
                         "ファイルを分けてください。",
            f"The file is too large ({_fmt_size(size)}; the limit is {_fmt_size(limits.max_bytes)}). Split the file.",
            value=size)
        return result
    return validate_bytes(path.read_bytes(), path.name, cat, published=published, limits=limits)
