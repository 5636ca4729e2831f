"""The naive baseline: pandas reads every visible Parquet file on each call, then filters,
applies the as-of rule and rolls up in memory, with no caching and no pushdown.

It computes the same frame as dashboard.data.values (checked in tests/test_bench_smoke.py), so
the ratios compare the same work done two ways.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import polars as pl

from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.data import VALUE_SCHEMA
from dashboard.storage import SnapshotMeta, SnapshotStore, visible

KEY = ["indicator_id", "code", "fiscal_year"]


def read_all(store: SnapshotStore, snaps: Sequence[SnapshotMeta]) -> pd.DataFrame:
    """Every row of every snapshot, with its seq and kind (what a naive page does on each rerun)."""
    frames = []
    for m in snaps:
        df = pd.read_parquet(store.path(m))
        df["seq"] = m.seq
        df["kind"] = m.kind
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def values(store: SnapshotStore, catalog: Catalog, as_of: str | None = None,
           indicator_ids: Sequence[str] = (), places: Sequence[str] = ()) -> pl.DataFrame:
    """Same result as dashboard.data.values, the naive way."""
    snaps = visible(store.list(), as_of)
    if not snaps:
        return pl.DataFrame(schema=VALUE_SCHEMA)
    return values_from(read_all(store, snaps), catalog, indicator_ids, places)


def values_from(raw: pd.DataFrame, catalog: Catalog, indicator_ids: Sequence[str] = (),
                places: Sequence[str] = ()) -> pl.DataFrame:
    """The as-of rule, derived rates and roll-ups over an in-memory frame of all rows."""
    inds = catalog.indicators
    asked = [i for i in inds.values() if not indicator_ids or i.id in indicator_ids]
    asked_ids = {i.id for i in asked}
    wanted = asked_ids | {x for i in asked for x in (i.numerator, i.denominator) if x}
    munis = set(catalog.municipality_codes())
    members = pd.DataFrame(
        [(c, a) for c, a in zip(catalog.municipalities["code5"], catalog.municipalities["area_code"], strict=True)]
        + [(c, PREFECTURE) for c in munis], columns=["code", "place_code"])
    expected = members.groupby("place_code").size().rename("n_expected").reset_index()

    obs = raw.rename(columns={"municipality_code": "code"})
    obs = obs[obs["indicator_id"].isin(wanted)]
    obs = obs.sort_values("seq", ascending=False).drop_duplicates(KEY, keep="first")
    obs = obs.assign(has_sample=obs["kind"] == "sample")
    mobs = obs[obs["code"].isin(munis)]

    pair_frames = []
    for i in asked:
        if i.rollup != "weighted_rate":
            continue
        n = mobs[mobs["indicator_id"] == i.numerator]
        d = mobs[mobs["indicator_id"] == i.denominator]
        p = n.merge(d, on=["code", "fiscal_year"], suffixes=("_n", "_d"))
        p = p[p["value_d"] > 0]
        pair_frames.append(pd.DataFrame({
            "indicator_id": i.id, "code": p["code"], "fiscal_year": p["fiscal_year"],
            "num": p["value_n"], "den": p["value_d"], "scale": i.scale if i.scale is not None else 1.0,
            "seq": np.maximum(p["seq_n"], p["seq_d"]), "has_sample": p["has_sample_n"] | p["has_sample_d"]}))
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else pd.DataFrame(
        columns=["indicator_id", "code", "fiscal_year", "num", "den", "scale", "seq", "has_sample"])

    direct = mobs[mobs["indicator_id"].isin(asked_ids)][
        ["indicator_id", "code", "fiscal_year", "value", "seq", "has_sample"]].assign(source="direct")
    derived = pairs.assign(value=pairs["num"] / pairs["den"] * pairs["scale"], source="derived")[
        ["indicator_id", "code", "fiscal_year", "value", "seq", "has_sample", "source"]]
    mbest = (pd.concat([direct, derived], ignore_index=True)
             .assign(_d=lambda x: x["source"] == "derived").sort_values("_d", kind="stable")
             .drop_duplicates(KEY, keep="first").drop(columns="_d"))

    rule = {i.id: i.rollup for i in asked}
    rolled_frames = []
    mr = mbest.assign(rollup=mbest["indicator_id"].map(rule))
    mr = mr[mr["rollup"].isin(["sum", "mean", "count_flag"])].merge(members, on="code")
    if len(mr):
        mr["flag"] = (mr["value"] >= 0.5).astype(float)
        g = mr.groupby(["indicator_id", "place_code", "fiscal_year"])
        agg = g.agg(rollup=("rollup", "first"), s=("value", "sum"), m=("value", "mean"), f=("flag", "sum"),
                    n_reporting=("value", "size"), seq=("seq", "max"), has_sample=("has_sample", "any")).reset_index()
        agg["value"] = np.select([agg["rollup"] == "sum", agg["rollup"] == "mean"], [agg["s"], agg["m"]], agg["f"])
        rolled_frames.append(agg)
    pm = pairs.merge(members, on="code")
    if len(pm):
        g = pm.groupby(["indicator_id", "place_code", "fiscal_year"])
        agg = g.agg(num=("num", "sum"), den=("den", "sum"), scale=("scale", "first"), n_reporting=("num", "size"),
                    seq=("seq", "max"), has_sample=("has_sample", "any")).reset_index()
        agg["value"] = agg["num"] / agg["den"] * agg["scale"]
        rolled_frames.append(agg)
    cols = ["indicator_id", "place_code", "fiscal_year", "value", "source", "n_reporting", "seq", "has_sample"]
    rolled = (pd.concat(rolled_frames, ignore_index=True).assign(source="rollup")[cols]
              if rolled_frames else pd.DataFrame(columns=cols))

    other = obs[~obs["code"].isin(munis) & obs["indicator_id"].isin(asked_ids)]
    other = other.rename(columns={"code": "place_code"}).assign(source="direct", n_reporting=pd.NA)[cols]
    own = mbest.rename(columns={"code": "place_code"}).assign(n_reporting=1)[cols]
    parts = [f for f in (own, other, rolled) if len(f)]
    if not parts:
        return pl.DataFrame(schema=VALUE_SCHEMA)
    every = pd.concat(parts, ignore_index=True)
    if places:
        every = every[every["place_code"].isin(list(places))]
    every = (every.assign(_r=every["source"] == "rollup").sort_values("_r", kind="stable")
             .drop_duplicates(["indicator_id", "place_code", "fiscal_year"], keep="first").drop(columns="_r"))
    every = every.merge(expected, on="place_code", how="left")
    every["n_expected"] = every["n_expected"].fillna(1)
    every = every.sort_values(["indicator_id", "place_code", "fiscal_year"])
    out = every[list(VALUE_SCHEMA)].astype({"n_reporting": "Int64", "n_expected": "int64", "seq": "int32",
                                            "fiscal_year": "int32", "has_sample": "bool", "value": "float64"})
    return pl.from_pandas(out).cast(VALUE_SCHEMA)  # type: ignore[arg-type]
