"""Hostile files: Parquet, CSV and .xlsx files built by hypothesis strategies (odd types, huge or repeated
text, extreme numbers, ragged rows, damaged bytes) through the validator with its reader process.

Every file must come back as a Result (valid, or with errors under known rules and messages in both
languages), never an exception; the reader process reports the time and peak memory it used, and both stay
within the limits (the process is stopped at the limits, so this checks that the stop works, not a speed).
"""

from __future__ import annotations

import io
import math

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.catalog import load_catalog
from dashboard.validate import RULE_LABELS, Limits, validate_bytes

CAT = load_catalog()
LIMITS = Limits()
IDS = sorted(CAT.indicators)
CODES = [*CAT.municipality_codes(), "10000", "00000"]

text_cells = st.one_of(st.sampled_from(IDS), st.sampled_from(CODES), st.text(max_size=30), st.none(),
                       st.builds(lambda c, n: c * n, st.sampled_from(["x", "群", ",", '"', "\n"]),
                                 st.integers(0, 5000)))
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**63), 2**63 - 1),
                    st.sampled_from([1e308, -1e308, 2.0**64 - 1, 1.2e19, 13.5, -5.0, 40.0, 0.0, 1.0]))


@st.composite
def frames(draw: st.DrawFn) -> dict[str, list[object]]:
    """Columns named like the contract (sometimes renamed, dropped or doubled) with text or numbers."""
    n = draw(st.integers(0, 40))
    names = draw(st.lists(st.sampled_from(["indicator_id", "municipality_code", "fiscal_year", "value", "note",
                                           "memo", "indicator_name", ""]), min_size=1, max_size=7))
    out: dict[str, list[object]] = {}
    for i, name in enumerate(names):
        key = name if name not in out else f"{name}_{i}"
        numeric = name in ("fiscal_year", "value") and draw(st.booleans())
        if name == "fiscal_year" and numeric:
            cells = st.one_of(st.integers(1990, 2050), st.none())
        else:
            cells = numbers if numeric else text_cells
        out[key] = draw(st.lists(cells, min_size=n, max_size=n))
    return out


def _damage(data: bytes, draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["none", "none", "cut", "flip", "insert"]))
    if how == "none" or not data:
        return data
    # A fraction, not an index: the file's length may vary between runs (openpyxl stamps the time).
    at = min(len(data) - 1, int(draw(st.floats(0, 1)) * len(data)))
    if how == "cut":
        return data[:at]
    if how == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]


@st.composite
def parquet_files(draw: st.DrawFn) -> bytes:
    """Parquet from pyarrow: numbers as float64, int64, uint64 or decimal; text plain or dictionary-encoded."""
    cols = draw(frames())
    arrays = {}
    for name, values in cols.items():
        if all(v is None or isinstance(v, str) for v in values):
            arr = pa.array(values, pa.string())
            arrays[name] = arr.dictionary_encode() if draw(st.booleans()) else arr
        else:
            kind = draw(st.sampled_from(["float64", "int64", "uint64", "decimal"]))
            nums = [v if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in values]
            if kind == "float64":
                arrays[name] = pa.array([None if v is None else float(v) for v in nums], pa.float64())
            elif kind == "int64":
                arrays[name] = pa.array([None if v is None or not math.isfinite(v) or abs(v) >= 2**63 else int(v)
                                         for v in nums], pa.int64())
            elif kind == "uint64":
                arrays[name] = pa.array([None if v is None or not math.isfinite(v) or not 0 <= v < 2**64 else int(v)
                                         for v in nums], pa.uint64())
            else:
                arrays[name] = pa.array([None if v is None or not math.isfinite(v) or abs(v) >= 1e20 else int(v)
                                         for v in nums], pa.decimal128(21, 0))
    buf = io.BytesIO()
    pq.write_table(pa.table(arrays), buf, compression=draw(st.sampled_from(["zstd", "snappy", "none"])),
                   use_dictionary=draw(st.booleans()))
    return _damage(buf.getvalue(), draw)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV written by Polars (quoting as needed), in UTF-8 or Shift_JIS, sometimes with ragged extra lines."""
    cols = draw(frames())
    df = pl.DataFrame({k: [None if v is None else str(v) for v in vals] for k, vals in cols.items()},
                      schema={k: pl.Utf8 for k in cols})
    text = df.write_csv() + draw(st.sampled_from(["", "a,b,c,d,e,f,g,h\n", '"unclosed\n', "\n\n"]))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    return _damage(text.encode(enc, errors="replace"), draw)


@st.composite
def xlsx_files(draw: st.DrawFn) -> bytes:
    """A workbook written by openpyxl with the drawn cells (numbers as numbers, text as text)."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cols = draw(frames())
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(cols))
    n = len(next(iter(cols.values()), []))
    for i in range(n):
        row = []
        for vals in cols.values():
            v = vals[i]
            ok = v is None or isinstance(v, int) or (isinstance(v, float) and math.isfinite(v))
            row.append(v if ok and not (isinstance(v, str) and len(v) > 32000) else str(v)[:32000])
        ws.append([ILLEGAL_CHARACTERS_RE.sub("?", c) if isinstance(c, str) else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return _damage(buf.getvalue(), draw)


def _check(data: bytes, name: str) -> None:
    res = validate_bytes(data, name, CAT, limits=LIMITS)
    assert res.ok or res.errors
    for p in [*res.errors, *res.warnings]:
        assert p.rule in RULE_LABELS and p.message_ja and p.message_en
    if res.reader:  # an empty file is answered without a reader process
        assert res.reader["seconds"] < LIMITS.seconds * LIMITS.wall_factor + 2
        assert res.reader["peak_mb"] * 2**20 <= LIMITS.process_memory * 1.1


FUZZ = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])


@FUZZ
@given(parquet_files())
def test_fuzzed_parquet_gets_a_result(data: bytes) -> None:
    _check(data, "fuzz.parquet")


@FUZZ
@given(csv_files())
def test_fuzzed_csv_gets_a_result(data: bytes) -> None:
    _check(data, "fuzz.csv")


@FUZZ
@given(xlsx_files())
def test_fuzzed_xlsx_gets_a_result(data: bytes) -> None:
    _check(data, "fuzz.xlsx")
