"""UI messages: one lookup over GNU gettext catalogues, one per language (data-driven names come from the catalog).

The messages live in `locale/<lang>/LC_MESSAGES/messages.po`, keyed by a message id (e.g. "page_overview"),
with whole sentences and `{named}` placeholders as the text; `make messages` compiles them to `.mo` (Babel's
`pybabel compile`, run by every make target that starts the app or the tests). A language is a folder under
`locale/`: adding one is adding files. `scripts/check_messages.py` (in `make lint`) fails on a message missing
in some language, a placeholder that differs between languages, or a message no code uses.

- `t(key, lang, **kw)` for a sentence, `tn(key, n, lang, **kw)` for one whose words depend on a count
  (English "1 snapshot" / "2 snapshots"; Japanese has one form);
- `N_(key)` marks a key that code builds at run time (e.g. `t(STATUS_KEYS[s], lang)`) so the check sees it.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from dashboard.config import ROOT

LOCALE_DIR = ROOT / "locale"
DOMAIN = "messages"
SOURCE_LANG = "ja"  # the plan's own language: first in every list, and the default


class CatalogueError(RuntimeError):
    """A language's compiled catalogue is missing or older than its .po file (set-up not run)."""


def _po(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _languages() -> tuple[str, ...]:
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(found, key=lambda x: (x != SOURCE_LANG, x)))


LANGS: tuple[str, ...] = _languages()  # every language with a catalogue, the source language first


class _Missing(gettext.NullTranslations):
    """The last fallback: a key no catalogue has is a bug to see at once, not English shown in its place."""

    def gettext(self, message: str) -> str:
        raise KeyError(f"message {message!r} is not in the message catalogue")

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        raise KeyError(f"message {msgid1!r} is not in the message catalogue")


@cache
def _catalogue(lang: str) -> gettext.GNUTranslations:
    po = _po(lang)
    mo = po.with_suffix(".mo")
    # A stale .mo would show yesterday's words without a sign; refuse it loudly instead.
    if not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime:
        raise CatalogueError(f"{mo} is missing or older than {po.name}: run `make messages` "
                             f"(pybabel compile -d locale -D {DOMAIN})")
    with mo.open("rb") as f:
        cat = gettext.GNUTranslations(f)
    cat.add_fallback(_Missing())
    return cat


def _lang(lang: str) -> str:
    return lang if lang in LANGS else SOURCE_LANG


def t(key: str, lang: str = SOURCE_LANG, /, **kwargs: object) -> str:
    """The message `key` in `lang`, its placeholders filled from kwargs."""
    text = _catalogue(_lang(lang)).gettext(key)
    return text.format(**kwargs) if kwargs else text


def tn(key: str, n: int, lang: str = SOURCE_LANG, /, **kwargs: object) -> str:
    """The message `key` in the plural form for the count `n`, with `n` and kwargs filled in."""
    text = _catalogue(_lang(lang)).ngettext(key, key, n)
    return text.format(n=n, **kwargs)


def N_(key: str) -> str:  # gettext's own name for a no-op marker
    """Mark a message key that is used through a variable, so the catalogue check counts it as used."""
    return key


def listed_languages() -> tuple[str, ...]:
    """The languages offered in the language picker (a catalogue can opt out: lang_listed = no)."""
    return tuple(lang for lang in LANGS if t("lang_listed", lang) != "no")


def language_name(lang: str) -> str:
    """A language's name in that language (what the picker shows)."""
    return t("lang_name", lang)
