"""First visits under Lighthouse (the npm package pinned in bench/package-lock.json, headless Chromium), every
page beside the floor app, both served by `make serve` (scripts/serve.py: nginx in front of the workers).

Each run is a first visit: Lighthouse starts a fresh Chromium with an empty cache. The server side is warm
(each page opened a few times before, so every worker has its caches): the first visit of a cold worker is a
different figure. The floor (bench/floor_app.py: one selectbox, one Plotly chart) is measured right before each
page, so both see the same load on a shared machine. Targets (desktop preset): performance score at least the
floor's − 10, LCP at most 1.2× the floor's, CLS under 0.1, no request answered with status ≥ 400. The mobile
preset (simulated slow 4G and a 4× slower CPU) is reported beside them without a target.

The JavaScript per page comes from Lighthouse's network-requests audit (resource type Script): Streamlit loads
its own bundle (the scripts every Streamlit app loads, the floor's) and then one lazy chunk per element type
when the first element of that type is drawn (PlotlyChart, DataFrame, ...).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import Figure, median
from bench.floor import FLOOR_APP, PAGES, floor_figure
from dashboard.config import ROOT

LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
SECTION = "first visits (Lighthouse, through nginx)"
PLACE = "10000"  # the prefecture: every page's default view
SCORE_MARGIN = 10.0  # points below the floor's performance score a page may be
LCP_TARGET = 1.2  # × the floor's LCP
CLS_LIMIT = 0.1
MAX_WAIT_MS = 120_000  # mobile's simulated LCP passed Lighthouse's default 45 s page-load wait
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
TABLE_CHUNK = "DataFrame"  # Streamlit's lazy chunk for st.dataframe (glide-data-grid, Arrow formatting)
PLOTLY_CHUNK = "PlotlyChart"
PRESETS = ("desktop", "mobile")


@dataclass(frozen=True)
class Request:
    """One request of the page load, from the network-requests audit."""

    url: str
    status: int
    kind: str  # Lighthouse's resource type: Document, Script, Font, Fetch, ...
    transfer: int  # bytes on the wire (compressed by nginx where it compresses)
    size: int  # bytes after decoding


@dataclass(frozen=True)
class Report:
    """What one Lighthouse run says about one page load."""

    score: float | None  # performance, 0–100
    lcp_ms: float | None
    tbt_ms: float | None
    cls: float | None
    bytes: float | None  # total transferred (total-byte-weight)
    requests: tuple[Request, ...] = ()
    shifts: tuple[str, ...] = ()  # the elements that shifted most, with their layout-shift scores
    lcp_element: str = ""
    error: str = ""  # Lighthouse's runtime error, or why the run failed

    @property
    def scripts(self) -> list[Request]:
        """The JavaScript the page loaded."""
        return [r for r in self.requests if r.kind == "Script"]

    @property
    def js_bytes(self) -> int:
        """JavaScript bytes transferred."""
        return sum(r.transfer for r in self.scripts)

    @property
    def failed(self) -> list[str]:
        """Requests answered with status ≥ 400, as 'status url'."""
        return [f"{r.status} {r.url}" for r in self.requests if r.status >= 400]


def _num(audits: dict[str, Any], key: str) -> float | None:
    value = audits.get(key, {}).get("numericValue")
    return float(value) if isinstance(value, int | float) else None


def _items(audits: dict[str, Any], key: str) -> list[dict[str, Any]]:
    details = audits.get(key, {}).get("details") or {}
    if details.get("type") == "list":  # largest-contentful-paint-element: a list of tables
        details = next(iter(details.get("items") or []), {})
    return list(details.get("items") or [])


def _node(item: dict[str, Any]) -> str:
    node = item.get("node") or {}
    selector = " > ".join(str(node.get("selector") or "?").split(" > ")[-2:])  # the element and its parent
    testid = re.search(r'data-testid="([^"]+)"', str(node.get("snippet") or ""))  # Streamlit's names its parts
    return f"{selector} [{testid.group(1)}]" if testid else selector


def parse(report: dict[str, Any]) -> Report:
    """The figures of one Lighthouse JSON report (lighthouse --output=json)."""
    audits = report.get("audits", {})
    score = (report.get("categories", {}).get("performance") or {}).get("score")
    requests = tuple(Request(str(i.get("url", "")), int(i.get("statusCode") or 0), str(i.get("resourceType", "")),
                             int(i.get("transferSize") or 0), int(i.get("resourceSize") or 0))
                     for i in _items(audits, "network-requests"))
    shifts = tuple(f"{_node(i)} ({float(i.get('score') or 0):.3f})" for i in _items(audits, "layout-shifts"))
    lcp_el = next((_node(i) for i in _items(audits, "largest-contentful-paint-element")), "")
    err = report.get("runtimeError") or {}
    return Report(None if score is None else float(score) * 100, _num(audits, "largest-contentful-paint"),
                  _num(audits, "total-blocking-time"), _num(audits, "cumulative-layout-shift"),
                  _num(audits, "total-byte-weight"), requests, shifts, lcp_el,
                  f"{err.get('code', '')}: {err.get('message', '')}"[:200] if err else "")


def missing() -> str | None:
    """Why Lighthouse cannot run here (Node, the npm package or Chromium absent), or None."""
    from bench.browser import CHROMIUM

    if not shutil.which("node"):
        return "node is not installed"
    if not LIGHTHOUSE.exists():
        return f"{LIGHTHOUSE.relative_to(ROOT)} is missing (make bench installs it: npm ci --prefix bench)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing"
    return None


def version() -> str:
    """The installed Lighthouse's version."""
    try:
        return subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True,
                              timeout=60).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "absent"


