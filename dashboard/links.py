"""The view model: one `View` of what is on screen, with one parse and one serialise (no Streamlit here).

A view is the page, the filters (place, fiscal year, as-of snapshot, language, plan period), the open tab
of a policy-area page, and how it is shown (normal, presenter mode, embedded single chart). The as-of
snapshot id is always written into a shared link, so a link opened after new uploads still shows the
same numbers. `parse_params` checks filter values against what the data offers (`Choices`); the page
names come from the page registry (dashboard.registry). dashboard/ui/filters.py is the only module that
reads or writes the browser's URL (st.query_params); it does so through this model.

URL shape: {base}/{page}?place=10201&year=2023&as_of=0002-cb47d870&lang=en&plan=8&mode=present&slide=3
The overview is served at "/" (Streamlit's default page), so its path is empty.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode, urlsplit

from dashboard import i18n, registry
from dashboard.catalog import load_catalog

DEFAULT_PAGE = registry.DEFAULT_PAGE
MODES = ("normal", "present")
LANGS = i18n.LANGS  # every language with a message catalogue under locale/
LATEST = "latest"
FILTER_KEYS = ("place", "year", "as_of", "lang", "plan")
TABS = (i18n.N_("headline"), i18n.N_("trends"), i18n.N_("comparison"))  # the tabs of a policy-area page
_PLAN_ID = re.compile(r"[A-Za-z0-9_-]{1,20}")
_ID = re.compile(r"[A-Za-z0-9_-]{1,60}")  # an indicator id in a link (checked against the page's choices there)


@functools.cache
def _registry_pages(folder: str) -> tuple[str, ...]:
    return tuple(registry.names(load_catalog(), upload=True))


def known_pages() -> tuple[str, ...]:
    """The page names of the configured catalog (the page registry)."""
    from dashboard.config import catalog_dir

    return _registry_pages(str(catalog_dir()))


@dataclass(frozen=True)
class View:
    """Everything a link reproduces."""

    page: str = DEFAULT_PAGE
    place: str = "10000"
    year: int | None = None  # None: the latest year with data
    as_of: str = LATEST  # a snapshot id, or LATEST (follows new uploads: not for shared links)
    lang: str = "ja"
    mode: str = "normal"
    embed: bool = False
    chart: str | None = None  # with embed: the key of the one chart to show
    slide: int | None = None  # presenter mode: the screen shown (0-based)
    tab: str | None = None  # policy-area pages: the open tab (None: the page's first)
    plan: str | None = None  # the plan period whose targets are shown (None: the newest with targets)
    cmp: str | None = None  # the comparison tab: the indicator compared (an indicator id)
    order: str | None = None  # the comparison tab: "laggards" first (None: the leaders first)


# ---------------------------------------------------------------- filters checked against the data

@dataclass(frozen=True)
class Choices:
    """What each filter accepts; the first entry of each is the default (year: `default_year`)."""

    places: tuple[str, ...]
    years: tuple[int, ...]
    default_year: int
    as_of: tuple[str, ...]  # LATEST first, then snapshot ids newest first
    plans: tuple[str, ...] = ()  # plan periods with targets, the default (newest) first


@dataclass(frozen=True)
class Notice:
    """A URL value that could not be used."""

    key: str
    value: str


def parse_param(key: str, raw: str, choices: Choices) -> object | None:
    """A URL value converted to the filter's value, or None when it is not valid."""
    raw = raw.strip()
    if key == "place":
        return raw if raw in choices.places else None
    if key == "year":
        year = _int(raw)
        return year if year in choices.years else None
    if key == "as_of":
        return raw if raw in choices.as_of else None
    if key == "lang":
        return raw if raw in LANGS else None
    if key == "plan":
        return raw if raw in choices.plans else None
    return None


