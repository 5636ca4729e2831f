"""Query latency of realistic page requests through dashboard.data.values_for, as the app calls it
(reading the pre-aggregated file of the snapshot set: queries/values_cached.sql), beside the naive
pandas way and beside computing the values from the snapshots (queries/values.sql), at one scale."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from bench import naive
from bench.common import Figure, median, pct, timed
from dashboard import data, materialize
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE, ROOT
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
            r: Request, cache_dir: Path | None = None) -> Callable[[], pl.DataFrame]:
    """The project's way, as the app calls it: dashboard.data.values_for (with the pre-aggregated file
    when cache_dir is given, else computed from the snapshots)."""
    snaps = visible(store.list(), r.as_of)
    return lambda: data.values_for(con, store, catalog, snaps, r.indicator_ids, r.places, cache_dir=cache_dir)


def prebuild(store: LocalStore, catalog: Catalog, cache_dir: Path) -> float:
    """Build the pre-aggregated files of every snapshot set the requests use; seconds taken."""
    t0 = time.perf_counter()
    for as_of in sorted({r.as_of or "" for r in requests(catalog, store)}):
        materialize.build(cache_dir, store, catalog, visible(store.list(), as_of or None))
    return time.perf_counter() - t0


def build_figure(root: Path, scale: str, work: Path) -> Figure:
    """Time and peak memory of pre-aggregating the newest snapshot set, in a fresh process (as at publish)."""
    out = work / f"cache-build-{scale}"
    if out.exists():
        shutil.rmtree(out)
    code = ("import json, sys, time; from pathlib import Path; from bench import national; "
            "from bench.common import hwm_mb; from dashboard import materialize; from dashboard.catalog import "
            "load_catalog; from dashboard.storage import LocalStore, visible; "
            "root, out, scale = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]; "
            "cat = load_catalog() if scale == 'gunma' else national.national_catalog(root); "
            "st = LocalStore(root); snaps = visible(st.list(), None); t = time.perf_counter(); "
            "materialize.build(out, st, cat, snaps); "
            "print(json.dumps({'s': time.perf_counter() - t, 'mb': hwm_mb(), "
            "'bytes': sum(p.stat().st_size for p in out.glob('values-*'))}))")
    res = subprocess.run([sys.executable, "-c", code, str(root), str(out), scale], capture_output=True, text=True,
                         check=True, timeout=1800, env={**os.environ, "PYTHONPATH": str(ROOT)})
    got = json.loads(res.stdout.strip().splitlines()[-1])
    return Figure("query", scale, "pre-aggregate the newest snapshot set (once per publish)", got["s"] * 1000, "ms",
                  note=f"peak memory of the building process {got['mb']:,.0f} MB; file {got['bytes'] / 2**10:,.0f} KiB;"
                       " "
                       f"built in the background on first use, until then values are computed from the snapshots")


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
                 cache_dir: Path, reps: int = 3, names: Sequence[str] = ()) -> list[Figure]:
    """Median of each request computed from the snapshots (before) and read pre-aggregated (after)."""
    out = []
    for r in requests(catalog, store):
        if names and r.name not in names:
            continue
        after = timed(fast_fn(con, store, catalog, r, cache_dir), reps)
        before = timed(fast_fn(con, store, catalog, r), reps)
        out.append(Figure("query: computed from the snapshots → pre-aggregated", scale, f"{r.name} median",
                          median(after), "ms", median(before),
                          note="'naive' column = values.sql over every snapshot (the path until the pre-aggregated "
                               "file exists); ratio = speed-up"))
    return out


def naive_fn(store: LocalStore, catalog: Catalog, r: Request) -> Callable[[], pl.DataFrame]:
    """The naive way: pandas reads every file, filters and rolls up in memory."""
    return lambda: naive.values(store, catalog, r.as_of, r.indicator_ids, r.places)


def measure(con: duckdb.DuckDBPyConnection, store: LocalStore, catalog: Catalog, scale: str,
            reps: int = 20, naive_reps: int = 3, section: str = "query", cache_dir: Path | None = None) -> list[Figure]:
    """Median and p95 of each request, the project's way (pre-aggregated when cache_dir is given) and naive."""
    if cache_dir is not None:
        prebuild(store, catalog, cache_dir)
    out = []
    for r in requests(catalog, store):
        fast = timed(fast_fn(con, store, catalog, r, cache_dir), reps)
        slow = timed(naive_fn(store, catalog, r), naive_reps, warmup=0)
        rows = fast_fn(con, store, catalog, r, cache_dir)().height
        out.append(Figure(section, scale, f"{r.name} median", median(fast), "ms", median(slow),
                          target="< 50 ms (national)" if scale == "national" else "", note=f"{r.what}; {rows} rows",
                          extra={"p95": pct(fast, 0.95), "naive_p95": pct(slow, 0.95)}))
        out.append(Figure(section, scale, f"{r.name} p95", pct(fast, 0.95), "ms", pct(slow, 0.95)))
    return out