def command(url: str, preset: str, out: Path) -> list[str]:
    """The Lighthouse command line for one run (performance category only: the others cost time, not figures)."""
    cmd = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet", "--only-categories=performance",
           f"--max-wait-for-load={MAX_WAIT_MS}", f"--chrome-flags={CHROME_FLAGS}"]
    return [*cmd, "--preset=desktop"] if preset == "desktop" else cmd  # mobile is Lighthouse's default


def run_once(url: str, preset: str, out: Path) -> Report:
    """One Lighthouse run; a failed run is a Report with no figures and the reason, never an exception."""
    from bench.browser import CHROMIUM

    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    try:
        proc = subprocess.run(command(url, preset, out), env={**os.environ, "CHROME_PATH": CHROMIUM},
                              capture_output=True, text=True, timeout=MAX_WAIT_MS / 1000 + 180)
    except subprocess.TimeoutExpired:
        return Report(None, None, None, None, None, error="lighthouse timed out")
    if proc.returncode != 0 or not out.exists():
        return Report(None, None, None, None, None, error=f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}")
    return parse(json.loads(out.read_text(encoding="utf-8")))


def chunk(url: str) -> str:
    """A script's name without its content hash: .../static/js/DataFrame.-f9-1zS0.js → DataFrame."""
    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    return name.rsplit(".", 2)[0] if name.count(".") >= 2 else name


# ---------------------------------------------------------------- the runs
@dataclass
class Runs:
    """Every run of one preset: per target, its reports; per page, the floor runs made right before it."""

    preset: str
    pages: dict[str, list[Report]] = field(default_factory=dict)
    floors: dict[str, list[Report]] = field(default_factory=dict)
    table: list[Report] = field(default_factory=list)  # the floor with one st.dataframe (?table=1)


def page_url(base: str, page: str) -> str:
    """A dashboard page's address at the prefecture (/ for the overview)."""
    return f"{base}/{'' if page == 'overview' else page}?place={PLACE}"


def alternate(app: str, floor: str, pages: Sequence[str], preset: str, rounds: int, out: Path) -> Runs:
    """floor, page, floor, page ... over every page, `rounds` times; the floor with a table once per round."""
    runs = Runs(preset)
    for r in range(rounds):
        runs.table.append(run_once(f"{floor}/?place={PLACE}&table=1", preset, out / f"{preset}-floor-table-{r}.json"))
        for page in pages:
            runs.floors.setdefault(page, []).append(
                run_once(f"{floor}/?place={PLACE}", preset, out / f"{preset}-floor-before-{page}-{r}.json"))
            runs.pages.setdefault(page, []).append(
                run_once(page_url(app, page), preset, out / f"{preset}-{page}-{r}.json"))
            print(f"[bench] lighthouse {preset} {page} round {r + 1}: score {runs.pages[page][-1].score or 0:.0f} "
                  f"(floor {runs.floors[page][-1].score or 0:.0f})", flush=True)
    return runs


def _med(reports: Sequence[Report], attr: str) -> float | None:
    got = [v for v in (getattr(r, attr) for r in reports) if v is not None]
    return median(got) if got else None


def _span(reports: Sequence[Report], attr: str, fmt: str) -> str:
    got = [v for v in (getattr(r, attr) for r in reports) if v is not None]
    return f"{min(got):{fmt}}–{max(got):{fmt}}" if len(got) > 1 else ""


def _kb(v: float | None) -> float | None:
    return None if v is None else v / 1024


