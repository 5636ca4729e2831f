"""A replica that publishes to a bucket, run as its own process by tests/test_s3_store.py.

    python -m tests.s3_publisher burst URL CACHE N   N threads publish at once; prints one snapshot id per line
    python -m tests.s3_publisher loop URL CACHE      prints "ready", then publishes random bytes until killed
"""

from __future__ import annotations

import io
import os
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

from dashboard.s3store import S3Store


def parquet(tag: str) -> bytes:
    """A small, distinct Parquet file (the store does not look inside; readers do)."""
    import polars as pl  # (here: the kill test's publishers start faster without it)

    buf = io.BytesIO()
    pl.DataFrame({"indicator_id": ["x"], "value": [1.0], "tag": [tag]}).write_parquet(buf)
    return buf.getvalue()


def main(argv: list[str]) -> int:
    """Run one of the two modes."""
    mode, url, cache = argv[0], argv[1], Path(argv[2])
    store = S3Store(url, cache, lock_timeout=120)
    if mode == "burst":
        n = int(argv[3])
        go = threading.Barrier(n)
        ids: list[str] = []

        def one(i: int) -> None:
            data = parquet(f"{uuid.uuid4()}")
            go.wait()
            ids.append(store.publish(data, label=f"burst {i}", kind="sample", source_name="t",
                                     rows=1, publisher=f"p{i}").id)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("\n".join(ids), flush=True)
        return 0 if len(ids) == n else 1
    print("ready", flush=True)
    loop(store)


def loop(store: S3Store, ready: Any = None) -> None:
    """Publish random bytes until killed (ready, a multiprocessing Event, is set first)."""
    if ready is not None:
        ready.set()
    while True:
        store.publish(os.urandom(4096), label="loop", kind="sample", source_name="t", rows=1, publisher="killed")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
