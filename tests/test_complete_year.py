"""The latest complete fiscal year (dashboard.data.year_coverage / complete_year), on the synthetic catalog and
store of tests/conftest.py: five municipalities, targets on t_people, t_rate and t_flag from FY2020 to FY2025."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from dashboard import data, db
from dashboard.catalog import Catalog
from dashboard.storage import LocalStore
from tests.conftest import TINY_MUNICIPALITIES, TinyStore, publish_rows

CODES = [c for c, *_ in TINY_MUNICIPALITIES]


def _pref(store: LocalStore, cat: Catalog, as_of: str | None) -> pl.DataFrame:
    return data.values(db.connect(), store, cat, as_of, (), ("10000",))


def test_scope_is_the_targets_running_that_year(tiny_catalog: Catalog) -> None:
    # Every target runs from a FY2020 baseline to FY2025: the baseline year itself is not in scope.
    assert data.indicators_in_scope(tiny_catalog, 2020) == []
    assert data.indicators_in_scope(tiny_catalog, 2021) == ["t_flag", "t_people", "t_rate"]
    assert data.indicators_in_scope(tiny_catalog, 2025) == ["t_flag", "t_people", "t_rate"]
    assert data.indicators_in_scope(tiny_catalog, 2026) == []


def test_complete_year_moves_with_the_as_of_point(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    s = tiny_store
    # s1: FY2021 from all five municipalities for every indicator.
    cov1 = data.year_coverage(_pref(s.store, tiny_catalog, s.s1), tiny_catalog)
    assert cov1 == {2021: data.YearCoverage(2021, True, 5, 5)}
    assert data.complete_year(_pref(s.store, tiny_catalog, s.s1), tiny_catalog) == 2021
    # s2 adds t_people FY2022 for 圏域 T1 only (3 of 5) and no t_flag that year: FY2022 is provisional, 3 of 5.
    cov2 = data.year_coverage(_pref(s.store, tiny_catalog, s.s2), tiny_catalog)
    assert cov2[2022] == data.YearCoverage(2022, False, 3, 5)
    assert data.complete_year(_pref(s.store, tiny_catalog, s.s2), tiny_catalog) == 2021
    # s3 makes 19002's FY2021 t_people missing (NaN): FY2021 is 4 of 5 now, and no year is complete.
    cov3 = data.year_coverage(_pref(s.store, tiny_catalog, s.s3), tiny_catalog)
    assert cov3[2021] == data.YearCoverage(2021, False, 4, 5)
    assert data.complete_year(_pref(s.store, tiny_catalog, s.s3), tiny_catalog) is None


def test_a_year_beyond_every_target_needs_every_rolled_up_indicator(tiny_catalog: Catalog, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "d")
    full = [(i, c, y, 1.0) for y in (2021, 2026) for c in CODES for i in ("t_people", "t_pop65", "t_flag", "t_score")]
    publish_rows(store, full)
    assert data.complete_year(_pref(store, tiny_catalog, None), tiny_catalog) == 2026
    # FY2027 (no target runs then) from 2 of 5 municipalities, t_score only.
    publish_rows(store, [("t_score", c, 2027, 1.0) for c in CODES[:2]])
    cov = data.year_coverage(_pref(store, tiny_catalog, None), tiny_catalog)
    assert cov[2027] == data.YearCoverage(2027, False, 2, 5)
    assert data.complete_year(_pref(store, tiny_catalog, None), tiny_catalog) == 2026


def test_a_prefecture_figure_counts_as_reported_and_population_alone_is_no_year(
        tiny_catalog: Catalog, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "d")
    # FY2022: t_people and t_rate published for the prefecture itself (direct); t_pop65 and t_flag from everyone.
    publish_rows(store, [("t_people", "10000", 2022, 150.0), ("t_rate", "10000", 2022, 9.0)]
                 + [(i, c, 2022, 1.0) for c in CODES for i in ("t_pop65", "t_flag")])
    assert data.complete_year(_pref(store, tiny_catalog, None), tiny_catalog) == 2022
    # A catalog in which t_pop65 is population context: a year with only that is not a year of the plan.
    ctx = dataclasses.replace(tiny_catalog, indicators={
        k: dataclasses.replace(v, policy_area="context") if k == "t_pop65" else v
        for k, v in tiny_catalog.indicators.items()})
    publish_rows(store, [("t_pop65", c, 2023, 1.0) for c in CODES])
    assert 2023 not in data.year_coverage(_pref(store, ctx, None), ctx)
    assert data.complete_year(_pref(store, ctx, None), ctx) == 2022


# ---------------------------------------------------------------- the shown year and the provisional label

def _cov(year: int, complete: bool, n: int, of: int = 35) -> data.YearCoverage:
    return data.YearCoverage(year, complete, n, of)


def test_shown_year_and_provisional_label() -> None:
    from dashboard.ui.filters import provisional_text, shown_year

    cov = {2024: _cov(2024, True, 35), 2026: _cov(2026, False, 3)}
    assert shown_year(2026, [2024, 2026], cov) == 2026  # chosen: shown, labelled
    assert shown_year(2024, [2024, 2026], cov) == 2024
    # An as-of point without the chosen year: its latest year, or its latest complete one when that is partial.
    assert shown_year(2030, [2024, 2026], cov) == 2024
    official = {2021: _cov(2021, False, 0)}  # the plan's own figures: nothing from municipalities, not partial
    assert shown_year(2024, [2019, 2020, 2021], official) == 2021
    assert provisional_text(cov[2026], "ja") == "暫定：35市町村中3市町村"
    assert provisional_text(cov[2026], "en") == "Provisional: 3 of 35 municipalities"
    assert provisional_text(cov[2024], "ja") == provisional_text(official[2021], "ja") == ""


def test_comparison_names_the_municipalities_that_have_not_reported(
        tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    from dashboard import charts, views

    vals = data.values(db.connect(), tiny_store.store, tiny_catalog, tiny_store.s2)
    df = views.comparison(tiny_catalog, vals, "t_people", 2022, "ja")
    assert df.filter(pl.col("reported"))["code"].sort().to_list() == ["19001", "19002", "19003"]
    assert views.not_reported(df) == ["丁市", "戊町"]
    assert df.filter(~pl.col("reported"))["report_note"].to_list() == ["未報告", "未報告"]
    ind = tiny_catalog.indicators["t_people"]
    rank = charts.ranking_bar(df, ind, "en", "t").to_dict()
    marks = [tr for tr in rank["data"] if tr["type"] == "scatter" and tr.get("name", "").startswith("Not reported")]
    assert len(marks) == 1 and list(marks[0]["x"]) == ["丁市", "戊町"] and marks[0]["name"] == "Not reported (2)"
    tiles = charts.tile_map(df, ind, "ja", "t").to_dict()
    assert tiles["layout"]["showlegend"] is True
    assert [tr["name"] for tr in tiles["data"] if tr.get("showlegend")] == ["未報告（2）"]
    grey = [tr for tr in tiles["data"] if tr["type"] == "heatmap"][1]
    assert sum(1 for row in grey["z"] for v in row if v is not None) == 2
    assert "丁市<br>未報告" in [x for row in grey["text"] for x in row]
    # Every municipality reported FY2021: nothing marked.
    full = views.comparison(tiny_catalog, vals, "t_people", 2021, "ja")
    assert views.not_reported(full) == []
    assert not [tr for tr in charts.tile_map(full, ind, "ja", "t").to_dict()["data"] if tr.get("showlegend")]


def test_choropleth_draws_and_names_the_not_reported(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    from dashboard import charts, views

    vals = data.values(db.connect(), tiny_store.store, tiny_catalog, tiny_store.s2)
    df = views.comparison(tiny_catalog, vals, "t_people", 2022, "en")
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    geo = {"features": [{"properties": {"code5": c}, "geometry": {"type": "Polygon", "coordinates": [square]}}
                        for c in CODES]}
    fig = charts.choropleth(geo, df, tiny_catalog.indicators["t_people"], "en", "t").to_dict()
    fills = {tr["name"]: tr["fillcolor"] for tr in fig["data"] if tr.get("fill") == "toself"}
    assert fills["Tei"] == fills["Bo"] == charts.NOT_REPORTED_COLOUR != fills["Ko"]
    assert [tr["name"] for tr in fig["data"] if tr.get("showlegend")] == ["Not reported (2)"]
    assert any("Not reported" in tr["text"] for tr in fig["data"] if tr.get("name") == "Tei")


def test_exports_of_a_provisional_year_say_so(tiny_catalog: Catalog) -> None:
    """The briefing and the Excel file name a year not every municipality reported as provisional, as the
    page header does."""
    import io

    from openpyxl import load_workbook

    from dashboard import export

    meta = export.ExportMeta("進捗", "群馬県", 2026, "0002-x", "速報", False, "ja",
                             provisional="暫定：35市町村中3市町村")
    assert meta.year_text() == "令和8年度（2026）　暫定：35市町村中3市町村"
    assert "令和8年度（2026）　暫定：35市町村中3市町村" in export.briefing_html(tiny_catalog, [], [], meta)
    wb = load_workbook(io.BytesIO(export.xlsx_bytes(pl.DataFrame({"a": [1]}), meta)))
    assert ["令和8年度（2026）　暫定：35市町村中3市町村"] in [[c.value for c in r] for r in wb["about"].iter_rows()]
    plain = export.ExportMeta("進捗", "群馬県", 2024, None, None, False, "ja")
    assert plain.year_text() == "令和6年度（2024）"
