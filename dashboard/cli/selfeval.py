"""The self-evaluation commands (issue 24): `note add|list|approve|import` and `evaluation` (the year's
workbook, with --pdf the year-end progress summary)."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from dashboard import services
from dashboard.cli.common import _CliError, _guard
from dashboard.i18n import LANGS, t


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
