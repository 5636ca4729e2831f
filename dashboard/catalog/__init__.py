"""Indicators, targets, policy areas and places, read from the catalog and reference files.

The catalog CSVs hold data only; every text a reader sees (indicator names, units, definitions, target
labels, policy-area, plan and place names) comes from one labels file per language,
`<catalog>/labels/<lang>.csv` (columns kind,id,field,text): adding a language is adding a file. A label
missing from any language's file is a load-time error naming the file and the id. A catalog without a
labels folder (older catalogs, test fixtures) may carry the texts inline as `<field>_<lang>` columns.

One module per job:

- labels: Labels, the texts by language (read_labels for a labels folder, inline_labels for `<field>_<lang>`
  columns), and which texts each kind of entry needs (LABEL_FIELDS).
- entries: the entries as data (Indicator, Target, Plan, PolicyArea) and the words a catalog file may use
  (KINDS, ROLLUPS, TARGET_KINDS, TARGET_LEVELS, TARGET_BELOW).
- readers: read_indicators / read_targets / read_plans, each CSV parsed and checked (a bad row is a ValueError).
- lookups: Catalog, everything loaded, and its lookups by plan, policy area and place.
- loading: load_catalog(), the configured folders read into a Catalog (cached per folder pair, in _load).

Every public name (and _load, which the tests call) is importable from dashboard.catalog itself, as it was when
this was one module. A test that replaces a name (monkeypatch) replaces it in the submodule that uses it
(reference_dir: dashboard.catalog.loading): a name rebound here is not seen there.
"""

from __future__ import annotations

from dashboard.catalog.entries import (
    KINDS,
    ROLLUPS,
    TARGET_BELOW,
    TARGET_KINDS,
    TARGET_LEVELS,
    Indicator,
    Plan,
    PolicyArea,
    Target,
)
from dashboard.catalog.labels import (
    FALLBACK_LANG,
    LABEL_FIELDS,
    NO_LABELS,
    OPTIONAL_LABEL_FIELDS,
    Labels,
    inline_labels,
    read_labels,
)
from dashboard.catalog.loading import _load as _load  # (the tests load their own catalog folders through it)
from dashboard.catalog.loading import load_catalog
from dashboard.catalog.lookups import Catalog
from dashboard.catalog.readers import KIND_BOUNDS, read_indicators, read_plans, read_targets

__all__ = [
    "FALLBACK_LANG", "KINDS", "KIND_BOUNDS", "LABEL_FIELDS", "NO_LABELS", "OPTIONAL_LABEL_FIELDS", "ROLLUPS",
    "TARGET_BELOW", "TARGET_KINDS", "TARGET_LEVELS", "Catalog", "Indicator", "Labels", "Plan", "PolicyArea", "Target",
    "inline_labels", "load_catalog", "read_indicators", "read_labels", "read_plans", "read_targets"
]
