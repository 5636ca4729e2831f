"""Reading an untrusted file within limits: sniffing, the bounded DuckDB runner, Parquet, CSV and .xlsx."""

from __future__ import annotations

import contextlib
import csv
import io
import math
import re
import tempfile
import threading
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dashboard import db
from dashboard.i18n import N_
from dashboard.validate.collect import _Collector, _fmt_size, _Stop
from dashboard.validate.messages import Phrase
from dashboard.validate.model import Limits

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


LOOKS = {"parquet": N_("val_looks_parquet"), "parquet_truncated": N_("val_looks_parquet_truncated"),
         "xlsx": N_("val_looks_xlsx"), "zip": N_("val_looks_zip"), "xls": N_("val_looks_xls"),
         "csv": N_("val_looks_csv"), "binary": N_("val_looks_binary")}


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
    every = min(0.05, seconds / 5)  # a short limit is checked often enough to be met

    def watch() -> None:
        while not done.wait(every):
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
            "decompression_bomb", {"size": _fmt_size(size),
                                   "limit_size": _fmt_size(limits.max_uncompressed)})


def _run_bounded(col: _Collector, limits: Limits, query: str, **params: Any) -> pl.DataFrame:
    """Run a validate_read_* query in a private bounded connection, streaming Arrow batches and
    stopping once the decoded data passes max_uncompressed (DuckDB can hold repeated strings
    compactly; the copy handed to Python is where a dictionary bomb would explode)."""
    import pyarrow as pa

    q = db.checked(query, params)  # the runner's own check: the declared $params, no more, no fewer
    with tempfile.TemporaryDirectory(prefix="gunma-validate-") as tmp:
        con = _connection(limits, tmp)
        try:
            with _deadline(con, limits.seconds):
                cur = con.cursor()
                db.prepare(cur, q)
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
            col.add("memory_limit", "memory_limit_2", {"limits_memory_limit": limits.memory_limit})
            raise _Stop from e
        except duckdb.InterruptException as e:
            col.add("time_limit", "time_limit_2", {"limits_seconds": limits.seconds})
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
        col.add("parquet_unreadable", "parquet_unreadable", {})
        raise _Stop from e
    if num_rows > limits.max_rows:
        col.add("too_many_rows", "too_many_rows", {"num_rows": num_rows,
                                                   "limits_max_rows": limits.max_rows}, value=num_rows)
        raise _Stop
    if num_cols > limits.max_columns:
        col.add("too_many_columns", "too_many_columns", {"num_cols": num_cols,
                                                         "limits_max_columns": limits.max_columns}, value=num_cols)
        raise _Stop
    if declared > limits.max_uncompressed:
        _bomb(col, limits, declared)
        raise _Stop
    try:
        expanded = _parquet_expanded_bytes(data)
    except Exception as e:  # pyarrow raises several types for damaged pages
        col.add("parquet_unreadable", "parquet_unreadable_2", {})
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
            col.add("parquet_unreadable", "parquet_unreadable_3", {})
            raise _Stop from e


