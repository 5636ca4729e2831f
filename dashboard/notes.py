"""Evaluation notes (自己評価): what an analyst records per target, fiscal year and place. No Streamlit here.

A note is about a target and a year, never about a snapshot: it only says which snapshot's figure it was
written against (snapshot id, figure and its year), so a later snapshot never moves it (the pages then say
「数値更新あり」). Every save writes a new immutable version; nothing is ever replaced or deleted.

Layout, the same in a data folder and under a bucket's prefix:
    notes/<target>/<year>/<place>/<time_ns>-<uuid>.json      one version of one note
    notes/_approvals/<year>/<place>/<time_ns>-<uuid>.json    one approval (決裁) of a year's notes

Commit rules (as for snapshots): a folder writes each file once (temporary file, fsync, os.link: refuses
to replace); a bucket writes each object with `If-None-Match: *`. Two analysts saving the same note at
once write two names, so both versions are kept; the later time is current, the other shows as
superseded in the history. A writer killed at any moment leaves at most a temporary file, which no
listing reads.

Approval: an approval record lists the note versions current when it was made. Officials see those
versions only (a note edited after approval stays a draft until the year is approved again); analysts
see the current version of every note.
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from dashboard.config import PREFECTURE, data_dir
from dashboard.i18n import N_, t
from dashboard.storage import _write_new, _writing, now_iso

GRADES = ("◎", "○", "△", "×")  # 自己評価: four levels, best first
GRADE_KEYS = {"◎": N_("grade_excellent"), "○": N_("grade_good"), "△": N_("grade_fair"), "×": N_("grade_poor")}
TEXT_MAX = 2000  # characters per text field (実施内容, 課題と対応策, 理由)
AUTHOR_MAX = 100
TEXT_FIELDS = ("done", "next", "reason")
APPROVALS = "_approvals"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")  # a target id or pseudo-target (never a path trick)
_PLACE = re.compile(r"^(\d{5}|K\d{2})$")
_VERSION = re.compile(r"^(\d{20})-([0-9a-f]{32})\.json$")


class NoteRefused(ValueError):
    """A note (or approval) that cannot be saved: a message key and its parameters, said in the user's language."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params

    def sentence(self, lang: str) -> str:
        """What is wrong and what to do, in the user's language (a field named by its label)."""
        params = dict(self.params)
        if "field" in params:
            params["field"] = t(FIELD_KEYS.get(str(params["field"]), N_("eval_field_other")), lang)
        return t(self.key, lang, **params)


FIELD_KEYS = {"done": N_("eval_done"), "next": N_("eval_next"), "reason": N_("eval_reason"),
              "author": N_("eval_author")}


@dataclass(frozen=True)
class Note:
    """One version of an evaluation note (immutable; a save writes a new one)."""

    target_id: str
    year: int
    place: str
    grade: str  # the analyst's 自己評価 (◎ ○ △ ×)
    done: str  # 実施内容
    next: str  # 課題と対応策
    reason: str  # why the grade differs from the proposed one ("" when it does not)
    proposed: str  # the grade the numbers proposed when it was written ("" when none)
    author: str
    at: str  # ISO time of the save (UTC)
    snapshot_id: str | None  # the snapshot whose figures it was written against
    figure: float | None  # that figure (None: no figure, e.g. a policy area without numeric targets)
    figure_year: int | None
    version: str = ""  # <time_ns>-<uuid>: its file or object name, orders the history
    base: str | None = None  # the version the author started from (None: a first note)

    @property
    def overrides(self) -> bool:
        """Whether the analyst's grade differs from the proposed one."""
        return bool(self.proposed) and self.grade != self.proposed


@dataclass(frozen=True)
class Approval:
    """One approval (決裁済) of a year's notes at a place: the versions it approved, by target."""

    year: int
    place: str
    author: str
    at: str
    approved: dict[str, str] = field(default_factory=dict)  # target id -> note version
    version: str = ""


# ----------------------------------------------------------------------------------------- checks

