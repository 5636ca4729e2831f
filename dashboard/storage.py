"""Snapshot storage: immutable Parquet files plus metadata, published atomically.

A snapshot is visible once its metadata file exists. Publishing writes the Parquet file
under a new name, flushes it, then links the metadata file into place in one step, so a
crash leaves either the old state or the new one. Nothing is ever rewritten: withdrawal
and restoration are recorded as new event files.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast

from dashboard.i18n import N_

KINDS = ("official", "sample")


class PublishBusy(RuntimeError):
    """Another publish holds the lock for too long."""


class StoreUnavailable(PublishBusy):
    """The shared object store cannot be reached (a PublishBusy: the pages already say "try again")."""

    def __init__(self, url: str, detail: str = "") -> None:
        from dashboard.i18n import t

        self.url, self.detail = url, detail
        super().__init__(f"{t('store_unavailable', 'ja', url=url)} / {t('store_unavailable', 'en', url=url)}")


class StoreWriteError(PublishBusy):
    """The store's folder cannot be written (full disk, read-only, no permission): nothing was published or
    recorded, and nothing was left half-written. A PublishBusy, so every form that already says "try again"
    catches it; `sentence(lang)` says what happened and what to do."""

    REASONS: ClassVar[dict[int, str]] = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EROFS: "read_only",
                                         errno.EACCES: "permission", errno.EPERM: "permission"}
    KEYS: ClassVar[dict[str, str]] = {"full": N_("store_write_full"), "read_only": N_("store_write_read_only"),
                                      "permission": N_("store_write_permission")}

    def __init__(self, folder: Path, reason: str) -> None:
        self.folder, self.reason = folder, reason
        super().__init__(f"{self.sentence('ja')} / {self.sentence('en')}")

    def sentence(self, lang: str) -> str:
        """What happened and what to do, in the user's language."""
        from dashboard.i18n import t

        return t(self.KEYS[self.reason], lang, folder=str(self.folder))


@contextlib.contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """Turn the OS's full-disk, read-only and permission errors into a StoreWriteError with a sentence."""
    try:
        yield
    except OSError as e:
        reason = StoreWriteError.REASONS.get(e.errno or 0)
        if reason is None:
            raise
        raise StoreWriteError(folder, reason) from e


class PublishConflict(RuntimeError):
    """Something was published after the state the caller reviewed (its preview is out of date)."""


@dataclass(frozen=True)
class SnapshotMeta:
    """Metadata of one published snapshot."""

    id: str
    seq: int
    label: str
    kind: str
    created_at: str
    source_name: str
    sha256: str
    rows: int
    publisher: str
    file: str
    withdrawn: bool = False


MetaList = list[SnapshotMeta]  # (an alias: the stores' list() method shadows the builtin)
EventList = list[dict[str, str]]
Items = list[tuple[SnapshotMeta, Callable[[], bytes]]]  # what store copy hands to import_history


class SnapshotStore(Protocol):
    """What pages and the CLI need from storage: LocalStore (a folder) or s3store.S3Store (a bucket)."""

    def list(self) -> MetaList:
        """All published snapshots in publish order, with their withdrawn state."""
        ...

    def path(self, meta: SnapshotMeta) -> str:
        """A location DuckDB can read the snapshot from."""
        ...

    def state_key(self) -> str:
        """A short key that changes whenever anything is published, withdrawn or restored."""
        ...

    def publish(self, parquet: bytes, *, label: str, kind: str, source_name: str, rows: int,
                publisher: str, created_at: str | None = None,
                expected_last_seq: int | None = None) -> SnapshotMeta:
        """Publish a validated Parquet file as a new immutable snapshot.

        With expected_last_seq, refuse (PublishConflict) when the newest snapshot is no longer that one.
        """
        ...

    def set_withdrawn(self, snapshot_id: str, withdrawn: bool, *, reason: str, who: str) -> None:
        """Withdraw a snapshot from the view (or restore it), keeping its file."""
        ...

    def events(self) -> EventList:
        """Withdrawal and restoration records, oldest first."""
        ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new(final: Path, data: bytes) -> None:
    """Write bytes to a brand-new file atomically; refuse to replace an existing one."""
    tmp = final.with_name(f".tmp-{uuid.uuid4().hex}-{final.name}")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, final)  # fails with EEXIST instead of overwriting
    finally:
        with contextlib.suppress(FileNotFoundError):  # (also when the disk filled up mid-write)
            tmp.unlink()
    _fsync_dir(final.parent)


