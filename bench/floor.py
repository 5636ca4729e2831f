"""Every page beside Streamlit's floor, in the same run: server CPU per run, bursts of simultaneous sessions
and the browser's first render.

The floor is bench/floor_app.py (one selectbox, one Plotly chart), served from the project root with the same
.streamlit/config.toml. The dashboard and the floor run side by side; each page's figure is measured right
after the floor's, so both see the same load on a shared machine, and the ratio is what the targets are on:
- server CPU per run (one session alone changing the place, caches warm): ≤ 3× the floor's;
- 200 sessions opening a page at the same instant and changing the place (each session its own places), on
  `make serve`'s workers behind nginx: p95 < 2 s, 0 errors (the floor's p95 beside it);
- the browser's first render of each page within 1.3× of the floor's.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench import load
from bench.common import Figure, median, stop_process
from dashboard import registry
from dashboard.catalog import load_catalog
from dashboard.config import ROOT

FLOOR_APP = ROOT / "bench" / "floor_app.py"
DASHBOARD_APP = ROOT / "dashboard" / "app.py"
SECTION = "floor comparison (same run)"
PAGES = registry.data_pages(load_catalog())  # the page registry (every page but the upload page)
# Municipalities: every page shows something for them (the profile needs one); each session its own.
PLACES = ["10201", "10202", "10203", "10204", "10205", "10206", "10207", "10208", "10209", "10210", "10211",
          "10212", "10344", "10345", "10366", "10367", "10382", "10383", "10384", "10421", "10424", "10425",
          "10426", "10428", "10429", "10443", "10444", "10448", "10449", "10464", "10521", "10522", "10523",
          "10524", "10525"]
CPU_TARGET = 3.0
RENDER_TARGET = 1.3


@contextlib.contextmanager
def server(app: Path, data_dir: Path) -> Iterator[tuple[str, int]]:
    """`streamlit run app` on a free loopback port over data_dir, from the project root (its config.toml);
    yields (base URL, pid) once healthy and stops it afterwards."""
    from tests.browser.conftest import start_server

    proc, url = start_server(data_dir, app=app)
    try:
        yield url, proc.pid
    finally:
        stop_process(proc, timeout=20)


@contextlib.contextmanager
def cluster(app: Path, data_dir: Path, workers: int) -> Iterator[Any]:
    """`make serve` (scripts/serve.py: workers behind nginx, sticky sessions) serving `app` instead of the
    dashboard, so the floor runs in the same set-up."""
    from bench.cluster import start_cluster

    with start_cluster(data_dir, workers, app=str(app.relative_to(ROOT))) as c:
        yield c


def floor_figure(scale: str, name: str, value: float | None, floor: float | None, unit: str, *,
                 limit: float | None = None, target: str = "", note: str = "", errors: int = 0,
                 section: str = SECTION) -> Figure:
    """A figure with the floor's beside it; `limit` is the largest ratio page ÷ floor that meets the target."""
    f = Figure(section, scale, name, value, unit, target=target, note=note)
    f.extra["floor"] = floor
    ratio = value / floor if value is not None and floor else None
    f.extra["times_floor"] = ratio
    if limit is not None:
        f.extra["met"] = ratio is not None and ratio <= limit and errors == 0
    return f


