"""Generate the pseudo-locale (en_XA) from English: every message and catalog label wrapped in ⟦…⟧ and about
30 % longer, {placeholders}, URLs, Markdown link targets and plural forms kept intact.

The pseudo-locale proves that adding a language is adding files: its OUTPUT files are committed
(locale/en_XA/LC_MESSAGES/messages.po and data/catalog/labels/en_XA.csv), compiled like any language, and
tests/test_pseudo_locale.py renders every page in it to find text that did not come from the catalogue.

    python scripts/pseudo_locale.py          # rewrite the two files from the English ones
    python scripts/pseudo_locale.py --check  # exit 1 when they are not what English gives now
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PSEUDO = "en_XA"  # the pseudo-locale's code (Android's and Chrome's code for pseudo-English)
SOURCE = "en"
OPEN, CLOSE = "⟦", "⟧"
# Kept as they are: format placeholders, URLs, Markdown link targets, HTML tags, escapes.
_KEEP = re.compile(r"\{[^{}]*\}|https?://[^\s)\]>]+|\]\([^)]*\)|<[^>]+>|\\[nt]|%%|%\([a-z_]+\)[sd]")
_VOWELS = re.compile(r"([aeiouAEIOU])")


def pseudo(text: str) -> str:
    """⟦text⟧ with every vowel outside placeholders doubled (about 30 % longer); empty stays empty."""
    if not text:
        return text
    out, pos = [], 0
    for m in _KEEP.finditer(text):
        out.append(_VOWELS.sub(r"\1\1", text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_VOWELS.sub(r"\1\1", text[pos:]))
    return f"{OPEN}{''.join(out)}{CLOSE}"


def po_path(lang: str, root: Path = ROOT) -> Path:
    """A language's message catalogue."""
    return root / "locale" / lang / "LC_MESSAGES" / "messages.po"


def labels_path(lang: str, root: Path = ROOT) -> Path:
    """A language's catalog labels file."""
    return root / "data" / "catalog" / "labels" / f"{lang}.csv"


# Messages that are settings, not words: the pseudo-locale is reachable by ?lang=en_XA only, never listed.
SETTINGS = {"lang_listed": "no"}


def _pseudo_message(key: str, string: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    if key in SETTINGS:
        return SETTINGS[key]
    if isinstance(string, (list, tuple)):
        return tuple(pseudo(s) for s in string)
    return pseudo(string)


def pseudo_po(source: str) -> str:
    """The pseudo-locale's .po text made from the English one."""
    en = read_po(io.StringIO(source), locale=SOURCE)
    # Written as English (same plural rule; babel cannot parse en_XA), then the header is renamed below.
    out = Catalog(locale=SOURCE, project=en.project, version=en.version, charset="utf-8", fuzzy=False,
                  header_comment=f"# Pseudo-locale {PSEUDO}: GENERATED from locale/{SOURCE} by scripts/"
                                 "pseudo_locale.py (do not edit; run the script).\n"
                                 f"# Reachable by ?lang={PSEUDO} only (lang_listed no).",
                  last_translator=en.last_translator, language_team=f"{PSEUDO} (pseudo-locale)")
    for msg in en:
        if not msg.id:
            continue
        string = _pseudo_message(str(msg.id), msg.string or "")
        out.add(msg.id, string, locations=(), flags=(), auto_comments=msg.auto_comments,
                user_comments=msg.user_comments, context=msg.context)
    buf = io.BytesIO()
    write_po(buf, out, width=0, omit_header=False, no_location=True)
    text = buf.getvalue().decode("utf-8")
    # The header names the pseudo-locale (babel cannot parse en_XA, so it is written as English above).
    text = re.sub(r'"Language: [^"\\]*\\n"', f'"Language: {PSEUDO}\\\\n"', text, count=1)
    text = re.sub(r'"POT-Creation-Date: [^"\\]*\\n"\n', "", text, count=1)
    text = re.sub(r'"PO-Revision-Date: [^"\\]*\\n"\n', "", text, count=1)
    return text


def pseudo_labels(source: str) -> str:
    """The pseudo-locale's labels CSV made from the English one."""
    rows = list(csv.reader(io.StringIO(source)))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(rows[0])
    for kind, id_, field, text in rows[1:]:
        w.writerow([kind, id_, field, pseudo(text)])
    return buf.getvalue()


def outputs(root: Path = ROOT) -> dict[Path, str]:
    """Each pseudo-locale file and the text it should hold now."""
    return {po_path(PSEUDO, root): pseudo_po(po_path(SOURCE, root).read_text(encoding="utf-8")),
            labels_path(PSEUDO, root): pseudo_labels(labels_path(SOURCE, root).read_text(encoding="utf-8"))}


def main(argv: list[str] | None = None) -> int:
    """Write the pseudo-locale files, or with --check report the ones that are out of date."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when a file is not what English gives now")
    args = ap.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} is out of date: run python scripts/pseudo_locale.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
