"""Snapshots in an S3-compatible bucket, shared by every replica (GUNMA_STORE=s3://BUCKET/PREFIX).

Layout under the prefix:
    manifest.json          the current state: every snapshot's metadata and every withdrawal/restoration
    snapshots/<file>       the immutable Parquet files, named by their SHA-256 (copied stores keep their names)

Writes use S3 conditional requests, so replicas need no lock between them:
- a Parquet file is created with `If-None-Match: *` (content-addressed: if it exists it holds these bytes);
- the manifest is replaced with `If-Match: <the ETag it was read with>` (or created with `If-None-Match: *`);
  a writer that lost the race (412) reads the new manifest and tries again with the next sequence number.
A publisher killed at any moment leaves either the old manifest or the new one; at worst an unreferenced
Parquet file, which nothing reads.

Reading: DuckDB 2.0's httpfs extension cannot be installed offline, so boto3 reads the objects and each
replica keeps a local read-through cache of the immutable files (checked against their SHA-256); DuckDB
reads the cached copies. The last manifest read is kept in memory and in the cache folder: if the bucket
cannot be reached, readers keep seeing that state and writes fail with StoreUnavailable (a clear message),
and everything resumes by itself once the bucket answers again.

The local copies have a byte budget ($GUNMA_S3_CACHE_MAX_MB, default 1024): after each download the copies
used least recently go first while the folder is over it, never one used in the last ten minutes (a query may
be reading it). A pruned copy is downloaded again when next needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from dashboard.storage import (
    KINDS,
    EventList,
    Items,
    MetaList,
    PublishBusy,
    PublishConflict,
    SnapshotMeta,
    StoreUnavailable,
    now_iso,
)

MANIFEST = "manifest.json"
CACHE_MB = 1024
IN_USE_S = 600.0  # a copy used this recently is never pruned
_RACE_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


def parse_url(url: str) -> tuple[str, str]:
    """(bucket, prefix) of s3://BUCKET/PREFIX; the prefix has no leading or trailing slash."""
    if not url.startswith("s3://"):
        raise ValueError(f"not an s3:// address: {url}")
    bucket, _, prefix = url[5:].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {url}")
    return bucket, prefix.strip("/")


def _code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def _status(e: ClientError) -> int:
    return int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