def cpu_per_run(app: tuple[str, int], floor: tuple[str, int], pages: Sequence[str], places: Sequence[str],
                scale: str = "gunma", passes: int = 3) -> list[Figure]:
    """Server CPU per run of each page (one session alone, changing the place), beside the floor's.

    The first pass over the places is cold (each place's sections built for the first time) and is reported in
    the note; then `passes` warm passes of the page alternate with passes of the floor (the machine is shared:
    alternating spreads any change in its load over both), and the figure is CPU ÷ runs over them."""
    figs = []
    for page in pages:
        cold = load.run_sequence(*app, page, places, timeout=120)
        cpu = {"page": 0.0, "floor": 0.0}
        runs = {"page": 0, "floor": 0}
        errors = cold.errors
        for _ in range(passes):
            for who, (url, pid), p in (("floor", floor, "overview"), ("page", app, page)):
                r = load.run_sequence(url, pid, p, places, timeout=120)
                cpu[who] += r.server_cpu_s
                runs[who] += len(r.first_ms) + len(r.change_ms)
                errors += r.errors
        per = {k: cpu[k] * 1000 / runs[k] if runs[k] else float("nan") for k in cpu}
        figs.append(floor_figure(scale, f"{page}: server CPU per run", per["page"], per["floor"], "ms",
                                 limit=CPU_TARGET, target=f"≤ {CPU_TARGET:g}× floor", errors=errors,
                                 note=f"one session alone, {runs['page']} runs over {len(places)} places, caches "
                                      f"warm; first visit of each place (cold): {cold.cpu_per_run_ms():.1f} ms per "
                                      f"run; errors {errors}"))
    return figs


def _burst_note(r: load.LoadResult, fr: load.LoadResult) -> str:
    s, fs = r.summary(), fr.summary()
    kinds = "; ".join(f"{k} ×{c}" for k, c in r.error_kinds.items())
    return (f"page load p95 {s['first_p95']:.0f} ms (floor {fs['first_p95']:.0f}); filter change p95 "
            f"{s['change_p95']:.0f} ms (floor {fs['change_p95']:.0f}); server CPU per run {r.cpu_per_run_ms():.1f} ms "
            f"(floor {fr.cpu_per_run_ms():.1f}); errors {r.errors}" + (f" ({kinds})" if kinds else "")
            + f" (floor {fr.errors}); round {r.wall_s:.1f} s (floor {fr.wall_s:.1f} s)")


def bursts(app: tuple[str, Any], floor: tuple[str, Any], pages: Sequence[str], levels: Sequence[int],
           places: Sequence[str], scale: str = "gunma", setup: str = "1 process", target_n: int = 200,
           timeout: float = 120.0) -> list[Figure]:
    """n sessions at the same instant opening a page and changing the place (each session its own places),
    the floor's round just before each page's; p95 of both interactions."""
    figs = []
    for page in pages:
        for n in levels:
            fr = load.run_round(*floor, n, page="overview", places=places, timeout=timeout)
            r = load.run_round(*app, n, page=page, places=places, timeout=timeout)
            fig = floor_figure(scale, f"{page}: {setup}, burst of {n} sessions, p95", r.summary()["all_p95"],
                               fr.summary()["all_p95"], "ms", note=_burst_note(r, fr))
            if n == target_n and setup != "1 process":
                fig.target = "p95 < 2 s, 0 errors"
                fig.extra["met"] = r.summary()["all_p95"] < 2000 and r.errors == 0
            figs.append(fig)
            if r.errors > n // 2:
                break  # saturated: larger rounds would only fail longer
    return figs


