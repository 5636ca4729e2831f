"""Warm before serving: build every page's default view before a worker reports ready, and again after a
publication, so no visitor pays for the first visit of a cold process.

`warm(key)` is a plain function (it draws nothing): for the store state `key` it calls the same cached
sections (`@per_view`, state.values, the filters' memos, the written summaries) that a first visit of each
page calls, with the same arguments: the prefecture, the default year (`filters.first_visit`), the newest
snapshot and plan, every language offered in the sidebar, desktop and phone screens, the tab a page opens on.
A section that fails is logged and skipped: a warm-up never stops the server.

`on_run(key)` is the switch, asked once per script run (dashboard/app.py). With $GUNMA_WARM on (scripts/serve.py
turns it on for production; off by default, so tests and `streamlit run` start as before):
- the process's first run starts the warm-up, and every run that starts before it ends waits for it; the
  first run of a served worker is Streamlit's script-health-check, which serve.py polls for readiness, so a
  worker is reported ready once warm;
- a run that sees a new store state (a publication, withdrawal or restoration: the key changes) starts a
  warm-up of that state in the background and does not wait; one warm-up at a time per process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from dashboard import i18n
from dashboard.config import boundary_geojson
from dashboard.ui import area, comparison, layout, methodology, overview, profile, share, state
from dashboard.ui.filters import Filters, first_visit

LOG = logging.getLogger("gunma.warm")
SWITCH = "GUNMA_WARM"
SCREENS = ("desktop", "phone")  # phone.on_phone() picks one of these per session


def enabled() -> bool:
    """Whether $GUNMA_WARM asks for the warm-up (1, true, yes or on; off when unset)."""
    return (os.environ.get(SWITCH) or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class Report:
    """What one warm-up did: sections built (or found built), those that failed, and how long it took."""

    key: str
    built: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _area_sections(f: Filters, area_id: str, v: state.ViewKey) -> Iterator[tuple[str, Callable[[], Any]]]:
    """A policy-area page's first view: its sample flag and the tab it opens on (area.page)."""
    cat = f.catalog()
    info = cat.area_info(area_id)
    yield f"area{area_id} sample", lambda: area.area_sample(f.view_key(), area_id)
    tab = area.tabs_of(cat, area_id)[0]
    if tab == "headline":
        def headline() -> None:
            head, _ = area.area_headline(v, area_id)
            if head is not None:
                share.summary_items(head.rows, area_id, f.lang, f.plan)
        yield f"area{area_id} headline {v.screen}", headline
    elif tab == "trends":
        yield f"area{area_id} trends {v.screen}", lambda: area.area_trends(v, area_id, info.targets)
    else:
        def compare() -> None:
            choices = comparison.comparison_choices(f.view_key().data(), area_id)
            geojson = boundary_geojson()
            if choices:  # the picker opens on the first indicator, leaders first
                comparison.comparison(v, area_id, choices[0], str(geojson) if geojson else None, False, f.provisional)
        yield f"area{area_id} comparison {v.screen}", compare


def sections(f: Filters) -> Iterator[tuple[str, Callable[[], Any]]]:
    """(name, build) for every cached section a first visit of each page calls with the filters `f` (one
    language), on each screen kind. The profile at the prefecture or a 圏域 shows a picker only; the upload and
    self-evaluation pages start with a login form (nothing cached)."""
    cat = f.catalog()
    town = cat.place_kind(f.place) == "municipality"  # the profile shows a municipality (elsewhere: a picker)
    yield "header", lambda: layout.has_actuals(f.view_key())  # every page of progress, whatever the screen
    yield "methodology", lambda: methodology.tables(f.view_key().data().at(lang=f.lang, plan=f.plan))
    if town:
        yield "profile facts", lambda: profile.profile_facts(f.view_key())
    for screen in SCREENS:
        v = f.view_key(screen)

        def top(v: state.ViewKey = v) -> None:
            share.summary_items(overview.overview_headline(v).rows, None, f.lang, f.plan)
        yield f"overview {screen}", top
        if town:
            def own(v: state.ViewKey = v) -> None:  # the profile opens on its headline tab
                share.summary_items(profile.profile_headline(v).rows, None, f.lang, f.plan)
            yield f"profile {screen}", own
        for a in cat.areas_info():
            if a.page:
                yield from _area_sections(f, a.id, v)


