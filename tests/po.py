"""Read a message straight from a .po file (Babel's parser), so tests compare against the catalogue
files themselves and not against the lookup function under test."""

from __future__ import annotations

from functools import cache

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from dashboard.config import ROOT


@cache
def _catalog(lang: str) -> Catalog:
    with (ROOT / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def po_text(lang: str, key: str, form: int = 0) -> str:
    """The text of message `key` in `lang` as written in its .po file (plural messages: form `form`)."""
    m = _catalog(lang).get(key)
    if m is None:
        raise KeyError(f"{key} not in locale/{lang}")
    return str(m.string[form] if isinstance(m.string, tuple) else m.string)
