"""Choosing the snapshot store: a data folder (storage.LocalStore) or a shared bucket (s3store.S3Store).

Its own module so that storage does not import s3store (which builds on storage): no import cycle.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import cast

from dashboard.config import cache_dir, data_dir
from dashboard.storage import LocalStore, SnapshotStore


def open_store(spec: str | None = None) -> SnapshotStore:
    """The store named by spec, else by $GUNMA_STORE: `s3://BUCKET/PREFIX` (a shared bucket; endpoint and
    credentials from the standard AWS variables) or a data folder; unset = the data folder, as always."""
    spec = spec if spec is not None else os.environ.get("GUNMA_STORE", "")
    if spec.startswith("s3://"):
        cache = Path(os.environ.get("GUNMA_STORE_CACHE") or cache_dir() / "objects")
        return _s3_store(spec, str(cache), os.environ.get("AWS_ENDPOINT_URL", ""))
    return LocalStore(Path(spec) if spec else data_dir())


@functools.cache
def _s3_store(url: str, cache: str, endpoint: str) -> SnapshotStore:
    # One per process: its client is reused, and it remembers the last state read when the bucket is away.
    from dashboard.s3store import S3Store  # boto3 loads only for a bucket

    return cast(SnapshotStore, S3Store(url, Path(cache)))
