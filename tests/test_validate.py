"""Validation of uploaded files: a corpus of bad files, bounded reading, and property-based tests."""

from __future__ import annotations

import hashlib
import io
import math
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import contract
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.validate import Limits, sniff, validate_bytes
from tests.upload_corpus import GOOD_ROW, Case, cases, csv_text, good_frame, parquet, xlsx

CAT = load_catalog()
CASES = cases()
IN_PROCESS = Limits(isolate=False)  # rule tests: the reader process is tested by the corpus and the fuzz tests


def _tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_file_gets_its_specific_message(case: Case) -> None:
    res = validate_bytes(case.data, case.file_name, CAT)
    found = res.errors if case.severity == "error" else res.warnings
    hits = [p for p in found if p.rule == case.rule]
    assert hits, f"{case.name}: expected {case.rule}, got {[p.rule for p in res.errors + res.warnings]}"
    p = hits[0]
    if case.row is not None:
        assert p.row == case.row
        assert f"{case.row}行目" in p.message_ja and f"Row {case.row}" in p.message_en
    if case.column is not None:
        assert p.column == case.column
        assert case.column in p.message_ja and case.column in p.message_en
    if p.value is not None:  # the offending value is quoted in both languages
        assert p.value in p.message_ja and p.value in p.message_en
    assert "規則" in p.message_ja and "rule" in p.message_en
    if case.severity == "error":
        assert not res.ok and res.frame is None


def test_every_problem_is_reported_at_once() -> None:
    data = csv_text(["no_such,10201,2025,1,", "kayoi_participants,99999,2025,1,", "kayoi_participants,10201,1990,1,",
                     "kayoi_participation_rate,10201,2025,140,", "kayoi_participants,10202,2025,x,"])
    res = validate_bytes(data, "many.csv", CAT)
    assert {p.rule for p in res.errors} == {"unknown_indicator", "unknown_municipality", "year_out_of_range",
                                            "rate_range", "wrong_type"}
    assert [p.row for p in res.errors] == [1, 2, 3, 4, 5]  # sorted down the file
    assert "line 2 of the file" in res.errors[0].message_en


def test_english_messages_have_no_japanese() -> None:
    for case in CASES:
        res = validate_bytes(case.data, case.file_name, CAT)
        for p in res.errors + res.warnings:
            # Japanese may appear only inside quoted values (none in this corpus).
            assert not any("\u3040" <= ch <= "\u30ff" for ch in p.message_en), p.message_en


def test_good_files_in_every_format_give_the_same_frame() -> None:
    good = good_frame()
    rows = [list(r) for r in good.iter_rows()]
    files = {
        "good.parquet": contract.to_parquet_bytes(good),
        "good.csv": good.write_csv().encode("utf-8"),
        "good_bom_sjis.csv": good.write_csv().encode("cp932"),
        "good.xlsx": xlsx(rows),
    }
    expected = good.sort(contract.KEY)
    for name, data in files.items():
        res = validate_bytes(data, name, CAT)
        assert res.ok, (name, [p.message_en for p in res.errors])
        assert res.frame is not None
        got = res.frame.sort(contract.KEY)
        assert got.select([*contract.KEY, "value"]).equals(expected.select([*contract.KEY, "value"])), name


def test_xlsx_numeric_codes_keep_leading_zeros_and_name_columns_are_ignored() -> None:
    data = xlsx([["muni_score", 0, 2025, 1300, None, "ignored name", "全国"]],
                ["indicator_id", "municipality_code", "fiscal_year", "value", "note", "indicator_name",
                 "municipality_name"])
    res = validate_bytes(data, "codes.xlsx", CAT)
    assert res.ok, [p.message_en for p in res.errors]
    assert res.frame is not None and res.frame["municipality_code"].to_list() == ["00000"]
    assert res.frame.columns == contract.COLUMNS


