"""A corpus of good and bad upload files, generated at test time (no binaries committed)."""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass

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
    return out
