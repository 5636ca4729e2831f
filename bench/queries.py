"""Query latency of realistic page requests through dashboard.data.values (the `values` query
via dashboard.db.run), beside the naive pandas way, at one scale."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from bench import naive
from bench.common import Figure, median, pct, timed
from dashboard import data
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.storage import LocalStore, visible


@dataclass(frozen=True)
class Request:
    """One page request: which indicators for which places (as the pages ask)."""

    name: str
    what: str
    indicator_ids: tuple[str, ...]
    places: tuple[str, ...]
    as_of: str | None = None


def requests(catalog: Catalog, store: LocalStore) -> list[Request]:
    """The requests a page rerun makes, with indicators and places taken from the catalog."""
    inds = catalog.indicators
    rate = next(i.id for i in inds.values() if i.rollup == "weighted_rate" and i.policy_area != "context")
    rate_i = inds[rate]
    count = rate_i.numerator or rate
    munis = catalog.municipality_codes()
    muni = "10201" if "10201" in munis else munis[0]
    area = catalog.area_of(muni)
    area1 = tuple(sorted({i.id for i in catalog.indicators_in("1")} | {"pop65"} & set(inds)))
    targets = tuple(sorted({t.indicator_id for t in catalog.targets} | ({"pop65"} & set(inds))))
    metas = [m for m in store.list() if not m.withdrawn]
    older = metas[len(metas) // 2].id if len(metas) > 1 else None
    return [
        Request("place_series", f"one municipality's series, policy area 1 ({len(area1)} indicators)",
                area1, (muni,)),
        Request("place_profile", "municipality, its area and the prefecture, policy area 1",
                area1, (muni, area, PREFECTURE)),
        Request("municipal_ranking", f"all {len(munis)} municipalities, one rate and its parts",
                (rate, count, rate_i.denominator or rate), tuple(munis)),
        Request("area_rollup", "one rate rolled up to every area and the prefecture",
                (rate,), (*catalog.area_codes(), PREFECTURE)),
        Request("prefecture_targets", f"prefecture roll-up of every target indicator ({len(targets)})",
                targets, (PREFECTURE,)),
        Request("prefecture_all", f"prefecture roll-up of all {len(inds)} indicators (year choices)",
                (), (PREFECTURE,)),
        Request("as_of_older", "prefecture targets as of a snapshot half-way back", targets, (PREFECTURE,), older),
    ]


def fast_fn(con: duckdb.DuckDBPyConnection, store: LocalStore, catalog: Catalog,
            r: Request) -> Callable[[], pl.DataFrame]:
    """The project's way: one call of dashboard.data.values."""
    return lambda: data.values(con, store, catalog, r.as_of, r.indicator_ids, r.places)


BEFORE_SQL = Path(__file__).with_name("values_before.sql")


def values_before(con: duckdb.DuckDBPyConnection, store: LocalStore, catalog: Catalog, as_of: str | None,
                  indicator_ids: Sequence[str], places: Sequence[str]) -> pl.DataFrame:
    """dashboard.data.values with the values query as it was before the optimisation (same parameters)."""
    snaps = visible(store.list(), as_of)
    if not snaps:
        return pl.DataFrame(schema=data.VALUE_SCHEMA)
    cur = con.cursor()
    try:
        df = cur.sql(BEFORE_SQL.read_text(encoding="utf-8"), params={
            "files": [store.path(m) for m in snaps], "seqs": [m.seq for m in snaps], "kinds": [m.kind for m in snaps],
            "indicators_csv": str(catalog.indicators_csv), "municipalities_csv": str(catalog.municipalities_csv),
            "indicator_ids": list(indicator_ids), "places": list(places)}).pl()
    finally:
        cur.close()
    return df.cast(data.VALUE_SCHEMA)  # type: ignore[arg-type]


def before_after(con: duckdb.DuckDBPyConnection, store: LocalStore, catalog: Catalog, scale: str,
                 reps: int = 3, names: Sequence[str] = ()) -> list[Figure]:
    """Median of each request with the values query before and after the optimisation (same run)."""
    out = []
    for r in requests(catalog, store):
        if names and r.name not in names:
            continue
        after = timed(fast_fn(con, store, catalog, r), reps)
        before = timed(functools.partial(values_before, con, store, catalog, r.as_of, r.indicator_ids, r.places),
                       reps)
        f = Figure("query: values.sql before → after optimisation", scale, f"{r.name} median", median(after), "ms",
                   median(before), note="'naive' column = the values query before the change; ratio = speed-up")
        out.append(f)
    return out


def naive_fn(store: LocalStore, catalog: Catalog, r: Request) -> Callable[[], pl.DataFrame]:
    """The naive way: pandas reads every file, filters and rolls up in memory."""
    return lambda: naive.values(store, catalog, r.as_of, r.indicator_ids, r.places)


def measure(con: duckdb.DuckDBPyConnection, store: LocalStore, catalog: Catalog, scale: str,
            reps: int = 20, naive_reps: int = 3, section: str = "query") -> list[Figure]:
    """Median and p95 of each request, fast and naive; also checks both give the same rows."""
    out = []
    for r in requests(catalog, store):
        fast = timed(fast_fn(con, store, catalog, r), reps)
        slow = timed(naive_fn(store, catalog, r), naive_reps, warmup=0)
        rows = fast_fn(con, store, catalog, r)().height
        out.append(Figure(section, scale, f"{r.name} median", median(fast), "ms", median(slow),
                          target="< 50 ms (national)" if scale == "national" else "", note=f"{r.what}; {rows} rows",
                          extra={"p95": pct(fast, 0.95), "naive_p95": pct(slow, 0.95)}))
        out.append(Figure(section, scale, f"{r.name} p95", pct(fast, 0.95), "ms", pct(slow, 0.95)))
    return out
