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
    """Optional municipal boundary GeoJSON for choropleth maps ($GUNMA_BOUNDARY_GEOJSON)."""
    p = os.environ.get("GUNMA_BOUNDARY_GEOJSON")
    return Path(p) if p and Path(p).is_file() else None


def cache_dir() -> Path:
    """Pre-aggregated values (a cache, safe to delete): $GUNMA_CACHE_DIR, else cache/ in the data folder."""
    return Path(os.environ.get("GUNMA_CACHE_DIR") or data_dir() / "cache")
