"""Presenter mode and the embedded chart in headless Chromium at the projector size (1280×720).

Walks every screen with the → and ← keys, checks what the audience sees on each (one chart, its
takeaway, as-of snapshot and source, no chart text under 18 px, nothing cut off at 720 px, no sidebar),
that navigation stops at both ends, that the screen is kept in the URL and that the screen's "link to
this view" pins the snapshot and reopens that screen, and saves a screenshot per screen to tests/artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.catalog import load_catalog
from tests.browser.conftest import screenshot, settle
from tests.grids import bundled_id, bundled_ids

pytestmark = pytest.mark.browser

LATEST_SNAPSHOT = bundled_ids()[-1]  # the newest snapshot of the bundled data ("latest" shows it)
SNAPSHOT = bundled_id(4)  # pinned, so the test does not depend on what "latest" is


def _params(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _count(page: Any) -> tuple[int, int]:
    """The "i / n" screen counter in the top right corner."""
    text = page.locator("[data-testid='present-count']").inner_text().strip()
    i, n = (int(x) for x in text.split("/"))
    return i, n


def _screen(page: Any) -> dict[str, Any]:
    """What is on the screen: title, takeaway, footer, number of charts drawn."""
    return {
        "count": _count(page),
        "title": page.locator(".present-title").inner_text().strip(),
        "takeaway": page.locator("[data-testid='present-takeaway']").inner_text().strip(),
        "footer": page.locator(".present-footer").inner_text().strip(),
        "charts": page.locator(".js-plotly-plot").count(),
    }


def _wait_for_count(page: Any, want: int, tries: int = 80) -> None:
    """Until the counter shows screen `want` (the rerun after a key press is asynchronous)."""
    for _ in range(tries):
        loc = page.locator("[data-testid='present-count']")
        if loc.count() and _count(page)[0] == want:
            break
        page.wait_for_timeout(250)
    settle(page)
    # Plotly draws after the script run: wait until the graph has its data.
    page.wait_for_function("() => { const g = document.querySelector('.js-plotly-plot');"
                           " return g && g.data && g.data.length > 0; }", timeout=20_000)


def _chart_text(page: Any) -> dict[str, Any]:
    """The chart's SVG text as drawn: the smallest font size, and boxes of the title and the plot area."""
    return dict(page.evaluate("""() => {
        const g = document.querySelector('.js-plotly-plot');
        const texts = [...g.querySelectorAll('text')].filter(t => t.textContent.trim() && t.getBBox().width > 0);
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        const title = g.querySelector('.gtitle');
        return {min: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize))), n: texts.length,
                title: title ? box(title) : null, plot: box(g.querySelector('.nsewdrag'))};
    }"""))


def _disabled(page: Any, name: str) -> bool:
    return bool(page.get_by_role("button", name=name).is_disabled())


