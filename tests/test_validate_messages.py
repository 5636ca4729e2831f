"""Validation problems carry a rule id, a message id and parameters; words are made only when shown."""

from __future__ import annotations

import ast
import json
import pickle
import string
import subprocess
import sys
from pathlib import Path

from dashboard import i18n
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.validate import Limits, validate_bytes
from dashboard.validate.messages import MESSAGES, RULE_LABELS
from tests.po import _catalog


def _calls() -> list[tuple[str, int, str, str, set[str]]]:
    out = []
    for f in sorted((ROOT / "dashboard" / "validate").glob("*.py")):
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "add"
                    and len(n.args) == 3 and isinstance(n.args[1], ast.Constant)):
                assert isinstance(n.args[0], ast.Constant) and isinstance(n.args[2], ast.Dict), (f.name, n.lineno)
                keys = {k.value for k in n.args[2].keys if isinstance(k, ast.Constant)}
                out.append((f.name, n.lineno, n.args[0].value, n.args[1].value, keys))
    return out


def _templates(key: str) -> list[str]:
    """A message's templates in every language, as written in the .po files (every plural form)."""
    out = []
    for lang in i18n.LANGS:
        m = _catalog(lang).get(key)
        assert m is not None, (lang, key)
        out += list(m.string) if isinstance(m.string, tuple) else [m.string]
    return out


def test_every_problem_names_a_known_rule_and_sentence_with_exactly_its_placeholders() -> None:
    calls = _calls()
    assert len(calls) > 60  # every place a problem is found
    for where, line, rule, message_id, keys in calls:
        assert rule in RULE_LABELS and message_id in MESSAGES, (where, line)
        fields = {f.split("!")[0].split(":")[0] for template in _templates(MESSAGES[message_id])
                  for _, f, _, _ in string.Formatter().parse(template) if f}
        assert fields == keys, (where, line, message_id, fields ^ keys)  # (a fragment may be one language's)
    assert {m for *_, m, _ in calls} == set(MESSAGES)  # no sentence left unused


def test_a_problem_is_rendered_from_its_parameters_in_each_language() -> None:
    csv = "indicator_id,municipality_code,fiscal_year,value\npop65,10201,2022,-5\n"
    res = validate_bytes(csv.encode(), "a.csv", load_catalog(), limits=Limits(isolate=False))
    p = next(e for e in res.errors if e.rule == "negative_count")
    assert (p.row, p.column, p.value, p.line) == (1, "value", "-5", 2)
    assert pickle.loads(pickle.dumps(p)) == p  # crosses the reader process boundary as data, not words
    ja, en = p.message("ja"), p.message("en")
    assert ja.startswith("1行目（ファイルの2行目）・列「value」・値「-5」：") and ja.endswith("［規則：負の件数］")
    assert en.startswith("Row 1 (line 2 of the file), column “value”, value “-5”: ") and en.endswith(
        "[rule: negative count]")


def test_the_cli_json_gives_the_rule_parameters_and_both_sentences(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("indicator_id,municipality_code,fiscal_year,value\npop65,10201,2022,-5\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "dashboard", "check", str(f), "--format", "json"], cwd=ROOT,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    err = next(e for e in json.loads(out.stdout)["errors"] if e["rule"] == "negative_count")
    assert err["message_id"] in MESSAGES and isinstance(err["params"], dict)
    assert "Row 1" in err["message_en"] and "1行目" in err["message_ja"]