def first_renders(app_url: str, floor_url: str, pages: Sequence[str], rounds: int = 3,
                  place: str = "10201", scale: str = "gunma", browser: Any = None) -> list[Figure]:
    """The browser's first render of each page (fresh browser context, warm server) beside the floor's,
    alternated page / floor so both see the same load; medians over `rounds`. The floor with one interactive
    table (bench/floor_app.py ?table=1) is measured beside them, in the note: how much of a page's first render
    is the table's own code in the browser. `browser`: a Playwright browser to use (default: a Chromium of its own).
    """
    from playwright.sync_api import sync_playwright

    from bench import browser as br

    def once(b: Any, url: str) -> float:
        ctx = b.new_context(viewport={"width": 1280, "height": 720})
        try:
            pg = ctx.new_page()
            t0 = time.perf_counter()
            pg.goto(url)
            br._wait_done(pg)
            return (time.perf_counter() - t0) * 1000
        finally:
            ctx.close()

    page_ms: dict[str, list[float]] = {p: [] for p in pages}
    floor_ms: dict[str, list[float]] = {p: [] for p in pages}
    table_ms: dict[str, list[float]] = {p: [] for p in pages}  # the floor with one interactive table
    def alternate(b: Any) -> None:
        once(b, f"{floor_url}/?place={place}")  # the browser's own first start is nobody's figure
        once(b, f"{floor_url}/?place={place}&table=1")
        for name in pages:
            once(b, f"{app_url}/{'' if name == 'overview' else name}?place={place}")  # server warm for it
        for _ in range(rounds):
            for name in pages:
                floor_ms[name].append(once(b, f"{floor_url}/?place={place}"))
                page_ms[name].append(once(b, f"{app_url}/{'' if name == 'overview' else name}?place={place}"))
                table_ms[name].append(once(b, f"{floor_url}/?place={place}&table=1"))

    if browser is not None:
        alternate(browser)
    else:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=br.CHROMIUM, args=br.ARGS)
            try:
                alternate(b)
            finally:
                b.close()
    figs = []
    for name in pages:
        pm, tm = median(page_ms[name]), median(table_ms[name])
        figs.append(floor_figure(
            scale, f"{name}: browser first render", pm, median(floor_ms[name]), "ms", limit=RENDER_TARGET,
            target=f"≤ {RENDER_TARGET:g}× floor",
            note=f"fresh browser context, warm server, place {place}; median of {rounds}, page "
                 f"{min(page_ms[name]):.0f}–{max(page_ms[name]):.0f} ms, floor {min(floor_ms[name]):.0f}–"
                 f"{max(floor_ms[name]):.0f} ms; the floor with one interactive table (st.dataframe) {tm:.0f} ms: "
                 f"page ÷ that {pm / tm:.2f}×"))
    return figs


def measure(data_dir: Path, quick: bool = False, browser: bool = True, cluster_workers: int | None = None,
            notes: list[str] | None = None) -> list[Figure]:
    """The whole comparison over one data folder: CPU per run, bursts on one process, first renders, and the
    200-session burst on `make serve`'s workers (one per core) behind nginx."""
    notes = notes if notes is not None else []
    pages = PAGES[:2] if quick else PAGES
    places = PLACES[:6] if quick else PLACES
    levels = (1, 10) if quick else (1, 10, 50, 200)
    top = 20 if quick else 200
    figs: list[Figure] = []
    with server(DASHBOARD_APP, data_dir) as app, server(FLOOR_APP, data_dir) as floor:
        for page in pages:  # the first run of each page pays imports; not part of any figure
            load.run_round(*app, 1, page=page, timeout=300)
        load.run_round(*floor, 1, timeout=300)
        figs += cpu_per_run(app, floor, pages, places)
        figs += bursts(app, floor, pages, levels, places)
        if browser:
            from bench import browser as br

            if br.available():
                figs += first_renders(app[0], floor[0], pages, rounds=1 if quick else 3)
            else:
                notes.append("floor comparison: Playwright or /usr/bin/chromium missing; first renders skipped")
    workers = cluster_workers or os.cpu_count() or 2
    try:
        with cluster(DASHBOARD_APP, data_dir, workers) as c_app, cluster(FLOOR_APP, data_dir, workers) as c_floor:
            figs += bursts((c_app.url, c_app.pids), (c_floor.url, c_floor.pids), pages, (top,), places,
                           setup=f"{workers} workers behind nginx", target_n=top)
    except Exception as e:  # nginx missing, a worker failing: the single-process figures still stand
        notes.append(f"floor comparison with {workers} workers skipped: {type(e).__name__}: {e}"[:300])
    return figs


def profiled_burst(data_dir: Path, out: Path, page: str = "overview", n: int = 200,
                   places: Sequence[str] = PLACES) -> tuple[load.LoadResult, Path]:
    """The dashboard on one process under py-spy while n sessions open `page` at once and change the place;
    returns the round and the raw profile (bench/profile.py summarises it)."""
    from bench import profile

    with server(DASHBOARD_APP, data_dir) as (url, pid):
        load.run_round(url, pid, 1, page=page, timeout=300)
        load.run_sequence(url, pid, page, places, timeout=120)  # caches warm, as in the CPU figures
        with profile.recording(pid, out):
            r = load.run_round(url, pid, n, page=page, places=places, timeout=120)
    return r, out
