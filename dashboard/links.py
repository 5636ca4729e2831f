""""Link to this view": build and parse the URL of exactly what is on screen (no Streamlit here).

A view is the page, the filters (place, fiscal year, as-of snapshot, language), the open tab of a
policy-area page, and how it is shown (normal, presenter mode, embedded single chart). The as-of
snapshot id is always written into a shared link, so a link opened after new uploads still shows the
same numbers.

URL shape: {base}/{page}?place=10201&year=2023&as_of=0002-cb47d870&lang=en&mode=present&slide=3
The overview is served at "/" (Streamlit's default page), so its path is empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode, urlsplit

PAGES = ("overview", "area1", "area2", "area3", "area4", "area5", "profile", "methodology", "upload")
DEFAULT_PAGE = "overview"
MODES = ("normal", "present")
LANGS = ("ja", "en")
LATEST = "latest"
FILTER_KEYS = ("place", "year", "as_of", "lang")
MODE_KEYS = ("mode", "embed", "chart", "slide")
TABS = ("headline", "trends", "comparison")  # the tabs of a policy-area page


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


def params(view: View) -> dict[str, str]:
    """Query parameters of a view, in a stable order; defaults for mode/embed are left out."""
    out: dict[str, str] = {"place": view.place}
    if view.year is not None:
        out["year"] = str(view.year)
    if view.as_of != LATEST:
        out["as_of"] = view.as_of
    out["lang"] = view.lang
    if view.tab:
        out["tab"] = view.tab
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


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    raw = raw.strip()
    digits = raw[2:] if raw.upper().startswith("FY") else raw
    return int(digits) if digits.isdigit() else None


def from_params(page: str, query: Mapping[str, str]) -> View:
    """A view from a page name and query parameters; unknown or malformed values fall back to defaults."""
    d = View()
    mode = query.get("mode", "normal")
    lang = query.get("lang", d.lang)
    tab = query.get("tab")
    return View(
        page=page if page in PAGES else DEFAULT_PAGE,
        place=query.get("place", d.place).strip() or d.place,
        year=_int(query.get("year")),
        as_of=query.get("as_of", LATEST).strip() or LATEST,
        lang=lang if lang in LANGS else d.lang,
        mode=mode if mode in MODES else "normal",
        embed=query.get("embed", "").lower() in ("true", "1", "yes"),
        chart=query.get("chart") or None,
        slide=_int(query.get("slide")),
        tab=tab if tab in TABS else None,
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
