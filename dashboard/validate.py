"""Validation of an uploaded snapshot file (Parquet, CSV or .xlsx) against the data contract.

Pure: no Streamlit. The file is untrusted, so it is read in a bounded way:
- size is capped before anything else, and the kind of file is told from its first bytes
  (magic numbers), not from its name;
- Parquet: the footer is read first (pyarrow) and the row count and uncompressed size are capped
  *before* any data is read; the data is then read by a separate DuckDB connection with its own
  memory limit, one thread, no spilling to disk and a time limit (Polars is never pointed at the
  untrusted bytes: it can panic on damaged files);
- CSV: decoded in Python (UTF-8, or Shift_JIS as Excel in Japan saves it), then read by the same
  bounded DuckDB connection with a fixed dialect;
- .xlsx: the zip directory is checked for decompression bombs, then openpyxl streams rows up to
  the row limit.

Every problem is reported at once as a `Problem` record naming the row, column, value and rule,
with a message in Japanese and English. Warnings do not block publishing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import tempfile
import threading
import zipfile
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
    memory_limit: str = "512MB"  # the validation DuckDB connection
    seconds: float = 60.0  # reading time before the DuckDB query is interrupted
    max_per_rule: int = 1000  # problem records kept per rule (counts are always complete)
    note_max_chars: int = 2000


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
    """The published data an upload can be compared with: its indicators, its places, and its fiscal
    years plus the year before each (large revisions compare the same key, large jumps the year before)."""

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
    timer = threading.Timer(seconds, con.interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


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
        except duckdb.OutOfMemoryException as e:
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


def _first_line(msg: str) -> str:
    return msg.strip().splitlines()[0][:300] if msg.strip() else ""


def _read_parquet(data: bytes, col: _Collector, limits: Limits) -> pl.DataFrame:
    import pyarrow.parquet as pq  # footer only: cheap and bounded by the file size

    try:
        md = pq.ParquetFile(io.BytesIO(data)).metadata
        num_rows, num_cols = md.num_rows, md.num_columns
        declared = sum(md.row_group(i).total_byte_size for i in range(md.num_row_groups))
    except Exception as e:  # pyarrow raises several types for damaged footers
        col.add("parquet_unreadable", f"Parquetファイルとして読めません（{_first_line(str(e))}）。"
                                      "書き出し直してください。",
                f"Cannot read the file as Parquet ({_first_line(str(e))}). Export it again.")
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
    with tempfile.TemporaryDirectory(prefix="gunma-upload-") as tmp:
        path = Path(tmp) / "upload.parquet"
        path.write_bytes(data)
        try:
            return _run_bounded(col, limits, "validate_read_parquet", path=str(path))
        except duckdb.Error as e:
            col.add("parquet_unreadable", f"Parquetファイルのデータ部分が読めません（{_first_line(str(e))}）。",
                    f"The Parquet file's data cannot be read ({_first_line(str(e))}).")
            raise _Stop from e


def _read_csv(data: bytes, col: _Collector, limits: Limits) -> pl.DataFrame:
    text = _decode(data)
    if text is None:
        col.add("csv_encoding", "CSVの文字コードを読み取れません。UTF-8（またはShift_JIS）で保存してください。",
                "Cannot decode the CSV text. Save it as UTF-8 (or Shift_JIS).")
        raise _Stop
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), []) if lines else []
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
            detail = " / ".join(x.strip() for x in str(e).splitlines() if "Expected" in x or "Found" in x)[:200]
            m = re.search(r"[Ll]ine:?\s*(\d+)", str(e))
            where_ja = f"ファイルの{m.group(1)}行目付近、" if m else ""
            where_en = f"near line {m.group(1)}: " if m else ""
            col.add("csv_malformed", f"CSVの形が崩れています（{where_ja}列の数が見出しと合わない、"
                                     f"引用符が閉じていない等）。{detail}",
                    f"The CSV is malformed ({where_en}a row with more or fewer fields than the header, or an "
                    f"unclosed quote). {detail}")
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
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for damaged workbooks
        col.add("xlsx_unreadable", f"Excelブックとして読めません（{_first_line(str(e)) or type(e).__name__}）。",
                f"Cannot read the Excel workbook ({_first_line(str(e)) or type(e).__name__}).")
        raise _Stop from e
    try:
        ws = wb["data"] if "data" in wb.sheetnames else wb.worksheets[0]
        rows: list[list[str | None]] = []
        header: list[str] = []
        for i, r in enumerate(ws.iter_rows(values_only=True)):
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
        col.add("xlsx_unreadable", f"Excelシートを読めません（{_first_line(str(e)) or type(e).__name__}）。",
                f"Cannot read the Excel sheet ({_first_line(str(e)) or type(e).__name__}).")
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
    kinds, maxes = _kind_maps(cat)
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
            # One mask per kind rather than a kind column on a copy of the frame.
            def kind(k: str) -> pl.Expr:
                return val.is_finite() & pl.col("indicator_id").is_in([i for i, v in kinds.items() if v == k])

            negs = df.filter(kind("count") & (val < 0)).select("_row", "value")
            for r, x in _capped(col, "negative_count", negs):
                col.add("negative_count", "人数・件数の指標に負の値は使えません。", "A count cannot be negative.",
                        row=r, column="value", value=x)
            rates = df.filter(kind("rate") & ~val.is_between(0, 100))
            for r, x in _capped(col, "rate_range", rates.select("_row", "value")):
                col.add("rate_range", "率（%）は0～100の範囲で入力してください（例：6.1%は6.1）。",
                        "A rate (%) must be between 0 and 100 (e.g. 6.1% is 6.1).", row=r, column="value", value=x)
            mx_ = pl.col("indicator_id").replace_strict(maxes, default=None, return_dtype=pl.Float64).alias("_max")
            sc = df.filter(kind("score")).select("_row", "value", mx_).filter((val < 0) | (val > pl.col("_max")))
            for r, x, mx in _capped(col, "score_range", sc):
                col.add("score_range", f"点数が0～満点（{mx:,.0f}点）の範囲外です。",
                        f"The score is outside 0 to the maximum ({mx:,.0f} points).", row=r, column="value", value=x)
            for r, x in df.filter(kind("flag") & ~val.is_in([0.0, 1.0])
                                  & (pl.col("municipality_code") != PREFECTURE if "municipality_code" in df.columns
                                     else pl.lit(True))).select("_row", "value").iter_rows():
                col.add("flag_value", "実施の有無は0（なし）か1（あり）で入力してください。",
                        "A yes/no flag must be 0 (no) or 1 (yes).", row=r, column="value", value=x)
    if "note" in df.columns:
        long = df.filter(pl.col("note").str.len_chars() > limits.note_max_chars)
        for r, x in _capped(col, "note_too_long", long.select("_row", "note")):
            col.add("note_too_long", f"備考が長すぎます（上限{limits.note_max_chars:,}文字）。",
                    f"The note is too long (limit {limits.note_max_chars:,} characters).",
                    row=r, column="note", value=x)
    return df.filter(~skip)


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


# ------------------------------------------------------------------------------ entry point

def validate_bytes(data: bytes, file_name: str, cat: Catalog, *, published: Published = None,
                   limits: Limits | None = None) -> Result:
    """Validate an uploaded file.

    `published` (indicator_id, municipality_code, fiscal_year, value) is the current as-of data, or
    a function given the upload's `Keys` returning the as-of rows within them (called only when the
    file has no errors); it is used only for warnings about large jumps and revisions.
    """
    limits = limits or Limits()
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
        df = _row_rules(df, cat, col, limits, fmt)
        if df.height == 0 and not result.errors:
            col.add("no_rows", "値の入った行がありません。", "No row has a value.")
        if not result.errors:
            _warnings(df, cat, col, published(Keys.of(df)) if callable(published) else published)
            cols = [c for c in contract.COLUMNS if c in df.columns]
            result.frame = df.select(cols).cast({c: contract.SCHEMA[c] for c in cols})  # type: ignore[arg-type]
    except _Stop:
        pass
    # File-level problems first, then by row, so a person can work down the file.
    result.errors.sort(key=lambda p: (p.row or 0))
    result.warnings.sort(key=lambda p: (p.row or 0))
    return result


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
