"""Issue 18 item 5: a view of the plan's own figures (baselines and targets, no yearly actuals) says what it holds
in one sentence, and the header, the sidebar and the tables name the same year."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import data, db, fmt
from dashboard.catalog import Catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore
from tests.conftest import TINY_MUNICIPALITIES, TinyStore, publish_rows

APP = str(ROOT / "dashboard" / "app.py")
CODES = [c for c, *_ in TINY_MUNICIPALITIES]


def test_has_actuals_after_the_baseline_year_only(tiny_catalog: Catalog, tiny_store: TinyStore,
                                                  tmp_path: Path) -> None:
    vals = data.values(db.connect(), tiny_store.store, tiny_catalog, tiny_store.s1)
    # Every target's baseline is FY2020; s1 holds FY2021.
    assert data.has_actuals(vals, tiny_catalog, "10000", 2021)
    assert data.has_actuals(vals, tiny_catalog, "19001", 2021)
    assert not data.has_actuals(vals, tiny_catalog, "10000", 2020)  # up to the baseline year: none yet
    store = LocalStore(tmp_path / "d")
    publish_rows(store, [("t_people", "10000", 2020, 100.0), ("t_flag", "10000", 2020, 2.0)]  # baselines only
                 + [("t_pop65", c, 2021, 10.0) for c in CODES])  # and a figure of no target
    plan_only = data.values(db.connect(), store, tiny_catalog, None)
    assert not data.has_actuals(plan_only, tiny_catalog, "10000", 2025)


def _official(data_dir: Path, lang: str, page_year: str = "2024") -> AppTest:
    first = LocalStore(data_dir).list()[0]  # the plan's own figures: the oldest snapshot of the bundled data
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"as_of": first.id, "year": page_year, "lang": lang})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_plan_figures_alone_say_so_and_name_one_year(data_copy: Path) -> None:
    at = _official(data_copy, "ja")
    assert any(i.value == "この時点の公表データには計画の基準値と目標値のみが含まれ、年度ごとの実績はありません。"
               for i in at.info)
    year = at.sidebar.selectbox(key="flt_year").value
    assert year < 2024  # moved to the last year the snapshot has
    shown = fmt.fy_label(year, "ja")
    assert any(shown in m.value for m in at.markdown)  # the header
    assert at.query_params["year"] == str(year)
    assert any("2024" in i.value and shown in i.value for i in at.info)  # the notice says what moved
    at.run()  # the next interaction keeps that year, without the notice about the move
    assert at.sidebar.selectbox(key="flt_year").value == year
    # Back to the newest data: the year chosen before comes back.
    at.sidebar.selectbox(key="flt_as_of").set_value("latest").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="flt_year").value == 2024
    assert at.query_params["year"] == "2024"
    en = _official(data_copy, "en")
    assert any(i.value.startswith("The data published at this point hold only the plan's baselines and targets")
               for i in en.info)


def test_the_newest_data_carry_no_such_sentence(data_copy: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert not any("基準値と目標値のみ" in i.value for i in at.info)