def _note(page: list[Report], floor: list[Report]) -> str:
    """What a row's figures rest on: runs, spread, JavaScript, failed requests, shifts, errors."""
    bits = [f"median of {len(page)} run{'s' * (len(page) > 1)}"]
    for attr, label, fmt in (("score", "score", ".0f"), ("lcp_ms", "LCP ms", ".0f")):
        if _span(page, attr, fmt):
            bits.append(f"{label} page {_span(page, attr, fmt)}, floor {_span(floor, attr, fmt)}")
    last, flast = page[-1], floor[-1]
    bits.append(f"JS {last.js_bytes / 1024:,.0f} KB in {len(last.scripts)} files "
                f"(floor {flast.js_bytes / 1024:,.0f} KB in {len(flast.scripts)})")
    errors = sorted({u for r in page for u in r.failed})
    bits.append("status ≥ 400: " + (", ".join(errors) if errors else "none"))
    if last.shifts:
        bits.append("largest shifts: " + "; ".join(last.shifts[:3]))
    if last.lcp_element:
        bits.append(f"LCP element {last.lcp_element}")
    bits += sorted({f"run failed: {r.error}" for r in [*page, *floor] if r.error})
    return "; ".join(bits)


def figures(name: str, preset: str, page: list[Report], floor: list[Report]) -> list[Figure]:
    """A page's rows beside the floor: score, LCP, TBT, bytes; on desktop CLS and failed requests, with targets."""
    scale = f"gunma, {preset}"
    def row(label: str, attr: str, unit: str, **kw: Any) -> Figure:
        conv = _kb if unit == "KB" else (lambda v: v)
        return floor_figure(scale, f"{name}: {label}", conv(_med(page, attr)), conv(_med(floor, attr)), unit,
                            section=SECTION, **kw)

    desktop = preset == "desktop"
    score = row("performance score", "score", "score", target=f"≥ floor − {SCORE_MARGIN:g}" if desktop else "",
                note=_note(page, floor))
    lcp = row("LCP", "lcp_ms", "ms", limit=LCP_TARGET if desktop else None,
              target=f"≤ {LCP_TARGET:g}× floor" if desktop else "")
    figs = [score, lcp, row("total blocking time", "tbt_ms", "ms"), row("transferred", "bytes", "KB")]
    if not desktop:
        return figs
    score.extra["met"] = (score.value is not None and score.extra["floor"] is not None
                          and score.value >= score.extra["floor"] - SCORE_MARGIN)
    cls = row("CLS", "cls", "cls", target=f"< {CLS_LIMIT:g}")
    cls.extra["met"] = cls.value is not None and cls.value < CLS_LIMIT
    failed = sorted({u for r in page for u in r.failed})
    bad = floor_figure(scale, f"{name}: requests with status ≥ 400", float(len(failed)),
                       float(len({u for r in floor for u in r.failed})), "", section=SECTION, target="none",
                       note=", ".join(failed))
    bad.extra["met"] = not failed and all(not r.error for r in page)
    return [*figs, cls, bad]


# ---------------------------------------------------------------- the JavaScript per page
def tables_on(urls: dict[str, str]) -> dict[str, int]:
    """How many st.dataframe elements each page draws (headless Chromium, the page run to its end)."""
    from playwright.sync_api import sync_playwright

    from bench import browser as br

    got = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=br.CHROMIUM, args=br.ARGS)
        try:
            for name, url in urls.items():
                pg = b.new_page(viewport={"width": 1350, "height": 940})  # Lighthouse's desktop screen
                pg.goto(url)
                br._wait_done(pg)
                got[name] = pg.locator("[data-testid='stDataFrame']").count()
                pg.close()
        finally:
            b.close()
    return got


def _js_row(label: str, rep: Report, base: set[str], table_code: set[str], tables: int | None) -> str:
    names = {chunk(r.url) for r in rep.scripts}
    extra = sorted(names - base - table_code)
    if names & table_code:  # the table's chunks as one entry: the list is long and the same on every page
        extra.insert(0, f"{TABLE_CHUNK} + {len(names & table_code) - 1} helper chunks")
    own = sum(r.transfer for r in rep.scripts if chunk(r.url) in base)
    return (f"| {label} | {rep.js_bytes / 1024:,.0f} | {sum(r.size for r in rep.scripts) / 1024:,.0f} | "
            f"{len(rep.scripts)} | {own / 1024:,.0f} | {'yes' if PLOTLY_CHUNK in names else 'no'} | "
            f"{'yes' if TABLE_CHUNK in names else 'no'} | {'?' if tables is None else tables} | "
            f"{', '.join(extra) if extra else '–'} |")


