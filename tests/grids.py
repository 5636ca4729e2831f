"""Helpers shared by tests: the bundled snapshots' ids, the request combinations the pages make, and a data
folder's files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from dashboard.catalog import Catalog
from dashboard.config import NATIONAL, PREFECTURE, ROOT
from dashboard.storage import LocalStore


def bundled_ids() -> list[str]:
    """The ids of the snapshots bundled in data/, oldest first. Look them up here rather than writing them out:
    the part after the sequence number is a content hash, so regenerating the sample (scripts/generate_data.py
    --seed N) changes 0002–0004's ids (0001, the plan's official figures, does not depend on the seed)."""
    return [m.id for m in LocalStore(ROOT / "data").list()]


def bundled_id(seq: int) -> str:
    """The id of bundled snapshot number seq (1 = official, 2–4 = the fictional sample, 4 the newest)."""
    return next(i for i in bundled_ids() if int(i.split("-", 1)[0]) == seq)


def request_grid(cat: Catalog, store: LocalStore) -> list[tuple[str | None, tuple[str, ...], tuple[str, ...]]]:
    """(as_of, indicator_ids, places) combinations the pages ask for, plus edge cases."""
    munis = cat.municipality_codes()
    area = cat.area_of(munis[0])
    metas = store.list()
    rate = next(i for i in cat.indicators.values() if i.rollup == "weighted_rate")
    place_sets: list[tuple[str, ...]] = [(), (PREFECTURE,), (area,), (munis[0],), (munis[0], area, PREFECTURE),
                                         (munis[1], NATIONAL), (NATIONAL,), ("99999",), tuple(munis)]
    id_sets: list[tuple[str, ...]] = [(), (rate.id,), tuple(i.id for i in cat.indicators_in("1")), ("no_such",)]
    return [(as_of, ids, places) for as_of in (None, metas[len(metas) // 2].id)
            for ids in id_sets for places in place_sets]


def data_tree(root: Path) -> dict[str, str]:
    """Every file of a data folder with its SHA-256, except the pre-aggregated cache (derived, deletable)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] != "cache"}
