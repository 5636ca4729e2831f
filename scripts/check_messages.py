"""Check the message catalogues: every message used by the code exists in every language, with the same
placeholders and every plural form filled, and every message in a catalogue is used (run by `make lint`).

"Used" means the key is the first argument of `t(...)`, `tn(...)` or `N_(...)` in dashboard/ or pages/: a
string, or either branch of `a if c else b`, also inside f-strings (which Babel's own Python extractor
cannot see into). `extract` below is that extractor in Babel's plug-in form; `make messages-extract` uses it
through babel.cfg. A key built at run time is marked where it is written, with `N_("key")`."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ("t", "tn", "N_")  # the first argument is the message id
SOURCE_DIRS = ("dashboard", "pages")
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-zA-Z_][a-zA-Z0-9_]*)[^{}]*\}")


def _keys(arg: ast.expr) -> list[str]:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        return _keys(arg.body) + _keys(arg.orelse)
    return []  # built at run time: its keys must be marked with N_ where they are written


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
            options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method: (line, function, message id, comments) for every key the file uses."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        name = (node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                if isinstance(node.func, ast.Attribute) else None) if isinstance(node, ast.Call) else None
        if isinstance(node, ast.Call) and name in KEYWORDS and node.args:
            for key in _keys(node.args[0]):
                yield node.lineno, str(name), key, []


def used_keys() -> dict[str, str]:
    """Every message id the code uses -> where (file:line) it is first used."""
    return {key: next(iter(how.values())) for key, how in _uses().items()}


def _uses() -> dict[str, dict[str, str]]:
    """Message id -> function (t, tn, N_) -> where it is first called that way."""
    out: dict[str, dict[str, str]] = {}
    for d in SOURCE_DIRS:
        for path in sorted((ROOT / d).rglob("*.py")):
            with path.open("rb") as f:
                for line, func, key, _c in extract(f, KEYWORDS, [], {}):
                    out.setdefault(key, {}).setdefault(func, f"{path.relative_to(ROOT)}:{line}")
    return out


def catalogues() -> dict[str, dict[str, list[str]]]:
    """Language -> message id -> its texts (one, or one per plural form)."""
    out: dict[str, dict[str, list[str]]] = {}
    for po in sorted((ROOT / "locale").glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as f:
            cat = read_po(f)
        texts: dict[str, list[str]] = {}
        for m in cat:
            if not m.id:
                continue
            key = str(m.id[0] if isinstance(m.id, (tuple, list)) else m.id)
            strings = list(m.string) if isinstance(m.string, (tuple, list)) else [m.string]
            texts[key] = [str(s or "") for s in strings]
        out[po.parent.parent.name] = texts
    return out


def plural_keys() -> set[str]:
    """The message ids written with plural forms (msgid_plural) in any catalogue."""
    out: set[str] = set()
    for po in (ROOT / "locale").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as f:
            out |= {str(m.id[0]) for m in read_po(f) if m.id and isinstance(m.id, (tuple, list))}
    return out


def problems() -> list[str]:
    """Every problem found, one sentence each (empty when all is well)."""
    uses = _uses()
    used = {key: next(iter(how.values())) for key, how in uses.items()}
    cats = catalogues()
    out: list[str] = []
    plural = plural_keys()
    for key, how in sorted(uses.items()):
        if key in plural and "t" in how:
            out.append(f"{key}: has plural forms, so use tn() (t() at {how['t']})")
        if key not in plural and "tn" in how and any(key in c for c in cats.values()):
            out.append(f"{key}: has no plural forms, so use t() (tn() at {how['tn']})")
    all_keys = set().union(*(set(c) for c in cats.values())) if cats else set()
    for key in sorted(set(used) - all_keys):
        out.append(f"{key}: used at {used[key]} but in no catalogue")
    for key in sorted(all_keys - set(used)):
        out.append(f"{key}: in the catalogues but used nowhere in {', '.join(SOURCE_DIRS)}")
    for key in sorted(all_keys):
        shapes: dict[str, frozenset[str]] = {}
        for lang, texts in cats.items():
            if key not in texts or not all(texts[key]):
                out.append(f"{key}: untranslated in {lang}")
                continue
            shapes[lang] = frozenset(n for s in texts[key] for n in PLACEHOLDER.findall(s))
        if len(set(shapes.values())) > 1:
            out.append(f"{key}: placeholders differ between languages: "
                       + "; ".join(f"{lang} {sorted(s)}" for lang, s in shapes.items()))
    return out


def main() -> int:
    """Print the problems and return 1 if there are any."""
    found = problems()
    for p in found:
        print(p, file=sys.stderr)
    if found:
        print(f"{len(found)} problem(s) in locale/*/LC_MESSAGES/messages.po", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
