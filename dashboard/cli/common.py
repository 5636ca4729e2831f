"""What every command group shares: _CliError, a user-facing error, and _guard, which turns errors into one
line and exit 1 (never a traceback)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


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