def _read_csv(data: bytes, col: _Collector, limits: Limits) -> pl.DataFrame:
    text = _decode(data)
    if text is None:
        col.add("csv_encoding", "csv_encoding", {})
        raise _Stop
    lines = text.split("\n")
    too_long = max(map(len, lines), default=0) > limits.max_line_chars
    if too_long:
        n = next(i for i, line in enumerate(lines) if len(line) > limits.max_line_chars)
        where = Phrase(N_("val_where_header_line")) if n == 0 else Phrase(N_("val_where_file_line"), line=n + 1)
        col.add("csv_line_too_long", "csv_line_too_long", {"where": where, "line_chars": len(lines[n]),
                                                           "limits_max_line_chars": limits.max_line_chars})
        raise _Stop
    header = next(csv.reader([lines[0].rstrip("\r")]), []) if lines else []
    if not [h for h in header if h.strip()]:
        col.add("no_rows", "no_rows_3", {})
        raise _Stop
    names = _unique_names([h.strip() for h in header])
    _check_header([h.strip() for h in header], col, limits)
    if not any(line.strip() for line in lines[1:]):
        col.add("no_rows", "no_rows_4", {})
        raise _Stop
    n_lines = text.count("\n") + 1
    if n_lines > limits.max_rows + 2:
        col.add("too_many_rows", "too_many_rows_2", {"n_lines": n_lines, "limits_max_rows": limits.max_rows})
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
            detail = Phrase(N_("val_detail_fields"), header=int(counts.group(1)),
                            found=int(counts.group(2))) if counts else ""
            m = re.search(r"[Ll]ine:?\s*(\d+)", str(e))
            near: Phrase | str = Phrase(N_("val_where_near_line"), line=int(m.group(1))) if m else ""
            col.add("csv_malformed", "csv_malformed", {"where": near, "detail": detail})
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
    _check_xlsx_size(data, col, limits)
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for damaged workbooks
        col.add("xlsx_unreadable", "xlsx_unreadable_3", {})
        raise _Stop from e
    try:
        header, rows = _xlsx_rows(wb["data"] if "data" in wb.sheetnames else wb.worksheets[0], col, limits)
    except _Stop:
        raise
    except Exception as e:
        col.add("xlsx_unreadable", "xlsx_unreadable_4", {})
        raise _Stop from e
    finally:
        wb.close()
    return _xlsx_frame(header, rows, col, limits)


def _check_xlsx_size(data: bytes, col: _Collector, limits: Limits) -> None:
    """Stop before openpyxl parses a workbook whose declared size or actual cell count is past the limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            declared = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        col.add("xlsx_unreadable", "xlsx_unreadable", {})
        raise _Stop from e
    if declared > limits.max_uncompressed:
        col.add("decompression_bomb",
                "decompression_bomb_2", {"declared_size": _fmt_size(declared),
                                         "limit_size": _fmt_size(limits.max_uncompressed)})
        raise _Stop
    try:
        n_cells = _xlsx_cells(data, limits.max_xlsx_cells)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as e:
        col.add("xlsx_unreadable", "xlsx_unreadable_2", {})
        raise _Stop from e
    if n_cells > limits.max_xlsx_cells:
        col.add("xlsx_too_many_cells", "xlsx_too_many_cells", {"limits_max_xlsx_cells": limits.max_xlsx_cells,
                                                               "n_cells": n_cells}, value=n_cells)
        raise _Stop


def _xlsx_rows(ws: Any, col: _Collector, limits: Limits) -> tuple[list[str], list[list[str | None]]]:
    """The sheet's header (trailing blanks dropped) and its rows as text, cut or padded to the header's width."""
    rows: list[list[str | None]] = []
    header: list[str] = []
    stop_at = time.process_time() + limits.seconds * 0.8  # a sentence of our own before the process is stopped
    for i, r in enumerate(ws.iter_rows(values_only=True)):
        if i % 256 == 0 and time.process_time() > stop_at:
            col.add("time_limit", "time_limit_3", {"limits_seconds": limits.seconds})
            raise _Stop
        cells = [_cell_text(v) for v in r]
        if i == 0:
            header = [(c or "").strip() for c in cells]
            while header and not header[-1]:
                header.pop()
            continue
        if len(rows) >= limits.max_xlsx_rows:
            col.add("too_many_rows", "too_many_rows_3", {"limits_max_xlsx_rows": limits.max_xlsx_rows})
            raise _Stop
        rows.append(cells[: len(header)] + [None] * (len(header) - len(cells)))
    return header, rows


def _xlsx_frame(header: list[str], rows: list[list[str | None]], col: _Collector, limits: Limits) -> pl.DataFrame:
    """The text frame of a read sheet, once its header is checked and its trailing blank rows dropped."""
    if not [h for h in header if h]:
        col.add("no_rows", "no_rows_5", {})
        raise _Stop
    _check_header(header, col, limits)
    while rows and all(c is None for c in rows[-1]):
        rows.pop()
    if not rows:
        col.add("no_rows", "no_rows_6", {})
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
        col.add("too_many_columns", "too_many_columns_2", {"len_header": len(header),
                                                           "limits_max_columns": limits.max_columns})
        raise _Stop
    for name, n in Counter(header).items():
        if n > 1 and name:
            col.add("duplicate_column", "duplicate_column", {"n": n}, column=name)
