"""Warm before serving (ui/warm.py): the warm-up builds exactly what a first visit of each page asks for, a
failing section is logged while the others warm, the switch is off by default, readiness (the process's first
run) waits for the warm-up, and a publication is warmed in the background, one warm-up at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.config import ROOT
from dashboard.ui import area, filters, layout, overview, share, state, warm
from tests.apptest_pages import switch
from tests.test_year_default_app import _publish_partial

APP = str(ROOT / "dashboard" / "app.py")


def _caches() -> dict[str, state.ViewCache]:
    """Every memo a warm-up fills (the page sections, the values behind them, the filters' and summaries')."""
    out = {f"section {c.fn.__qualname__}": c for c in layout.view_caches() if c.fn is not None}
    out |= {"has_actuals": layout.has_actuals, "values": state.values, "summary": share._summary_html,
            "choices": filters._CHOICES, "coverage": filters._coverage, "years": filters._years}
    return out


def _held() -> dict[str, set[Hashable]]:
    return {name: set(c.keys()) for name, c in _caches().items()}


def _added(before: dict[str, set[Hashable]]) -> dict[str, int]:
    return {name: len(keys - before.get(name, set())) for name, keys in _held().items()
            if keys - before.get(name, set())}


def _visit(page: str, lang: str = "ja", place: str | None = None) -> AppTest:
    """A new session's first view of `page` at the prefecture or `place` (the default page first, as a browser
    opening a link to another page also runs the entry script once)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    if place is not None:
        at.query_params["place"] = place
    if page != "overview":
        at.run()
        switch(at, page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture()
def warmer(monkeypatch: pytest.MonkeyPatch) -> warm.Warmer:
    """A fresh process-wide warmer (the first run of this 'process' is the next one)."""
    w = warm.Warmer()
    monkeypatch.setattr(warm, "WARMER", w)
    return w


def test_first_visits_after_the_warm_up_only_hit_the_memo(data_copy: Path) -> None:
    _publish_partial(data_copy)  # the default year is then the latest complete one, not the newest
    report = warm.warm()
    assert report.built and not report.failed
    before = _held()
    for page, lang in (("overview", "ja"), ("area1", "ja"), ("profile", "ja"), ("methodology", "ja"),
                       ("overview", "en"), ("area2", "en")):
        _visit(page, lang)
        assert _added(before) == {}, (page, lang)


def test_a_link_to_ones_own_town_is_warm_too(data_copy: Path) -> None:
    # A morning burst is each official opening their own town: every 圏域 and municipality is warmed, in the
    # first language (both would be more views than a section's memo keeps).
    report = warm.warm()
    assert not report.failed
    before = _held()
    for page, place in (("overview", "10425"), ("area1", "10201"), ("area2", "K01"), ("area5", "10525"),
                        ("profile", "10425")):
        _visit(page, "ja", place)
        assert _added(before) == {}, (page, place)
    assert len({c for name, keys in _held().items() if name.startswith("section") for c in keys}) <= (
        layout.VIEW_ENTRIES * len(layout.view_caches()))


def test_with_the_switch_on_the_first_run_waits_for_the_warm_up(data_copy: Path, warmer: warm.Warmer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(warm.SWITCH, "1")
    AppTest.from_file(APP, default_timeout=60).run()  # the script-health-check's run
    assert len(warmer.reports) == 1 and warmer.reports[0].built and not warmer.reports[0].failed
    before = _held()
    _visit("overview")
    _visit("area1")
    assert _added(before) == {}


def test_a_publication_is_warmed_behind_the_first_run_that_sees_it(data_copy: Path, warmer: warm.Warmer,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(warm.SWITCH, "1")
    AppTest.from_file(APP, default_timeout=60).run()
    _publish_partial(data_copy)
    AppTest.from_file(APP, default_timeout=60).run()  # sees the new store state: starts its warm-up
    warmer.wait(60)
    old, new = warmer.reports
    assert new.key == state.state_key() != old.key and new.built == old.built and not new.failed
    before = _held()
    _visit("area1")
    assert _added(before) == {}


def test_with_the_switch_off_nothing_is_warmed(data_copy: Path, warmer: warm.Warmer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(warm.SWITCH, raising=False)
    assert not warm.enabled()
    before = _held()
    _visit("overview")
    assert warmer.reports == []
    assert "section area_headline" not in _added(before)  # area 1 was not visited, so not built


def test_a_failing_section_is_logged_and_the_others_still_warm(data_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    def broken(v: state.ViewKey) -> None:
        raise RuntimeError("broken section")

    monkeypatch.setattr(overview, "overview_headline", broken)
    before = _held()
    with caplog.at_level(logging.ERROR, logger="gunma.warm"):
        report = warm.warm(langs=("ja",), places=False)
    assert report.failed == ["overview desktop (10000, ja)", "overview phone (10000, ja)"]
    assert "broken section" in caplog.text
    added = _added(before)
    cat = state.catalog()
    opening_on_headline = [a.id for a in cat.areas_info() if a.page and area.tabs_of(cat, a.id)[0] == "headline"]
    assert opening_on_headline and added["section area_headline"] == 2 * len(opening_on_headline)  # both screens
    assert added["section tables"] == 1 and added["has_actuals"] == 1


def test_defaults_that_cannot_be_read_are_logged_not_raised(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    def unreadable(key: str, lang: str) -> filters.Filters:
        raise OSError("store away")

    monkeypatch.setattr(warm, "first_visit", unreadable)
    with caplog.at_level(logging.ERROR, logger="gunma.warm"):
        report = warm.warm("some-state")
    assert report.failed == ["defaults"] and "store away" in caplog.text


def test_a_publication_is_warmed_in_the_background_one_warm_up_at_a_time() -> None:
    release: dict[str, threading.Event] = {k: threading.Event() for k in ("s1", "s2", "s3", "s4")}
    started: list[str] = []

    def build(key: str) -> warm.Report:
        started.append(key)
        release[key].wait(10)
        return warm.Report(key, built=1)

    w = warm.Warmer(build)
    release["s1"].set()
    w.on_run("s1")  # the first run: waits for the warm-up
    assert started == ["s1"] and len(w.reports) == 1
    w.on_run("s1")
    assert started == ["s1"]  # the same state: nothing to do
    w.on_run("s2")  # a publication: warmed behind this run, which does not wait
    assert started == ["s1", "s2"] and len(w.reports) == 1
    w.on_run("s3")  # another while s2 is being warmed: one at a time
    assert started == ["s1", "s2"]
    release["s2"].set()
    w.wait(10)
    release["s3"].set()
    w.on_run("s3")  # the next run that sees the newer state warms it
    w.wait(10)
    assert started == ["s1", "s2", "s3"] and [r.key for r in w.reports] == ["s1", "s2", "s3"]


def test_runs_that_start_during_the_first_warm_up_wait_for_it() -> None:
    go, done = threading.Event(), threading.Event()

    def build(key: str) -> warm.Report:
        go.wait(10)
        return warm.Report(key, built=1)

    w = warm.Warmer(build)
    first = threading.Thread(target=w.on_run, args=("s1",))
    first.start()
    second = threading.Thread(target=lambda: (w.on_run("s1"), done.set()))
    second.start()
    assert not done.wait(0.2)  # a second health check (or an early visitor) waits too
    go.set()
    first.join(10)
    second.join(10)
    assert done.is_set() and len(w.reports) == 1


def test_serve_turns_the_warm_up_on_and_readiness_waits_past_streamlits_own_timeout(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from scripts import serve

    monkeypatch.delenv(warm.SWITCH, raising=False)
    assert serve.worker_env(tmp_path)[warm.SWITCH] == "1"
    monkeypatch.setenv(warm.SWITCH, "0")
    assert serve.worker_env(tmp_path)[warm.SWITCH] == "0"  # an operator can turn it off

    class Supervisord:
        pid, returncode = 0, None

        def poll(self) -> None:
            return None

    def answers(script_check: list[tuple[int, str]]) -> list[str]:
        asked: list[str] = []

        def get(url: str, timeout: float) -> tuple[int, str]:
            asked.append(url)
            return script_check.pop(0) if "script-health-check" in url else (200, "ok")

        monkeypatch.setattr(serve, "_get", get)
        return asked

    monkeypatch.setattr(serve, "kill_orphans", lambda keep: [])
    asked = answers([(503, "timeout"), (503, "timeout"), (200, "ok")])  # a warm-up longer than Streamlit's 60 s
    assert serve._wait_ready(Supervisord(), "http://lb", [1], threading.Event()) is None  # type: ignore[arg-type]
    assert sum("script-health-check" in u for u in asked) == 3
    answers([(503, "error")])
    assert "fails to run" in str(serve._wait_ready(Supervisord(), "http://lb", [1], threading.Event()))  # type: ignore[arg-type]
