"""Catalog texts by language: the labels files (`<catalog>/labels/<lang>.csv`, columns kind,id,field,text)
read into Labels, or for older catalogs the texts inline as `<field>_<lang>` columns (inline_labels)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from dashboard.config import NATIONAL, PREFECTURE

# The texts each kind of catalog entry needs in every language (labels files: kind,id,field,text).
LABEL_FIELDS: dict[str, tuple[str, ...]] = {"indicator": ("name", "unit", "definition"), "target": ("label",),
                                            "policy_area": ("name",), "plan": ("name",), "place": ("name",)}
# Texts an entry may have (a language without one shows the default the code gives: for a target's source, the
# plan's own Japanese citation).
OPTIONAL_LABEL_FIELDS: dict[str, tuple[str, ...]] = {"target": ("source",)}
FALLBACK_LANG = "en"  # the texts shown in a language that has no labels file


class Labels:
    """Catalog texts by language: (kind, id, field) -> text, with the file each language came from."""

    def __init__(self, texts: Mapping[str, Mapping[tuple[str, str, str], str]],
                 files: Mapping[str, str] | None = None) -> None:
        self.texts = {lang: dict(m) for lang, m in texts.items()}
        self.files = dict(files or {})

    @property
    def languages(self) -> list[str]:
        """Languages with labels, sorted."""
        return sorted(self.texts)

    def text(self, kind: str, id_: str, field_: str, lang: str, default: str | None = None) -> str:
        """The text in `lang` (a language without labels: English, else the first there is)."""
        got = self.texts.get(lang) or self.texts.get(FALLBACK_LANG) or next(iter(self.texts.values()), {})
        found = got.get((kind, id_, field_))
        return found if found is not None else (default if default is not None else id_)

    def require(self, kind: str, ids: list[str]) -> None:
        """ValueError naming the file and id when any language lacks a text of these entries."""
        for lang in self.languages:
            for id_ in ids:
                for f in LABEL_FIELDS[kind]:
                    if (kind, id_, f) not in self.texts[lang]:
                        where = self.files.get(lang, f"labels for {lang!r}")
                        raise ValueError(f"{where}: no {f!r} label for {kind} {id_!r}")


NO_LABELS = Labels({})


def read_labels(folder: Path) -> Labels:
    """Every `<lang>.csv` of a labels folder (columns kind,id,field,text); ValueError naming a bad file."""
    texts: dict[str, dict[tuple[str, str, str], str]] = {}
    files: dict[str, str] = {}
    for path in sorted(folder.glob("*.csv")):
        got: dict[tuple[str, str, str], str] = {}
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != ["kind", "id", "field", "text"]:
                raise ValueError(f"{path}: the columns must be kind,id,field,text")
            for r in reader:
                key = (r["kind"], r["id"], r["field"])
                if r["kind"] not in LABEL_FIELDS or r["field"] not in (
                        *LABEL_FIELDS[r["kind"]], *OPTIONAL_LABEL_FIELDS.get(r["kind"], ())):
                    raise ValueError(f"{path}: unknown label {r['kind']} {r['id']!r} {r['field']!r}")
                if key in got:
                    raise ValueError(f"{path}: {r['kind']} {r['id']!r} {r['field']!r} is labelled twice")
                if not (r["text"] or "").strip():
                    raise ValueError(f"{path}: an empty {r['field']!r} label for {r['kind']} {r['id']!r}")
                got[key] = r["text"]
        texts[path.stem] = got
        files[path.stem] = str(path)
    return Labels(texts, files)


# Older catalogs without a labels folder: the prefecture, the nation and the 圏域 suffix in the two languages
# they were written in (a catalog with labels files names every place itself).
_INLINE_PLACES = {"ja": ("群馬県", "全国", "{name}圏域"), "en": ("Gunma Prefecture", "Japan (national)", "{name} area")}


def inline_labels(sources: Mapping[str, list[tuple[pl.DataFrame, str]]],
                  areas: pl.DataFrame | None = None) -> Labels:
    """Labels from `<field>_<lang>` columns of catalog frames (kind -> [(frame, id column)]), for catalogs
    without a labels folder."""
    texts: dict[str, dict[tuple[str, str, str], str]] = {}
    for kind, frames in sources.items():
        for df, id_col in frames:
            for col in df.columns:
                f, _, lang = col.rpartition("_")
                if f in LABEL_FIELDS[kind] and lang:
                    for id_, text in zip(df[id_col], df[col], strict=True):
                        texts.setdefault(lang, {})[(kind, str(id_), f)] = "" if text is None else str(text)
    if areas is not None:
        for lang, (pref, nation, area) in _INLINE_PLACES.items():
            got = texts.setdefault(lang, {})
            got[("place", PREFECTURE, "name")], got[("place", NATIONAL, "name")] = pref, nation
            if f"name_{lang}" in areas.columns:
                for code, name in zip(areas["area_code"], areas[f"name_{lang}"], strict=True):
                    got[("place", str(code), "name")] = area.format(name=name)
    return Labels(texts)


def _txt(labels: Labels, kind: str, id_: str, field_: str, lang: str) -> str:
    """A text for the legacy name_ja/name_en-style attributes ("" when that language has none)."""
    return labels.texts.get(lang, {}).get((kind, id_, field_), "")
