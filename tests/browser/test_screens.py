"""Every page at a phone (390×844), a projector (1280×720) and a large screen (1920×1080), with screenshots.

Per page one load in Japanese at 390×844, then the same session resized to 1280×720 and 1920×1080 (as a
window is), and one load in English at 1280×720. Screenshots (what fits on the screen; at 390 px also the
whole length) go to tests/artifacts/screens/. At each size the test checks what a reader would notice:
the page does not scroll sideways, the page's first chart (or its title, on pages without charts) is in
view and not covered, and no button label is cut off.
At 390 px the sidebar starts collapsed (it used to open over the page and cover it).
"""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.catalog import load_catalog
from dashboard.registry import pages
from tests.browser.conftest import ARTIFACTS, charts_drawn, page_url, settle

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screens"
PHONE, PROJECTOR, LARGE = (390, 844), (1280, 720), (1920, 1080)
MUNICIPALITY = "10201"  # the profile page shows a municipality (for the prefecture it only asks for one)
PAGES = pages(load_catalog())

# How the page fits the window: sideways scrolling of the document or of Streamlit's scroll containers,
# button labels cut off (a text that reaches past a box that clips it, or past the window), and whether
# the page's main element (first chart, else the title) is in view and on top at a few points inside it.
LAYOUT_JS = """() => {
  const W = window.innerWidth, H = window.innerHeight;
  const scrollers = [document.scrollingElement, ...document.querySelectorAll(
      '[data-testid=stApp], [data-testid=stAppViewContainer], [data-testid=stMain]')].filter(e => e);
  const sideways = scrollers.filter(e => e.scrollWidth > e.clientWidth + 1)
      .map(e => (e.getAttribute('data-testid') || e.tagName) + ' ' + e.scrollWidth + '>' + e.clientWidth);
  const clipped = [];
  for (const b of document.querySelectorAll('button')) {
    if (!b.offsetParent) continue;
    const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange(); range.selectNodeContents(n);
      const t = range.getBoundingClientRect();
      let cut = t.right > W + 1 || t.left < -1;
      for (let e = n.parentElement; e && !cut; e = e === b ? null : e.parentElement) {
        if (getComputedStyle(e).overflowX === 'visible') continue;
        const r = e.getBoundingClientRect();
        cut = t.right > r.right + 1 || t.left < r.left - 1;
      }
      if (cut) clipped.push(b.innerText.replace(/\\s+/g, ' ').trim());
    }
  }
  const chart = document.querySelector('[data-testid=stMain] [data-testid=stPlotlyChart]');
  const main = chart || document.querySelector('[data-testid=stMain] h1');
  main.scrollIntoView({block: 'center'});
  const r = main.getBoundingClientRect();
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, H);
  const points = [[0.5, 0.5], [0.1, 0.2], [0.9, 0.2], [0.1, 0.8], [0.9, 0.8]].map(([fx, fy]) =>
      [r.left + fx * r.width, top + fy * (bottom - top)]);
  const covered = points.map(([x, y]) => document.elementFromPoint(x, y))
      .filter(e => !(e && main.contains(e)))
      .map(e => e ? (e.closest('[data-testid]')?.getAttribute('data-testid') || e.tagName) : 'outside the window');
  return {what: chart ? 'chart' : 'title', left: r.left, right: r.right, width: r.width, W,
          sideways, clipped: [...new Set(clipped)], covered};
}"""


def _problems(page: Any) -> list[str]:
    """What a reader would notice at the current window size (empty when the page fits)."""
    m = page.evaluate(LAYOUT_JS)
    out = []
    if m["sideways"]:
        out.append(f"the page scrolls sideways: {m['sideways']}")
    if m["clipped"]:
        out.append(f"button labels cut off: {m['clipped']}")
    if m["left"] < -1 or m["right"] > m["W"] + 1 or m["width"] < 100:
        out.append(f"the {m['what']} does not fit the window: {m}")
    if m["covered"]:
        out.append(f"the {m['what']} is covered by {m['covered']}")
    return out


def _shoot(page: Any, name: str, full: bool = False) -> None:
    """The screen as seen; with `full`, also the whole length (Streamlit scrolls inside stMain, so the
    window is made as tall as the page for that shot and then restored)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTo(0, 0)")  # the top of the page
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    if full:
        size = page.viewport_size
        height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": min(int(height), 12_000)})
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / f"{name}-full.png"))
        page.set_viewport_size(size)


def _open(page: Any, url: str, size: tuple[int, int]) -> int:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url, wait_until="domcontentloaded")
    # The title first (the run has started), then the end of the run: settle() alone can see the idle
    # state before the first run begins.
    page.wait_for_selector("[data-testid='stMain'] :is(h1, .present-title)", timeout=60_000)
    settle(page)
    assert page.locator("[data-testid='stException']").count() == 0
    return charts_drawn(page)


def _resize(page: Any, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_timeout(400)  # Plotly redraws responsive charts on the window's resize event
    settle(page)


def _extra(kind: str) -> dict[str, str]:
    return {"place": MUNICIPALITY} if kind == "profile" else {}


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_every_page_fits_phone_projector_and_large_screen(server: str, page: Any, spec: Any) -> None:
    url = page_url(server, spec.name, lang="ja", **_extra(spec.kind))
    n = _open(page, url, PHONE)
    _shoot(page, f"{spec.name}-ja-390x844", full=True)
    assert not _problems(page), (PHONE, _problems(page))

    for size in (PROJECTOR, LARGE):
        _resize(page, size)
        assert charts_drawn(page) >= min(n, 1)  # Plotly has redrawn the charts to the new width
        _shoot(page, f"{spec.name}-ja-{size[0]}x{size[1]}")
        assert not _problems(page), (size, _problems(page))


@pytest.mark.parametrize("spec", PAGES, ids=[p.name for p in PAGES])
def test_every_page_in_english_fits_the_projector(server: str, page: Any, spec: Any) -> None:
    _open(page, page_url(server, spec.name, lang="en", **_extra(spec.kind)), PROJECTOR)
    _shoot(page, f"{spec.name}-en-1280x720")
    assert not _problems(page)


def test_presenter_mode_fits_the_projector(server: str, page: Any) -> None:
    """Presenter mode at 1280×720 (the README's projector screenshot): everything fits on one screen."""
    _open(page, page_url(server, "overview", lang="ja", mode="present"), PROJECTOR)
    _shoot(page, "present-ja-1280x720")
    assert not _problems(page)
    # No scrolling: the takeaway, the buttons and the footer are on the one screen.
    scroll = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                           " return [m.scrollHeight, m.clientHeight]; }")
    assert scroll[0] <= scroll[1] + 1, scroll