def test_sql_and_html_in_text_fields_are_kept_verbatim() -> None:
    evil = ["'; DROP TABLE snapshots; --", "<script>alert(1)</script>", "**bold** [link](javascript:x)"]
    df = good_frame().head(3).with_columns(pl.Series("note", evil))
    for name, data in (("evil.parquet", contract.to_parquet_bytes(df)), ("evil.csv", df.write_csv().encode())):
        res = validate_bytes(data, name, CAT)
        assert res.ok
        assert res.frame is not None and sorted(res.frame["note"].to_list()) == sorted(evil)
    # ... and as an indicator id they are just unknown ids, quoted as text.
    res = validate_bytes(csv_text([f'"{evil[0]}",10201,2025,1,']), "evil_id.csv", CAT)
    assert res.errors[0].rule == "unknown_indicator" and res.errors[0].value == evil[0]


def test_size_limit() -> None:
    res = validate_bytes(csv_text([contract_row(i) for i in range(100)]), "big.csv", CAT, limits=Limits(max_bytes=500))
    assert [p.rule for p in res.errors] == ["too_large"]
    assert "MB" in res.errors[0].message_ja


def contract_row(i: int) -> str:
    """A valid CSV line with a distinct key."""
    return f"kayoi_participants,10201,{2000 + i % 40},{i},n{i}"


def test_row_limit_is_read_from_the_parquet_footer_before_the_data() -> None:
    df = pl.DataFrame({"indicator_id": ["kayoi_participants"] * 101, "municipality_code": ["10201"] * 101,
                       "fiscal_year": list(range(2000, 2101)), "value": [1.0] * 101})
    data = contract.to_parquet_bytes(df)
    # Damage the data pages but keep the footer: the row count must still be read and refused.
    footer_len = int.from_bytes(data[-8:-4], "little")
    body_end = len(data) - 8 - footer_len
    damaged = data[:4] + bytes(body_end - 4) + data[body_end:]
    res = validate_bytes(damaged, "rows.parquet", CAT, limits=Limits(max_rows=100))
    assert [p.rule for p in res.errors] == ["too_many_rows"]
    assert "101" in res.errors[0].message_ja and "101" in res.errors[0].message_en


def test_row_limit_csv_and_xlsx_and_column_limit() -> None:
    res = validate_bytes(csv_text([contract_row(i) for i in range(50)]), "rows.csv", CAT, limits=Limits(max_rows=10))
    assert [p.rule for p in res.errors] == ["too_many_rows"]
    res = validate_bytes(xlsx([["kayoi_participants", "10201", 2000 + i, 1, None] for i in range(20)]), "r.xlsx",
                         CAT, limits=Limits(max_xlsx_rows=10))
    assert [p.rule for p in res.errors] == ["too_many_rows"]
    wide = pl.DataFrame({f"c{i}": [1] for i in range(60)})
    assert [p.rule for p in validate_bytes(parquet(wide), "w.parquet", CAT).errors] == ["too_many_columns"]


def test_decompression_bombs_cost_a_clear_error() -> None:
    # Parquet: 200,000 identical 2,000-character notes dictionary-encode to a tiny file but expand to
    # ~400 MB; the bounded DuckDB connection stops with a memory error instead of taking the server.
    n = 200_000
    bomb = pl.DataFrame({"indicator_id": ["kayoi_participants"] * n, "municipality_code": ["10201"] * n,
                         "fiscal_year": [2020] * n, "value": [1.0] * n, "note": ["x" * 2000] * n})
    data = parquet(bomb)
    assert len(data) < 2 * 2**20
    res = validate_bytes(data, "bomb.parquet", CAT, limits=Limits(memory_limit="64MB", max_uncompressed=128 * 2**20))
    assert [p.rule for p in res.errors] in (["memory_limit"], ["decompression_bomb"])
    # xlsx: a zip member declaring far more than the limit once inflated.
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 2**20))
    res = validate_bytes(buf.getvalue(), "bomb.xlsx", CAT, limits=Limits(max_uncompressed=2**20))
    assert [p.rule for p in res.errors] == ["decompression_bomb"]


def test_warnings_large_jump_and_revision() -> None:
    published = pl.DataFrame({"indicator_id": ["kayoi_participants"] * 2, "municipality_code": ["10201"] * 2,
                              "fiscal_year": [2024, 2025], "value": [1000.0, 1000.0]})
    res = validate_bytes(csv_text(["kayoi_participants,10201,2025,5000,"]), "j.csv", CAT, published=published)
    assert res.ok
    rules = {p.rule for p in res.warnings}
    # One municipality of 35, no 65+ population anywhere: also the coverage and the unchecked relative bound.
    assert rules == {"large_jump", "large_revision", "coverage_partial", "bound_reference_missing"}
    jump = next(p for p in res.warnings if p.rule == "large_jump")
    assert "+400%" in jump.message_en and "2024" in jump.message_ja


