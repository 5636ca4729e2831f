"""The page factory: one st.Page per registry entry (dashboard.registry), each drawing its section module.

Only the upload page is a script (pages/upload.py); every other page is a function given the resolved
filters of the run explicitly, through the `Run` the entry script fills in.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dashboard import registry
from dashboard.catalog import Catalog
from dashboard.registry import PageSpec
from dashboard.ui import area, methodology, overview, profile
from dashboard.ui.filters import Filters


@dataclass
class Run:
    """What this script run's pages are given: the navigation and the resolved filters."""

    pages: dict[str, Any] = field(default_factory=dict)  # registry name -> st.Page
    filters: Filters | None = None


def draw(spec: PageSpec, run: Run) -> None:
    """Draw one page of the registry with this run's filters."""
    f = run.filters
    if f is None:  # drawn before the filters were resolved: nothing to show yet
        return
    if spec.kind == "overview":
        overview.page(f, run.pages)
    elif spec.area is not None:
        area.page(f, spec.area.id)
    elif spec.kind == "profile":
        profile.page(f)
    elif spec.kind == "methodology":
        methodology.page(f)


_SPECS: dict[int, tuple[Catalog, list[PageSpec]]] = {}  # id(catalog) -> (the catalog, its registry pages)


def specs(cat: Catalog) -> list[PageSpec]:
    """The registry's pages of a catalog, worked out once per catalog object (every run asks for them)."""
    hit = _SPECS.get(id(cat))
    if hit is None or hit[0] is not cat:
        hit = _SPECS[id(cat)] = (cat, registry.pages(cat))
    return hit[1]


def build(cat: Catalog, lang: str, run: Run) -> dict[str, Any]:
    """The st.Page of every registry page in menu order, titled in the chosen language."""
    out: dict[str, Any] = {}
    for spec in specs(cat):
        if spec.kind in registry.SCRIPTS:
            out[spec.name] = st.Page(str(registry.SCRIPTS[spec.kind]), title=spec.title(lang), url_path=spec.name)
        else:
            out[spec.name] = st.Page(functools.partial(draw, spec, run), title=spec.title(lang), url_path=spec.name,
                                     default=spec.name == registry.DEFAULT_PAGE)
    run.pages = out
    return out


def name_of(pages: dict[str, Any], chosen: Any) -> str:
    """The registry name of the page st.navigation chose."""
    return next((k for k, p in pages.items() if p.url_path == chosen.url_path), registry.DEFAULT_PAGE)
