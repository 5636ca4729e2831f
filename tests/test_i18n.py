"""The message catalogue: lookups read the compiled .po files, plural forms follow the language, a missing
or stale catalogue is refused loudly, and the lint check finds untranslated, unused and mismatched messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import i18n, links
from dashboard.config import ROOT
from scripts import check_messages
from tests.po import po_text


def test_every_catalogue_under_locale_is_a_language_and_lookups_return_its_po_text() -> None:
    found = {p.parent.parent.name for p in (ROOT / "locale").glob("*/LC_MESSAGES/messages.po")}
    assert set(links.LANGS) == found and links.LANGS[0] == "ja"
    for lang in ("ja", "en"):
        assert i18n.t("page_profile", lang) == po_text(lang, "page_profile")
        assert i18n.t("as_of_caption", lang, label="L", id="0001-x") == po_text(lang, "as_of_caption").format(
            label="L", id="0001-x")
    assert i18n.t("page_profile", "ja") == "市町村カルテ" and i18n.t("page_profile", "en") == "Municipality profile"
    assert set(i18n.listed_languages()) >= {"ja", "en"}
    assert i18n.language_name("ja") == "日本語" and i18n.language_name("en") == "English"


def test_plural_forms_follow_the_language() -> None:
    kw = {"src": "A", "dst": "B"}
    assert i18n.tn("store_copy_done", 1, "en", **kw).startswith("Copied 1 snapshot (")
    assert i18n.tn("store_copy_done", 3, "en", **kw).startswith("Copied 3 snapshots (")
    assert i18n.tn("store_copy_done", 1, "ja", **kw).startswith("1件のスナップショット")
    assert i18n.tn("store_copy_done", 3, "ja", **kw).startswith("3件のスナップショット")


def test_a_key_in_no_catalogue_raises_instead_of_showing_the_key() -> None:
    with pytest.raises(KeyError, match="no_such_message"):
        i18n.t("no_such_message", "en")
    assert i18n.t("yes", "en") == "yes"  # a text equal to its key is still found


def test_a_stale_compiled_catalogue_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loc = tmp_path / "locale" / "en" / "LC_MESSAGES"
    loc.mkdir(parents=True)
    po = loc / "messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "hello"\n'
                  'msgstr "Hello"\n', encoding="utf-8")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-i", str(po), "-o",
                    str(loc / "messages.mo")], check=True, capture_output=True)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setattr(i18n, "LANGS", ("en",))
    i18n._catalogue.cache_clear()
    try:
        assert i18n.t("hello", "en") == "Hello"
        i18n._catalogue.cache_clear()
        os.utime(loc / "messages.mo", (1, 1))  # the .po edited after the last compile
        with pytest.raises(i18n.CatalogueError, match="make messages"):
            i18n.t("hello", "en")
    finally:
        i18n._catalogue.cache_clear()


def _po(lang: str, entries: str) -> str:
    return (f'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n'
            f'"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n{entries}')


def test_the_lint_check_finds_untranslated_unused_missing_and_mismatched(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dashboard").mkdir()
    (tmp_path / "pages").mkdir()
    (tmp_path / "dashboard" / "m.py").write_text(
        'KEYS = (N_("marked"),)\n'
        'def f(lang, ok):\n'
        '    return f"{t(\'in_fstring\', lang)} {t(\'a\' if ok else \'b\', lang, n=1)} {t(\'nowhere\', lang)}"\n'
        'def g(lang):\n'
        '    return tn("a", 2, lang) + t("p", lang)\n',
        encoding="utf-8")
    plural = 'msgid "p"\nmsgid_plural "p"\nmsgstr[0] "one"\nmsgstr[1] "many"\n\n'
    for lang, entries in (
            ("ja", 'msgid "in_fstring"\nmsgstr "x"\n\nmsgid "a"\nmsgstr "{n}件"\n\nmsgid "b"\nmsgstr "b"\n\n'
                   'msgid "marked"\nmsgstr "m"\n\nmsgid "stale"\nmsgstr "s"\n\n' + plural),
            ("en", 'msgid "in_fstring"\nmsgstr ""\n\nmsgid "a"\nmsgstr "{count} items"\n\nmsgid "b"\nmsgstr "b"\n\n'
                   'msgid "marked"\nmsgstr "m"\n\nmsgid "stale"\nmsgstr "s"\n\n' + plural)):
        d = tmp_path / "locale" / lang / "LC_MESSAGES"
        d.mkdir(parents=True)
        (d / "messages.po").write_text(_po(lang, entries), encoding="utf-8")
    monkeypatch.setattr(check_messages, "ROOT", tmp_path)
    found = check_messages.problems()
    assert sorted(found) == sorted([
        "nowhere: used at dashboard/m.py:3 but in no catalogue",
        "stale: in the catalogues but used nowhere in dashboard, pages",
        "in_fstring: untranslated in en",
        "a: has no plural forms, so use t() (tn() at dashboard/m.py:5)",
        "p: has plural forms, so use tn() (t() at dashboard/m.py:5)",
        "a: placeholders differ between languages: en ['count']; ja ['n']",
    ]), found


def test_the_real_catalogues_pass_the_lint_check() -> None:
    assert check_messages.problems() == []
