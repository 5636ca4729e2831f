"""The page registry and plan periods: a policy area, an indicator with a target, or a next plan's target is a
catalog change only, and shows up on the pages, in the exports and in the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, db, export, registry
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore
from tests.apptest_pages import switch

APP = str(ROOT / "dashboard" / "app.py")
AREA_ROW = "6,true,第2章 6,true,false,true\n"
INDICATOR_ROW = "home_visits,6,10,count,higher,sum,,,,true,0,,,,false,test\n"
NEW_TARGET = "F1-2025,home_visits,10000,2022,100,2025,200,level,,,新しい表,第2章6,8\n"
LABEL = "Home visits (FY2025 target)"
# Their texts, one labels file per language (data/catalog/labels/<lang>.csv: kind,id,field,text).
NEW_LABELS = {"ja": "policy_area,6,name,新しい施策領域\nindicator,home_visits,name,訪問件数\n"
                    "indicator,home_visits,unit,件\nindicator,home_visits,definition,訪問の件数。\n"
                    "target,F1-2025,label,訪問件数（令和7年度目標）\n",
              "en": "policy_area,6,name,A new policy area\nindicator,home_visits,name,Home visits\n"
                    "indicator,home_visits,unit,visits\nindicator,home_visits,definition,Number of home visits.\n"
                    f"target,F1-2025,label,{LABEL}\n"}
# The 9th plan (令和6–8年度): a FY2026 target for kayoi-no-ba participants (a test figure, not the plan's).
NINTH = "A1-2026,kayoi_participants,10000,2022,30000,2026,52000,level,,,第9期の目標,第2章1,9\n"
NINTH_LABELS = {"ja": "target,A1-2026,label,通いの場の65歳以上参加者数（令和8年度目標）\n",
                "en": "target,A1-2026,label,Kayoi-no-ba participants aged 65+ (FY2026 target)\n"}
EIGHTH_LABEL = "Kayoi-no-ba participants aged 65+ (FY2025 target)"


def _catalog(tmp: Path, areas: str = "", indicators: str = "", targets: str = "",
             labels: dict[str, str] | None = None) -> Path:
    """A copy of the bundled catalog with rows appended (and their texts to each language's labels file; a
    language not given, such as the pseudo-locale, gets the English texts)."""
    cat = tmp / "catalog"
    shutil.copytree(ROOT / "data" / "catalog", cat)
    files = {f"labels/{f.name}": labels.get(f.stem, labels["en"])
             for f in (cat / "labels").glob("*.csv")} if labels else {}
    for name, extra in (("policy_areas.csv", areas), ("indicators.csv", indicators), ("targets.csv", targets),
                        *files.items()):
        with open(cat / name, "a", encoding="utf-8") as fh:
            fh.write(extra)
    return cat


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of data/ (the app may write its cache there)."""
    dst = tmp_path_factory.mktemp("registry") / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))
    return dst


