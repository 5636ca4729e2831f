"""Every filter change beside the floor's, in the browser: place picked in the sidebar → script done and the
page painted, for every page (and every trends tab) and for the floor app, in one Chromium, same run.

The floor is bench/floor_app.py: a sidebar selectbox redrawing one Plotly chart, and its `?table=1` variant
(one st.dataframe too). Both are driven exactly as a page: the place typed in the sidebar filter and its option
clicked; the clock stops when Streamlit reports the script finished, every Plotly chart has its SVG and two
animation frames have passed (the browser has painted what arrived). Blocks of changes alternate floor and
page, so both see the same load on a shared machine. Each redraw is also split where Streamlit reports the
script finished: before it, the click, the server's run and its messages; after it, the browser drawing them.

Places: each page goes over the same municipalities as the floor. The first pass over them is the first
visit of each (place, page) on this server (its sections built now, as for the first official who asks that
morning: reported in the note); the figure is the passes after it (server memo warm, as for everyone after).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import browser
from bench.browser import ARGS, CHROMIUM
from bench.common import Figure, median, pct
from bench.floor import floor_figure

SECTION = "filter change in the browser (same run)"
REDRAW_TARGET = 1.3  # × the floor's p95
REDRAW_LIMIT_MS = 250.0


@dataclass
class Series:
    """The redraw times of one view (a page with its tab, or a floor), first visits apart; `rerun` holds the
    warm redraws' part until the script finished (the rest is the browser drawing what arrived)."""

    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    rerun: list[float] = field(default_factory=list)

    def drawing(self) -> list[float]:
        """The warm redraws' part after the script finished: the browser's own work."""
        return [t - r for t, r in zip(self.warm, self.rerun, strict=True)]


def change_place(pg: Any, code: str, label: str) -> tuple[float, float]:
    """A place change timed until the result is painted (bench.browser.change_place), and its part until the
    script finished."""
    total = browser.change_place(pg, code, label, painted=True)
    rerun = browser.script_done_ms(pg)
    return total, min(total, rerun) if rerun is not None else total


def _open(b: Any, url: str) -> tuple[Any, Any]:
    ctx = b.new_context(viewport={"width": 1280, "height": 720})
    ctx.add_init_script(browser.PHASES)
    pg = ctx.new_page()
    pg.goto(url)
    pg.wait_for_timeout(150)
    browser.wait_painted(pg)
    return ctx, pg


def _pass(b: Any, url: str, places: Sequence[str], label: Callable[[str], str]) -> list[tuple[float, float]]:
    """One browser tab opened at url, then the place changed through `places` in turn: (redraw, its rerun)."""
    ctx, pg = _open(b, url)
    try:
        return [change_place(pg, code, label(code)) for code in places]
    finally:
        ctx.close()


def trend_pages(cat: Any, pages: Sequence[str]) -> list[str]:
    """The area pages with a trends tab they do not open on (their trends are a second view to measure)."""
    from dashboard.ui.area import tabs_of

    out = []
    for p in pages:
        if p.startswith("area"):
            tabs = tabs_of(cat, p.removeprefix("area"))
            if "trends" in tabs[1:]:
                out.append(p)
    return out


# Where each view opens before the place changes: the prefecture, except the profile, which at the prefecture
# is only a picker (its first change would draw the whole profile for the first time, not redraw it).
START = {"profile": "10525"}


def views(pages: Sequence[str], trend_pages: Sequence[str]) -> list[tuple[str, str]]:
    """(name, URL path and query) of every view measured: each page as it opens, then each trends tab."""
    out = [(p, f"/{'' if p == 'overview' else p}?place={START.get(p, '10000')}") for p in pages]
    return out + [(f"{p} (trends tab)", f"/{p}?place=10000&tab=trends") for p in trend_pages]


def measure(app_url: str, floor_url: str, pages: Sequence[str], trend_pages: Sequence[str],
            places: Sequence[str], label: Callable[[str], str], passes: int = 2, scale: str = "gunma",
            browser: Any = None) -> list[Figure]:
    """Redraw after a place change for every view and both floors; one Figure per view beside the floor."""
    from playwright.sync_api import sync_playwright

    floors = {"floor": f"{floor_url}/?place=10000", "floor + table": f"{floor_url}/?place=10000&table=1"}
    got: dict[str, Series] = {}

    def block(b: Any, name: str, url: str, lab: Callable[[str], str], cold: bool) -> None:
        s = got.setdefault(name, Series())
        times = _pass(b, url, places, lab)
        if cold:
            s.cold.extend(t for t, _ in times)
        else:
            s.warm.extend(t for t, _ in times)
            s.rerun.extend(r for _, r in times)

    def run(b: Any) -> None:
        for rnd in range(passes + 1):  # round 0: every view's first visit of each place
            for name, path in views(pages, trend_pages):
                for fname, furl in floors.items():
                    block(b, fname, furl, str, rnd == 0)
                block(b, name, app_url + path, label, rnd == 0)

    if browser is not None:
        run(browser)
    else:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                run(b)
            finally:
                b.close()
    return figures(got, scale)


def section(data_dir: Path, quick: bool) -> list[Figure]:
    """The whole comparison over one data folder: the dashboard and the floor app on their own servers."""
    from bench import floor as fl
    from bench import load
    from dashboard.catalog import load_catalog
    from dashboard.ui.filters import place_option

    cat = load_catalog()
    pages = fl.PAGES[:2] if quick else fl.PAGES
    places = cat.municipality_codes()[:3 if quick else 6]
    with fl.server(fl.DASHBOARD_APP, data_dir) as app, fl.server(fl.FLOOR_APP, data_dir) as floor:
        for page in pages:  # the first run of each page pays imports; not part of any figure
            load.run_round(*app, 1, page=page, timeout=300)
        return measure(app[0], floor[0], pages, trend_pages(cat, pages)[:1 if quick else None], places,
                       lambda c: place_option(cat, c, "ja"), passes=1 if quick else 2)


def figures(got: dict[str, Series], scale: str = "gunma") -> list[Figure]:
    """p95 of each view's warm redraws beside the floor's; the table floor and first visits in the note."""
    floor, table = got["floor"].warm, got["floor + table"].warm
    f_rerun, f_draw = median(got["floor"].rerun), median(got["floor"].drawing())
    fp95, tp95 = pct(floor, 0.95), pct(table, 0.95)
    out = []
    for name, s in got.items():
        if name.startswith("floor"):
            continue
        p95 = pct(s.warm, 0.95)
        f = floor_figure(scale, f"{name}: place change → redrawn, p95", p95, fp95, "ms", limit=REDRAW_TARGET,
                         target=f"≤ {REDRAW_TARGET:g}× floor and < {REDRAW_LIMIT_MS:.0f} ms",
                         note=f"median {median(s.warm):.0f} ms (floor {median(floor):.0f}), n={len(s.warm)}; the floor "
                              f"with one table p95 {tp95:.0f} ms (page ÷ that {p95 / tp95:.2f}×); first visit of "
                              f"each place on this server p95 {pct(s.cold, 0.95):.0f} ms, median "
                              f"{median(s.cold):.0f} ms; until the script finished median {median(s.rerun):.0f} ms "
                              f"(floor {f_rerun:.0f}), drawing after it median {median(s.drawing()):.0f} ms (floor "
                              f"{f_draw:.0f})")
        f.section = SECTION
        f.extra["met"] = bool(f.extra.get("met")) and p95 < REDRAW_LIMIT_MS
        out.append(f)
    return out
