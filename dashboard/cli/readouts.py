"""The commands that read the published data: `progress` (progress towards every target for a place, as a
table, CSV or JSON) and `snapshots` (the published snapshots)."""

from __future__ import annotations

import argparse
import json
import sys

import polars as pl

from dashboard import progress as pg
from dashboard import services
from dashboard.catalog import load_catalog
from dashboard.i18n import t


def _place_view(args: argparse.Namespace) -> services.PlaceView | None:
    """The place view for --place/--as-of/--year/--plan, or None after printing why it is refused."""
    try:
        return services.place_view(args.place, args.as_of, args.year, catalog=load_catalog().for_plan(args.plan))
    except services.ServiceError as e:
        print(t(e.key, args.lang, **e.params), file=sys.stderr)
        return None


def _progress(args: argparse.Namespace) -> int:
    from dashboard import export, views  # (only this command needs them)

    view = _place_view(args)
    if view is None:
        return 2
    cat, snaps, year = view.catalog, view.snaps, view.year
    df = services.progress_table(view, args.place, args.policy_area, args.lang)
    if args.format == "json":
        out = {"place": args.place, "place_name": cat.place_name(args.place, args.lang),
               "year": year, "as_of": snaps[-1].id if snaps else None, "plan": cat.plan,
               "sample_data_used": bool(df["actual_is_sample"].any()),
               "targets": df.to_dicts()}
        # Valid JSON only: a non-finite number is null, never the literal Infinity or NaN.
        print(json.dumps(pg.jsonable(out), ensure_ascii=False, indent=1, allow_nan=False))
    elif args.format == "csv":
        sys.stdout.write(export.csv_safe(views.finite_columns(df, df.columns)).write_csv())
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=220, fmt_str_lengths=60):
            shown = df.select(
                "target_id", "label", "baseline_year", "baseline_value", "actual_year",
                "actual_value", "target_year", "target_value",
                (pl.col("share_of_way") * 100).round(1).alias("progress_%"),
                "status_text", "verdict_detail",
                pl.when(pl.col("actual_is_sample")).then(pl.lit("sample")).otherwise(pl.lit("")).alias("data"),
                "coverage",
            )
            print(f"{cat.place_name(args.place, args.lang)}  FY{year}  as of {snaps[-1].id if snaps else '-'}")
            print(shown)
            # Provisional roll-ups in full below the table (a table cell would cut them short).
            for tid, text in df.filter(pl.col("provisional") != "").select("target_id", "provisional").iter_rows():
                print(t("cli_provisional", args.lang, target=tid, text=text))
    return 0


def _snapshots(args: argparse.Namespace) -> int:
    rows = services.snapshots()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=220, fmt_str_lengths=70):
            print(pl.DataFrame(rows).select("id", "kind", "label", "created_at", "rows", "publisher",
                                            "withdrawn") if rows else "no snapshots")
    return 0
