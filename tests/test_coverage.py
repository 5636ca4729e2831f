"""Coverage travels with every roll-up (issue 10): a prefecture figure that only some municipalities
reported is provisional, never judged, never the headline; "n of N reporting" is said everywhere.

The issue's case: an official snapshot gives 週1回以上開催の通いの場の数 (kayoi_places_weekly) for
FY2025 for 3 of the 35 municipalities.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli, data, db, export, slides, summary, views
from dashboard import progress as pg
from dashboard.catalog import Catalog, load_catalog
from dashboard.config import ROOT
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore
from tests.conftest import TinyStore

CAT = load_catalog()
APP = str(ROOT / "dashboard" / "app.py")
IND, TARGET = "kayoi_places_weekly", "A3-2025"
# Three municipalities (前橋市, 高崎市, 上野村) and their FY2025 counts: 619 in all, like the issue.
PARTIAL = {"10201": 400.0, "10202": 200.0, "10366": 19.0}


def _no_constant(name: str) -> float:
    raise ValueError(f"not JSON: {name}")


@pytest.fixture()
def partial_store(data_copy: Path) -> Iterator[LocalStore]:
    """The bundled data plus an official snapshot with FY2025 for 3 of the 35 municipalities."""
    store = LocalStore(data_copy)
    frame = pl.DataFrame({"indicator_id": [IND] * 3, "municipality_code": list(PARTIAL),
                          "fiscal_year": [2025] * 3, "value": list(PARTIAL.values())})
    store.publish(to_parquet_bytes(frame), label="FY2025 速報（3市町村）", kind="official",
                  source_name="partial.csv", rows=3, publisher="test")
    yield store


def _vals(store: LocalStore, places: list[str] | None = None) -> pl.DataFrame:
    return data.values(db.connect(), store, CAT, None, (), places or pg.needed_places("10000"))


def test_partial_year_is_provisional_and_the_headline_is_the_latest_complete_year(
        tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    # The synthetic store as of its second snapshot: t_people FY2021 from all five municipalities
    # (15 revised, 20, 30, 40, 50), FY2022 from the three of 圏域 T1 only (11, 21, 31).
    def rows(place: str) -> dict[str, pg.Progress]:
        vals = data.values(db.connect(), tiny_store.store, tiny_catalog, tiny_store.s2, (), pg.needed_places(place))
        return {r.target_id: r for r in pg.progress_for_place(tiny_catalog, vals, place, 2022)}

    people = rows("10000")["T-people"]
    # The headline is the latest complete year, FY2021: 155, all 5 reporting, judged (100 → 200 by FY2025:
    # 55 % a year achieved against 2^(1/5) - 1 ≈ 14.9 % needed: on track).
    assert (people.actual_year, people.actual_value) == (2021, 155.0)
    assert (people.actual_n_reporting, people.actual_n_expected) == (5, 5)
    assert people.status == "on_track"
    # FY2022 is there, as provisional, with how many reported, and is not judged.
    assert (people.provisional_year, people.provisional_value) == (2022, 63.0)
    assert (people.provisional_n_reporting, people.provisional_n_expected) == (3, 5)
    # 圏域 T1 reported in full for FY2022: its figure is complete (63, 3 of 3), nothing provisional;
    # T2 reported nothing for FY2022: its latest is FY2021 (40 + 50 = 90, 2 of 2).
    t1, t2 = rows("T1")["T-people"], rows("T2")["T-people"]
    assert (t1.actual_year, t1.actual_value, t1.actual_n_reporting, t1.actual_n_expected) == (2022, 63.0, 3, 3)
    assert t1.provisional_year is None
    assert (t2.actual_year, t2.actual_value, t2.actual_n_reporting, t2.actual_n_expected) == (2021, 90.0, 2, 2)


def test_table_summary_trend_and_exports_say_provisional_3_of_35(partial_store: LocalStore) -> None:
    vals = _vals(partial_store)
    rows = pg.progress_for_place(CAT, vals, "10000", 2025)
    row = next(r for r in rows if r.target_id == TARGET)
    for lang, words in (("ja", "35市町村中3市町村の報告（暫定）"),
                        ("en", "provisional: 3 of 35 municipalities reporting")):
        tbl = views.progress_table(CAT, rows, lang)
        mine = tbl.filter(pl.col("target_id") == TARGET).row(0, named=True)
        assert words in mine["provisional"] and "619" in mine["provisional"]
        assert mine["coverage"] == ("35市町村中35市町村の報告" if lang == "ja" else "35 of 35 municipalities reporting")
        assert mine["actual_year"] == ("令和6年度（2024）" if lang == "ja" else "FY2024")
        text = export.csv_bytes(tbl, lang=lang).decode("utf-8-sig")
        assert words in text
        sentence = summary.target_sentence(CAT, row, lang)
        assert words in sentence and "619" in sentence
    # The trend chart draws FY2025 apart, as provisional, with "3 of 35" in its hover.
    view = views.trend_view(CAT, vals, IND, "10000", 2025, "en")
    assert view.provisional[view.years.index(2025)] and not any(view.provisional[:-1])
    fig = views_chart(view)
    prov = next(tr for tr in fig["data"] if tr["name"] == views.t("provisional_trace", "en"))
    assert prov["x"] == [2025] and "3 of 35" in prov["customdata"][0][2]
    assert prov["text"] == ["3/35 municipalities reporting"]  # on the chart itself (PNG, print), not only hover
    line = fig["data"][0]  # the line; its points (official or sample) carry the hover
    points = [tr for tr in fig["data"] if tr.get("mode") == "markers" and tr.get("customdata") and tr is not prov]
    last = max((p for tr in points for p in zip(tr["x"], tr["customdata"], strict=True)), key=lambda p: p[0])
    assert 2025 not in line["x"] and last[0] == 2024 and "35 of 35" in last[1][2]
    # The profile's side-by-side lines say it in their hover too.
    from dashboard import charts

    cov = views.coverage_by_year(vals, IND, ["10000"], 2025, "en")
    lines = charts.compare_lines(CAT.indicators[IND], views.compare_series(CAT, vals, IND, ["10000"], 2025),
                                 {"10000": "Gunma"}, "en", cov).to_dict()
    hover = dict(zip(lines["data"][0]["x"], (c[1] for c in lines["data"][0]["customdata"]), strict=True))
    assert "provisional: 3 of 35" in hover[2025] and "35 of 35 municipalities reporting" in hover[2024]


def views_chart(view: views.TrendView) -> dict[str, Any]:
    from dashboard import charts

    return dict(charts.trend_chart(view, "en", "Gunma").to_dict())


def test_cli_json_csv_and_table_carry_coverage(partial_store: LocalStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["progress", "--year", "2025", "--format", "json", "--lang", "en"]) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=_no_constant)
    got = next(x for x in out["targets"] if x["target_id"] == TARGET)
    assert got["actual_year"] == 2024 and got["status"] != "not_available"
    assert (got["provisional_year"], got["provisional_n_reporting"], got["provisional_n_expected"]) == (2025, 3, 35)
    assert "provisional: 3 of 35 municipalities reporting" in got["provisional"]
    assert got["coverage"] == "35 of 35 municipalities reporting"
    assert cli.main(["progress", "--year", "2025", "--format", "csv"]) == 0
    csv = pl.read_csv(io.StringIO(capsys.readouterr().out))
    mine = csv.filter(pl.col("target_id") == TARGET).row(0, named=True)
    assert mine["provisional_n_reporting"] == 3 and "35市町村中3市町村の報告（暫定）" in mine["provisional"]
    assert cli.main(["progress", "--year", "2025"]) == 0
    assert "35市町村中3市町村の報告（暫定）" in capsys.readouterr().out


def test_briefing_and_deck_name_the_provisional_year(partial_store: LocalStore) -> None:
    from pptx import Presentation

    vals = _vals(partial_store)
    m = export.ExportMeta("t", "群馬県", 2025, "x", "label", True, "ja")
    page = export.briefing_for(CAT, vals, "10000", 2025, m, with_chart=False)
    assert "35市町村中3市町村の報告（暫定）" in page and "報告35/35市町村" in page
    screens = slides.key_slides(CAT, vals, "10000", 2025, "ja")
    raw = export.deck(CAT, screens, m, images=[_png()] * len(screens))
    text = "\n".join(sh.text_frame.text for s in Presentation(io.BytesIO(raw)).slides for sh in s.shapes
                     if sh.has_text_frame)
    assert "35市町村中3市町村の報告（暫定）" in text


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buf, format="PNG")
    return buf.getvalue()


def _overview(year: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["year"] = year
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_page_shows_coverage_and_does_not_judge_the_partial_year(data_copy: Path) -> None:
    before = _status_figures(_overview("2025"))  # the counts by status before the upload
    store = LocalStore(data_copy)
    frame = pl.DataFrame({"indicator_id": [IND] * 3, "municipality_code": list(PARTIAL),
                          "fiscal_year": [2025] * 3, "value": list(PARTIAL.values())})
    store.publish(to_parquet_bytes(frame), label="FY2025 速報（3市町村）", kind="official",
                  source_name="partial.csv", rows=3, publisher="test")
    at = _overview("2025")
    table = next(df.value for df in at.dataframe if "provisional" in df.value.columns)
    mine = table[table["label"].str.startswith("Kayoi-no-ba meeting weekly or more (FY2025")]
    assert "provisional: 3 of 35 municipalities reporting" in mine["provisional"].iloc[0]
    assert mine["coverage"].iloc[0] == "35 of 35 municipalities reporting"
    assert mine["actual_year"].iloc[0] == "FY2024"
    # The counts by status at the top still judge FY2024: the partial FY2025 changed none of them.
    assert _status_figures(at) == before and before


def _status_figures(at: AppTest) -> list[str]:
    """The figures of the status counts block (one HTML block: dashboard/ui/widgets.py status_counts), in order."""
    block = next(m.value for m in at.markdown if 'class="status-counts"' in m.value)
    return re.findall(r'class="status-count-n"[^>]*>(\d+)<', block)


def test_the_row_rule_for_a_partial_roll_up_is_the_query_rule() -> None:
    """progress walks a place's few rows in Python (data.is_partial); tables filter frames (data.partial): one rule."""
    rows = [(src, n, of) for src in ("rollup", "direct", "municipal", None) for n in (None, 0, 3, 35)
            for of in (None, 3, 35)]
    frame = pl.DataFrame(rows, schema={"source": pl.Utf8, "n_reporting": pl.Int64, "n_expected": pl.Int64},
                         orient="row")
    by_frame = frame.select(data.partial().alias("p"))["p"].to_list()
    assert by_frame == [data.is_partial(*r) for r in rows]
    assert sum(by_frame) == 3  # rollup 0 of 3, 0 of 35, 3 of 35


def test_a_place_series_keeps_partial_years_apart_with_their_coverage() -> None:
    """A complete roll-up counts, a partial one is provisional, a direct figure is never partial."""
    rows = pl.DataFrame({"indicator_id": ["x"] * 4, "place_code": ["10000"] * 4,
                         "fiscal_year": [2021, 2022, 2023, 2024],
                         "value": [10.0, 11.0, 3.0, 12.0], "has_sample": [False, True, False, False],
                         "source": ["rollup", "rollup", "rollup", "direct"], "n_reporting": [35, 35, 3, None],
                         "n_expected": [35, 35, 35, None]})
    ps = pg.place_series(rows, "x", "10000")
    assert ps.values == {2021: 10.0, 2022: 11.0, 2024: 12.0}
    assert ps.sample == frozenset({2022})
    assert ps.partial == {2023: (3.0, 3, 35)}
    assert ps.coverage == {2021: (35, 35), 2022: (35, 35), 2023: (3, 35)}
    assert pg.place_series(rows, "x", "10201").values == {}
