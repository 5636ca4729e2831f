"""Headless Chromium against the real server: time to first complete render of each page (cold
server, then warm), and time from a filter change until the charts are redrawn.

"Complete" means Streamlit reports the script finished (`data-test-script-state=notRunning` after
connecting) and every Plotly chart on the page has drawn its SVG.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import Figure, median, pct
from dashboard.ui.filters import place_option

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
DONE = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector("[data-testid='stSkeleton']")) return false;
  const charts = document.querySelectorAll("[data-testid='stPlotlyChart']");
  for (const c of charts) { if (!c.querySelector('.main-svg')) return false; }
  return true;
}"""


def available() -> bool:
    """Whether Playwright and Debian Chromium are there."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists()


def _wait_done(page: Any, timeout_ms: float = 120_000, pause_ms: int = 150) -> None:
    if pause_ms:
        page.wait_for_timeout(pause_ms)  # after a page load: let the first run flip the script state
    page.wait_for_function(DONE, timeout=timeout_ms, polling=50)


# Installed before a page loads (context.add_init_script): the time of the last mouse press and of every time
# Streamlit reports its script finished, so a redraw splits into the rerun (press → script last finished after
# it: the server's run and its messages) and the drawing after it (the browser's own work).
PHASES = """(() => {
  const log = window.__gunmaPhases = {down: 0, done: []};
  document.addEventListener('mousedown', () => { log.down = performance.now(); }, true);
  new MutationObserver(ms => { for (const m of ms) if (m.target.getAttribute('data-test-script-state') === 'notRunning')
    log.done.push(performance.now()); }).observe(document,  // (no documentElement yet when this runs)
    {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
})()"""
SCRIPT_DONE = """() => { const l = window.__gunmaPhases; const after = l ? l.done.filter(t => t > l.down) : [];
  return l && l.down && after.length ? after[after.length - 1] - l.down : null; }"""


def script_done_ms(pg: Any) -> float | None:
    """ms from the last mouse press until Streamlit last reported its script finished (pages opened with PHASES)."""
    return pg.evaluate(SCRIPT_DONE)


PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
BOX = "[data-testid='stSidebar'] [data-testid='stSelectbox'] input[role='combobox']"


def wait_painted(pg: Any) -> None:
    """Wait until the script is done and every chart drawn, then two animation frames (the result on screen)."""
    pg.wait_for_function(DONE, timeout=120_000, polling=16)
    pg.evaluate(PAINTED)


def change_place(pg: Any, code: str, label: str, painted: bool = False) -> float:
    """Pick `label` in the sidebar's first selectbox as a user does (type, click the option): ms from the click
    until the URL holds the place, the script is done and every chart drawn (`painted`: and two animation
    frames have passed, the result on screen)."""
    box = pg.locator(BOX).first
    box.click()
    pg.keyboard.type(label)
    option = pg.get_by_role("option", name=label, exact=True)
    option.wait_for(timeout=10_000)
    t0 = time.perf_counter()
    option.click()
    pg.wait_for_function("p => window.location.search.includes(p)", arg=f"place={code}", timeout=60_000)
    if painted:  # the URL is written during the rerun: it has started
        wait_painted(pg)
    else:
        _wait_done(pg, pause_ms=0)
    return (time.perf_counter() - t0) * 1000


def _place_changes(pg: Any, cat: Any, places: list[str]) -> list[float]:
    """Pick each place in the sidebar filter as a user does (the option as the picker writes it: name, kana,
    romaji, code); ms from the click until the script has finished and every chart on the page is drawn."""
    return [change_place(pg, code, place_option(cat, code, "ja")) for code in places]


def measure(base_url: str, scale: str, pages: list[str], changes: int = 5) -> list[Figure]:
    """First render cold (first page load after server start) and warm, and filter change → redrawn."""
    from playwright.sync_api import sync_playwright

    from dashboard.catalog import load_catalog

    cat = load_catalog()  # the app's own catalog: the place picker shows its names

    figs: list[Figure] = []
    cold: dict[str, float] = {}
    warm: dict[str, list[float]] = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for rnd in range(2):
                for name in pages:
                    ctx = b.new_context(viewport={"width": 1280, "height": 720})
                    pg = ctx.new_page()
                    t0 = time.perf_counter()
                    pg.goto(f"{base_url}/{'' if name == 'overview' else name}?place=10000")
                    _wait_done(pg)
                    ms = (time.perf_counter() - t0) * 1000
                    if rnd == 0:
                        cold[name] = ms
                    else:
                        warm.setdefault(name, []).append(ms)
                    ctx.close()
            ctx = b.new_context(viewport={"width": 1280, "height": 720})
            pg = ctx.new_page()
            pg.goto(f"{base_url}/area1?place=10000")
            _wait_done(pg)
            places = cat.municipality_codes()  # new places each time (nothing cached for them yet)
            change = _place_changes(pg, cat, [places[i % len(places)] for i in range(changes)])
            # The same with the trends tab open (seven trend charts instead of the headline bars), new places.
            pg.get_by_role("tab", name="推移", exact=True).click()
            _wait_done(pg)
            trends = _place_changes(pg, cat, [places[i % len(places)] for i in range(changes, 2 * changes)])
            ctx.close()
        finally:
            b.close()
    for name in pages:
        figs.append(Figure("browser", scale, f"{name}: first render, cold server", cold[name], "ms",
                           note="first visitor after the server started (first page of the run pays imports)"))
        figs.append(Figure("browser", scale, f"{name}: first render, warm server", median(warm[name]), "ms"))
    figs.append(Figure("browser", scale, "filter change → charts redrawn p95", pct(change, 0.95), "ms",
                       target="< 300 ms (Gunma) / < 800 ms (national)",
                       note=f"area 1 (headline tab open, as it opens), place typed in the filter; median "
                            f"{median(change):.0f} ms, n={len(change)}"))
    figs.append(Figure("browser", scale, "trends tab open: filter change → 7 charts redrawn p95", pct(trends, 0.95),
                       "ms", note=f"area 1, trends tab open, new places; median {median(trends):.0f} ms, "
                                  f"n={len(trends)}"))
    return figs
