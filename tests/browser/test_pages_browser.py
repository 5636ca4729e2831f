"""Every page in headless Chromium against the real server: deep links, URL-kept filters, navigation.

Each page is opened from a deep link; the sidebar filters must show the URL's values; changing the
place must change the URL and the charts. A screenshot per page goes to tests/artifacts/.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import screenshot, settle
from tests.grids import bundled_id
from tests.po import po_text

pytestmark = pytest.mark.browser

# (url path, language of the deep link): both languages get a screenshot.
PAGES = [("", "ja"), ("area1", "en"), ("area2", "ja"), ("area3", "en"), ("area4", "ja"), ("area5", "en"),
         ("profile", "ja"), ("methodology", "en")]
# A small village, an older snapshot and a past year: none of them is a default.
DEEP = {"place": "10383", "year": "2022", "as_of": bundled_id(3)}
# Place labels carry what can be typed to find them (kana, romaji, code): the name is their start.
SHOWN = {"ja": ["南牧村（なんもくむら・Nanmoku・10383）", "令和4年度（2022）", DEEP["as_of"]],
         "en": ["Nanmoku (南牧村 · なんもくむら · 10383)", "FY2022", DEEP["as_of"]]}
NEW_PLACE = {"ja": ("前橋市", "10201", "前橋市（まえばしし・Maebashi・10201）"),
             "en": ("Maebashi", "10201", "Maebashi (前橋市 · まえばしし · 10201)")}

# Every Plotly graph on the page: its title and the data arrays it draws.
CHARTS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => JSON.stringify({
  title: (g.layout && g.layout.title && g.layout.title.text) || '',
  data: (g.data || []).map(d => [d.x, d.y, d.z, d.locations])}))"""


