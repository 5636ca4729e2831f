"""Where the project's files live; every path can be redirected for tests and deployments."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = ROOT / "queries"
PAGES_DIR = ROOT / "pages"

PREFECTURE = "10000"
NATIONAL = "00000"


def data_dir() -> Path:
    """The data folder: $GUNMA_DATA_DIR when set (tests, deployments), else the bundled data/."""
    return Path(os.environ.get("GUNMA_DATA_DIR") or ROOT / "data")


def catalog_dir() -> Path:
    """Catalog files (indicators, targets, policy areas): $GUNMA_CATALOG_DIR or data/catalog."""
    return Path(os.environ.get("GUNMA_CATALOG_DIR") or ROOT / "data" / "catalog")


def reference_dir() -> Path:
    """Reference files (municipalities, areas, population); always the bundled ones."""
    return ROOT / "data" / "reference"


def boundary_geojson() -> Path | None:
    """Municipal boundary GeoJSON for choropleth maps: $GUNMA_BOUNDARY_GEOJSON, else the bundled MLIT N03 file."""
    p = Path(os.environ.get("GUNMA_BOUNDARY_GEOJSON") or reference_dir() / "municipalities.geojson")
    return p if p.is_file() else None


def cache_dir() -> Path:
    """Pre-aggregated values (a cache, safe to delete): $GUNMA_CACHE_DIR, else cache/ in the data folder."""
    return Path(os.environ.get("GUNMA_CACHE_DIR") or data_dir() / "cache")


def _can_list(folder: Path) -> None:
    """Raise OSError when the folder cannot be listed; reads one entry, not all (this runs on every page run)."""
    with os.scandir(folder) as entries:
        next(entries, None)


def data_folder_problem(folder: Path | None = None) -> str | None:
    """Why the data folder cannot be used, or None.

    'missing' (no such path), 'not_folder' (a file), 'unreadable' (the OS refuses to list it or its
    snapshots/), 'no_snapshots' (a folder without snapshots/: most likely the wrong folder). Not checked
    when snapshots live in an object store ($GUNMA_STORE=s3://...): the folder then only holds caches.
    """
    if folder is None:
        if os.environ.get("GUNMA_STORE", "").strip().lower().startswith("s3://"):
            return None
        folder = data_dir()
    try:
        _can_list(folder / "snapshots")  # the usual answer in one system call (this runs on every page run)
        return None
    except OSError:
        pass  # then say which part is wrong
    try:
        if not folder.exists():
            return "missing"
        if not folder.is_dir():
            return "not_folder"
        _can_list(folder)
        snaps = folder / "snapshots"
        if not snaps.is_dir():
            return "no_snapshots"
        _can_list(snaps)
    except OSError:  # permission refused, a broken mount, a path component that is a file
        return "unreadable"
    return None