def js_markdown(floor: Report, table: Report, pages: dict[str, Report], tables: dict[str, int]) -> str:
    """Which JavaScript each first visit loads (desktop run), beside the floor's and the floor's with a table."""
    base = {chunk(r.url) for r in floor.scripts} - {PLOTLY_CHUNK}  # Streamlit's bundle + the selectbox's chunks
    table_only = sorted({chunk(r.url) for r in table.scripts} - {chunk(r.url) for r in floor.scripts})
    core = [r for r in floor.scripts if chunk(r.url) in base]
    lines = [
        "### JavaScript per first visit (Lighthouse, desktop preset, through nginx)", "",
        f"KB transferred (as nginx sends them, compressed) and decoded, from Lighthouse's network-requests audit. "
        f"'Streamlit's bundle' is what the floor loads apart from the Plotly chunk: {len(core)} files, "
        f"{sum(r.transfer for r in core) / 1024:,.0f} KB transferred ({sum(r.size for r in core) / 1024:,.0f} KB "
        f"decoded), index.*.js, react-dom, protobuf, emotion, the markdown renderer and the selectbox widget. It is "
        f"Streamlit's own build (streamlit/static), the same for every Streamlit app: the app cannot split it per "
        f"page. Element code comes in lazy chunks that Streamlit's frontend loads the first time it draws an element "
        f"of that type: {PLOTLY_CHUNK} (plotly.js) for st.plotly_chart, {TABLE_CHUNK} for st.dataframe; the table "
        f"brings {TABLE_CHUNK} and {max(len(table_only) - 1, 0)} helper chunks (Arrow decoding, number and date "
        f"formatting, the toolbar: the floor with ?table=1 beside the floor), shown as one entry below. "
        f"'Tables drawn' counts st.dataframe elements in the page once it has run (headless Chromium).", "",
        f"| first visit | JS KB transferred | JS KB decoded | files | of which Streamlit's bundle, KB | "
        f"{PLOTLY_CHUNK} | {TABLE_CHUNK} (table code) | tables drawn | chunks beyond the bundle |",
        "|---|---:|---:|---:|---:|---|---|---:|---|",
        _js_row("floor", floor, base, set(table_only), 0), _js_row("floor ?table=1", table, base, set(table_only), 1),
        *(_js_row(name, rep, base, set(table_only), tables.get(name)) for name, rep in pages.items()),
    ]
    stray = [name for name, rep in pages.items()
             if TABLE_CHUNK in {chunk(r.url) for r in rep.scripts} and tables.get(name) == 0]
    lines += ["", ("Pages that load the table code without drawing a table: " + ", ".join(stray)) if stray else
              "No page loads the table code without drawing a table."]
    return "\n".join(lines)


# ---------------------------------------------------------------- the whole section
@contextlib.contextmanager
def clusters(data_dir: Path, workers: int) -> Iterator[tuple[Any, Any]]:
    """The dashboard and the floor app, each on `make serve`'s launcher (nginx + workers) on its own port."""
    from bench.cluster import start_cluster

    with start_cluster(data_dir, workers) as app, \
            start_cluster(data_dir, workers, app=str(FLOOR_APP.relative_to(ROOT))) as floor:
        yield app, floor


def warm(app: Any, floor: Any, pages: Sequence[str], workers: int) -> None:
    """Open every page at the prefecture a few times, so each worker has its caches (sticky sessions pick a
    worker at random per browser: 3 sessions per worker miss one with a chance of about 1 in 30)."""
    from bench import load

    for page in pages:
        load.run_round(app.url, app.pids, 3 * workers, page=page, places=[PLACE], timeout=300)
    load.run_round(floor.url, floor.pids, 3 * workers, places=[PLACE], timeout=300)


def measure(data_dir: Path, out: Path, quick: bool = False, workers: int | None = None,
            pages: Sequence[str] = PAGES) -> tuple[list[Figure], str]:
    """Every page beside the floor under Lighthouse, desktop (1 run in quick, else median of 3) then mobile
    (1 run); returns the figures and the markdown of the JavaScript per page."""
    from bench import browser as br

    workers = workers or os.cpu_count() or 2
    with clusters(data_dir, workers) as (app, floor):
        warm(app, floor, pages, workers)
        run_once(f"{floor.url}/?place={PLACE}", "desktop", out / "first-chromium.json")  # Chromium's own first start
        runs = [alternate(app.url, floor.url, pages, "desktop", 1 if quick else 3, out),
                alternate(app.url, floor.url, pages, "mobile", 1, out)]
        tables = tables_on({p: page_url(app.url, p) for p in pages}) if br.available() else {}
    figs = [f for r in runs for p in pages for f in figures(p, r.preset, r.pages[p], r.floors[p])]
    desk = runs[0]
    md = js_markdown(desk.floors[pages[0]][-1], desk.table[-1], {p: desk.pages[p][-1] for p in pages}, tables)
    return figs, md
