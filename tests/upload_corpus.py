"""A corpus of good and bad upload files, generated at test time (no binaries committed)."""

from __future__ import annotations

import functools
import io
import random
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from dashboard import contract


@dataclass(frozen=True)
class Case:
    """One file and the rule it must be reported under (severity 'error' or 'warning')."""

    name: str
    file_name: str
    data: bytes
    rule: str
    row: int | None = None
    column: str | None = None
    severity: str = "error"


def good_frame() -> pl.DataFrame:
    """A small valid contract frame (every indicator kind, municipal and prefecture rows)."""
    return pl.DataFrame({
        "indicator_id": ["kayoi_participants", "kayoi_participants", "kayoi_participation_rate", "pref_score",
                         "ittaiteki_implemented", "muni_score", "kayoi_places_weekly"],
        "municipality_code": ["10201", "10202", "10201", "10000", "10201", "00000", "10203"],
        "fiscal_year": [2025, 2025, 2025, 2025, 2025, 2025, 2025],
        "value": [1200.0, 900.0, 7.5, 1900.0, 1.0, 1300.0, 12.0],
        "note": ["a", None, "b", None, None, "national", None],
    }, schema=contract.SCHEMA)


def parquet(df: pl.DataFrame) -> bytes:
    """Parquet bytes written by Polars as given (no casting), for type cases."""
    buf = io.BytesIO()
    df.write_parquet(buf)
    return buf.getvalue()