def _params(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _filter_params(page: Any) -> dict[str, str]:
    """The filters in the URL (without the open tab of a policy-area page, checked on its own)."""
    return {k: v for k, v in _params(page).items() if k != "tab"}


def _filters(page: Any) -> tuple[list[str], str]:
    """What the sidebar shows: the three selectbox values and the checked language."""
    boxes = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox'] input[role='combobox']")
    values = [boxes.nth(i).input_value() for i in range(boxes.count())]
    lang = page.locator("[data-testid='stSidebar'] [data-testid='stRadioOption'][data-selected='true']").inner_text()
    return values, lang.strip()


def _charts(page: Any) -> list[dict[str, Any]]:
    return [json.loads(c) for c in page.evaluate(CHARTS_JS)]


def _drawn_charts(page: Any, unlike: list[dict[str, Any]] | None = None, tries: int = 60) -> list[dict[str, Any]]:
    """The charts once Plotly has drawn them (it loads after the script run), optionally once they
    differ from `unlike`; gives up after `tries` short waits and returns what is there."""
    charts = _charts(page)
    for _ in range(tries):
        if charts and all(c["data"] for c in charts) and (unlike is None or charts != unlike):
            break
        page.wait_for_timeout(250)
        charts = _charts(page)
    return charts


def _open(page: Any, url: str) -> None:
    """Load a URL and wait until its first script run has drawn the page (title and filters) and ended."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stSidebar'] [data-testid='stSelectbox']", timeout=30_000)
    page.wait_for_selector("h1", timeout=30_000)
    settle(page)


def _choose(page: Any, index: int, text: str, param: str, option: str | None = None) -> None:
    """Pick an option (labelled `option`, default `text`) in the index-th sidebar selectbox by typing `text`;
    wait until the URL carries `param` (the rerun has run and written it) and the script is idle again."""
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox'] input[role='combobox']").nth(index)
    box.click()
    page.keyboard.type(text)
    page.get_by_role("option", name=option or text, exact=True).click()
    page.wait_for_function("p => window.location.search.includes(p)", arg=param, timeout=30_000)
    settle(page)


def _follow(page: Any, link: Any, path: str) -> None:
    """Click a link once the page has stopped moving, and wait for the new page's run to end."""
    _drawn_charts(page, tries=20)  # charts drawing late shift the links below them
    link.click()
    page.wait_for_function("p => window.location.pathname === p", arg=path, timeout=30_000)
    settle(page)


@pytest.mark.parametrize(("path", "lang"), PAGES, ids=[p or "overview" for p, _ in PAGES])
def test_deep_link_sets_the_filters_and_a_filter_change_updates_url_and_charts(
        server: str, page: Any, path: str, lang: str) -> None:
    _open(page, f"{server}/{path}?{'&'.join(f'{k}={v}' for k, v in {**DEEP, 'lang': lang}.items())}")
    assert page.locator("[data-testid='stException']").count() == 0
    values, shown_lang = _filters(page)
    assert values[:2] == SHOWN[lang][:2]
    assert values[2].startswith(SHOWN[lang][2])
    assert shown_lang == ("日本語" if lang == "ja" else "English")
    assert _filter_params(page) == {**DEEP, "lang": lang}
    assert ("tab" in _params(page)) == (path.startswith("area") or path == "profile")  # the open tab too
    assert page.get_by_text("サンプル（架空）データを含みます" if lang == "ja" else "Includes SAMPLE").count() >= 1
    # A village has no target of its own on most areas: the headline then says so in a sentence, no bars.
    no_target = path.startswith("area") and page.get_by_text(
        po_text(lang, "sum_area_no_targets").split("}")[-1].strip(" ：:.。")).count() > 0
    before = _drawn_charts(page, tries=8 if no_target else 60) if path != "methodology" else []
    if path != "methodology":
        assert before or no_target, "the page draws charts, or says why it has none"
    screenshot(page, f"page-{path or 'overview'}-1280x720")
    # The whole page at projector width, for review.
    page.set_viewport_size({"width": 1280, "height": 3200})
    page.wait_for_timeout(1200)
    screenshot(page, f"page-{path or 'overview'}-full")
    page.set_viewport_size({"width": 1280, "height": 720})
    trends = page.get_by_role("tab", name="推移" if lang == "ja" else "Trends", exact=True)
    if trends.count() and trends.get_attribute("aria-selected") != "true":
        # Area 4's headline tab draws the same matrix for every place; every area's trends follow the place.
        trends.click()
        settle(page)
        before = _drawn_charts(page, unlike=before)

    name, code, label = NEW_PLACE[lang]
    _choose(page, 0, name, f"place={code}", label)
    assert _filters(page)[0][0] == label
    assert _filter_params(page) == {**DEEP, "place": code, "lang": lang}
    if trends.count():
        assert _params(page)["tab"] == "trends"  # the tab chosen stays open, and in the URL
    assert page.locator("[data-testid='stException']").count() == 0
    if path == "methodology":
        assert page.locator("[data-testid='stMarkdownContainer']").filter(has_text=name).count() >= 1
    else:
        after = _drawn_charts(page, unlike=before)
        assert after and after != before


def test_navigation_keeps_the_filters_in_the_url(server: str, page: Any) -> None:
    query = "place=K05&year=2023&lang=en"
    _open(page, f"{server}/?{query}")
    # The in-page links of the overview carry the filters.
    _follow(page, page.locator("[data-testid='stPageLink'] a").first, "/area1")
    assert _filter_params(page) == {"place": "K05", "year": "2023", "lang": "en"}
    # So does the sidebar navigation (the app writes the filters back after each page switch).
    _follow(page, page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Municipality profile"), "/profile")
    page.wait_for_function("() => window.location.search.includes('place=K05')", timeout=30_000)
    assert _params(page) == {"place": "K05", "year": "2023", "lang": "en"}
    assert _filters(page)[0][:2] == ["Tomioka area (富岡圏域 · Tomioka · K05)", "FY2023"]
    # Switching language keeps the page and the other filters.
    page.locator("[data-testid='stSidebar'] [data-testid='stRadioOption']").filter(has_text="日本語").click()
    page.wait_for_function("() => window.location.search.includes('lang=ja')", timeout=30_000)
    settle(page)
    assert urlparse(page.url).path == "/profile"
    assert _params(page) == {"place": "K05", "year": "2023", "lang": "ja"}
    assert page.locator("h1").filter(has_text="市町村カルテ").count() == 1


def test_invalid_url_values_show_a_notice_not_an_error(server: str, page: Any) -> None:
    _open(page, f"{server}/area5?place=%5Bclick%5D(http%3A%2F%2Fx.example)&year=**2023**&lang=en")
    assert page.locator("[data-testid='stException']").count() == 0
    notices = page.locator("[data-testid='stAlert']").filter(has_text="is not valid")
    assert notices.count() == 2
    # The URL's text is shown as typed: no link, no bold.
    assert notices.filter(has_text="[click](http://x.example)").count() == 1
    assert notices.filter(has_text="**2023**").count() == 1
    assert notices.locator("a, strong").count() == 0
    assert _params(page)["place"] == "10000"
    assert _drawn_charts(page)


def _charts_once(page: Any, n: int, tries: int = 80) -> list[dict[str, Any]]:
    """The charts once the run has ended and exactly `n` of them are drawn (stale ones go at the end of a run)."""
    settle(page)
    charts = _charts(page)
    for _ in range(tries):
        if len(charts) == n and all(c["data"] for c in charts):
            break
        page.wait_for_timeout(250)
        charts = _charts(page)
    return charts


def test_area_sections_open_from_their_tabs_and_stay_open_when_the_place_changes(server: str, page: Any) -> None:
    _open(page, f"{server}/area1?place=10000&lang=ja")
    assert [t.strip() for t in page.get_by_role("tab").all_inner_texts()] == ["目標の進捗", "推移", "市町村比較"]
    headline = _charts_once(page, 1)  # the progress bars; the other tabs have not run
    assert len(headline) == 1
    page.get_by_role("tab", name="推移").click()
    trends = _charts_once(page, 7)
    assert len(trends) == 7 and headline[0] not in trends
    _choose(page, 0, "前橋市", "place=10201", NEW_PLACE["ja"][2])
    assert page.get_by_role("tab", name="推移").get_attribute("aria-selected") == "true"
    after = _charts_once(page, 7)
    assert len(after) == 7 and after != trends
    # The language changes the tab labels; the trends stay open.
    page.locator("[data-testid='stSidebar'] [data-testid='stRadioOption']").filter(has_text="English").click()
    page.wait_for_function("() => window.location.search.includes('lang=en')", timeout=30_000)
    assert len(_charts_once(page, 7)) == 7
    assert page.get_by_role("tab", name="Trends", exact=True).get_attribute("aria-selected") == "true"
    page.locator("[data-testid='stSidebar'] [data-testid='stRadioOption']").filter(has_text="日本語").click()
    page.wait_for_function("() => window.location.search.includes('lang=ja')", timeout=30_000)
    after = _charts_once(page, 7)
    page.get_by_role("tab", name="市町村比較").click()
    compared = _charts_once(page, 3)  # ranking, tile map and the geographic map (boundaries ship with the data)
    assert len(compared) == 3 and not set(map(str, compared)) & set(map(str, after))
    assert page.locator("[data-testid='stDataFrame']").count() == 1
    # Another indicator in the comparison picker (a fragment: only this section reruns).
    picker = page.locator("[data-testid='stMain'] [data-testid='stSelectbox'] input[role='combobox']").first
    first = picker.input_value()
    picker.click()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("v => document.querySelector(\"[data-testid='stMain'] [data-testid='stSelectbox'] "
                           "input[role='combobox']\").value !== v", arg=first, timeout=30_000)
    other = _drawn_charts(page, unlike=compared)
    assert len(other) >= 1 and other != compared
    assert page.get_by_role("tab", name="市町村比較").get_attribute("aria-selected") == "true"


def test_a_link_with_a_tab_opens_that_tab(server: str, page: Any) -> None:
    _open(page, f"{server}/area1?place=10201&lang=ja&tab=comparison")
    assert page.get_by_role("tab", name="市町村比較", exact=True).get_attribute("aria-selected") == "true"
    assert page.locator("[data-testid='stException']").count() == 0
    assert _params(page)["tab"] == "comparison"
