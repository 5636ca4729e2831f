"""What the reader process runs: read the file and apply the rules that need only the file and the catalog."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboard import contract
from dashboard.catalog import Catalog
from dashboard.validate.collect import _Collector, _fmt_size, _Stop
from dashboard.validate.messages import Phrase
from dashboard.validate.model import EXTENSIONS, Limits, Result
from dashboard.validate.readers import LOOKS, _read_csv, _read_parquet, _read_xlsx, sniff
from dashboard.validate.rules import _coerce, _columns, _row_rules


def _read_checked(data: bytes, file_name: str, cat: Catalog, limits: Limits) -> tuple[Result, pl.DataFrame | None]:
    """Read the file and apply the rules that need nothing but the file and the catalog.

    Returns the result so far and the checked frame (`_row` plus the contract columns present), or None
    when the file could not be read or lacks a required column."""
    result = Result(file_name=file_name, file_format=None, rows=0)
    ext = Path(file_name).suffix.lower()
    col = _Collector(result, limits, None)
    try:
        if not data:
            col.add("empty_file", "empty_file", {})
            raise _Stop
        if len(data) > limits.max_bytes:
            col.add("too_large", "too_large_2", {"size": _fmt_size(len(data)),
                                                 "limit_size": _fmt_size(limits.max_bytes)},
                    value=len(data))
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
            col.add("no_rows", "no_rows", {})
            raise _Stop
        present = _columns(raw, col, fmt)
        df = _coerce(raw, present, col)
        del raw  # the coerced frame replaces it
        df = _row_rules(df, cat, col, limits, fmt)
        if df.height == 0 and not result.errors:
            col.add("no_rows", "no_rows_2", {})
    except _Stop:
        return result, None
    if not set(contract.REQUIRED) <= set(df.columns):
        return result, None
    return result, df.select("_row", *[c for c in contract.COLUMNS if c in df.columns])
def _format_for(ext: str, looks: str, col: _Collector) -> str:
    """The format to read, from the name and the content; a mismatch is an error of its own."""
    want = EXTENSIONS.get(ext)
    if ext == ".xls" or (want is None and looks == "xls"):
        col.add("unsupported_type", "unsupported_type", {}, value=ext)
        raise _Stop
    if want is None:
        col.add("unsupported_type", "unsupported_type_2", {},
                value=ext or "(no extension)")
        raise _Stop
    looks_like = Phrase(LOOKS[looks])
    if want == "parquet" and looks != "parquet":
        if looks == "parquet_truncated":
            col.add("parquet_truncated", "parquet_truncated", {})
        else:
            col.add("not_parquet", "not_parquet", {"looks": looks_like})
        raise _Stop
    if want == "csv" and looks != "csv":
        col.add("not_csv", "not_csv", {"ext": ext, "looks": looks_like})
        raise _Stop
    if want == "xlsx" and looks != "xlsx":
        col.add("not_xlsx", "not_xlsx", {"looks": looks_like})
        raise _Stop
    return want
