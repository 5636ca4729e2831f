"""Nothing non-finite is shown (issue 10): NaN/inf in a snapshot count as missing when values are read,
roll-ups that overflow are left out, and extreme-but-finite files render on every page and give valid
JSON. The files are written straight into a temporary store (validation would reject them)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import cli, data, db, export, views
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore
from tests.apptest_pages import names, switch

CAT = load_catalog()
APP = str(ROOT / "dashboard" / "app.py")
PAGES = names()  # from the page registry
MUNIS = CAT.municipality_codes()


def _no_constant(name: str) -> float:
    raise ValueError(f"not JSON: {name}")


def _publish(store: LocalStore, rows: list[tuple[str, str, int, float]], label: str) -> None:
    frame = pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8,
                                       "fiscal_year": pl.Int32, "value": pl.Float64}, orient="row")
    store.publish(to_parquet_bytes(frame), label=label, kind="sample", source_name="extreme.parquet",
                  rows=frame.height, publisher="test")


def test_non_finite_values_are_missing_and_overflowing_roll_ups_left_out(data_copy: Path) -> None:
    store = LocalStore(data_copy)
    _publish(store, [("kayoi_participants", "10201", 2024, math.nan),     # had a value in 0004
                     ("kayoi_participants", "10202", 2024, math.inf),
                     ("care_meetings_held", "10201", 2024, -math.inf)]
             + [("kayoi_places_weekly", m, 2024, 1e308) for m in MUNIS], "non-finite")
    for as_read in (data.values(db.connect(), store, CAT),
                    data.values_for(db.connect(), store, CAT, store.list(), cache_dir=None)):
        assert as_read["value"].is_finite().all() and as_read.height
        key = (pl.col("indicator_id") == "kayoi_participants") & (pl.col("fiscal_year") == 2024)
        # NaN in the newest snapshot: missing, not the older value coming back.
        assert as_read.filter(key & pl.col("place_code").is_in(["10201", "10202"])).height == 0
        pref = as_read.filter(key & (pl.col("place_code") == "10000")).row(0, named=True)
        assert (pref["n_reporting"], pref["n_expected"]) == (33, 35)  # and so the roll-up is partial
        # 35 × 1e308 overflows: the municipalities' values stay, the prefecture's sum is left out.
        weekly = as_read.filter((pl.col("indicator_id") == "kayoi_places_weekly") & (pl.col("fiscal_year") == 2024))
        assert set(weekly["place_code"]) >= set(MUNIS) and "10000" not in set(weekly["place_code"])
    rows = pg.progress_for_place(CAT, data.values(db.connect(), store, CAT, None, (), pg.needed_places("10000")),
                                 "10000", 2024)
    a1 = next(r for r in rows if r.target_id == "A1-2025")
    assert a1.actual_year == 2023 and a1.provisional_year == 2024 and a1.provisional_n_reporting == 33


def test_progress_rows_and_exports_never_hold_inf_or_nan() -> None:
    ind = CAT.indicators["kayoi_places_weekly"]
    tg = next(t for t in CAT.targets if t.id == "A3-2025")
    p = pg.evaluate(tg, ind, {2021: 1e300, 2024: 1e300 * 1e8}, 2024, place="10000")
    assert p.actual_value == 1e308
    for v in p.as_dict().values():
        assert not (isinstance(v, float) and not math.isfinite(v))
    frame = pl.DataFrame({"label": ["x"], "v": [math.inf], "w": [-5.0]})
    text = export.csv_bytes(frame).decode("utf-8-sig")
    assert "inf" not in text.lower() and text.splitlines()[1].startswith("x,,-5.0")


@pytest.fixture()
def extreme(data_copy: Path) -> Iterator[Path]:
    """1e300 for every count indicator in every municipality, FY2024 (and 1e308 for one of them)."""
    store = LocalStore(data_copy)
    counts = [i.id for i in CAT.indicators.values() if i.kind == "count" and i.rollup == "sum" and i.policy_area
              != "context"]
    _publish(store, [(i, m, 2024, 1e308 if i == "care_meetings_held" else 1e300) for i in counts for m in MUNIS],
             "extreme")
    yield data_copy


def _specs(at: AppTest) -> list[Any]:
    return [json.loads(el.proto.spec, parse_constant=_no_constant) for el in at.get("plotly_chart")]


def _biggest(specs: list[Any]) -> float:
    """The largest number drawn in the charts (to see that the extreme values did reach the pages)."""
    ys = [y for sp in specs for tr in sp["data"] for y in (tr.get("y") or []) if isinstance(y, (int, float))]
    return max(ys, default=0.0)


def test_every_page_and_tab_renders_extreme_values_and_json_stays_valid(
        extreme: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seen = 0.0
    for place in ("10000", "10366"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["place"] = place
        at.query_params["year"] = "2024"
        at.run()
        for page in PAGES:
            if page != "overview":
                switch(at, page).run()
            assert not at.exception, (place, page, [e.value for e in at.exception])
            tabs = [tb.label for tb in at.tabs] if f"{page}_section" in at.session_state else [None]
            for tab in tabs:
                if tab is not None:
                    at.session_state[f"{page}_section"] = tab
                    at.run()
                    assert not at.exception, (place, page, tab, [e.value for e in at.exception])
                seen = max(seen, _biggest(_specs(at)))  # every chart's JSON is valid (no Infinity/NaN)
                for df in at.dataframe:
                    num = df.value.select_dtypes("number")
                    assert not num.isin([math.inf, -math.inf]).any().any(), (place, page, tab)
                texts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [m.value for m in at.metric]
                if page == "methodology":  # (its method text names NaN and infinity on purpose)
                    texts = [m.value for m in at.metric]
                assert not any(re.search(r"(?i)(?<![a-z])(inf|infinity|nan)(?![a-z])", str(x)) for x in texts), texts
    assert seen >= 1e300  # the extreme values were drawn, not silently dropped
    for place in ("10000", "K01", "10201"):
        assert cli.main(["progress", "--place", place, "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out, parse_constant=_no_constant)
        assert out["targets"]
    vals = data.values(db.connect(), LocalStore(extreme), CAT, None, ("kayoi_participants", "pop65"), ())
    table = views.comparison(CAT, vals, "kayoi_participants", 2024, "ja")
    for col in ("value", "per_1000", "share", "vs_benchmark"):
        assert table[col].drop_nulls().is_finite().all()
