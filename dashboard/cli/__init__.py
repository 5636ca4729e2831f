"""Command line: progress tables and snapshot listings (python -m dashboard ...)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from dashboard import db, services
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import PREFECTURE, data_dir, data_folder_problem
from dashboard.i18n import LANGS, t, tn
from dashboard.stores import open_store


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
    p = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
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


# ------------------------------------------------------------------------------ upload (issue 4)

def _print_problems(result: Any, lang: str) -> None:
    for p in result.errors:
        print(t("cli_error", lang, message=p.message(lang)))
    for p in result.warnings:
        print(t("cli_warning", lang, message=p.message(lang)))
    hidden = sum(result.counts.values()) - len(result.errors) - len(result.warnings)
    if hidden > 0:
        print(t("cli_more_problems", lang, n=hidden))


def _validated(args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    cat = load_catalog()
    store = open_store()
    try:
        result = services.validate_upload(Path(args.file), cat, store)
    except services.ServiceError as e:
        raise _CliError(t(e.key, args.lang, **e.params)) from e
    return cat, store, db.connect(), result


class _CliError(Exception):
    """A user-facing error: printed without a traceback, exit 1."""


def _guard(func: Any) -> Any:
    """Run a command; user errors and unexpected failures print one line and exit 1 (never a traceback)."""
    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except _CliError as e:
            print(str(e), file=sys.stderr)
        except Exception as e:  # the last line of defence for untrusted files
            print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return run


def _check(args: argparse.Namespace) -> int:
    _cat, _store, _con, result = _validated(args)
    if args.format == "json":
        print(json.dumps({"file": result.file_name, "format": result.file_format, "rows": result.rows,
                          "ok": result.ok, "counts": dict(result.counts),
                          "errors": [_problem_json(p) for p in result.errors],
                          "warnings": [_problem_json(p) for p in result.warnings]}, ensure_ascii=False, indent=1))
    else:
        _print_problems(result, args.lang)
        if result.ok:
            print(t("cli_ok", args.lang, file=result.file_name, rows=result.frame.height))
        else:
            n = sum(v for k, v in result.counts.items() if k in {p.rule for p in result.errors})
            print(t("cli_invalid", args.lang, n=n))
    return 0 if result.ok else 1


def _problem_json(p: Any) -> dict[str, Any]:
    """A problem as JSON: its rule id and parameters, and its words in both languages (rendered here)."""
    return {**p.__dict__, "message_ja": p.message("ja"), "message_en": p.message("en")}


def _publish(args: argparse.Namespace) -> int:
    from dashboard import ingest
    from dashboard.storage import PublishBusy

    cat, store, con, result = _validated(args)
    _print_problems(result, args.lang)
    if not result.ok:
        print(t("cli_not_published", args.lang))
        return 1
    pv = ingest.preview(con, store, cat, result.frame, args.lang)
    print(f"preview: add {pv.adds:,}, revise {pv.revises:,}, unchanged {pv.same:,}, left alone {pv.untouched:,}")
    try:
        meta, built = services.publish(store, cat, result.frame, label=args.label, kind=args.kind,
                                       publisher=args.publisher or f"{getpass.getuser()} (cli)",
                                       source_name=args.file)
    except (ValueError, PublishBusy) as e:
        raise _CliError(str(e)) from e
    print(f"published {meta.id}  rows={meta.rows}  sha256={meta.sha256}")
    _print_prebuilt(built)
    return 0


def _print_prebuilt(built: services.Prebuilt) -> None:
    if built.seconds is None:
        print(f"pre-aggregation skipped ({built.skipped}); the dashboard will build it on first use")
    else:
        print(f"pre-aggregated for the dashboard in {built.seconds:.1f} s")


def _withdraw_or_restore(args: argparse.Namespace) -> int:
    from dashboard.storage import PublishBusy

    withdraw = args.command == "withdraw"
    try:
        built = services.set_withdrawn(open_store(), load_catalog(), args.snapshot_id, withdraw, reason=args.reason,
                                       who=args.who or f"{getpass.getuser()} (cli)")
    except services.ServiceError as e:
        raise _CliError(t(e.key, "en", **e.params)) from e  # (these commands have no --lang: English as before)
    except PublishBusy as e:  # a full or read-only data folder: its sentence in both languages
        raise _CliError(str(e)) from e
    print(f"{'withdrawn' if withdraw else 'restored'}: {args.snapshot_id}")
    _print_prebuilt(built)
    return 0


def _hash_password(args: argparse.Namespace) -> int:
    from dashboard.auth import hash_password

    if args.stdin or not sys.stdin.isatty():
        pw = sys.stdin.readline().rstrip("\n")
    else:
        pw = getpass.getpass("password: ")
        if pw != getpass.getpass("again: "):
            raise _CliError("the two passwords differ")
    if len(pw) < 8:
        raise _CliError("use at least 8 characters")
    print("# .streamlit/secrets.toml: one line per analyst under [upload.users] (replace NAME with theirs)")
    print("[upload.users]")
    print(f'NAME = "{hash_password(pw)}"')
    return 0


def _add_upload_commands(sub: Any) -> None:
    """Register check / publish / withdraw / restore / hash-password."""
    ck = sub.add_parser("check", help="validate a snapshot file (Parquet, CSV, .xlsx) without publishing")
    ck.add_argument("file")
    ck.add_argument("--lang", choices=LANGS, default="ja")
    ck.add_argument("--format", choices=("text", "json"), default="text")
    ck.set_defaults(func=_guard(_check))
    pb = sub.add_parser("publish", help="validate, then publish a file as a new snapshot")
    pb.add_argument("file")
    pb.add_argument("--label", required=True, help="shown in the history and the as-of filter")
    pb.add_argument("--kind", choices=("official", "sample"), default="official")
    pb.add_argument("--publisher", help="recorded as who published (default: your user name)")
    pb.add_argument("--lang", choices=LANGS, default="ja")
    pb.set_defaults(func=_guard(_publish))
    for name, text in (("withdraw", "withdraw a snapshot from the view (its file is kept)"),
                       ("restore", "restore a withdrawn snapshot")):
        w = sub.add_parser(name, help=text)
        w.add_argument("snapshot_id")
        w.add_argument("--reason", required=True)
        w.add_argument("--who", help="recorded as who did it (default: your user name)")
        w.set_defaults(func=_guard(_withdraw_or_restore))
    hp = sub.add_parser("hash-password", help="make a password hash for .streamlit/secrets.toml [upload]")
    hp.add_argument("--stdin", action="store_true", help="read the password from standard input")
    hp.set_defaults(func=_guard(_hash_password))


# ------------------------------------------------------------------------------ store copy (issue 14)

def _store_copy(args: argparse.Namespace) -> int:
    from dashboard.i18n import t
    from dashboard.storage import StoreUnavailable, copy_store

    try:
        n = copy_store(open_store(args.src), open_store(args.dst))
    except FileExistsError as e:
        raise _CliError(t("store_copy_not_empty", args.lang, dst=args.dst)) from e
    except (StoreUnavailable, ValueError) as e:
        raise _CliError(str(e)) from e
    print(tn("store_copy_done", n, args.lang, src=args.src, dst=args.dst))
    return 0


def _add_store_commands(sub: Any) -> None:
    """Register `store copy SRC DST` (a data folder or s3://BUCKET/PREFIX, both ways)."""
    st = sub.add_parser("store", help="move a snapshot store between a folder and a bucket")
    cmds = st.add_subparsers(dest="store_command", required=True)
    cp = cmds.add_parser("copy", help="copy every snapshot, withdrawal and restoration into an empty store")
    cp.add_argument("src", help="a data folder (holding snapshots/) or s3://BUCKET/PREFIX")
    cp.add_argument("dst", help="an empty data folder or s3://BUCKET/PREFIX")
    cp.add_argument("--lang", choices=LANGS, default="ja")
    cp.set_defaults(func=_guard(_store_copy))


# ------------------------------------------------------------------------------ self-evaluation (issue 24)

def _note_author(args: argparse.Namespace) -> str:
    return str(args.author or f"{getpass.getuser()} (cli)")


def _year_view(args: argparse.Namespace, analyst: bool = True) -> Any:
    from dashboard import evaluation as ev

    try:
        return ev.year_view(args.year, analyst=analyst, lang=args.lang, as_of=getattr(args, "as_of", None))
    except services.ServiceError as e:
        raise _CliError(t(e.key, args.lang, **e.params)) from e


def _note_add(args: argparse.Namespace) -> int:
    from dashboard import notes as nt
    from dashboard.storage import PublishBusy

    yv = _year_view(args)
    row = next((r for r in yv.rows if r.target_id == args.target), None)
    if row is None:
        raise _CliError(t("eval_import_unknown_target", args.lang, target=args.target[:60]))
    try:
        note = nt.make_note(target_id=row.target_id, year=args.year, grade=args.grade, done=args.done,
                            next_steps=args.next, reason=args.reason or "", proposed=row.proposed,
                            author=_note_author(args), snapshot_id=yv.snapshot_id, figure=row.figure,
                            figure_year=row.figure_year, base=row.note.version if row.note else None)
        saved = nt.save(nt.open_note_store(), note)
    except nt.NoteRefused as e:
        raise _CliError(e.sentence(args.lang)) from e
    except PublishBusy as e:  # a bucket away, a full or read-only folder: nothing was saved
        raise _CliError(str(e)) from e
    print(t("eval_cli_saved", args.lang, target=saved.target_id, year=saved.year, version=saved.version,
            grade=nt.grade_word(saved.grade, args.lang), proposed=nt.grade_word(saved.proposed, args.lang)))
    return 0


def _note_list(args: argparse.Namespace) -> int:
    from dashboard import evaluation as ev
    from dashboard import notes as nt

    yv = _year_view(args, analyst=not args.approved_only)
    out = []
    for r in yv.rows:
        n = r.note
        out.append({"target_id": r.target_id, "area": r.area_id, "verdict": r.verdict, "proposed": r.proposed,
                    "grade": n.grade if n else "", "state": ev.note_state(r, args.lang),
                    "stale": ev.stale_text(yv.catalog, r, args.lang), "author": n.author if n else "",
                    "at": n.at if n else "", "version": n.version if n else "", "done": n.done if n else "",
                    "next": n.next if n else "", "reason": n.reason if n else ""})
    if args.format == "json":
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print(t("eval_cli_list_head", args.lang, year=args.year, snapshot=yv.snapshot_id or "-"))
    for o in out:
        print(f"{o['target_id']:<12} {o['verdict'][:40]:<40}  {t('eval_proposed', args.lang)} "
              f"{o['proposed'] or '－'}  {t('eval_self_label', args.lang)} {o['grade'] or '－'}  {o['state']}"
              + (f"  {o['author']} {o['at']}" if o["author"] else "") + (f"  {o['stale']}" if o["stale"] else ""))
    if args.history:
        store = nt.open_note_store()
        for r in yv.rows:
            versions = nt.history(store, r.target_id, args.year)
            for n, state in zip(versions, nt.version_states(versions), strict=True):
                print(f"  {r.target_id} {n.version} {n.at} {n.author} {n.grade} "
                      f"{t('eval_current' if state == 'current' else 'eval_superseded', args.lang)}")
    return 0


def _note_approve(args: argparse.Namespace) -> int:
    from dashboard import notes as nt

    try:
        rec = nt.approve(nt.open_note_store(), args.year, _note_author(args))
    except nt.NoteRefused as e:
        raise _CliError(e.sentence(args.lang)) from e
    print(t("eval_cli_approved", args.lang, year=args.year, n=len(rec.approved), author=rec.author))
    return 0


def _note_import(args: argparse.Namespace) -> int:
    from dashboard import evaluation as ev
    from dashboard import notes as nt

    path = Path(args.file)
    if not path.is_file():
        raise _CliError(t("svc_no_such_file", args.lang, path=path))
    if path.stat().st_size > ev.IMPORT_MAX_BYTES:  # (before reading it into memory)
        raise _CliError(t("eval_import_too_big", args.lang, mb=ev.IMPORT_MAX_BYTES // 2**20))
    yv = _year_view(args)
    try:
        filled = ev.read_workbook(path.read_bytes())
    except ev.ImportRefused as e:
        raise _CliError(e.sentence(args.lang)) from e
    changes = ev.import_preview(yv.catalog, filled, yv.rows, year=args.year, author=_note_author(args),
                                snapshot_id=yv.snapshot_id, lang=args.lang)
    print(t("eval_import_preview", args.lang, n=len(changes)))
    for c in changes:
        print(f"{c.target_id}: {c.problem}" if c.problem else f"{c.target_id}:")
        for k, (old, new) in c.changed.items():
            print(f"  {k}: {old[:60]!r} -> {new[:60]!r}")
    if not args.apply:
        print(t("eval_import_dry_run", args.lang))
        return 0
    store = nt.open_note_store()
    saved = [nt.save(store, c.note) for c in changes if c.note is not None]
    print(t("eval_import_saved", args.lang, n=len(saved)))
    return 1 if any(c.problem for c in changes) else 0


def _evaluation(args: argparse.Namespace) -> int:
    from dashboard import evaluation as ev

    yv = _year_view(args, analyst=not args.approved_only)
    data = ev.workbook(yv.catalog, yv.rows, args.year, args.lang, yv.snapshot_id)
    Path(args.out).write_bytes(data)
    print(t("eval_cli_written", args.lang, path=args.out, n=len(yv.rows)))
    if args.pdf:  # the progress summary of the main targets at the year's end, through the briefing's PDF path
        from dashboard import report

        try:
            Path(args.pdf).write_bytes(report.summary_pdf(args.year, getattr(args, "as_of", None), args.lang))
        except services.ServiceError as e:
            raise _CliError(t(e.key, args.lang, **e.params)) from e
        print(f"pdf: {args.pdf}")
    return 0


def _add_evaluation_commands(sub: Any) -> None:
    """Register `note add|list|approve|import` and `evaluation` (the annual self-evaluation, issue 24)."""
    from dashboard.notes import GRADES

    def common(p: argparse.ArgumentParser, year_required: bool = True) -> None:
        p.add_argument("--year", type=int, required=year_required, help="fiscal year evaluated, e.g. 2024")
        p.add_argument("--as-of", help="snapshot whose figures are used (default: newest)")
        p.add_argument("--lang", choices=LANGS, default="ja")

    note = sub.add_parser("note", help="evaluation notes (自己評価): add, list, approve, import a filled sheet")
    cmds = note.add_subparsers(dest="note_command", required=True)
    ad = cmds.add_parser("add", help="save a new version of a target's note for a year")
    ad.add_argument("--target", required=True, help="target id (e.g. A1-2025) or areaN for an area without targets")
    common(ad)
    ad.add_argument("--grade", required=True, choices=GRADES, help="自己評価: ◎ ○ △ ×")
    ad.add_argument("--done", default="", help="実施内容 (what was done)")
    ad.add_argument("--next", default="", help="課題と対応策 (issues and next steps)")
    ad.add_argument("--reason", help="why the grade differs from the proposed one (required then)")
    ad.add_argument("--author", help="recorded as who wrote it (default: your user name)")
    ad.set_defaults(func=_guard(_note_add))
    ls = cmds.add_parser("list", help="the year's notes beside each target's verdict and proposed grade")
    common(ls)
    ls.add_argument("--approved-only", action="store_true", help="what officials see: approved versions only")
    ls.add_argument("--history", action="store_true", help="every version of every note")
    ls.add_argument("--format", choices=("text", "json"), default="text")
    ls.set_defaults(func=_guard(_note_list))
    ap = cmds.add_parser("approve", help="approve (決裁) the year's notes as they are now")
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--author", help="recorded as who approved (default: your user name)")
    ap.add_argument("--lang", choices=LANGS, default="ja")
    ap.set_defaults(func=_guard(_note_approve))
    im = cmds.add_parser("import", help="read a filled evaluation workbook back: preview, then --apply")
    im.add_argument("file")
    common(im)
    im.add_argument("--apply", action="store_true", help="save the changes shown (default: preview only)")
    im.add_argument("--author", help="recorded as who wrote the changes (default: your user name)")
    im.set_defaults(func=_guard(_note_import))
    ev = sub.add_parser("evaluation", help="write the year's self-evaluation workbook (.xlsx)")
    common(ev)
    ev.add_argument("--out", required=True, help="the .xlsx file to write")
    ev.add_argument("--approved-only", action="store_true", help="approved notes only (what officials see)")
    ev.add_argument("--pdf", help="also write the year-end progress summary of the targets as a PDF")
    ev.set_defaults(func=_guard(_evaluation))
