"""CLI for uploads: check, publish, withdraw, restore, hash-password (exit 0/1, never a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from dashboard import auth, cli, materialize
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore, visible
from tests.grids import data_tree

CAT = load_catalog()



def _run(args: list[str], data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUNMA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, input=stdin, timeout=120)


def _good_csv(path: Path, value: float = 123.0) -> Path:
    pl.DataFrame({"indicator_id": ["kayoi_participants"] * 35, "municipality_code": CAT.municipality_codes(),
                  "fiscal_year": [2026] * 35, "value": [value] * 35}).write_csv(path)
    return path


def test_check_valid_file_exits_0(data_copy: Path, tmp_path: Path) -> None:
    r = _run(["check", str(_good_csv(tmp_path / "ok.csv"))], data_copy)
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stdout and "35" in r.stdout


@pytest.mark.parametrize("name,content,expect", [
    ("bad.csv", b"indicator_id,municipality_code,fiscal_year,value\nkayoi_participants,99999,2020,x\n",
     ["99999", "x"]),
    ("random.parquet", bytes(range(256)) * 40, ["Parquet"]),
    ("renamed.parquet", b"indicator_id,municipality_code,fiscal_year,value\n", ["Parquet"]),
    ("empty.xlsx", b"", ["空"]),
])
def test_check_bad_file_exits_1_lists_problems_without_traceback(data_copy: Path, tmp_path: Path, name: str,
                                                                  content: bytes, expect: list[str]) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    before = data_tree(data_copy)
    r = _run(["check", str(f)], data_copy)
    assert r.returncode == 1
    assert "Traceback" not in r.stdout + r.stderr
    for e in expect:
        assert e in r.stdout
    assert data_tree(data_copy) == before


def test_check_in_english_and_as_json(data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("indicator_id,municipality_code,fiscal_year,value\nkayoi_participation_rate,10201,2020,140\n"
                 "kayoi_participants,10201,2020,-1\n")
    assert cli.main(["check", str(f), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "between 0 and 100" in out and "negative" in out
    assert cli.main(["check", str(f), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {(e["rule"], e["row"], e["column"]) for e in report["errors"]} == {
        ("rate_range", 1, "value"), ("negative_count", 2, "value")}


def test_missing_file_exits_1(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "/nonexistent/file.csv"]) == 1
    assert "file.csv" in capsys.readouterr().err


def test_publish_then_withdraw_then_restore(data_copy: Path, tmp_path: Path) -> None:
    f = _good_csv(tmp_path / "fy2026.csv")
    r = _run(["publish", str(f), "--label", "令和8年度 速報", "--kind", "official", "--publisher", "鈴木"], data_copy)
    assert r.returncode == 0, r.stderr
    meta = LocalStore(data_copy).list()[-1]
    assert (meta.label, meta.kind, meta.publisher, meta.rows, meta.source_name) == (
        "令和8年度 速報", "official", "鈴木", 35, "fy2026.csv")
    assert meta.id in r.stdout
    # The dashboard's pre-aggregated view of the new state is ready before anyone opens a page.
    assert "pre-aggregated" in r.stdout
    cat = load_catalog()
    assert materialize.cache_path(data_copy / "cache", visible(LocalStore(data_copy).list(), None), cat).exists()
    r = _run(["withdraw", meta.id, "--reason", "入力誤り"], data_copy)
    assert r.returncode == 0, r.stderr
    assert LocalStore(data_copy).list()[-1].withdrawn
    assert materialize.cache_path(data_copy / "cache", visible(LocalStore(data_copy).list(), None), cat).exists()
    r = _run(["withdraw", meta.id, "--reason", "again"], data_copy)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    r = _run(["restore", meta.id, "--reason", "確認済み"], data_copy)
    assert r.returncode == 0, r.stderr
    ev = LocalStore(data_copy).events()
    assert [(e["action"], e["reason"]) for e in ev] == [("withdraw", "入力誤り"), ("restore", "確認済み")]
    assert all(e["who"] and e["at"] for e in ev)


def test_publish_of_a_bad_file_exits_1_and_changes_nothing(data_copy: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("indicator_id,municipality_code,fiscal_year,value\nnope,10201,2020,1\n")
    before = data_tree(data_copy)
    assert cli.main(["publish", str(f), "--label", "x"]) == 1
    assert data_tree(data_copy) == before
    assert "nope" in capsys.readouterr().out


def test_publish_needs_a_label(data_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = data_tree(data_copy)
    assert cli.main(["publish", str(_good_csv(tmp_path / "a.csv")), "--label", "   "]) == 1
    assert data_tree(data_copy) == before


def test_unknown_snapshot_exits_1(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["withdraw", "9999-deadbeef", "--reason", "x"]) == 1
    assert "9999-deadbeef" in capsys.readouterr().err


def test_hash_password_makes_a_hash_that_verifies(data_copy: Path) -> None:
    r = _run(["hash-password", "--stdin"], data_copy, stdin="s3cret-passphrase\n")
    assert r.returncode == 0, r.stderr
    assert "[upload.users]" in r.stdout  # one account per analyst
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("NAME = "))
    stored = line.split("=", 1)[1].strip().strip('"')
    assert stored.startswith("scrypt$")
    assert auth.verify_password("s3cret-passphrase", stored)
    assert not auth.verify_password("wrong", stored)
    r = _run(["hash-password", "--stdin"], data_copy, stdin="short\n")
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_partial_upload_warns_at_check_and_publish_naming_the_missing(data_copy: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: weekly kayoi-no-ba for FY2025 for only 3 of the 35 municipalities (none published yet)."""
    munis = CAT.municipality_codes()
    f = tmp_path / "partial.csv"
    pl.DataFrame({"indicator_id": ["kayoi_places_weekly"] * 3, "municipality_code": munis[:3],
                  "fiscal_year": [2025] * 3, "value": [20.0] * 3}).write_csv(f)
    assert cli.main(["check", str(f), "--lang", "en"]) == 0  # a warning, not an error
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("WARNING") and "FY2025" in x)
    assert "only 3 of 35 municipalities report" in line
    # The missing ones by name, the first few, then how many more (32 missing, 6 named).
    assert all(CAT.place_name(m, "en") in line for m in munis[3:9]) and "and 26 more" in line
    assert CAT.place_name(munis[9], "en") not in line and CAT.place_name(munis[0], "en") not in line
    assert cli.main(["publish", str(f), "--label", "3 of 35", "--kind", "sample"]) == 0
    out = capsys.readouterr().out
    assert "35市町村中3市町村分" in out and CAT.place_name(munis[3], "ja") in out and "ほか26市町村" in out
    # Once the other 32 are published, a later file for some of them leaves nothing partial.
    rest = tmp_path / "rest.csv"
    pl.DataFrame({"indicator_id": ["kayoi_places_weekly"] * 32, "municipality_code": munis[3:],
                  "fiscal_year": [2025] * 32, "value": [10.0] * 32}).write_csv(rest)
    assert cli.main(["publish", str(rest), "--label", "the other 32", "--kind", "sample"]) == 0
    again = tmp_path / "again.csv"
    pl.DataFrame({"indicator_id": ["kayoi_places_weekly"], "municipality_code": munis[:1],
                  "fiscal_year": [2025], "value": [21.0]}).write_csv(again)
    assert cli.main(["check", str(again), "--lang", "en"]) == 0
    assert "municipalities report" not in capsys.readouterr().out


@pytest.mark.parametrize("value,rule_en", [("-5", "between 0 and 35"), ("40", "between 0 and 35"),
                                           ("13.5", "whole number from 0 to 35")])
def test_impossible_prefecture_flag_counts_are_refused(data_copy: Path, tmp_path: Path, value: str, rule_en: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = data_tree(data_copy)
    f = tmp_path / "flag.csv"
    f.write_text(f"indicator_id,municipality_code,fiscal_year,value\nittaiteki_implemented,10000,2025,{value}\n")
    assert cli.main(["publish", str(f), "--label", "x", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert rule_en in out and f"value “{value}”" in out and "Not published" in out
    assert cli.main(["check", str(f), "--lang", "ja"]) == 1
    assert "0～35" in capsys.readouterr().out
    assert data_tree(data_copy) == before
