"""Progress tables a reader can trust at a glance: no None/nan cell, a dash with its reason, the share as the
chart writes it, and one card per target on a phone (tests' own catalog: tests/conftest.py)."""

from __future__ import annotations

import polars as pl

from dashboard import progress as pg
from dashboard import views
from dashboard.catalog import Catalog
from dashboard.data import VALUE_SCHEMA
from dashboard.ui import widgets

TEXT_COLUMNS = ("label", "status_text", "reason", "actual_text", "actual_year", "target_text", "share_text",
                "baseline_text", "data", "share_of_prefecture_text", "per_1000_text", "coverage")


def _values(rows: list[tuple[str, str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame([{"indicator_id": i, "place_code": p, "fiscal_year": y, "value": v, "source": "municipal",
                          "n_reporting": None, "n_expected": None, "has_sample": False, "seq": 1}
                         for i, p, y, v in rows], schema=VALUE_SCHEMA)


def test_no_cell_reads_none_and_a_missing_figure_says_why(tiny_catalog: Catalog) -> None:
    vals = _values([("t_people", "19001", 2024, 12.0), ("t_rate", "19001", 2024, 9.5)])
    for lang in ("ja", "en"):
        tbl = views.progress_table(tiny_catalog, pg.progress_for_place(tiny_catalog, vals, "19001", 2024), lang)
        for col in TEXT_COLUMNS:
            cells = tbl[col].to_list()
            assert all(isinstance(c, str) for c in cells), col
            assert not [c for c in cells if c in ("None", "nan", "null") or "None" in c], col
    ja = views.progress_table(tiny_catalog, pg.progress_for_place(tiny_catalog, vals, "19001", 2024), "ja")
    flag = ja.filter(pl.col("target_id") == "T-flag").row(0, named=True)
    assert flag["actual_text"] == "－（未報告）" and flag["share_text"] == "－（対象外）"
    # A yes/no measure never gets a share of the prefecture.
    assert flag["share_of_prefecture_text"] == "－（対象外）"


def test_the_table_writes_the_share_as_the_chart_does(tiny_catalog: Catalog) -> None:
    t = next(x for x in tiny_catalog.targets if x.id == "T-people")
    p = pg.evaluate(t, tiny_catalog.indicators["t_people"], {2022: 157.44}, 2022, place="10000")
    row = views.progress_table(tiny_catalog, [p], "ja").row(0, named=True)
    assert row["share_text"] == "57%"  # (157.44 − 100) ÷ (200 − 100), a whole percentage as on the bar


def test_a_phone_gets_one_card_per_target_with_its_verdict(tiny_catalog: Catalog) -> None:
    t = next(x for x in tiny_catalog.targets if x.id == "T-people")
    p = pg.evaluate(t, tiny_catalog.indicators["t_people"], {2025: 190.0}, 2025, place="10000")
    tbl = views.progress_table(tiny_catalog, [p], "ja").with_columns(label=pl.lit("<b>目標</b>"))
    html = widgets.progress_cards_html(tbl, {"actual_text": "実績", "target_text": {"label": "目標値"}})
    assert html.count('class="progress-card"') == 1
    assert "× 未達成" in html and "目標200単位に10単位不足（目標の95.0%）" in html
    assert "実績：190単位" in html and "目標値：200単位" in html
    assert "&lt;b&gt;目標&lt;/b&gt;" in html and "<b>目標</b>" not in html  # every cell escaped
