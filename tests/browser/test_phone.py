"""The dashboard on a phone (390×844, a phone's User-Agent) in headless Chromium.

What a phone user checks: the page does not scroll sideways, the menu is out of the way on load, the
progress chart's ticks and labels can be read (no two texts drawn over each other, none cut at the
chart's edge), tables scroll inside their own frame and no button or link label is cut off. A desktop
browser gets the desktop chart (the status words in a column of their own). Screenshots of every page
checked go to tests/artifacts/phone_*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard.ui.phone import mobile_agent
from tests.browser.conftest import settle

pytestmark = pytest.mark.browser

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
WIDTH, HEIGHT = 390, 844


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    """A fresh page as an iPhone shows it."""
    ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, user_agent=IPHONE, is_mobile=True,
                              has_touch=True, locale="ja-JP")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def _open(page: Any, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    settle(page)
    page.wait_for_function("() => { const g = document.querySelector('.js-plotly-plot');"
                           " return g && g.data && g.data.length > 0 && g.querySelector('.ytick'); }",
                           timeout=30_000)
    page.wait_for_timeout(500)


def _shot(page: Any, name: str) -> None:
    """The whole page (Streamlit scrolls inside its main area, so the window is made as tall as it)."""
    from tests.browser.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tall = page.evaluate("() => Math.max(...[...document.querySelectorAll('section, div')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": WIDTH, "height": min(int(tall), 8000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.wait_for_timeout(300)


def _sideways(page: Any) -> list[str]:
    """Elements wider than the screen that make the page itself scroll sideways."""
    return list(page.evaluate("""() => {
        const out = [];
        for (const el of [document.scrollingElement, ...document.querySelectorAll(
                '[data-testid=stMain], [data-testid=stMainBlockContainer], [data-testid=stAppViewContainer]')]) {
            if (el && el.scrollWidth > el.clientWidth + 1) out.push((el.dataset.testid || el.tagName)
                                                                    + ' ' + el.scrollWidth);
        }
        return out;
    }"""))


def _sidebar_open(page: Any) -> bool:
    box = page.locator("[data-testid='stSidebar']").bounding_box()
    return box is not None and box["x"] + box["width"] > 5 and box["width"] > 5


def _clipped_labels(page: Any) -> list[str]:
    """Buttons, popover and page-link labels in the main area that are cut (by the screen edge or "…")."""
    return list(page.evaluate(f"""() => {{
        const out = [];
        const main = document.querySelector('[data-testid=stMain]');
        for (const b of main.querySelectorAll('button, [data-testid=stPageLink] a')) {{
            const r = b.getBoundingClientRect();
            if (!r.width || b.closest('.js-plotly-plot') || b.closest('[data-testid=stDataFrame]')) continue;
            const label = b.querySelector('p') || b;
            const cut = label.scrollWidth > label.clientWidth + 1 || r.left < -1 || r.right > {WIDTH} + 1;
            if (cut) out.push(b.innerText.trim() + ' ' + JSON.stringify([r.left, r.right, label.scrollWidth,
                                                                            label.clientWidth]));
        }}
        return out;
    }}"""))


def _chart_texts(page: Any, n: int = 0) -> dict[str, Any]:
    """The n-th chart's drawn tick labels, title and other text as boxes, and the chart's own box."""
    return dict(page.evaluate("""(n) => {
        const g = document.querySelectorAll('.js-plotly-plot')[n];
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        const drawn = sel => [...g.querySelectorAll(sel)].filter(t => t.textContent.trim()
                                                                && t.getBoundingClientRect().width > 0);
        return {chart: box(g), plot: box(g.querySelector('.nsewdrag')),
                x: drawn('.xtick text').map(box), y: drawn('.ytick text').map(box),
                all: drawn('text').map(t => [t.textContent, ...box(t)]),
                words: g.data.some(t => t.mode === 'text')};
    }""", n))


def _overlaps(boxes: list[list[float]]) -> list[tuple[int, int]]:
    """Pairs of boxes drawn over each other (more than a pixel)."""
    return [(i, j) for i, a in enumerate(boxes) for j, b in enumerate(boxes) if i < j
            and min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1]


def _legible(tx: dict[str, Any]) -> None:
    """Ticks apart from each other and from the plot, every text inside the chart's width."""
    assert 3 <= len(tx["x"]) <= 6, tx["x"]  # a few legible ticks, not "0255075100…"
    assert not _overlaps(tx["x"]), tx["x"]
    assert not _overlaps(tx["y"]), tx["y"]
    assert all(b[2] <= tx["plot"][0] + 1 for b in tx["y"])  # names left of the bars, not on them
    left, right = tx["chart"][0], tx["chart"][2]
    cut = [t for t in tx["all"] if t[1] < left - 1 or t[3] > right + 1]
    assert not cut, cut


def test_mobile_user_agents() -> None:
    assert mobile_agent(IPHONE)
    assert mobile_agent("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/126.0 Mobile Safari/537.36")
    assert not mobile_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
                            "Safari/537.36")
    assert not mobile_agent("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
                            "Chrome/126.0 Safari/537.36")  # an Android tablet: the desktop layout fits
    assert not mobile_agent(None) and not mobile_agent("")


def test_overview_on_a_phone(server: str, phone: Any) -> None:
    _open(phone, f"{server}/?place=10000&lang=ja")
    assert not _sidebar_open(phone)  # the menu does not cover the page on load
    assert not _sideways(phone)
    tx = _chart_texts(phone)
    assert not tx["words"]  # the phone layout: status under each name, not a squeezed column of words
    _legible(tx)
    assert not _clipped_labels(phone)
    # The targets as cards, one per target (no table to scroll sideways), each within the screen's width.
    cards = phone.locator(".progress-card")
    assert cards.count() >= 5
    for i in range(cards.count()):
        box = cards.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH + 1, (i, box)
    _shot(phone, "phone_overview_ja")
    # The menu is one tap away.
    phone.locator("[data-testid='stExpandSidebarButton'], [data-testid='stSidebarCollapsedControl'] button"
                  ).first.click()
    phone.wait_for_timeout(800)
    assert _sidebar_open(phone)


def test_area_comparison_and_profile_on_a_phone(server: str, phone: Any) -> None:
    _open(phone, f"{server}/area1?place=10201&lang=en&tab=comparison")
    assert not _sidebar_open(phone)
    assert not _sideways(phone)
    rank = _chart_texts(phone)  # the ranking on its side: one readable row per municipality
    assert len(rank["y"]) >= 30 and not _overlaps(rank["y"]), rank["y"]
    assert not _overlaps(rank["x"])
    assert not _clipped_labels(phone)
    _shot(phone, "phone_area1_comparison_en")
    _open(phone, f"{server}/profile?place=10201&lang=ja")
    assert not _sideways(phone)
    prof = _chart_texts(phone)  # the town's contribution: the same phone layout as the overview's bars
    assert not prof["words"]
    _legible(prof)
    assert not _clipped_labels(phone)
    _shot(phone, "phone_profile_ja")


def test_desktop_browser_keeps_the_desktop_chart(server: str, page: Any) -> None:
    _open(page, f"{server}/?place=10000&lang=ja")
    assert _chart_texts(page)["words"]  # the status words in their own column right of the axis
    assert _sidebar_open(page)