def test_sniff() -> None:
    assert sniff(contract.to_parquet_bytes(good_frame())) == "parquet"
    assert sniff(b"a,b\n1,2\n") == "csv"
    assert sniff("指標,値\n".encode("cp932")) == "csv"
    assert sniff(xlsx([])) == "xlsx"


def test_check_cli_leaves_the_data_folder_byte_identical(data_copy: Path, tmp_path: Path) -> None:
    """Every corpus file through `python -m dashboard check`: exit 1, messages, no traceback, data/ untouched."""
    before = _tree_hashes(data_copy)
    env = {"GUNMA_DATA_DIR": str(data_copy), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    names = []
    for i, case in enumerate(c for c in CASES if c.severity == "error"):
        f = tmp_path / f"{i:02d}-{case.file_name}"
        f.write_bytes(case.data)
        names.append(str(f))
    # One process checks many files (a tiny driver), to keep the test fast.
    driver = ("import sys\nfrom dashboard.cli import main\n"
              "codes = [main(['check', f, '--lang', 'en']) for f in sys.argv[1:]]\n"
              "print('CODES', codes)\n")
    out = subprocess.run([sys.executable, "-c", driver, *names], env=env, capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    codes = eval(out.stdout.split("CODES", 1)[1])
    assert codes == [1] * len(names)
    assert out.stdout.count("ERROR:") >= len(names)
    assert _tree_hashes(data_copy) == before
    # A valid file: exit 0.
    good = tmp_path / "good.csv"
    good.write_bytes(good_frame().write_csv().encode())
    ok = subprocess.run([sys.executable, "-m", "dashboard", "check", str(good)], env=env, capture_output=True,
                        text=True, timeout=60, cwd=ROOT)
    assert ok.returncode == 0 and "OK" in ok.stdout
    assert _tree_hashes(data_copy) == before


# ------------------------------------------------------------------------------ property-based

MUNIS = CAT.municipality_codes()
INDICATORS = sorted(CAT.indicators)


def _valid_value(ind_id: str, draw: st.DrawFn) -> float:
    ind = CAT.indicators[ind_id]
    if ind.kind == "flag":
        return float(draw(st.sampled_from([0, 1])))
    if ind.kind == "rate":
        return draw(st.floats(0, 100, allow_nan=False))
    if ind.kind == "score":
        return draw(st.floats(0, ind.max_value or 100, allow_nan=False))
    # Counts within the catalog's bounds: populations nested (75+ <= 65+ <= total), other counts small
    # enough for any 65+ population drawn here.
    lo, hi = {"pop_total": (10**7, 2 * 10**8), "pop65": (10**6, 10**7), "pop75": (0, 10**6)}.get(
        ind_id, (0, 1000 if ind.max_ref else int(min(ind.max_value or 10**7, 10**7))))
    return float(draw(st.integers(lo, hi)))


@st.composite
def valid_frames(draw: st.DrawFn) -> pl.DataFrame:
    keys = draw(st.lists(st.tuples(st.sampled_from(INDICATORS), st.sampled_from(MUNIS),
                                   st.integers(contract.FIRST_YEAR, contract.LAST_YEAR)),
                         min_size=1, max_size=30, unique=True))
    notes = draw(st.lists(st.one_of(st.none(), st.text(max_size=40)), min_size=len(keys), max_size=len(keys)))
    return pl.DataFrame({"indicator_id": [k[0] for k in keys], "municipality_code": [k[1] for k in keys],
                         "fiscal_year": [k[2] for k in keys], "value": [_valid_value(k[0], draw) for k in keys],
                         "note": notes}, schema=contract.SCHEMA)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_frames())
def test_property_valid_frames_pass_and_round_trip(df: pl.DataFrame) -> None:
    res = validate_bytes(contract.to_parquet_bytes(df), "p.parquet", CAT, limits=IN_PROCESS)
    assert res.ok, [p.message_en for p in res.errors]
    assert res.frame is not None and res.frame.sort(contract.KEY).equals(df.sort(contract.KEY))


CORRUPTIONS = {
    "unknown_indicator": ("indicator_id", "not_an_indicator"),
    "unknown_municipality": ("municipality_code", "99999"),
    "year_out_of_range": ("fiscal_year", 1900),
    "nan": ("value", math.nan),
    "infinite": ("value", math.inf),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_frames(), st.data())
def test_property_one_bad_cell_is_reported_at_its_row(df: pl.DataFrame, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, df.height - 1))
    rule = data.draw(st.sampled_from(sorted(CORRUPTIONS)))
    column, bad = CORRUPTIONS[rule]
    values = df[column].to_list()
    values[i] = bad
    broken = df.with_columns(pl.Series(column, values, dtype=df.schema[column]))
    res = validate_bytes(parquet(broken), "b.parquet", CAT, limits=IN_PROCESS)
    assert not res.ok
    assert any(p.rule == rule and p.row == i + 1 and p.column == column for p in res.errors), \
        [(p.rule, p.row) for p in res.errors]


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["x.parquet", "x.csv", "x.xlsx", "x.bin", "x"]),
       st.sampled_from([b"", b"PAR1", b"PK\x03\x04", b"indicator_id,municipality_code,fiscal_year,value\n"]))
