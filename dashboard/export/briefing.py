"""The one-page A4 briefing for a place: HTML from the Jinja2 template dashboard/templates/briefing.html.j2
(autoescape on), printed to PDF by Chromium through Playwright; one page where it fits, else numbered
「2枚中1枚」. The bars are HTML, so every word prints as text."""

from __future__ import annotations

import concurrent.futures
import functools
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from dashboard import fmt, slides, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.export.meta import SAMPLE_WARNING, SOURCE, ExportMeta
from dashboard.export.targets import progress_cells, provisional_lines
from dashboard.i18n import t

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"  # dashboard/templates, beside this package
BRIEFING_MARGIN = {"top": "10mm", "right": "11mm", "bottom": "17mm", "left": "11mm"}  # bottom: the running footer
BAR_MAX = 150.0  # the bars' axis runs 0–150 % of the way; the target line sits at 100 %
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]


@functools.cache
def _templates() -> Any:
    """The Jinja2 environment over dashboard/templates (autoescape on: every value is text, never markup)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class BriefRow:
    """One target on the briefing: its numbers as text and its bar (0–100 = 0–BAR_MAX % of the way)."""

    label: str
    actual: str
    target: str
    share: str
    status: str
    detail: str
    colour: str
    bar: float
    pace: float | None  # where a straight line would be by now (same scale), None when not drawn


def brief_rows(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> list[BriefRow]:
    """The briefing's rows: every target judged at the place (context rows left out), bar and verdict."""
    cells = progress_cells(catalog, rows, lang)[1:]
    judged = [r for r in rows if r.status != "context"]
    out = []
    for r, c in zip(judged, cells, strict=True):
        share = r.share_of_way
        met = share is None and r.status in ("achieved", "reached_early")
        shown = 100.0 if met else 0.0 if share is None else max(0.0, min(BAR_MAX, share * 100))
        exp = views.expected_share(r)
        out.append(BriefRow(c[0], c[1], c[2], t("met_at_baseline", lang) if met else c[3], c[4], c[5],
                            fmt.STATUS_COLOURS[r.status], shown / BAR_MAX * 100,
                            None if exp is None else max(0.0, min(BAR_MAX, exp * 100)) / BAR_MAX * 100))
    return out


def briefing_html(catalog: Catalog, rows: Sequence[pg.Progress], sentences: Sequence[str], meta: ExportMeta,
                  chart_png: bytes | None = None, *, title: str | None = None) -> str:
    """The A4 briefing as print-ready HTML (Jinja2, every value escaped): header, sample notice, summary,
    every target with its bar and verdict, source, as-of and link. (`chart_png` is no longer drawn: the bars
    are HTML, so they print as vector text.)"""
    lang = meta.lang
    head = progress_cells(catalog, [], lang)[0]
    return str(_templates().get_template("briefing.html.j2").render(
        lang=lang, title=title or meta.title, place=meta.place_name, year=meta.year_text(),
        as_of=meta.as_of_text(), sample=t(SAMPLE_WARNING, lang) if meta.sample else "",
        sentences=list(sentences), rows=brief_rows(catalog, rows, lang),
        head=[head[0], head[1], head[2], t("briefing_col_progress", lang), head[5]],
        legend=t("briefing_bar_legend", lang), goal=100 / BAR_MAX * 100,
        provisional=provisional_lines(catalog, rows, lang), provisional_heading=t("provisional_heading", lang),
        footer=meta.footer(), link=t("briefing_link", lang, url=meta.url) if meta.url else "",
        margin=BRIEFING_MARGIN))


def running_footer(meta: ExportMeta, numbered: bool) -> str:
    """Chromium's footer template: source, as-of and sample notice on every page, and with `numbered`
    「2枚中1枚」 / "Page 1 of 2" (Chromium fills the pageNumber and totalPages spans)."""
    from markupsafe import Markup, escape

    page_of = ""
    if numbered:
        text = str(escape(t("briefing_page_of", meta.lang, page="\x00", total="\x01")))
        page_of = Markup(text.replace("\x00", '<span class="pageNumber"></span>')
                         .replace("\x01", '<span class="totalPages"></span>'))
    return str(_templates().get_template("briefing_footer.html.j2").render(
        source=t(SOURCE, meta.lang), as_of=meta.as_of_text(),
        sample=t(SAMPLE_WARNING, meta.lang) if meta.sample else "", page_of=page_of,
        side=BRIEFING_MARGIN["left"]))


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF from Chromium has (its page objects; Chromium writes no object streams)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def chromium_path() -> str:
    """Debian's Chromium (or $BROWSER_PATH)."""
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def print_pdf(pages: Callable[[int], tuple[str, str]]) -> bytes:
    """A4 PDF through Playwright and Chromium: `pages(n)` gives (html, footer template) for a first print
    (n = 0) and, if that took more than one page, for a second one (n = page count); fonts embedded, tagged.
    Runs in a thread of its own (Playwright's sync API refuses a thread with a running event loop)."""
    def run() -> bytes:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()

                def once(n: int) -> bytes:
                    body, foot = pages(n)
                    page.set_content(body, wait_until="load")
                    page.evaluate("document.fonts.ready.then(() => true)")
                    data: bytes = page.pdf(format="A4", print_background=True, prefer_css_page_size=True,
                                           display_header_footer=True, header_template="<span></span>",
                                           footer_template=foot, tagged=True,
                                           margin={"top": BRIEFING_MARGIN["top"], "right": BRIEFING_MARGIN["right"],
                                                   "bottom": BRIEFING_MARGIN["bottom"],
                                                   "left": BRIEFING_MARGIN["left"]})
                    return data

                data = once(0)
                n = pdf_pages(data)
                return once(n) if n > 1 else data
            finally:
                browser.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=120)


def _briefing_parts(catalog: Catalog, values: pl.DataFrame, place: str, year: int, lang: str
                    ) -> tuple[list[pg.Progress], list[str]]:
    """The briefing's targets and sentences (status counts, one sentence per policy area)."""
    rows = pg.progress_for_place(catalog, values, place, year)
    return rows, slides.overview_sentences(catalog, rows, lang)


def briefing_for(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta,
                 with_chart: bool = True) -> str:
    """The briefing for a place as HTML (the page the PDF prints; `with_chart` is kept for callers)."""
    rows, sentences = _briefing_parts(catalog, values, place, year, meta.lang)
    return briefing_html(catalog, rows, sentences, meta)


def briefing_pdf(catalog: Catalog, values: pl.DataFrame, place: str, year: int, meta: ExportMeta,
                 title_more: str | None = None, rows: Sequence[pg.Progress] | None = None) -> bytes:
    """The A4 briefing for a place as PDF: one page where it fits; otherwise the title drops its one-page
    claim (`title_more`) and every page says 「2枚中1枚」 / "Page 1 of 2". `rows` replaces the place's targets."""
    got, sentences = _briefing_parts(catalog, values, place, year, meta.lang)
    targets = list(rows) if rows is not None else got

    def pages(n: int) -> tuple[str, str]:
        title = title_more if n > 1 and title_more else meta.title
        return briefing_html(catalog, targets, sentences, meta, title=title), running_footer(meta, n > 1)

    return print_pdf(pages)