def place_views(f: Filters) -> Iterator[Filters]:
    """The same first visit at every other place of the picker (each 圏域 and municipality): what a link or a
    bookmark to one's own town opens."""
    for code in f.catalog().place_codes():
        if code != f.place:
            yield replace(f, place=code)


def _build(report: Report, f: Filters) -> None:
    """Build every section of `f`'s first visits into the memo; a failure is logged and counted."""
    for name, build in sections(f):
        try:
            build()
            report.built += 1
        except Exception:
            LOG.exception("warm-up: %s (%s, %s) failed; the other sections go on", name, f.place, f.lang)
            report.failed.append(f"{name} ({f.place}, {f.lang})")


def warm(key: str | None = None, langs: tuple[str, ...] | None = None, places: bool = True) -> Report:
    """Build the default view of every page for the store state `key` (default: the current one): at the
    prefecture in every language offered (`langs`), then (`places`) at every other place in the first of them.
    Failures are logged, never raised."""
    started = time.perf_counter()
    report = Report(key or "")
    try:
        report.key = key = key or state.state_key()
        langs = langs or i18n.listed_languages()
        for lang in langs:
            _build(report, first_visit(key, lang))
        # Every place, in the first language only: a morning burst is each official opening their own town
        # (200 sessions at once on 2 workers: p95 2.5 → 1.4 s on the overview once its places were warm), and
        # both languages at every place would be more views than a section's memo keeps (layout.VIEW_ENTRIES).
        for f in place_views(first_visit(key, langs[0])) if places else ():
            _build(report, f)
    except Exception:  # the store or the filters' defaults could not be read: nothing to warm
        LOG.exception("warm-up of %s failed", report.key or "the current store state")
        report.failed.append("defaults")
    report.seconds = time.perf_counter() - started
    LOG.info("warm-up of %s: %d sections in %.1f s, %d failed", report.key, report.built, report.seconds,
             len(report.failed))
    return report


class Warmer:
    """The process's warm-ups: the first one (runs wait for it), then one per new store state, in the
    background, one at a time."""

    def __init__(self, build: Callable[[str], Report] = warm) -> None:
        self.build = build
        self._lock = threading.Lock()
        self._first: threading.Thread | None = None
        self._running: threading.Thread | None = None
        self._key: str | None = None  # the store state last warmed (or being warmed)
        self.reports: list[Report] = []

    def _start(self, key: str, attach: Callable[[threading.Thread], Any] | None) -> threading.Thread:
        def work() -> None:
            self.reports = [*self.reports[-9:], self.build(key)]

        thread = threading.Thread(target=work, name="gunma-warm", daemon=True)
        if attach is not None:
            attach(thread)
        self._key, self._running = key, thread
        thread.start()
        return thread

    def on_run(self, key: str, attach: Callable[[threading.Thread], Any] | None = None) -> None:
        """Called by every script run with its store state key (`attach`: gives the thread the run's context)."""
        with self._lock:
            if self._first is None:
                self._first = self._start(key, attach)
            first = self._first
            if not first.is_alive() and key != self._key and not (self._running and self._running.is_alive()):
                self._start(key, attach)  # a publication: warm the new state behind this run
        if first.is_alive():  # before the first warm-up is done (readiness): wait for it
            first.join()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the warm-up running now, if any (tests, benchmarks)."""
        running = self._running
        if running is not None:
            running.join(timeout)


WARMER = Warmer()


def on_run(key: str, attach: Callable[[threading.Thread], Any] | None = None) -> None:
    """The switch: with $GUNMA_WARM on, warm up as `Warmer.on_run` says; off, nothing."""
    if enabled():
        WARMER.on_run(key, attach)
