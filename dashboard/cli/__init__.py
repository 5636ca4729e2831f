"""Command line: progress tables and snapshot listings (python -m dashboard ...).

One module per job:

- parser: build_parser(), the argument parser every command group registers with (catalog_choices() and
  add_plan_argument() give --plan and --policy-area their choices from the catalog), and main(), the entry point.
- readouts: `progress` and `snapshots`, the commands that read the published data.
- upload: `check`, `publish`, `withdraw`, `restore`, `hash-password` (issue 4).
- store: `store copy` between a data folder and a bucket (issue 14).
- selfeval: `note add|list|approve|import` and `evaluation`, the annual self-evaluation (issue 24).
- common: _CliError and _guard, shared by the command groups: a user error or an unexpected failure prints one
  line and exits 1, never a traceback.

`report` (the slide deck and the A4 briefing) registers from dashboard.report (add_command). Every public
name is importable from dashboard.cli itself, as it was when this was one module. A test that replaces a name
(monkeypatch) replaces it in the submodule that uses it: a name rebound here is not seen there.
"""

from __future__ import annotations

from dashboard.cli.parser import DESCRIPTION, add_plan_argument, build_parser, catalog_choices, main

__all__ = ["DESCRIPTION", "add_plan_argument", "build_parser", "catalog_choices", "main"]
