"""`store copy SRC DST` (issue 14): a snapshot store moved between a data folder and s3://BUCKET/PREFIX."""

from __future__ import annotations

import argparse
from typing import Any

from dashboard.cli.common import _CliError, _guard
from dashboard.i18n import LANGS, tn
from dashboard.stores import open_store


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