def parse_params(query: Mapping[str, str], choices: Choices) -> tuple[dict[str, object], list[Notice]]:
    """Valid filter values found in URL params, and a notice for each invalid one."""
    good: dict[str, object] = {}
    bad: list[Notice] = []
    for key in FILTER_KEYS:
        if key in query:
            value = parse_param(key, query[key], choices)
            if value is None:
                bad.append(Notice(key, query[key]))
            else:
                good[key] = value
    return good, bad


# ---------------------------------------------------------------- one serialise, one parse


def params(view: View) -> dict[str, str]:
    """Query parameters of a view, in a stable order; defaults for mode/embed are left out."""
    out: dict[str, str] = {"place": view.place}
    if view.year is not None:
        out["year"] = str(view.year)
    if view.as_of != LATEST:
        out["as_of"] = view.as_of
    out["lang"] = view.lang
    if view.plan:
        out["plan"] = view.plan
    if view.tab:
        out["tab"] = view.tab
    if view.cmp:
        out["cmp"] = view.cmp
    if view.order:
        out["order"] = view.order
    if view.mode != "normal":
        out["mode"] = view.mode
    if view.embed:
        out["embed"] = "true"
    if view.chart:
        out["chart"] = view.chart
    if view.slide is not None:
        out["slide"] = str(view.slide)
    return out


def path(page: str) -> str:
    """The URL path of a page (the overview is the root)."""
    return "/" if page == DEFAULT_PAGE else f"/{page}"


def build(view: View, base: str = "") -> str:
    """The full link: base URL (scheme://host[:port][/prefix]) + page path + query."""
    return f"{base.rstrip('/')}{path(view.page)}?{urlencode(params(view))}"


def pinned(view: View, snapshot_id: str | None) -> View:
    """The view with "latest" replaced by the snapshot actually shown, so the link keeps its numbers."""
    if view.as_of == LATEST and snapshot_id:
        return replace(view, as_of=snapshot_id)
    return view


def presenter(view: View, slide: int, snapshot_id: str | None) -> View:
    """Presenter mode at one screen of a view, pinned to the snapshot shown (a link to show it again later)."""
    return pinned(replace(view, mode="present", embed=False, chart=None, slide=slide), snapshot_id)


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip()
    digits = raw[2:] if raw.upper().startswith("FY") else raw
    return int(digits) if digits.isdigit() else None


def from_params(page: str, query: Mapping[str, str], pages: Collection[str] | None = None) -> View:
    """A view from a page name and query parameters; unknown or malformed values fall back to defaults.

    `pages`: the page names accepted (default: the registry's pages of the configured catalog)."""
    d = View()
    pages = known_pages() if pages is None else pages
    plan = query.get("plan", "").strip()
    mode = query.get("mode", "normal")
    lang = query.get("lang", d.lang)
    tab = query.get("tab")
    cmp = query.get("cmp", "").strip()
    return View(
        page=page if page in pages else DEFAULT_PAGE,
        place=query.get("place", d.place).strip() or d.place,
        year=_int(query.get("year")),
        as_of=query.get("as_of", LATEST).strip() or LATEST,
        lang=lang if lang in LANGS else d.lang,
        mode=mode if mode in MODES else "normal",
        embed=query.get("embed", "").lower() in ("true", "1", "yes"),
        chart=query.get("chart") or None,
        slide=_int(query.get("slide")),
        tab=tab if tab in TABS else None,
        plan=plan if _PLAN_ID.fullmatch(plan) else None,
        cmp=cmp if _ID.fullmatch(cmp) else None,
        order="laggards" if query.get("order") == "laggards" else None,
    )


def parse(url: str) -> View:
    """The view a link shows (inverse of build())."""
    parts = urlsplit(url)
    page = parts.path.rstrip("/").rsplit("/", 1)[-1] or DEFAULT_PAGE
    return from_params(page, dict(parse_qsl(parts.query, keep_blank_values=True)))


def base_from(url: str) -> str:
    """scheme://host[:port] of a URL (e.g. the browser's address, from st.context.url)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