def now_iso() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_names(folder: Path, numbered: bool = False) -> list[str] | None:
    """Sorted names of a folder's .json files (`numbered`: only those starting with a digit, the snapshots'
    metadata); None when there is no such folder. One listing: the state key asks on every page run, and
    Path.glob made several system calls per file."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return sorted(n for n in names if n.endswith(".json") and (not numbered or n[:1].isdigit()))


class LocalStore:
    """Snapshots in a local folder: NNNN-sha8.parquet + NNNN-sha8.json, events/ for withdrawals."""

    def __init__(self, root: Path, lock_timeout: float = 30.0) -> None:
        self.dir = Path(root) / "snapshots"
        self.events_dir = self.dir / "events"
        self.lock_timeout = lock_timeout

    def _metas(self) -> MetaList:
        metas = []
        for name in _json_names(self.dir, numbered=True) or []:
            d = json.loads((self.dir / name).read_text(encoding="utf-8"))
            d.pop("withdrawn", None)
            metas.append(SnapshotMeta(**d))
        return sorted(metas, key=lambda m: m.seq)

    def events(self) -> EventList:
        """Withdrawal and restoration records, oldest first."""
        return [json.loads((self.events_dir / name).read_text(encoding="utf-8"))
                for name in _json_names(self.events_dir) or []]

    def list(self) -> MetaList:
        """All published snapshots in publish order, with their withdrawn state."""
        withdrawn: dict[str, bool] = {}
        for e in self.events():
            withdrawn[e["snapshot_id"]] = e["action"] == "withdraw"
        return [SnapshotMeta(**{**asdict(m), "withdrawn": withdrawn.get(m.id, False)}) for m in self._metas()]

    def path(self, meta: SnapshotMeta) -> str:
        """Absolute path of the snapshot's Parquet file."""
        return str(self.dir / meta.file)

    def read_bytes(self, meta: SnapshotMeta) -> bytes:
        """The snapshot's Parquet bytes."""
        return (self.dir / meta.file).read_bytes()

    def import_history(self, items: Items, events: EventList) -> None:
        """Fill an empty store with snapshots (ids, sequence numbers and files kept) and events.

        Parquet files first, then metadata, then events, each file created atomically: an interrupted copy
        shows a prefix of the history, and running it again into a fresh folder repeats it whole.
        """
        with self._lock():
            if self._metas() or self.events():
                raise FileExistsError(f"{self.dir} already holds snapshots; copy into an empty folder")
            for meta, read in items:
                data = read()
                if hashlib.sha256(data).hexdigest() != meta.sha256:
                    raise OSError(f"{meta.file} does not match its recorded SHA-256")
                _write_new(self.dir / meta.file, data)
            for meta, _ in items:
                body = {k: v for k, v in asdict(meta).items() if k != "withdrawn"}
                _write_new(self.dir / f"{meta.id}.json", json.dumps(body, ensure_ascii=False, indent=1).encode())
            if events:
                self.events_dir.mkdir(parents=True, exist_ok=True)
            for i, e in enumerate(events, start=1):  # numbered in order: later events (time_ns) sort after
                _write_new(self.events_dir / f"{i:020d}-{e['snapshot_id']}-{e['action']}.json",
                           json.dumps(e, ensure_ascii=False).encode("utf-8"))

    def state_key(self) -> str:
        """Names of metadata and event files (the files list() and events() read): changes on every publication."""
        names = _json_names(self.dir, numbered=True)
        if names is None:
            return "empty"
        names += _json_names(self.events_dir) or []
        return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "a+b") as f:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                        raise PublishBusy("another publication is in progress; try again shortly") from e
                    time.sleep(0.05)
            try:
                self._sweep()
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def _sweep(self) -> None:
        """Remove temporary files left by a writer that died (every writer holds the lock while its
        temporary file exists, so under the lock any left over is orphaned; they are never visible)."""
        for folder in (self.dir, self.events_dir):
            if folder.is_dir():
                for p in folder.glob(".tmp-*"):
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()

    def publish(self, parquet: bytes, *, label: str, kind: str, source_name: str, rows: int,
                publisher: str, created_at: str | None = None,
                expected_last_seq: int | None = None) -> SnapshotMeta:
        """Publish a validated Parquet file as a new immutable snapshot (serialised by a lock).

        With expected_last_seq (the newest seq the caller previewed against), a publication that
        landed in between makes this one fail with PublishConflict instead of silently stacking.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        sha = hashlib.sha256(parquet).hexdigest()
        with _writing(self.dir), self._lock():
            last = max((m.seq for m in self._metas()), default=0)
            if expected_last_seq is not None and last != expected_last_seq:
                raise PublishConflict(f"snapshot {last:04d} was published after the preview was made")
            seq = last + 1
            sid = f"{seq:04d}-{sha[:8]}"
            meta = SnapshotMeta(id=sid, seq=seq, label=label, kind=kind,
                                created_at=created_at or now_iso(), source_name=source_name,
                                sha256=sha, rows=rows, publisher=publisher, file=f"{sid}.parquet")
            parquet_path = self.dir / meta.file
            created = False
            if parquet_path.exists():
                # Left by a publish that died before its metadata landed. Same name means same
                # sequence and hash prefix; keep it only if it holds exactly these bytes.
                if hashlib.sha256(parquet_path.read_bytes()).hexdigest() != sha:
                    raise FileExistsError(f"{parquet_path.name} exists with other content")
            else:
                _write_new(parquet_path, parquet)
                created = True
            body = {k: v for k, v in asdict(meta).items() if k != "withdrawn"}
            try:
                _write_new(self.dir / f"{sid}.json",
                           json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"))
            except OSError:
                if created:  # no metadata, no snapshot: take back the file nothing will ever read
                    with contextlib.suppress(OSError):
                        parquet_path.unlink()
                raise
        return meta

    def set_withdrawn(self, snapshot_id: str, withdrawn: bool, *, reason: str, who: str) -> None:
        """Record a withdrawal (or restoration) as a new event file; the snapshot file stays."""
        if not reason.strip():
            raise ValueError("a reason is required")
        with _writing(self.dir), self._lock():  # checked under the lock: two withdrawing at once record one event
            current = {m.id: m for m in self.list()}
            if snapshot_id not in current:
                raise KeyError(f"no snapshot {snapshot_id}")
            if current[snapshot_id].withdrawn == withdrawn:
                raise ValueError("already withdrawn" if withdrawn else "not withdrawn")
            self.events_dir.mkdir(parents=True, exist_ok=True)
            event = {"snapshot_id": snapshot_id, "action": "withdraw" if withdrawn else "restore",
                     "reason": reason, "who": who, "at": now_iso()}
            name = f"{time.time_ns():020d}-{snapshot_id}-{event['action']}.json"
            _write_new(self.events_dir / name, json.dumps(event, ensure_ascii=False).encode("utf-8"))


def visible(metas: list[SnapshotMeta], as_of: str | None) -> list[SnapshotMeta]:
    """Snapshots that count at the as-of point: published at or before it, not withdrawn."""
    if as_of is not None:
        cut = next((m.seq for m in metas if m.id == as_of), None)
        if cut is None:
            raise KeyError(f"no snapshot {as_of}")
    else:
        cut = max((m.seq for m in metas), default=0)
    return [m for m in metas if m.seq <= cut and not m.withdrawn]


# ------------------------------------------------------------------------ notices and copying stores
# (choosing a store, folder or bucket, is dashboard/stores.py: it imports both back ends)

def unavailable_notice(store: SnapshotStore, lang: str) -> str | None:
    """A sentence for every page while the shared store cannot be reached (pages show its last state), else None."""
    from dashboard.i18n import t

    if not getattr(store, "unavailable", None):
        return None
    return t("store_unavailable", lang, url=getattr(store, "url", ""))


def copy_store(src: SnapshotStore, dst: SnapshotStore) -> int:
    """Copy every snapshot (ids, sequence numbers, files) and every withdrawal/restoration into an empty
    store; the number of snapshots copied."""
    metas = [SnapshotMeta(**{**asdict(m), "withdrawn": False}) for m in src.list()]
    events = src.events()
    if getattr(src, "unavailable", None):  # a bucket out of reach answers with its last state: no backup of that
        raise StoreUnavailable(getattr(src, "url", "?"), str(getattr(src, "unavailable", "")))
    items = [(m, functools.partial(_read, src, m)) for m in metas]
    cast(Any, dst).import_history(items, events)
    return len(metas)


def _read(store: SnapshotStore, meta: SnapshotMeta) -> bytes:
    return Path(store.path(meta)).read_bytes()
