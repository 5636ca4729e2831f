"""Keyboard only: the place filter and presenter mode work with Tab, Enter and the arrow keys (no mouse).

tests/browser/test_present_browser.py walks presenter mode with ← → after a click; here nothing is clicked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import charts_drawn, settle

pytestmark = pytest.mark.browser

# What has the keyboard focus: its role, accessible label and text.
FOCUSED = """() => { const e = document.activeElement;
  return {tag: e.tagName, role: e.getAttribute('role'), label: e.getAttribute('aria-label'),
          text: (e.innerText || e.value || '').trim()}; }"""
COUNT = "[data-testid='present-count']"


def _param(page: Any, key: str) -> str | None:
    return parse_qs(urlparse(page.url).query).get(key, [None])[0]


def _tab_to(page: Any, want: Any, limit: int = 40) -> dict[str, Any]:
    """Press Tab until `want(focused)` holds; fail if it never does within `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if want(focused):
            return dict(focused)
    pytest.fail(f"Tab never reached the element (last focused: {page.evaluate(FOCUSED)})")


HIGHLIGHTED = ("() => { const id = document.activeElement.getAttribute('aria-activedescendant');"
               " const o = id && document.getElementById(id); return o ? o.innerText.trim() : null; }")


def _highlighted(page: Any) -> str | None:
    """The option the open list highlights (aria-activedescendant of the focused combobox)."""
    return page.evaluate(HIGHLIGHTED)


def _arrow_down(page: Any) -> str | None:
    """Press ↓ and wait until the highlight has moved (a loaded machine redraws the list late: reading it at
    once saw the old option and pressed again, skipping one); return the option highlighted now."""
    before = _highlighted(page)
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"prev => ({HIGHLIGHTED})() !== prev", arg=before, timeout=10_000)
    return _highlighted(page)


def _focus_is_visible(page: Any) -> bool:
    """The focused element shows a focus indicator (an outline or a box shadow)."""
    return bool(page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                              " return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)"
                              " || s.boxShadow !== 'none'; }"))


def test_place_filter_with_the_keyboard_only(server: str, page: Any) -> None:
    """Tab to 地域, ↓ to the next place, Enter: the URL, the box and the page follow; the page stays."""
    page.goto(f"{server}/area1?lang=ja", wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
    settle(page)
    charts_drawn(page)
    heading = page.locator("[data-testid='stMain'] h1").first.inner_text()
    focused = _tab_to(page, lambda f: f["role"] == "combobox" and f["label"] == "地域")
    assert focused["text"] == "群馬県（県全体）（ぐんまけん・Gunma・10000）"  # the label carries what can be typed
    # ↓ opens the list; ↓ until the first 老人福祉圏域 (K01 前橋圏域) is highlighted; Enter chooses it.
    k01 = "前橋圏域（Maebashi・K01）"
    for _ in range(4):
        if _arrow_down(page) == k01:
            break
    assert _highlighted(page) == k01
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.search.includes('place=K01')", timeout=60_000)
    settle(page)
    box = page.locator("[data-testid='stSidebar'] input[role='combobox'][aria-label='地域']")
    assert box.input_value() == k01
    assert _param(page, "place") == "K01"
    assert urlparse(page.url).path == "/area1"
    assert page.locator("[data-testid='stMain'] h1").first.inner_text() == heading
    assert page.locator("[data-testid='stMain']").get_by_text("前橋圏域", exact=False).count() >= 1


def _on_screen(page: Any, n: int) -> None:
    """Wait until presenter mode shows screen n (1-based), then check the URL's slide and the screen's title."""
    page.wait_for_function(f"() => document.querySelector(\"{COUNT}\")?.innerText.startsWith('{n} /')",
                           timeout=60_000)
    settle(page)
    assert _param(page, "slide") == str(n - 1)
    assert page.locator(".present-title").inner_text().startswith(f"{n}. ")


def test_presenter_mode_with_the_keyboard_only(server: str, page: Any) -> None:
    """→ with nothing focused goes to screen 2; Tab reaches 前へ, whose focus shows, and Enter goes back to 1."""
    page.goto(f"{server}/?lang=ja&mode=present", wait_until="domcontentloaded")
    page.wait_for_selector(COUNT, timeout=60_000)
    settle(page)
    charts_drawn(page)
    assert page.locator(COUNT).inner_text().startswith("1 /")
    page.keyboard.press("ArrowRight")
    _on_screen(page, 2)

    focused = _tab_to(page, lambda f: f["tag"] == "BUTTON" and "前へ" in f["text"])
    assert _focus_is_visible(page), focused
    page.keyboard.press("Enter")
    _on_screen(page, 1)