def test_property_arbitrary_bytes_never_crash(blob: bytes, name: str, prefix: bytes) -> None:
    res = validate_bytes(prefix + blob, name, CAT)
    assert res.ok or res.errors
    for p in res.errors:
        assert p.message_ja and p.message_en and p.rule


def test_many_bad_rows_are_counted_in_full_but_listed_up_to_the_cap() -> None:
    rows = [f"kayoi_participants,99999,{2000 + i % 40},{i}," for i in range(1500)]
    res = validate_bytes(csv_text(rows), "many.csv", CAT, limits=Limits(max_per_rule=1000))
    assert res.counts["unknown_municipality"] == 1500
    assert len([p for p in res.errors if p.rule == "unknown_municipality"]) == 1000


def test_bundled_snapshots_and_the_plans_figures_are_within_the_catalogs_bounds() -> None:
    """The bounds are generous enough for every bundled snapshot (official: the plan's figures; sample), each
    checked against the others as published data (so relative bounds find their 65+ population)."""
    files = sorted((ROOT / "data" / "snapshots").glob("*.parquet"))
    rows = {p: pl.read_parquet(p).select(*contract.KEY, "value") for p in files}
    assert len(files) >= 4
    for p in files:
        others = pl.concat([df for q, df in rows.items() if q != p])
        res = validate_bytes(p.read_bytes(), p.name, CAT, published=others)
        assert res.ok, (p.name, [e.message_en for e in res.errors[:5]])
        assert not [w for w in res.warnings if w.rule == "bound_reference_missing"], p.name


def test_a_file_needing_more_time_than_the_limit_gets_the_time_limit_sentence() -> None:
    # 360,000 rows: reading them takes DuckDB well over the 0.05 s of CPU allowed, however fast the machine.
    rows = [f"kayoi_places_weekly,{m},{2000 + i % 40},{i % 7}," for i in range(18000) for m in MUNIS[:20]]
    res = validate_bytes(csv_text(rows), "slow.csv", CAT, limits=Limits(seconds=0.05))
    assert [p.rule for p in res.errors] == ["time_limit"]
    assert "制限時間" in res.errors[0].message_ja and "limit" in res.errors[0].message_en
    assert res.frame is None


def test_a_reader_over_its_memory_limit_is_stopped_with_the_memory_sentence() -> None:
    # The reader process alone is ~150 MB resident, so a 120 MB limit stops it whatever the file.
    res = validate_bytes(csv_text([GOOD_ROW]), "mem.csv", CAT, limits=Limits(process_memory=120 * 2**20))
    assert [p.rule for p in res.errors] == ["memory_limit"]
    assert "メモリ" in res.errors[0].message_ja and "120.0 MB" in res.errors[0].message_en
