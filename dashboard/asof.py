"""The arguments of the as-of rule (queries/macros/as_of.sql) and of the values query built on it.

The rule itself is SQL, written once; this module only says which snapshots it reads and, for
queries/values.sql, which indicators and municipalities a request needs read (so that DuckDB filters
the Parquet scan with constant lists before the rule ranks anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.storage import SnapshotMeta, SnapshotStore


def asof_args(store: SnapshotStore, snaps: Sequence[SnapshotMeta]) -> dict[str, list[Any]]:
    """The snapshot arguments of the as-of rule: files, seqs, ids, kinds, same order."""
    return {"files": [store.path(m) for m in snaps], "seqs": [m.seq for m in snaps],
            "ids": [m.id for m in snaps], "kinds": [m.kind for m in snaps]}


def read_indicators(catalog: Catalog, indicator_ids: Sequence[str]) -> list[str]:
    """The indicators to read for these (empty = all): each one, and the parts of a weighted rate."""
    ids = list(indicator_ids) or list(catalog.indicators)
    read = set(ids)
    for i in ids:
        ind = catalog.indicators.get(i)
        if ind is not None and ind.rollup == "weighted_rate":
            read |= {p for p in (ind.numerator, ind.denominator) if p}
    return sorted(read)


def read_places(catalog: Catalog, places: Sequence[str]) -> list[str]:
    """The place codes whose rows to read for these places (empty = all): each place and its municipalities."""
    if not places:
        return []
    codes = set(places)
    for p in places:
        codes |= set(catalog.municipality_codes() if p == PREFECTURE else catalog.members(p))
    return sorted(codes)


def rollup_rules(catalog: Catalog) -> dict[str, list[Any]]:
    """The loaded catalog's roll-up rules as queries/values.sql takes them (one list per column)."""
    inds = list(catalog.indicators.values())
    return {"ind_ids": [i.id for i in inds], "ind_rollups": [i.rollup for i in inds],
            "ind_numerators": [i.numerator for i in inds], "ind_denominators": [i.denominator for i in inds],
            "ind_scales": [i.scale for i in inds]}


def values_args(store: SnapshotStore, catalog: Catalog, snaps: Sequence[SnapshotMeta],
                indicator_ids: Sequence[str], places: Sequence[str]) -> dict[str, Any]:
    """All bound parameters of queries/values.sql for one request."""
    return {**asof_args(store, snaps), **rollup_rules(catalog),
            "municipalities_csv": str(catalog.municipalities_csv), "indicator_ids": list(indicator_ids),
            "places": list(places), "read_indicators": read_indicators(catalog, indicator_ids),
            "read_places": read_places(catalog, places)}
