"""CLI: --plan chooses the plan period (default: the newest with targets, as on the pages) and --policy-area
takes the catalog's areas, over the synthetic catalog with a second plan added (numbers worked out by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard import cli
from dashboard.catalog import loading as catalog_loading  # (load_catalog reads reference_dir there)
from tests.conftest import TinyStore, write_tiny_catalog


@pytest.fixture()
def two_plans(tmp_path: Path, tiny_store: TinyStore, monkeypatch: pytest.MonkeyPatch) -> TinyStore:
    """The synthetic catalog with its three targets in plan 8 and one more target in a newer plan 9."""
    cat, ref = write_tiny_catalog(tmp_path / "two-plans")
    lines = (cat / "targets.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",plan"] + [line + ",8" for line in lines[1:]]
    lines.append("T9-people,t_people,10000,2020,100,2026,400,level,,,表,第2章,目標九,Target nine,9")
    (cat / "targets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (cat / "plans.csv").write_text("plan,name_ja,name_en,first_year,last_year\n"
                                   "8,第8期,8th plan,2021,2023\n9,第9期,9th plan,2024,2026\n", encoding="utf-8")
    monkeypatch.setenv("GUNMA_CATALOG_DIR", str(cat))
    monkeypatch.setattr(catalog_loading, "reference_dir", lambda: ref)
    monkeypatch.setenv("GUNMA_DATA_DIR", str(tiny_store.store.dir.parent))
    monkeypatch.setenv("GUNMA_CACHE_DIR", str(tmp_path / "cache"))
    return tiny_store


def _progress_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert cli.main(["progress", "--format", "json", "--lang", "en", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_default_plan_is_the_newest_with_targets(two_plans: TinyStore, capsys: pytest.CaptureFixture[str]) -> None:
    out = _progress_json(capsys, "--as-of", two_plans.s1)
    assert out["plan"] == "9"
    rows = out["targets"]
    assert isinstance(rows, list)
    assert [r["target_id"] for r in rows] == ["T9-people"]
    # FY2021 prefecture total of t_people in snapshot 1: 10 + 20 + 30 + 40 + 50 = 150, a sixth of the way 100 → 400.
    assert rows[0]["actual_year"] == 2021
    assert rows[0]["actual_value"] == 150.0
    assert rows[0]["share_of_way"] == pytest.approx(50 / 300)


def test_plan_option_shows_that_plans_targets(two_plans: TinyStore, capsys: pytest.CaptureFixture[str]) -> None:
    out = _progress_json(capsys, "--as-of", two_plans.s1, "--plan", "8")
    assert out["plan"] == "8"
    rows = out["targets"]
    assert isinstance(rows, list)
    assert sorted(r["target_id"] for r in rows) == ["T-flag", "T-people", "T-rate"]


def test_policy_area_from_the_catalog(two_plans: TinyStore, capsys: pytest.CaptureFixture[str]) -> None:
    out = _progress_json(capsys, "--as-of", two_plans.s1, "--plan", "8", "--policy-area", "2")
    rows = out["targets"]
    assert isinstance(rows, list)
    assert [r["target_id"] for r in rows] == ["T-flag"]  # t_flag is the only targeted indicator of area 2
    # FY2021 municipalities implementing (k % 2 for k = 1..5): 19001, 19003, 19005 = 3.
    assert rows[0]["actual_value"] == 3.0


@pytest.mark.parametrize("args", [["--policy-area", "3"], ["--policy-area", "context"], ["--plan", "7"]])
def test_choices_outside_the_catalog_are_refused(two_plans: TinyStore, capsys: pytest.CaptureFixture[str],
                                                 args: list[str]) -> None:
    with pytest.raises(SystemExit) as e:
        cli.main(["progress", *args])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice" in err
    assert ("'1', '2'" if args[0] == "--policy-area" else "'9', '8'") in err  # the catalog's, newest plan first


def test_report_takes_the_plan(two_plans: TinyStore, tmp_path: Path) -> None:
    old = tmp_path / "old.html"  # (the default plan is the progress tests' business: one briefing is enough here)
    assert cli.main(["report", "--as-of", two_plans.s1, "--lang", "en", "--plan", "8", "--briefing", str(old)]) == 0
    html = old.read_text(encoding="utf-8")
    assert "Target T-rate" in html and "Target nine" not in html