class S3Store:
    """A SnapshotStore in a bucket (conditional writes, local read-through cache of immutable files)."""

    def __init__(self, url: str, cache_dir: Path, *, client: Any = None, lock_timeout: float = 30.0) -> None:
        self.url = url
        self.bucket, self.prefix = parse_url(url)
        self.cache = Path(cache_dir) / self.bucket / (self.prefix or "_root")
        self.lock_timeout = lock_timeout
        # Short timeouts and few retries: a page waits seconds, not minutes, before showing the last state.
        self.s3 = client or boto3.client("s3", config=Config(
            connect_timeout=2, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"}))
        self._lock = threading.Lock()
        self._last: tuple[str, dict[str, Any]] | None = None  # (etag, manifest) last read from the bucket
        self.unavailable: str | None = None  # why the bucket could not be reached on the last try

    # ------------------------------------------------------------------------------------------ keys

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def _call(self, fn: Callable[..., Any], **kw: Any) -> Any:
        """One S3 request; network failures and server errors become StoreUnavailable."""
        try:
            out = fn(**kw)
        except BotoCoreError as e:
            self.unavailable = str(e)
            raise StoreUnavailable(self.url, str(e)) from e
        except ClientError as e:
            if _status(e) >= 500:
                self.unavailable = str(e)
                raise StoreUnavailable(self.url, str(e)) from e
            raise
        self.unavailable = None
        return out

    # ------------------------------------------------------------------------------------- manifest

    def _fetch(self) -> tuple[str | None, dict[str, Any]]:
        """The current manifest and its ETag (None, empty manifest when nothing was ever published)."""
        try:
            r = self._call(self.s3.get_object, Bucket=self.bucket, Key=self._key(MANIFEST))
        except ClientError as e:
            if _code(e) in _MISSING_CODES:
                return None, {"snapshots": [], "events": []}
            raise
        body = r["Body"].read()
        etag = str(r["ETag"])
        manifest = json.loads(body)
        with self._lock:
            changed = self._last is None or self._last[0] != etag
            self._last = (etag, manifest)
        if changed:  # kept on disk too, so a replica started while the bucket is away still has the state
            self._save_local(MANIFEST, body)
        return etag, manifest

    def _current(self) -> dict[str, Any]:
        """The manifest, or the last one seen when the bucket cannot be reached (StoreUnavailable if none)."""
        try:
            return self._fetch()[1]
        except StoreUnavailable:
            last = self._last_known()
            if last is None:
                raise
            return last[1]

    def _last_known(self) -> tuple[str, dict[str, Any]] | None:
        with self._lock:
            if self._last is not None:
                return self._last
        p = self.cache / MANIFEST
        if p.is_file():
            body = p.read_bytes()
            return "local-" + hashlib.sha256(body).hexdigest()[:16], json.loads(body)
        return None

    def _commit(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Apply change() to the current manifest and write it back conditionally; retry on a lost race.

        change() may raise to refuse (it sees the freshest state on every attempt). Returns the new manifest.
        """
        deadline = time.monotonic() + self.lock_timeout
        attempt = 0
        while True:
            etag, manifest = self._fetch()
            new = change(json.loads(json.dumps(manifest)))  # a copy: change() may edit it freely
            body = json.dumps(new, ensure_ascii=False, indent=1).encode("utf-8")
            cond = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
            try:
                self._call(self.s3.put_object, Bucket=self.bucket, Key=self._key(MANIFEST), Body=body,
                           ContentType="application/json", **cond)
                return new
            except ClientError as e:
                if _code(e) not in _RACE_CODES and _status(e) not in (409, 412):
                    raise
            attempt += 1
            if time.monotonic() > deadline:
                raise PublishBusy("too many simultaneous publications; try again shortly")
            time.sleep(random.uniform(0, min(0.5, 0.01 * 2 ** min(attempt, 6))))  # jittered back-off

    # --------------------------------------------------------------------------------- SnapshotStore

    def list(self) -> MetaList:
        """All published snapshots in publish order, with their withdrawn state."""
        return _metas(self._current())

    def events(self) -> EventList:
        """Withdrawal and restoration records, oldest first."""
        return list(self._current().get("events", []))

    def state_key(self) -> str:
        """The manifest's ETag (one HEAD request); the last one seen while the bucket is unreachable."""
        try:
            r = self._call(self.s3.head_object, Bucket=self.bucket, Key=self._key(MANIFEST))
        except ClientError as e:
            if _code(e) in _MISSING_CODES:
                return "empty"
            raise
        except StoreUnavailable:
            last = self._last_known()
            if last is None:
                raise
            return last[0]
        return str(r["ETag"]).strip('"')

    def path(self, meta: SnapshotMeta) -> str:
        """A local copy of the snapshot's Parquet file (downloaded once, checked against its SHA-256)."""
        local = self.cache / "snapshots" / meta.file
        try:
            used = local.stat().st_mtime
        except FileNotFoundError:
            pass
        else:
            if time.time() - used > IN_USE_S / 2:  # "used lately" for the pruning: one touch per few minutes
                os.utime(local)
            return str(local)
        r = self._call(self.s3.get_object, Bucket=self.bucket, Key=self._key(f"snapshots/{meta.file}"))
        data = r["Body"].read()
        if hashlib.sha256(data).hexdigest() != meta.sha256:
            raise OSError(f"{meta.file} in {self.url} does not match its recorded SHA-256")
        self._save_local(f"snapshots/{meta.file}", data)
        prune_copies(self.cache / "snapshots", cache_budget(), IN_USE_S)
        return str(local)

    def read_bytes(self, meta: SnapshotMeta) -> bytes:
        """The snapshot's Parquet bytes."""
        return Path(self.path(meta)).read_bytes()

    def publish(self, parquet: bytes, *, label: str, kind: str, source_name: str, rows: int,
                publisher: str, created_at: str | None = None,
                expected_last_seq: int | None = None) -> SnapshotMeta:
        """Publish a validated Parquet file as a new immutable snapshot (the next free sequence number).

        With expected_last_seq, refuse (PublishConflict) when the newest snapshot is no longer that one.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        sha = hashlib.sha256(parquet).hexdigest()
        file = f"{sha}.parquet"
        self._put_new(f"snapshots/{file}", parquet)
        created = created_at or now_iso()
        made: list[SnapshotMeta] = []

        def add(manifest: dict[str, Any]) -> dict[str, Any]:
            last = max((int(m["seq"]) for m in manifest["snapshots"]), default=0)
            if expected_last_seq is not None and last != expected_last_seq:
                raise PublishConflict(f"snapshot {last:04d} was published after the preview was made")
            seq = last + 1
            meta = SnapshotMeta(id=f"{seq:04d}-{sha[:8]}", seq=seq, label=label, kind=kind, created_at=created,
                                source_name=source_name, sha256=sha, rows=rows, publisher=publisher, file=file)
            manifest["snapshots"].append(_body(meta))
            made[:] = [meta]
            return manifest

        self._commit(add)
        self._save_local(f"snapshots/{file}", parquet)  # this replica has it already
        return made[0]

    def set_withdrawn(self, snapshot_id: str, withdrawn: bool, *, reason: str, who: str) -> None:
        """Record a withdrawal (or restoration) in the manifest; the snapshot file stays."""
        if not reason.strip():
            raise ValueError("a reason is required")

        def record(manifest: dict[str, Any]) -> dict[str, Any]:
            current = {m.id: m for m in _metas(manifest)}
            if snapshot_id not in current:
                raise KeyError(f"no snapshot {snapshot_id}")
            if current[snapshot_id].withdrawn == withdrawn:
                raise ValueError("already withdrawn" if withdrawn else "not withdrawn")
            manifest.setdefault("events", []).append(
                {"snapshot_id": snapshot_id, "action": "withdraw" if withdrawn else "restore",
                 "reason": reason, "who": who, "at": now_iso()})
            return manifest

        self._commit(record)

    # ------------------------------------------------------------------------------------ store copy

    def import_history(self, items: Items, events: EventList) -> None:
        """Fill an empty store with snapshots (ids, sequence numbers and files kept) and events, in one commit."""
        for meta, read in items:
            data = read()
            if hashlib.sha256(data).hexdigest() != meta.sha256:
                raise OSError(f"{meta.file} does not match its recorded SHA-256")
            self._put_new(f"snapshots/{meta.file}", data)

        def fill(manifest: dict[str, Any]) -> dict[str, Any]:
            if manifest["snapshots"] or manifest.get("events"):
                raise FileExistsError(f"{self.url} already holds snapshots; copy into an empty store")
            return {"snapshots": [_body(m) for m, _ in items], "events": list(events)}

        self._commit(fill)

    # --------------------------------------------------------------------------------------- helpers

    def _put_new(self, name: str, data: bytes) -> None:
        """Create an immutable object; if it already exists it is left as it is (its name is its hash)."""
        try:
            self._call(self.s3.put_object, Bucket=self.bucket, Key=self._key(name), Body=data, IfNoneMatch="*")
        except ClientError as e:
            if _code(e) not in _RACE_CODES and _status(e) not in (409, 412):
                raise

    def _save_local(self, name: str, data: bytes) -> None:
        """Write into the cache folder under a temporary name, then rename (readers never see half a file)."""
        final = self.cache / name
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.with_name(f".tmp-{uuid.uuid4().hex}-{final.name}")
            tmp.write_bytes(data)
            os.replace(tmp, final)
        except OSError:
            if name != MANIFEST:  # the manifest copy is a convenience; a snapshot must be readable
                raise


def cache_budget() -> int:
    """The local copies' byte budget ($GUNMA_S3_CACHE_MAX_MB, default CACHE_MB)."""
    return int(float(os.environ.get("GUNMA_S3_CACHE_MAX_MB") or CACHE_MB) * 2**20)


def prune_copies(folder: Path, budget: int, in_use_s: float = IN_USE_S) -> list[str]:
    """Delete the least recently used copies while the folder holds more than `budget` bytes, never one used
    within `in_use_s`; the names deleted."""
    copies = []
    for p in folder.glob("*"):
        if p.name.startswith("."):
            continue
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        copies.append((st.st_mtime, st.st_size, p))
    total, gone, now = sum(size for _, size, _ in copies), [], time.time()
    for used, size, p in sorted(copies, key=lambda c: c[0]):
        if total <= budget:
            break
        if now - used > in_use_s:
            p.unlink(missing_ok=True)
            total -= size
            gone.append(p.name)
    return gone


def _body(meta: SnapshotMeta) -> dict[str, Any]:
    return {k: v for k, v in asdict(meta).items() if k != "withdrawn"}


def _metas(manifest: dict[str, Any]) -> MetaList:
    withdrawn: dict[str, bool] = {}
    for e in manifest.get("events", []):
        withdrawn[e["snapshot_id"]] = e["action"] == "withdraw"
    metas = [SnapshotMeta(**{**m, "withdrawn": withdrawn.get(m["id"], False)}) for m in manifest["snapshots"]]
    return sorted(metas, key=lambda m: m.seq)