def check_text(value: str, field_name: str, limit: int = TEXT_MAX, multiline: bool = True) -> str:
    """The text as it will be stored (trimmed), or NoteRefused: too long, or control characters.

    Plain text only: it is shown as text, never as Markdown or HTML, and neutralised in spreadsheets, so
    markup is kept as typed (refusing it would refuse ordinary "<" and "&"). Line breaks and tabs are kept in
    the long fields; every other control character is refused (it hides text or breaks files)."""
    if not isinstance(value, str):
        raise NoteRefused(N_("note_bad_text"), field=field_name)
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise NoteRefused(N_("note_too_long"), field=field_name, n=len(value), max=limit)
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in allowed for ch in value):
        raise NoteRefused(N_("note_control"), field=field_name)
    return value


def check_key(target_id: str, year: int, place: str) -> None:
    """Refuse a target id, year or place that cannot name a note (they become path parts)."""
    if not _ID.match(str(target_id)) or str(target_id).startswith(APPROVALS):
        raise NoteRefused(N_("note_bad_target"), target=str(target_id)[:60])
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise NoteRefused(N_("note_bad_year"), year=str(year)[:10])
    if not _PLACE.match(str(place)):
        raise NoteRefused(N_("note_bad_place"), place=str(place)[:10])


def make_note(*, target_id: str, year: int, place: str = PREFECTURE, grade: str, done: str, next_steps: str,
              reason: str = "", proposed: str = "", author: str, snapshot_id: str | None = None,
              figure: float | None = None, figure_year: int | None = None, base: str | None = None) -> Note:
    """A checked note version ready to save (NoteRefused with a sentence key when something is wrong)."""
    check_key(target_id, year, place)
    if grade not in GRADES:
        raise NoteRefused(N_("note_bad_grade"), grade=str(grade)[:5], grades=" ".join(GRADES))
    if proposed and proposed not in GRADES:
        raise NoteRefused(N_("note_bad_grade"), grade=str(proposed)[:5], grades=" ".join(GRADES))
    who = check_text(author, "author", AUTHOR_MAX, multiline=False)
    if not who:
        raise NoteRefused(N_("note_author_needed"))
    texts = {f: check_text(v, f) for f, v in (("done", done), ("next", next_steps), ("reason", reason))}
    if proposed and grade != proposed and not texts["reason"]:
        raise NoteRefused(N_("note_reason_needed"), grade=grade, proposed=proposed)
    if figure is not None and not isinstance(figure, (int, float)):
        raise NoteRefused(N_("note_bad_text"), field="figure")
    return Note(target_id=target_id, year=year, place=place, grade=grade, done=texts["done"], next=texts["next"],
                reason=texts["reason"], proposed=proposed, author=who, at=now_iso(), snapshot_id=snapshot_id,
                figure=float(figure) if figure is not None else None, figure_year=figure_year, base=base)


def _new_version() -> str:
    return f"{time.time_ns():020d}-{uuid.uuid4().hex}"