def _inside_viewport(page: Any, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1


def test_presenter_mode_walks_every_policy_area_with_the_keyboard(server: str, page: Any) -> None:
    """→ goes through one screen per policy area and stops on the last; ← goes back; everything fits
    1280×720 with chart text of 18 px or more and the chart title clear of the plot."""
    cat = load_catalog()
    areas = [a for a in cat.policy_areas["policy_area"].to_list() if a != "context"]
    # Opened on "latest" (no as_of in the address): the link below must write the snapshot shown.
    page.goto(f"{server}/?place=10000&lang=ja&mode=present", wait_until="domcontentloaded")
    settle(page)
    _wait_for_count(page, 1)
    screenshot(page, "present_ja_1")
    text = _chart_text(page)
    assert text["n"] > 5 and text["min"] >= 18, text

    # No sidebar and no menu in presenter mode.
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    first = _screen(page)
    n = first["count"][1]
    assert n == len(areas), first
    screens = [first]
    assert _disabled(page, "前へ") and not _disabled(page, "次へ")  # the first screen: nothing before it
    page.locator(".present-title").click()  # focus the page, not a widget
    for i in range(2, n + 1):
        page.keyboard.press("ArrowRight")
        _wait_for_count(page, i)
        assert _params(page).get("slide") == str(i - 1)
        screens.append(_screen(page))
        screenshot(page, f"present_ja_{i}")
        text = _chart_text(page)
        assert text["n"] > 5 and text["min"] >= 18, (i, text)  # legible from the back of the room
        if text["title"]:  # a wrapped title ends above the plot, never on an axis
            assert text["title"][3] <= text["plot"][1] + 1, (i, text)
    for i, sc in enumerate(screens, start=1):
        assert sc["count"] == (i, n)
        assert sc["charts"] == 1, sc
        assert sc["takeaway"], sc
        assert SNAPSHOT in sc["footer"], sc
        assert sc["footer"].startswith("出典："), sc
        assert "サンプル" in sc["footer"], sc  # 0004 is sample data: said on every screen
    # One screen per policy area, in the plan's order.
    for a, sc in zip(areas, screens, strict=True):
        assert sc["title"].startswith(f"{a}. "), (a, sc["title"])
    assert len({sc["title"] for sc in screens}) == n

    # The last screen still fits the projector: chart, buttons and footer above 720 px.
    assert _inside_viewport(page, ".js-plotly-plot")
    assert _inside_viewport(page, ".present-footer")
    assert _inside_viewport(page, "[data-testid='stButton']")

    # The last screen: 次へ is disabled and → stays there (no jump back to the first in front of the room).
    assert _disabled(page, "次へ") and not _disabled(page, "前へ")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(1000)
    settle(page)
    assert _count(page) == (n, n) and _params(page).get("slide") == str(n - 1)
    page.keyboard.press("ArrowLeft")
    _wait_for_count(page, n - 1)
    assert _screen(page)["title"] == screens[-2]["title"]

    # The buttons do the same as the keys.
    page.get_by_role("button", name="前へ").click()
    _wait_for_count(page, n - 2)
    assert _screen(page)["title"] == screens[-3]["title"]

    # "Link to this view" on this screen: the snapshot shown written in, and it reopens this screen.
    page.get_by_role("button", name="このビューへのリンク").click()
    code = page.locator("[data-testid='stPopoverBody'] code").first
    code.wait_for(timeout=20_000)
    link = code.inner_text().strip()
    q = {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}
    assert q["as_of"] == LATEST_SNAPSHOT and q["mode"] == "present" and q["slide"] == str(n - 3), link
    page.keyboard.press("Escape")
    page.goto(link, wait_until="domcontentloaded")
    settle(page)
    _wait_for_count(page, n - 2)
    assert _screen(page)["title"] == screens[-3]["title"]


def test_presenter_screens_are_shareable_and_embed_shows_one_chart(server: str, page: Any) -> None:
    """A link with ?slide=N reopens that screen (in English too); ?embed=true shows one chart and no menu."""
    page.goto(f"{server}/?place=10201&as_of={SNAPSHOT}&lang=en&mode=present&slide=2", wait_until="domcontentloaded")
    settle(page)
    _wait_for_count(page, 3)
    sc = _screen(page)
    assert "Maebashi" in sc["title"]
    assert SNAPSHOT in sc["footer"] and "sample" in sc["footer"].lower()
    assert _inside_viewport(page, ".present-footer")
    screenshot(page, "present_en_maebashi_3")

    # Leaving presenter mode brings back the normal page with its sidebar.
    page.get_by_role("button", name="Leave presenter mode").click()
    settle(page)
    page.wait_for_selector("[data-testid='stSidebar']", state="visible", timeout=20_000)
    assert "mode" not in _params(page)

    page.goto(f"{server}/area2?place=10201&as_of={SNAPSHOT}&lang=ja&embed=true", wait_until="domcontentloaded")
    settle(page)
    page.wait_for_function("() => { const g = document.querySelector('.js-plotly-plot');"
                           " return g && g.data && g.data.length > 0; }", timeout=20_000)
    assert page.locator(".js-plotly-plot").count() == 1
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "前橋市" in body and SNAPSHOT in body
    screenshot(page, "embed_area2_maebashi")


def test_link_to_view_opens_presenter_mode_and_csv_downloads_in_the_browser(server: str, page: Any) -> None:
    """On an area page: the link action is visible at 1280×720, its presenter URL starts on that area,
    and the CSV button under a chart downloads a UTF-8 file with BOM and Japanese intact."""
    # The trends tab: 前橋市 has no target of its own in area 1, so its headline tab has a sentence, not a chart.
    page.goto(f"{server}/area1?place=10201&year=2024&lang=ja&tab=trends", wait_until="domcontentloaded")
    settle(page)
    link = page.get_by_role("button", name="このビューへのリンク")
    assert _inside_viewport(page, "[data-testid='stPopover']")
    link.click()
    codes = page.locator("[data-testid='stPopoverBody'] code")
    codes.first.wait_for(timeout=20_000)
    urls = [codes.nth(i).inner_text().strip() for i in range(codes.count())]
    assert len(urls) == 3 and all(f"as_of={LATEST_SNAPSHOT}" in u for u in urls), urls  # latest pinned
    present_url = next(u for u in urls if "mode=present" in u)
    assert present_url.startswith(f"{server}/area1?")
    page.keyboard.press("Escape")

    # The CSV under the first chart (in its "Export" popover): a real download, Japanese readable by Excel (BOM).
    page.get_by_role("button", name="出力（PNG・CSV・Excel）").first.click()
    with page.expect_download(timeout=30_000) as dl:
        page.get_by_role("button", name="データ（CSV）").first.click()
    raw = Path(dl.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "サンプル（架空）" in raw.decode("utf-8-sig")

    page.goto(present_url, wait_until="domcontentloaded")
    settle(page)
    _wait_for_count(page, 1)
    sc = _screen(page)
    assert sc["title"].startswith("1. ") and "前橋市" in sc["title"]
    assert LATEST_SNAPSHOT in sc["footer"]
    screenshot(page, "present_from_link_area1")
