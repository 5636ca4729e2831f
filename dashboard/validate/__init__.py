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

Modules: model (Limits, Problem, Result, Keys), messages (rule labels, the problem collector), readers
(sniffing and bounded reading), rules (errors), warnings, check (what the reader process runs), process
(the bounded child process); this module is the entry point (validate_bytes, validate_file).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboard import contract
from dashboard.catalog import Catalog
from dashboard.validate.check import _read_checked
from dashboard.validate.collect import _Collector, _fmt_size
from dashboard.validate.messages import RULE_LABELS
from dashboard.validate.model import EXTENSIONS, IGNORED_COLUMNS, Keys, Limits, Problem, Published, Result
from dashboard.validate.process import _read_isolated
from dashboard.validate.readers import sniff
from dashboard.validate.rules import _keys, _relative_bounds
from dashboard.validate.warnings import _coverage, _warnings

__all__ = ['EXTENSIONS', 'IGNORED_COLUMNS', 'RULE_LABELS', 'Keys', 'Limits', 'Problem', 'Published', 'Result', 'sniff',
           'validate_bytes', 'validate_file']


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
            "internal_error", "internal_error", {})
    # File-level problems first, then by row, so a person can work down the file.
    result.errors.sort(key=lambda p: (p.row or 0))
    result.warnings.sort(key=lambda p: (p.row or 0))
    return result


def validate_file(path: Path, cat: Catalog, *, published: Published = None,
                  limits: Limits | None = None) -> Result:
    """Validate a file on disk (the CLI); its size is checked before it is read."""
    limits = limits or Limits()
    size = path.stat().st_size
    if size > limits.max_bytes:
        result = Result(file_name=path.name, file_format=None, rows=0)
        _Collector(result, limits, None).add(
            "too_large", "too_large", {"size": _fmt_size(size),
                                       "limit_size": _fmt_size(limits.max_bytes)},
            value=size)
        return result
    return validate_bytes(path.read_bytes(), path.name, cat, published=published, limits=limits)