def _encode(obj: Any) -> bytes:
    return json.dumps(asdict(obj), ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")


def _note(data: bytes, version: str) -> Note:
    d = json.loads(data)
    d["version"] = version
    return Note(**{k: d.get(k) for k in Note.__dataclass_fields__})


def _approval(data: bytes, version: str) -> Approval:
    d = json.loads(data)
    d["version"] = version
    return Approval(**{k: d.get(k) for k in Approval.__dataclass_fields__ if k in d})


# ----------------------------------------------------------------------------------------- stores

class NoteStore(Protocol):
    """Where notes and approvals live: LocalNoteStore (a folder) or S3NoteStore (a bucket)."""

    def _put(self, parts: tuple[str, ...], name: str, data: bytes) -> None: ...

    def _versions(self, parts: tuple[str, ...]) -> list[tuple[str, bytes]]: ...

    def _keys(self) -> list[tuple[str, int, str]]: ...


def save(store: NoteStore, note: Note) -> Note:
    """Write a note as a new immutable version; the version as saved (its name set)."""
    version = _new_version()
    saved = Note(**{**asdict(note), "version": version})
    store._put((note.target_id, str(note.year), note.place), f"{version}.json", _encode(saved))
    return saved


def history(store: NoteStore, target_id: str, year: int, place: str = PREFECTURE) -> list[Note]:
    """Every version of one note, oldest first (the last one is current)."""
    check_key(target_id, year, place)
    return [_note(data, v) for v, data in store._versions((target_id, str(year), place))]


def saved_alongside(store: NoteStore, saved: Note, replaced: str | None) -> list[Note]:
    """Versions another analyst saved over the same base as `saved` (which replaced version `replaced`): a
    concurrent save, both kept; the analyst is told."""
    return [v for v in history(store, saved.target_id, saved.year, saved.place)
            if v.version not in (saved.version, replaced) and v.base == saved.base]


def current(store: NoteStore, year: int, place: str = PREFECTURE) -> dict[str, Note]:
    """The current version of every note of a year at a place, by target id."""
    out: dict[str, Note] = {}
    for target_id, y, p in store._keys():
        if y == year and p == place:
            versions = history(store, target_id, year, place)
            if versions:
                out[target_id] = versions[-1]
    return out


def years(store: NoteStore, place: str = PREFECTURE) -> list[int]:
    """Fiscal years with at least one note at a place, newest first."""
    return sorted({y for _t, y, p in store._keys() if p == place}, reverse=True)


def approve(store: NoteStore, year: int, author: str, place: str = PREFECTURE) -> Approval:
    """Approve (決裁) the year's notes as they are now: a new approval record listing their current versions."""
    check_key("x", year, place)
    who = check_text(author, "author", AUTHOR_MAX, multiline=False)
    if not who:
        raise NoteRefused(N_("note_author_needed"))
    notes = current(store, year, place)
    if not notes:
        raise NoteRefused(N_("note_nothing_to_approve"), year=year)
    rec = Approval(year=year, place=place, author=who, at=now_iso(),
                   approved={k: n.version for k, n in sorted(notes.items())}, version=_new_version())
    store._put((APPROVALS, str(year), place), f"{rec.version}.json", _encode(rec))
    return rec


def approvals(store: NoteStore, year: int, place: str = PREFECTURE) -> list[Approval]:
    """Every approval of a year at a place, oldest first (the last one counts)."""
    return [_approval(data, v) for v, data in store._versions((APPROVALS, str(year), place))]


def approved(store: NoteStore, year: int, place: str = PREFECTURE) -> dict[str, Note]:
    """What officials see: the approved version of each note of the year (none before an approval)."""
    recs = approvals(store, year, place)
    if not recs:
        return {}
    wanted = recs[-1].approved
    out: dict[str, Note] = {}
    for target_id, version in wanted.items():
        found = next((n for n in history(store, target_id, year, place) if n.version == version), None)
        if found is not None:
            out[target_id] = found
    return out


def visible_notes(store: NoteStore, year: int, analyst: bool, place: str = PREFECTURE) -> dict[str, Note]:
    """Analysts see every current note (drafts too); officials the approved versions only."""
    return current(store, year, place) if analyst else approved(store, year, place)


def is_draft(store: NoteStore, note: Note) -> bool:
    """Whether a note version is not (yet) the approved one."""
    recs = approvals(store, note.year, note.place)
    return not recs or recs[-1].approved.get(note.target_id) != note.version


def version_states(versions: list[Note]) -> list[str]:
    """Each version's state in its history: 'current' for the last, 'superseded' for the others."""
    return ["current" if i == len(versions) - 1 else "superseded" for i in range(len(versions))]


class LocalNoteStore:
    """Notes in a data folder: <data>/notes/..., each version a file written once (tmp + fsync + os.link)."""

    def __init__(self, root: Path) -> None:
        self.dir = Path(root) / "notes"

    def _put(self, parts: tuple[str, ...], name: str, data: bytes) -> None:
        folder = self.dir.joinpath(*parts)
        with _writing(self.dir):  # a full or read-only folder: StoreWriteError with its sentence
            folder.mkdir(parents=True, exist_ok=True)
            _write_new(folder / name, data)  # refuses to replace: a version is never rewritten

    def _versions(self, parts: tuple[str, ...]) -> list[tuple[str, bytes]]:
        folder = self.dir.joinpath(*parts)
        try:
            names = sorted(n for n in os.listdir(folder) if _VERSION.match(n))  # (temporary files left out)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [(n[:-5], (folder / n).read_bytes()) for n in names]

    def _keys(self) -> list[tuple[str, int, str]]:
        out: list[tuple[str, int, str]] = []
        if not self.dir.is_dir():
            return out
        for tdir in sorted(self.dir.iterdir()):
            if tdir.name == APPROVALS or not _ID.match(tdir.name) or not tdir.is_dir():
                continue
            for ydir in tdir.iterdir():
                if ydir.name.isdigit() and ydir.is_dir():
                    out += [(tdir.name, int(ydir.name), p.name) for p in ydir.iterdir() if _PLACE.match(p.name)]
        return out


class S3NoteStore:
    """Notes under a bucket's prefix (same keys), each version an object created with `If-None-Match: *`."""

    def __init__(self, url: str, cache_dir: Path | None = None, *, client: Any = None) -> None:
        from dashboard.s3store import parse_url

        self.url = url
        self.bucket, self.prefix = parse_url(url)
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("s3", config=Config(connect_timeout=2, read_timeout=10,
                                                      retries={"max_attempts": 2, "mode": "standard"}))
        self.s3 = client
        # Versions never change: a local copy of each object read once is always right.
        self.cache = Path(cache_dir) / self.bucket / (self.prefix or "_root") / "notes" if cache_dir else None

    def _key(self, *parts: str) -> str:
        return "/".join(([self.prefix] if self.prefix else []) + ["notes", *parts])

    def _put(self, parts: tuple[str, ...], name: str, data: bytes) -> None:
        from dashboard.storage import StoreUnavailable

        try:
            self.s3.put_object(Bucket=self.bucket, Key=self._key(*parts, name), Body=data, IfNoneMatch="*",
                               ContentType="application/json")
        except Exception as e:  # a name is new by construction: any refusal or network failure is "try again"
            raise StoreUnavailable(self.url, str(e)) from e

    def _list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [str(o["Key"]) for o in page.get("Contents", [])]
        return keys

    def _read(self, key: str) -> bytes:
        local = self.cache / key.split("/notes/", 1)[-1] if self.cache else None
        if local is not None and local.is_file():
            return local.read_bytes()
        data = bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        if local is not None:
            local.parent.mkdir(parents=True, exist_ok=True)
            tmp = local.with_name(f".tmp-{uuid.uuid4().hex}")
            tmp.write_bytes(data)
            os.replace(tmp, local)
        return data

    def _versions(self, parts: tuple[str, ...]) -> list[tuple[str, bytes]]:
        prefix = self._key(*parts) + "/"
        names = sorted(k[len(prefix):] for k in self._list(prefix) if _VERSION.match(k[len(prefix):]))
        return [(n[:-5], self._read(prefix + n)) for n in names]

    def _keys(self) -> list[tuple[str, int, str]]:
        root = self._key() + "/"
        out: set[tuple[str, int, str]] = set()
        for k in self._list(root):
            parts = k[len(root):].split("/")
            if (len(parts) == 4 and parts[0] != APPROVALS and _ID.match(parts[0]) and parts[1].isdigit()
                    and _PLACE.match(parts[2]) and _VERSION.match(parts[3])):
                out.add((parts[0], int(parts[1]), parts[2]))
        return sorted(out)


def open_note_store(spec: str | None = None) -> NoteStore:
    """The note store beside the snapshot store: $GUNMA_STORE's bucket (s3://...) or the data folder."""
    spec = spec if spec is not None else os.environ.get("GUNMA_STORE", "")
    if spec.startswith("s3://"):
        from dashboard.config import cache_dir

        return S3NoteStore(spec, Path(os.environ.get("GUNMA_STORE_CACHE") or cache_dir() / "objects"))
    return LocalNoteStore(Path(spec) if spec else data_dir())


def grade_word(grade: str, lang: str) -> str:
    """A grade with its words: 「○ 良好」 / "○ Good"; 「－」 when none."""
    return f"{grade} {t(GRADE_KEYS[grade], lang)}" if grade in GRADE_KEYS else "－"


def texts_of(note: Note) -> Iterable[str]:
    """The user-written texts of a note (for checks and tests)."""
    return (note.done, note.next, note.reason, note.author)
