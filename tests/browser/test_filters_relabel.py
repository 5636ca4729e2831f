"""The sidebar filters relabel in the same run when their labels change: after a language switch the
place, year and as-of boxes read in English at once (no navigation, no reload). The same mechanism makes
「最新（…）」 name a new publication at once (tests/browser/test_upload_browser.py)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import settle

pytestmark = pytest.mark.browser

_VALUES = "[...document.querySelectorAll('[data-testid=stSidebar] input[role=combobox]')].map(e => e.value)"


def test_language_switch_relabels_the_sidebar_boxes_at_once(server: str, page: object) -> None:
    page.goto(f"{server}/area1?place=10204&year=2024")  # type: ignore[attr-defined]
    settle(page)
    page.wait_for_function(f"{_VALUES}.length >= 3", timeout=30_000)  # type: ignore[attr-defined]
    before = page.evaluate(_VALUES)  # type: ignore[attr-defined]
    # The place label carries what can be typed to find it (kana, romaji, code).
    assert before[0] == "伊勢崎市（いせさきし・Isesaki・10204）", before
    assert before[1].startswith("令和6年度") and before[2].startswith("最新"), before
    page.locator('[data-testid="stSidebar"]').get_by_text("English").click()  # type: ignore[attr-defined]
    settle(page)
    page.wait_for_function(f"{_VALUES}[0] === 'Isesaki (伊勢崎市 · いせさきし · 10204)'", timeout=10_000)  # type: ignore[attr-defined]
    after = page.evaluate(_VALUES)  # type: ignore[attr-defined]
    assert after[1] == "FY2024", after
    assert after[2].startswith("Latest"), after
