"""The upload commands (issue 4): `check`, `publish`, `withdraw`, `restore` and `hash-password`."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from dashboard import db, services
from dashboard.catalog import load_catalog
from dashboard.cli.common import _CliError, _guard
from dashboard.i18n import LANGS, t
from dashboard.stores import open_store


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
