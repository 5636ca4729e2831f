"""Accessibility: axe-core (WCAG 2.1 A and AA rules) finds nothing on any page, in Japanese and English.

Every page of the registry, the upload page as a visitor sees it before logging in (an analyst password is
configured, so it shows the login form), two tabs of a policy-area page, presenter mode and an embedded
chart. One server for the module and one page load per case; axe runs after Plotly has drawn the charts.
axe-core comes bundled with the PyPI package axe-playwright-python. No node is excluded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from dashboard.catalog import load_catalog
from dashboard.registry import pages
from tests.browser.conftest import charts_drawn, page_url, server_with_accounts, settle

pytestmark = pytest.mark.browser

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
OPTIONS = {"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
MUNICIPALITY = "10201"  # the profile page shows a municipality (for the prefecture it only asks for one)

CASES: list[tuple[str, str, dict[str, str]]] = []
for _p in pages(load_catalog()):
    for _lang in ("ja", "en"):
        CASES.append((_p.name, _lang, {"place": MUNICIPALITY} if _p.kind == "profile" else {}))
# The tabs of a policy-area page that do not open first, presenter mode and the embedded chart.
CASES += [("area1", "ja", {"tab": "trends"}), ("area1", "en", {"tab": "comparison"}),
          ("overview", "ja", {"mode": "present"}), ("overview", "en", {"mode": "present", "slide": "3"}),
          ("area2", "ja", {"embed": "true"})]


def _id(case: tuple[str, str, dict[str, str]]) -> str:
    name, lang, extra = case
    return "-".join([name, lang, *(f"{k}={v}" for k, v in extra.items())])


@pytest.fixture(scope="module")
def axe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over a private data copy with an analyst password configured (the upload page's login form)."""
    with server_with_accounts(tmp_path_factory.mktemp("axe"), {"axe": "axe"}) as url:
        yield url


def report(violations: list[dict[str, Any]]) -> str:
    """Each violation's rule, impact and help, then every node it found: its target and axe's summary."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for n in v["nodes"]:
            summary = " ".join(str(n.get("failureSummary") or "").split())
            lines.append(f"    {n['target']}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_axe_finds_no_wcag_a_or_aa_violation(axe_server: str, page: Any,
                                             case: tuple[str, str, dict[str, str]]) -> None:
    name, lang, extra = case
    page.goto(page_url(axe_server, name, lang=lang, **extra), wait_until="domcontentloaded")
    # Something the run draws first (so the run has started), then the end of the run, then Plotly.
    page.wait_for_selector("[data-testid='stMain'] :is(h1, .present-title, [data-testid='stPlotlyChart'])",
                           timeout=60_000)
    settle(page)
    charts_drawn(page)
    if name == "upload":
        page.get_by_role("button", name="ログイン" if lang == "ja" else "Log in").wait_for(timeout=20_000)
    assert page.locator("[data-testid='stException']").count() == 0
    results = Axe().run(page, options=OPTIONS)
    violations = results.response["violations"]
    assert not violations, f"{len(violations)} axe violation(s) on {page.url}:\n{report(violations)}"
    # axe really checked this page (a run that checked nothing would pass too): text contrast and names.
    passed = {r["id"] for r in results.response["passes"]}
    assert {"color-contrast", "document-title", "html-has-lang"} <= passed, passed


# axe does not judge text inside SVG, so the charts' own words are checked here: tick labels, axis titles,
# chart titles and legend entries, all drawn on the white paper of the chart, against WCAG's 4.5:1.
CHART_TEXT_JS = """() => {
  const lum = c => { const v = c.match(/[0-9.]+/g).slice(0, 3).map(x => { x = x / 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const out = [];
  for (const t of document.querySelectorAll('.js-plotly-plot :is(.xtick text, .ytick text, .xtitle, .ytitle, '
                                            + '.gtitle, .legendtext)')) {
    const text = t.textContent.trim();
    if (!text) continue;
    const fill = getComputedStyle(t).fill;
    const ratio = 1.05 / (lum(fill) + 0.05);  // against the white chart paper
    if (ratio < 4.5) out.push([text.slice(0, 40), fill, Math.round(ratio * 100) / 100]);
  }
  return out;
}"""


def test_chart_axis_text_has_enough_contrast(axe_server: str, page: Any) -> None:
    """The words of the charts (target names on the overview's axis, ticks, axis titles) reach 4.5:1.

    axe-core does not check text inside SVG; Streamlit's Plotly theme would draw it in gray70 (3.7:1), so
    charts.inked() sets the colour on every figure."""
    page.goto(page_url(axe_server, "overview", lang="ja"), wait_until="domcontentloaded")
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stPlotlyChart']", timeout=60_000)
    settle(page)
    assert charts_drawn(page) >= 1
    low = page.evaluate(CHART_TEXT_JS)
    assert not low, f"{len(low)} chart texts below 4.5:1 (text, colour, ratio): {low[:8]}"