def csv_text(rows: list[str], header: str = "indicator_id,municipality_code,fiscal_year,value,note") -> bytes:
    """CSV bytes from a header and data lines."""
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def xlsx(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    """A one-sheet workbook (openpyxl)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header or ["indicator_id", "municipality_code", "fiscal_year", "value", "note"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip archive with the given members."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


GOOD_ROW = "kayoi_participants,10201,2025,1200,"
MUNIS = [f"{c}" for c in ("10201", "10202", "10203", "10204", "10205", "10206", "10207", "10208", "10209",
                          "10210", "10211", "10212", "10344", "10345", "10366", "10367", "10382", "10383", "10384",
                          "10421", "10424", "10425", "10426", "10428", "10429", "10443", "10444", "10448", "10449",
                          "10464", "10521", "10522", "10523", "10524", "10525")]


@functools.cache
def dictionary_bomb(rows: int = 400_000, note_chars: int = 200_000) -> bytes:
    """The issue's Parquet file: `rows` rows sharing one `note_chars`-character note, dictionary-encoded
    (a few KB on disk; tens of GB once each row's note is expanded)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    zeros = pa.array([0] * rows, pa.int32())
    table = pa.table({
        "indicator_id": pa.DictionaryArray.from_arrays(zeros, pa.array(["kayoi_participants"])),
        "municipality_code": pa.DictionaryArray.from_arrays(zeros, pa.array(["10201"])),
        "fiscal_year": pa.array([2025] * rows, pa.int32()),
        "value": pa.array([1.0] * rows, pa.float64()),
        "note": pa.DictionaryArray.from_arrays(zeros, pa.array(["x" * note_chars])),
    })
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", use_dictionary=True)
    return buf.getvalue()


@functools.cache
def csv_huge_header(chars: int = 29 * 2**20) -> bytes:
    """A CSV whose header line is one quoted field of `chars` characters, then a valid row."""
    return b'"' + b"a" * chars + b'"\n' + GOOD_ROW.encode() + b"\n"


@functools.cache
def xlsx_many_cells(cells: int = 15_000_000, per_row: int = 100) -> bytes:
    """A workbook of about 1 MB whose one sheet holds `cells` cells (valueless-but-present <c><v>1</v></c>),
    under the uncompressed-size limit: the issue's 1¾-minute read."""
    buf = io.BytesIO()
    row = b"<row>" + b"<c><v>1</v></c>" * per_row + b"</row>"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   b'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')
        with z.open("xl/worksheets/sheet1.xml", "w") as f:
            f.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            block = row * 1000
            for _ in range(cells // per_row // 1000):
                f.write(block)
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def arrow_parquet(columns: dict[str, object]) -> bytes:
    """Parquet written by pyarrow from arrays (types Polars would not write, e.g. uint64, decimal)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)  # type: ignore[arg-type]
    return buf.getvalue()


def bounds_cases() -> list[Case]:
    """The issue's impossible values, each with its rule (the bounds come from the catalog)."""
    import pyarrow as pa

    n = len(MUNIS)
    big = "kayoi_participants"
    return [
        Case("flag count at the prefecture below 0", "pref_flag_neg.csv",
             csv_text(["ittaiteki_implemented,10000,2025,-5,"]), "flag_count_range", row=1, column="value"),
        Case("flag count at the prefecture above 35", "pref_flag_40.csv",
             csv_text(["ittaiteki_implemented,10000,2025,40,"]), "flag_count_range", row=1, column="value"),
        Case("flag count at the prefecture not whole", "pref_flag_half.csv",
             csv_text(["ittaiteki_implemented,10000,2025,13.5,"]), "not_integer", row=1, column="value"),
        Case("count 1e308 for all 35", "huge.csv", csv_text([f"{big},{m},2025,1e308," for m in MUNIS]),
             "above_maximum", row=1, column="value"),
        Case("uint64 2**64-1 counts", "uint64.parquet", arrow_parquet({
            "indicator_id": pa.array([big] * n), "municipality_code": pa.array(MUNIS),
            "fiscal_year": pa.array([2025] * n, pa.int32()), "value": pa.array([2**64 - 1] * n, pa.uint64())}),
             "above_maximum", row=1, column="value"),
        Case("decimal 1.2e19 counts", "decimal.parquet", arrow_parquet({
            "indicator_id": pa.array([big] * n), "municipality_code": pa.array(MUNIS),
            "fiscal_year": pa.array([2025] * n, pa.int32()),
            "value": pa.array([Decimal("12000000000000000000")] * n, pa.decimal128(20, 0))}),
             "above_maximum", row=1, column="value"),
        Case("count not whole", "half.csv", csv_text([f"{big},10201,2025,10.5,"]), "not_integer", row=1,
             column="value"),
        Case("participants above the 65+ population", "over_pop.csv",
             csv_text(["pop65,10201,2025,1000,", f"{big},10201,2025,1001,"]), "above_reference", row=2,
             column="value"),
        Case("no 65+ population to bound by", "no_ref.csv", csv_text([f"{big},00000,2025,1000,"]),
             "bound_reference_missing", row=1, column="value", severity="warning"),
        Case("weekly places for 3 of 35 municipalities", "partial.csv",
             csv_text([f"kayoi_places_weekly,{m},2025,200," for m in MUNIS[:3]]), "coverage_partial", row=1,
             column="municipality_code", severity="warning"),
    ]


def reader_cases() -> list[Case]:
    """Files that escaped the readers' budgets before (each now gets its own sentence)."""
    return [
        Case("dictionary-encoded 200 KB note x 400k rows", "dict_bomb.parquet", dictionary_bomb(),
             "decompression_bomb"),
        Case("csv header of one 29 MB field", "header.csv", csv_huge_header(), "csv_line_too_long"),
        Case("xlsx with 15M cells", "cells.xlsx", xlsx_many_cells(), "xlsx_too_many_cells"),
    ]


def cases() -> list[Case]:
    """Every rule with a file that breaks it."""
    good = good_frame()
    good_pq = contract.to_parquet_bytes(good)
    rng = random.Random(4)
    out = [
        Case("empty file", "x.csv", b"", "empty_file"),
        Case("unknown extension", "data.json", b'{"a": 1}', "unsupported_type"),
        Case("old excel", "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "unsupported_type"),
        Case("csv renamed .parquet", "renamed.parquet", csv_text([GOOD_ROW]), "not_parquet"),
        Case("random bytes as parquet", "random.parquet", rng.randbytes(4096), "not_parquet"),
        Case("random bytes as csv", "random.csv", b"\x00" + rng.randbytes(4096), "not_csv"),
        Case("truncated parquet", "cut.parquet", good_pq[: len(good_pq) // 2], "parquet_truncated"),
        Case("parquet with garbage inside", "garbage.parquet", b"PAR1" + rng.randbytes(2000) + b"PAR1",
             "parquet_unreadable"),
        Case("parquet named .csv", "data.csv", good_pq, "not_csv"),
        Case("csv named .xlsx", "data.xlsx", csv_text([GOOD_ROW]), "not_xlsx"),
        Case("zip that is not a workbook", "data.xlsx", zip_bytes({"readme.txt": b"hello"}), "not_xlsx"),
        Case("damaged workbook", "data.xlsx", zip_bytes({"xl/workbook.xml": b"<not xml"}), "xlsx_unreadable"),
        Case("csv encoding", "enc.csv", csv_text([GOOD_ROW] * 3000) + b"\xff\xfe\xfa,1\n", "csv_encoding"),
        Case("ragged csv", "ragged.csv", csv_text([GOOD_ROW, GOOD_ROW + ",extra,fields"]), "csv_malformed"),
        Case("header only", "head.csv", csv_text([]), "no_rows"),
        Case("zero-row parquet", "zero.parquet", contract.to_parquet_bytes(good.head(0)), "no_rows"),
        Case("missing column", "miss.csv", csv_text(["kayoi_participants,10201,2025"],
                                                    "indicator_id,municipality_code,fiscal_year"),
             "missing_column", column="value"),
        Case("unexpected column", "extra.csv", csv_text([GOOD_ROW + ",x"],
                                                       "indicator_id,municipality_code,fiscal_year,value,note,memo"),
             "unexpected_column", column="memo"),
        Case("duplicate column", "dupcol.csv", csv_text([GOOD_ROW + ",1"],
                                                       "indicator_id,municipality_code,fiscal_year,value,note,value"),
             "duplicate_column", column="value"),
        Case("integer codes in parquet", "intcode.parquet",
             parquet(good.with_columns(pl.col("municipality_code").cast(pl.Int64))), "wrong_column_type",
             column="municipality_code"),
        Case("text value", "text.csv", csv_text([GOOD_ROW, "kayoi_participants,10202,2025,many,"]), "wrong_type",
             row=2, column="value"),
        Case("thousands separator", "sep.csv", csv_text(['kayoi_participants,10202,2025,"1,234",']), "wrong_type",
             row=1, column="value"),
        Case("text year", "year.csv", csv_text(["kayoi_participants,10202,R7,5,"]), "wrong_type", row=1,
             column="fiscal_year"),
        Case("empty indicator", "empty_id.csv", csv_text([",10202,2025,5,"]), "missing_value", row=1,
             column="indicator_id"),
        Case("null value in parquet", "null.parquet",
             contract.to_parquet_bytes(good.with_columns(pl.when(pl.col("municipality_code") == "10202")
                                                         .then(None).otherwise(pl.col("value")).alias("value"))),
             "missing_value", column="value"),
        Case("unknown indicator", "ind.csv", csv_text([GOOD_ROW, "no_such_indicator,10201,2025,1,"]),
             "unknown_indicator", row=2, column="indicator_id"),
        Case("unknown municipality", "muni.csv", csv_text(["kayoi_participants,13101,2025,1,"]),
             "unknown_municipality", row=1, column="municipality_code"),
        Case("four-digit code", "muni4.csv", csv_text(["kayoi_participants,1020,2025,1,"]),
             "unknown_municipality", row=1, column="municipality_code"),
        Case("year too early", "early.csv", csv_text(["kayoi_participants,10201,1999,1,"]), "year_out_of_range",
             row=1, column="fiscal_year"),
        Case("year too late", "late.csv", csv_text(["kayoi_participants,10201,2041,1,"]), "year_out_of_range",
             row=1, column="fiscal_year"),
        Case("duplicate key", "dup.csv", csv_text([GOOD_ROW, "kayoi_places_weekly,10201,2025,3,", GOOD_ROW]),
             "duplicate_key", row=3),
        Case("nan", "nan.csv", csv_text(["kayoi_participants,10201,2025,NaN,"]), "nan", row=1, column="value"),
        Case("nan in parquet", "nan.parquet",
             contract.to_parquet_bytes(good.with_columns(pl.when(pl.col("municipality_code") == "10202")
                                                         .then(float("nan")).otherwise(pl.col("value")).alias("value"))),
             "nan", column="value"),
        Case("infinite", "inf.csv", csv_text(["kayoi_participants,10201,2025,inf,"]), "infinite", row=1,
             column="value"),
        Case("negative count", "neg.csv", csv_text(["kayoi_participants,10201,2025,-3,"]), "negative_count",
             row=1, column="value"),
        Case("rate above 100", "rate.csv", csv_text(["kayoi_participation_rate,10201,2025,100.5,"]), "rate_range",
             row=1, column="value"),
        Case("negative rate", "rate0.csv", csv_text(["muni_score_rate,10201,2025,-1,"]), "rate_range", row=1,
             column="value"),
        Case("score above max", "score.csv", csv_text(["pref_score,10000,2025,2936,"]), "score_range", row=1,
             column="value"),
        Case("flag not 0/1", "flag.csv", csv_text(["ittaiteki_implemented,10201,2025,0.5,"]), "flag_value",
             row=1, column="value"),
        Case("note too long", "note.csv", csv_text([GOOD_ROW + "x" * 2001]), "note_too_long", row=1,
             column="note"),
        Case("blank template rows", "blank.csv", csv_text([GOOD_ROW, "kayoi_participants,10202,2025,,"]),
             "empty_value_skipped", severity="warning"),
        Case("municipal sum vs prefecture", "sum.csv",
             csv_text([GOOD_ROW, "kayoi_participants,10202,2025,100,", "kayoi_participants,10000,2025,100,"]),
             "sum_mismatch", row=3, severity="warning"),
        Case("xlsx with a bad code", "bad.xlsx", xlsx([["kayoi_participants", "99999", 2025, 3, None]]),
             "unknown_municipality", row=1, column="municipality_code"),
    ]
    return out + bounds_cases() + reader_cases()