@pytest.fixture()
def env(data_copy: Path) -> Iterator[dict[str, str]]:
    """Set GUNMA_DATA_DIR / GUNMA_CATALOG_DIR for a test (the catalog set by the test), restored after."""
    keys = ("GUNMA_DATA_DIR", "GUNMA_CATALOG_DIR")
    old = {k: os.environ.get(k) for k in keys}
    os.environ["GUNMA_DATA_DIR"] = str(data_copy)
    yield os.environ  # type: ignore[misc]
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _open(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _cells(at: AppTest) -> list[str]:
    """Every text cell of every table on the page."""
    out: list[str] = []
    for df in at.dataframe:
        frame: Any = df.value
        for col in frame.columns:
            out += [str(v) for v in frame[col].tolist()]
    return out


def test_a_policy_area_and_a_target_added_in_the_catalog_appear_everywhere(tmp_path: Path,
                                                                            env: dict[str, str]) -> None:
    cat_dir = _catalog(tmp_path, AREA_ROW, INDICATOR_ROW, NEW_TARGET, NEW_LABELS)
    env["GUNMA_CATALOG_DIR"] = str(cat_dir)
    cat = load_catalog()
    assert registry.names(cat, upload=False) == ["overview", "area1", "area2", "area3", "area4", "area5", "area6",
                                                 "profile", "methodology"]
    at = _open({"place": "10000", "year": "2024", "lang": "en"})
    assert not at.exception, [e.value for e in at.exception]
    # Overview: the new target in the progress table, a link to the new page.
    assert LABEL in _cells(at)
    assert "Details: 6. A new policy area" in [p.proto.label for p in at.get("page_link")]
    # Its own page, with its target on the headline tab (no data yet: shown, not judged).
    switch(at, "area6").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["6. A new policy area"]
    assert LABEL in _cells(at)
    # Methodology: the indicator's definition and the target.
    switch(at, "methodology").run()
    assert not at.exception
    cells = _cells(at)
    assert "Home visits" in cells and LABEL in cells
    # The profile of a municipality still renders (the indicator has no data there).
    at.query_params["place"] = "10201"
    switch(at, "profile").run()
    assert not at.exception
    # Exports: the one-page briefing lists the target.
    vals = data.values(db.connect(), LocalStore(Path(env["GUNMA_DATA_DIR"])), cat)
    meta = export.ExportMeta(title="t", place_name="Gunma", year=2024, snapshot_id=None, snapshot_label=None,
                             sample=True, lang="en")
    assert LABEL in export.briefing_for(cat, vals, "10000", 2024, meta, with_chart=False)
    # The CLI lists it.
    out = subprocess.run([sys.executable, "-m", "dashboard", "progress", "--format", "json", "--lang", "en"],
                         cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                         timeout=120, check=True)
    assert "F1-2025" in [r["target_id"] for r in json.loads(out.stdout)["targets"]]


def test_the_newest_plan_with_targets_is_the_default_and_the_plan_can_be_chosen(tmp_path: Path,
                                                                                   env: dict[str, str]) -> None:
    env["GUNMA_CATALOG_DIR"] = str(_catalog(tmp_path, targets=NINTH, labels=NINTH_LABELS))
    cat = load_catalog()
    assert cat.plan == "9" and [tg.id for tg in cat.targets] == ["A1-2026"]
    assert len(cat.for_plan("8").targets) == 14  # the bundled 8th-plan targets
    at = _open({"place": "10000", "year": "2024", "lang": "en"})
    assert not at.exception, [e.value for e in at.exception]
    labels = [s.label for s in at.sidebar.selectbox]
    assert "Plan period" in labels  # two plans have targets: the user can choose
    cells = _cells(at)
    assert "Kayoi-no-ba participants aged 65+ (FY2026 target)" in cells and EIGHTH_LABEL not in cells
    assert "plan" not in at.query_params  # the default is left out of the URL
    # A link to the 8th plan shows its targets, keeps plan=8 in the URL, and the CLI's default is the newest plan.
    at = _open({"place": "10000", "year": "2024", "lang": "en", "plan": "8"})
    assert not at.exception
    cells = _cells(at)
    assert EIGHTH_LABEL in cells and "Kayoi-no-ba participants aged 65+ (FY2026 target)" not in cells
    assert at.query_params["plan"] == "8"
    # An unknown plan in a link: a notice, and the default plan.
    at = _open({"place": "10000", "lang": "en", "plan": "7"})
    assert any("Plan period" in w.value and "7" in w.value for w in at.warning)
    assert "Kayoi-no-ba participants aged 65+ (FY2026 target)" in _cells(at)


def test_targets_name_a_known_plan(tmp_path: Path) -> None:
    cat_dir = _catalog(tmp_path, targets=NINTH.replace(",9\n", ",12\n"), labels=NINTH_LABELS)
    from dashboard.catalog import read_indicators, read_plans, read_targets

    targets = read_targets(cat_dir / "targets.csv", read_indicators(cat_dir / "indicators.csv"))
    with pytest.raises(ValueError, match="unknown plan '12'"):
        read_plans(cat_dir / "plans.csv", targets)
