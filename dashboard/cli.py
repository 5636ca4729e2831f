"""Command line: progress tables and snapshot listings (python -m dashboard ...)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import polars as pl

from dashboard import data, db
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import PREFECTURE, data_dir
from dashboard.fmt import status_name
from dashboard.storage import LocalStore, visible


def _progress(args: argparse.Namespace) -> int:
    cat = load_catalog()
    store = LocalStore(data_dir())
    if cat.place_kind(args.place) in ("unknown", "national"):
        print(f"unknown place: {args.place} (use 10000, a 圏域 code K01–K10, or a municipality code)",
              file=sys.stderr)
        return 2
    try:
        snaps = visible(store.list(), args.as_of)
    except KeyError:
        print(f"unknown snapshot: {args.as_of}", file=sys.stderr)
        return 2
    con = db.connect()
    vals = data.values_for(con, store, cat, snaps, places=pg.needed_places(args.place))
    year = args.year or pg.latest_year(cat, vals) or 2020
    rows = pg.progress_for_place(cat, vals, args.place, year,
                                 str(args.policy_area) if args.policy_area else None)
    df = pg.to_frame(rows).with_columns(
        pl.col("indicator_id").replace_strict({i: cat.indicators[i].unit_ja for i in cat.indicators},
                                              default=None).alias("unit"),
        pl.col("target_id").replace_strict({t.id: t.label(args.lang) for t in cat.targets},
                                           default=None).alias("label"),
    )
    if args.format == "json":
        out = {"place": args.place, "place_name": cat.place_name(args.place, args.lang),
               "year": year, "as_of": snaps[-1].id if snaps else None,
               "sample_data_used": bool(df["actual_is_sample"].any()),
               "targets": df.to_dicts()}
        print(json.dumps(out, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        sys.stdout.write(df.write_csv())
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=220, fmt_str_lengths=60):
            shown = df.select(
                "target_id", "label", "baseline_year", "baseline_value", "actual_year",
                "actual_value", "target_year", "target_value",
                (pl.col("share_of_way") * 100).round(1).alias("progress_%"),
                pl.col("status").map_elements(lambda s: status_name(s, args.lang), return_dtype=pl.Utf8),
                pl.when(pl.col("actual_is_sample")).then(pl.lit("sample")).otherwise(pl.lit("")).alias("data"),
            )
            print(f"{cat.place_name(args.place, args.lang)}  FY{year}  as of {snaps[-1].id if snaps else '-'}")
            print(shown)
    return 0


def _snapshots(args: argparse.Namespace) -> int:
    store = LocalStore(data_dir())
    rows = [m.__dict__ for m in store.list()]
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=220, fmt_str_lengths=70):
            print(pl.DataFrame(rows).select("id", "kind", "label", "created_at", "rows", "publisher",
                                            "withdrawn") if rows else "no snapshots")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser (other commands register themselves here too)."""
    p = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    pr = sub.add_parser("progress", help="progress towards every tracked target for a place")
    pr.add_argument("--place", default=PREFECTURE, help="10000 (prefecture), K01–K10 (圏域) or a municipality code")
    pr.add_argument("--policy-area", type=int, choices=range(1, 6))
    pr.add_argument("--year", type=int, help="fiscal year (default: latest with data)")
    pr.add_argument("--as-of", help="snapshot id (default: newest)")
    pr.add_argument("--format", choices=("table", "csv", "json"), default="table")
    pr.add_argument("--lang", choices=("ja", "en"), default="ja")
    pr.set_defaults(func=_progress)
    sn = sub.add_parser("snapshots", help="list published snapshots")
    sn.add_argument("--format", choices=("table", "json"), default="table")
    sn.set_defaults(func=_snapshots)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
