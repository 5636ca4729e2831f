"""The snapshot data contract: columns, types and the canonical Parquet encoding."""

from __future__ import annotations

import io

import polars as pl

REQUIRED = {"indicator_id": pl.Utf8, "municipality_code": pl.Utf8, "fiscal_year": pl.Int32,
            "value": pl.Float64}
OPTIONAL = {"note": pl.Utf8}
COLUMNS = [*REQUIRED, *OPTIONAL]
SCHEMA = {**REQUIRED, **OPTIONAL}
KEY = ["indicator_id", "municipality_code", "fiscal_year"]
FIRST_YEAR, LAST_YEAR = 2000, 2040  # fiscal years accepted in a snapshot


def to_parquet_bytes(df: pl.DataFrame) -> bytes:
    """Encode a contract frame as Parquet (zstd, sorted by key) for publishing."""
    cols = [c for c in COLUMNS if c in df.columns]
    out = df.select(cols).cast({c: SCHEMA[c] for c in cols}).sort(KEY)  # type: ignore[arg-type]
    buf = io.BytesIO()
    out.write_parquet(buf, compression="zstd", statistics=True)
    return buf.getvalue()
