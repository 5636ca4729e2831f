"""Progress and coverage on the synthetic catalog and store of conftest.py, against numbers worked out by hand."""

from __future__ import annotations

import pytest

from dashboard import data, db
from dashboard import progress as pg
from dashboard.catalog import Catalog
from tests.conftest import TinyStore


def _rows(cat: Catalog, store: TinyStore, place: str, year: int) -> dict[str, pg.Progress]:
    vals = data.values(db.connect(), store.store, cat, places=pg.needed_places(place))
    return {r.target_id: r for r in pg.progress_for_place(cat, vals, place, year)}


def test_a_complete_roll_up_is_judged_from_its_growth_rate(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    flag = _rows(tiny_catalog, tiny_store, "10000", 2022)["T-flag"]
    # Flags 1, 0, 1, 0, 1 in FY2021 (all five reported): 3 municipalities; baseline 2 (2020), target 5 (2025).
    assert (flag.actual_year, flag.actual_value, flag.actual_n_reporting, flag.actual_n_expected) == (2021, 3.0, 5, 5)
    assert flag.share_of_way == pytest.approx((3 - 2) / (5 - 2))
    # Growth achieved (3/2)^(1/1) - 1 = 50 % a year against (5/2)^(1/5) - 1 needed: ratio ≈ 2.49 ≥ 0.95.
    assert flag.ratio == pytest.approx(0.5 / (2.5 ** (1 / 5) - 1))
    assert flag.status == "on_track"


def test_a_partial_roll_up_is_never_judged(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    rows = _rows(tiny_catalog, tiny_store, "10000", 2022)
    # t_people: FY2021 4 of 5 reported (19002 is NaN), FY2022 3 of 5: no complete year, nothing to judge.
    people = rows["T-people"]
    assert people.actual_value is None and people.status == "not_available"
    assert (people.provisional_year, people.provisional_value) == (2022, 63.0)  # 11 + 21 + 31
    assert (people.provisional_n_reporting, people.provisional_n_expected) == (3, 5)
    assert rows["T-rate"].actual_value is None and rows["T-rate"].status == "not_available"


def test_a_prefecture_rate_target_at_an_area_is_context_with_the_areas_own_figure(
        tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    rate = _rows(tiny_catalog, tiny_store, "T2", 2022)["T-rate"]
    # T2 = 19004 and 19005, both reported FY2021 only: (40 + 50) ÷ (400 + 500) × 100 = 10 %. The target is the
    # prefecture's: the area's figure is shown beside it for reference, never judged against it.
    assert (rate.status, rate.phase, rate.share_of_way, rate.ratio) == ("context", "context", None, None)
    assert (rate.actual_year, rate.actual_value) == (2021, pytest.approx(10.0))
    assert (rate.target_year, rate.target_value) == (2025, 12.0)
