"""`python -m dashboard report`: the slide deck and one-page briefing from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dashboard import data, export, links, services, views
from dashboard.catalog import load_catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import LANGS, N_, t

TITLES = {"deck": N_("report_title_deck"), "briefing": N_("report_title_briefing")}
TITLE_MORE = N_("report_title_briefing_more")  # a briefing that takes more than one page


def _report(args: argparse.Namespace) -> int:
    try:
        view = services.place_view(args.place, args.as_of, args.year,
                                   catalog=load_catalog().for_plan(args.plan))
    except services.ServiceError as e:
        print(t(e.key, args.lang, **e.params), file=sys.stderr)
        return 2
    cat, snaps, vals, year = view.catalog, view.snaps, view.values, view.year
    snap = snaps[-1] if snaps else None
    lang = args.lang
    place_name = cat.place_name(args.place, lang)
    url = links.build(links.View(place=args.place, year=year, as_of=snap.id if snap else links.LATEST, lang=lang,
                                plan=cat.plan or None),
                      args.base_url) if args.base_url else None

    # A year not every municipality reported says so on every slide and page, as on the dashboard.
    provisional = views.year_provisional_text(data.year_coverage(vals, cat).get(year), lang)

    def meta(kind: str) -> export.ExportMeta:
        title = t(TITLES[kind], lang, place=place_name)
        return export.ExportMeta(title, place_name, year, snap.id if snap else None, snap.label if snap else None,
                                 any(m.kind == "sample" for m in snaps), lang, url, provisional)

    if not args.deck and not args.briefing:
        print("nothing to do: give --deck FILE and/or --briefing FILE", file=sys.stderr)
        return 2
    if args.deck:
        def step(done: int, total: int) -> None:
            if sys.stderr.isatty():  # a long build (the prefecture: ~10 charts) shows where it is
                print(f"\rdeck: chart {done}/{total}", end="\n" if done == total else "", file=sys.stderr)

        Path(args.deck).write_bytes(export.deck_for(cat, vals, args.place, year, meta("deck"), progress=step))
        print(f"deck: {args.deck}")
    if args.briefing:
        out = Path(args.briefing)
        if out.suffix.lower() in (".html", ".htm"):  # the page the PDF prints, for a browser
            out.write_text(export.briefing_for(cat, vals, args.place, year, meta("briefing")), encoding="utf-8")
        else:
            out.write_bytes(export.briefing_pdf(cat, vals, args.place, year, meta("briefing"),
                                                t(TITLE_MORE, lang, place=place_name)))
        print(f"briefing: {args.briefing}")
    return 0


def summary_pdf(year: int, as_of: str | None, lang: str) -> bytes:
    """The progress summary of the plan's targets at a year's end (進捗状況の概要), for the self-evaluation:
    the prefecture's briefing at that year, printed as a PDF (the briefing's own path, sample data marked)."""
    view = services.place_view(PREFECTURE, as_of, year)
    snap = view.snaps[-1] if view.snaps else None
    name = view.catalog.place_name(PREFECTURE, lang)
    meta = export.ExportMeta(t(TITLES["briefing"], lang, place=name), name, view.year, snap.id if snap else None,
                             snap.label if snap else None, any(m.kind == "sample" for m in view.snaps), lang)
    return export.briefing_pdf(view.catalog, view.values, PREFECTURE, view.year, meta,
                               t(TITLE_MORE, lang, place=name))


def add_command(sub: Any, plans: list[str] | None = None) -> None:
    """Register `report` on the CLI's subparsers (plans: the --plan choices, newest first)."""
    r = sub.add_parser("report", help="slide deck (.pptx) and one-page A4 briefing (PDF) for a place")
    r.add_argument("--place", default=PREFECTURE, help="10000 (prefecture), K01–K10 (圏域) or a municipality code")
    r.add_argument("--year", type=int, help="fiscal year (default: latest with data)")
    r.add_argument("--as-of", help="snapshot id (default: newest)")
    r.add_argument("--plan", choices=plans or None,
                   help="plan period whose targets are shown (default: the newest with targets)")
    r.add_argument("--lang", choices=LANGS, default="ja")
    r.add_argument("--deck", help="write the .pptx here")
    r.add_argument("--briefing", help="write the A4 briefing here: PDF, or the page it prints if FILE ends in .html")
    r.add_argument("--base-url", help="dashboard address, to print the link to the same view in the briefing")
    r.set_defaults(func=_report)
