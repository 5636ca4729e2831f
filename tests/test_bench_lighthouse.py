"""The Lighthouse section of `make bench` reads its figures right (a hand-written report of Lighthouse's JSON
shape; no Lighthouse, no browser, no server)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import lighthouse as lh
from bench import run
from dashboard.config import ROOT


def _req(path: str, kind: str, transfer: int, status: int = 200) -> dict[str, Any]:
    return {"url": f"http://127.0.0.1:8080{path}", "statusCode": status, "resourceType": kind,
            "transferSize": transfer, "resourceSize": transfer * 3, "mimeType": "text/javascript"}


def _node(selector: str) -> dict[str, Any]:
    return {"node": {"type": "node", "selector": f"div.stApp > div.x > {selector}",
                     "snippet": '<div class="x" data-testid="stMain">' if "main" in selector else "<div>"}}


def report(score: float = 0.42, lcp: float = 2100.0, cls: float = 0.25, extra: tuple[dict[str, Any], ...] = (),
           ) -> dict[str, Any]:
    """A Lighthouse 12 JSON report cut down to what bench/lighthouse.py reads."""
    requests = [_req("/?place=10000", "Document", 3000), _req("/static/js/index.DormvYxC.js", "Script", 136_000),
                _req("/static/js/PlotlyChart.D9Z0_fxz.js", "Script", 1_300_000),
                _req("/static/media/SourceSansVF.woff2", "Font", 171_000), *extra]
    return {
        "lighthouseVersion": "12.8.2",
        "categories": {"performance": {"score": score}},
        "audits": {
            "largest-contentful-paint": {"numericValue": lcp, "numericUnit": "millisecond"},
            "total-blocking-time": {"numericValue": 787.0},
            "cumulative-layout-shift": {"numericValue": cls},
            "total-byte-weight": {"numericValue": 2_877_356},
            "network-requests": {"details": {"type": "table", "items": requests}},
            "layout-shifts": {"details": {"type": "table", "items": [
                {**_node("main#stMain"), "score": 0.2274}, {**_node("section#stSidebar"), "score": 0.05}]}},
            "largest-contentful-paint-element": {"details": {"type": "list", "items": [
                {"type": "table", "items": [_node("h1#title")]}]}},
        },
    }


def test_parse_reads_score_timings_bytes_and_failed_requests() -> None:
    missing = (_req("/static/js/DataFrame.-f9-1zS0.js", "Script", 146_000),
               _req("/favicon.ico", "Other", 300, status=404), _req("/app/static/x.png", "Image", 200, status=500))
    r = lh.parse(report(extra=missing))
    assert r.score == 42 and r.lcp_ms == 2100 and r.tbt_ms == 787 and r.cls == 0.25
    assert r.bytes == 2_877_356
    assert r.js_bytes == 136_000 + 1_300_000 + 146_000 and len(r.scripts) == 3
    assert r.failed == ["404 http://127.0.0.1:8080/favicon.ico", "500 http://127.0.0.1:8080/app/static/x.png"]
    assert r.shifts == ("div.x > main#stMain [stMain] (0.227)", "div.x > section#stSidebar (0.050)")
    assert r.lcp_element == "div.x > h1#title" and r.error == ""


def test_a_failed_run_has_no_figures_and_says_why() -> None:
    r = lh.parse({"runtimeError": {"code": "NO_FCP", "message": "The page did not paint"},
                  "categories": {"performance": {"score": None}}, "audits": {}})
    assert r.score is None and r.lcp_ms is None and r.requests == () and r.error.startswith("NO_FCP")


def test_chunk_names_drop_the_content_hash() -> None:
    assert lh.chunk("http://h/static/js/DataFrame.-f9-1zS0.js") == "DataFrame"
    assert lh.chunk("http://h/static/js/emotion-is-prop-valid.esm.CkL99N7j.js") == "emotion-is-prop-valid.esm"
    assert lh.chunk("http://h/static/js/index.DormvYxC.js?v=1") == "index"


def test_desktop_targets_and_the_rows_in_the_report() -> None:
    page = [lh.parse(report(score=0.30, lcp=2600, cls=0.25, extra=(_req("/favicon.ico", "Other", 1, 404),)))]
    floor = [lh.parse(report(score=0.45, lcp=2000, cls=0.0))]
    figs = {f.name.split(": ", 1)[1]: f for f in lh.figures("overview", "desktop", page, floor)}
    assert figs["performance score"].extra["met"] is False  # 30 < 45 − 10
    assert figs["LCP"].extra["met"] is False and abs(figs["LCP"].extra["times_floor"] - 1.3) < 1e-9
    assert figs["CLS"].extra["met"] is False
    assert figs["requests with status ≥ 400"].value == 1 and "favicon.ico" in figs["requests with status ≥ 400"].note
    assert figs["transferred"].value == 2_877_356 / 1024
    mobile = lh.figures("overview", "mobile", page, floor)
    assert len(mobile) == 4 and all("met" not in f.extra for f in mobile)  # reported, no targets
    info = {"command": "t", "date": "d", "minutes": 0.0, "machine": run.machine(), "versions": {}, "load_start": "0",
            "national": "n", "gunma_rows": 1, "gunma_snaps": 1}
    text = run.render(list(figs.values()), info, [])
    assert f"## {lh.SECTION}" in text and "| gunma, desktop | overview: CLS | 0.250 | 0.000 |" in text
    assert "| overview: performance score | 30 | 45 |" in text


def test_js_table_flags_table_code_on_a_page_without_a_table() -> None:
    floor = lh.parse(report())
    table = lh.parse(report(extra=(_req("/static/js/DataFrame.-f9-1zS0.js", "Script", 146_000),)))
    md = lh.js_markdown(floor, table, {"overview": table, "area1": floor}, {"overview": 0, "area1": 0})
    assert "| overview |" in md and "Pages that load the table code without drawing a table: overview" in md
    assert "brings DataFrame and 0 helper chunks" in md and "| DataFrame + 0 helper chunks, PlotlyChart |" in md


def test_without_the_npm_package_the_section_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lh, "LIGHTHOUSE", ROOT / "bench" / "no-such" / "lighthouse")
    monkeypatch.setattr(lh.shutil, "which", lambda name: "/usr/bin/node")
    assert "npm ci --prefix bench" in (lh.missing() or "")
    monkeypatch.setattr(lh.shutil, "which", lambda name: None)
    assert lh.missing() == "node is not installed"
