"""The argument parser (every command group registers itself here) and main(), the entry point of
`python -m dashboard`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import polars as pl

from dashboard import services
from dashboard.catalog import load_catalog
from dashboard.cli.readouts import _progress, _snapshots
from dashboard.cli.selfeval import _add_evaluation_commands
from dashboard.cli.store import _add_store_commands
from dashboard.cli.upload import _add_upload_commands
from dashboard.config import PREFECTURE, data_dir, data_folder_problem
from dashboard.i18n import LANGS, t

DESCRIPTION = "Command line: progress tables and snapshot listings (python -m dashboard ...)."  # (--help)


def catalog_choices() -> tuple[list[str], list[str]]:
    """(plan periods with targets, newest first; policy areas with a page) from the catalog, for --plan and
    --policy-area; empty when the catalog cannot be read (the command that needs it then reports why)."""
    try:
        cat = load_catalog()
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return [], []
    return [p.id for p in reversed(cat.plans_with_targets())], [a.id for a in cat.areas_info() if a.page]


def add_plan_argument(parser: argparse.ArgumentParser, plans: list[str]) -> None:
    """--plan: the plan period whose targets are shown; default the newest with targets, as on the pages."""
    parser.add_argument("--plan", choices=plans or None,
                        help="plan period whose targets are shown (default: the newest with targets"
                             + (f", {plans[0]})" if plans else ")"))


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser (other commands register themselves here too)."""
    plans, areas = catalog_choices()
    p = argparse.ArgumentParser(prog="python -m dashboard", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("progress", help="progress towards every tracked target for a place")
    pr.add_argument("--place", default=PREFECTURE, help="10000 (prefecture), K01–K10 (圏域) or a municipality code")
    pr.add_argument("--policy-area", choices=areas or None, help="only this policy area's targets (catalog ids)")
    add_plan_argument(pr, plans)
    pr.add_argument("--year", type=int, help="fiscal year (default: latest with data)")
    pr.add_argument("--as-of", help="snapshot id (default: newest)")
    pr.add_argument("--format", choices=("table", "csv", "json"), default="table")
    pr.add_argument("--lang", choices=LANGS, default="ja")
    pr.set_defaults(func=_progress)
    sn = sub.add_parser("snapshots", help="list published snapshots")
    sn.add_argument("--format", choices=("table", "json"), default="table")
    sn.set_defaults(func=_snapshots)
    _add_upload_commands(sub)
    _add_store_commands(sub)
    _add_evaluation_commands(sub)
    from dashboard.report import add_command  # (deck and briefing: python-pptx loads only when used)

    add_command(sub, plans)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    problem = data_folder_problem() if args.command != "hash-password" else None
    if problem:  # one sentence saying which folder and what to do, not an empty table
        print(t(services.DATA_FOLDER_MESSAGES[problem], getattr(args, "lang", "ja"), path=data_dir()), file=sys.stderr)
        return 2
    return int(args.func(args))
