"""Publishing is atomic and immutable: SIGKILL at random moments, concurrent publishers, readers meanwhile.

The kill test runs a publish loop in a subprocess (storage only: stdlib imports, fast start) and kills
it with SIGKILL after a random delay, ~30 times. After every kill the store must show only complete
snapshots: each visible metadata file parses, its Parquet file exists, has the recorded sha256 and row
count, and reads back through DuckDB; the whole as-of view still queries. Files already published are
never changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboard import data, db, ingest
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.contract import to_parquet_bytes
from dashboard.storage import LocalStore, PublishConflict

CAT = load_catalog()

LOOP = r"""
import sys
from pathlib import Path
from dashboard.storage import LocalStore
store = LocalStore(Path(sys.argv[1]))
payloads = [Path(p).read_bytes() for p in sys.argv[3:]]
rows = int(sys.argv[2])
print("ready", flush=True)
i = 0
while True:
    store.publish(payloads[i % len(payloads)], label=f"kill-loop {i}", kind="sample",
                  source_name="loop.parquet", rows=rows, publisher="test")
    i += 1
"""


def _big_frame(seed: int, n_years: int = 40) -> pl.DataFrame:
    """A valid contract frame with ~30k rows (a few hundred KB of Parquet: writes take a while)."""
    rnd = random.Random(seed)
    munis = CAT.municipality_codes()
    counts = [i.id for i in CAT.indicators.values() if i.kind == "count" and i.rollup == "sum"]
    rows = [(ind, m, 2000 + y, float(rnd.randint(0, 100000)), f"seed {seed}")
            for ind in counts for m in munis for y in range(n_years)]
    return pl.DataFrame(rows, schema=["indicator_id", "municipality_code", "fiscal_year", "value", "note"],
                        orient="row")


def _check_store(root: Path, before: dict[str, str], seen: dict[str, str], full: bool) -> int:
    """Every visible snapshot complete and readable; earlier files unchanged. Returns how many are visible.

    `seen` holds the digests of snapshots checked after earlier kills (re-hashed when `full`).
    """
    store = LocalStore(root)
    metas = store.list()  # parses every visible metadata file
    con = duckdb.connect()
    for m in metas:
        p = Path(store.path(m))
        assert p.is_file(), f"{m.id}: metadata visible but no Parquet file"
        if m.id in seen and not full:
            continue
        assert hashlib.sha256(p.read_bytes()).hexdigest() == m.sha256, f"{m.id}: partial or changed file"
        n = con.sql("SELECT count(*) FROM read_parquet($p)", params={"p": str(p)}).fetchall()[0][0]
        assert n == m.rows, f"{m.id}: {n} rows, metadata says {m.rows}"
        seen[m.id] = m.sha256
    assert set(seen) <= {m.id for m in metas}, "a snapshot that was visible disappeared"
    if full:
        for name, digest in before.items():  # immutability of what was there
            assert hashlib.sha256((root / "snapshots" / name).read_bytes()).hexdigest() == digest
        vals = data.values(db.connect(), store, CAT)  # the dashboard's own query over the whole view
        assert vals.height > 0
    seqs = [m.seq for m in metas]
    assert seqs == sorted(set(seqs)), "sequence numbers repeat or are out of order"
    return len(metas)


def _digests(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (root / "snapshots").glob("[0-9]*") if p.is_file()}


def test_publish_killed_at_random_moments_never_leaves_partial_state(data_copy: Path, tmp_path: Path) -> None:
    payloads = []
    for seed in range(3):
        f = _big_frame(seed)
        path = tmp_path / f"payload{seed}.parquet"
        path.write_bytes(to_parquet_bytes(f))
        payloads.append(str(path))
    rows = _big_frame(0).height
    original = _digests(data_copy)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rnd = random.Random(4)
    visible_counts: list[int] = []
    seen: dict[str, str] = {}
    for k in range(30):
        proc = subprocess.Popen([sys.executable, "-c", LOOP, str(data_copy), str(rows), *payloads],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        threading.Event().wait(rnd.uniform(0.0, 0.25))  # a random moment inside the publish loop
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        err = proc.stderr.read() if proc.stderr else b""
        assert b"Traceback" not in err, err.decode(errors="replace")
        visible_counts.append(_check_store(data_copy, original, seen, full=k % 10 == 9))
    assert visible_counts == sorted(visible_counts)  # nothing visible ever disappears
    assert visible_counts[-1] > 4 + 10  # the loop really published between kills
    # After all that, an ordinary publish still works (the lock died with its holders).
    meta = LocalStore(data_copy).publish(Path(payloads[0]).read_bytes(), label="after kills", kind="sample",
                                         source_name="x.parquet", rows=rows, publisher="test")
    assert LocalStore(data_copy).list()[-1].id == meta.id


def _publish_many(root: str, payload: str, n: int, who: str) -> list[str]:
    store = LocalStore(Path(root))
    data_ = Path(payload).read_bytes()
    return [store.publish(data_, label=f"{who} {i}", kind="sample", source_name="p.parquet", rows=1,
                          publisher=who).id for i in range(n)]


def test_concurrent_publishes_both_succeed_in_order(data_copy: Path, tmp_path: Path) -> None:
    payload = tmp_path / "one.parquet"
    payload.write_bytes(to_parquet_bytes(pl.DataFrame(
        {"indicator_id": ["kayoi_participants"], "municipality_code": ["10201"], "fiscal_year": [2030],
         "value": [1.0]})))
    script = ("import sys; from tests.test_publish_atomic import _publish_many; "
              "print(' '.join(_publish_many(sys.argv[1], sys.argv[2], 8, sys.argv[3])))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(data_copy), str(payload), who],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
             for who in ("alice", "bob")]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode(errors="replace")
    metas = LocalStore(data_copy).list()
    new = [m for m in metas if m.seq > 4]
    assert [m.seq for m in new] == list(range(5, 21))  # 16 publications, each its own number, in order
    assert {m.publisher for m in new} == {"alice", "bob"}
    ids = {i for out, _ in outs for i in out.decode().split()}
    assert ids == {m.id for m in new}


def test_publish_against_a_stale_preview_is_refused_with_a_clear_message(data_copy: Path) -> None:
    store = LocalStore(data_copy)
    frame = pl.DataFrame({"indicator_id": ["kayoi_participants"], "municipality_code": ["10201"],
                          "fiscal_year": [2030], "value": [5.0]})
    pv = ingest.preview(db.connect(), store, CAT, frame)
    ingest.publish(store, frame, label="first", kind="sample", publisher="a", source_name="a.csv",
                   expected_last_seq=pv.base_seq)
    with pytest.raises(PublishConflict, match="published after the preview"):
        ingest.publish(store, frame, label="second", kind="sample", publisher="b", source_name="b.csv",
                       expected_last_seq=pv.base_seq)
    assert [m.label for m in store.list()][-1] == "first"


def test_readers_keep_working_while_snapshots_are_published(data_copy: Path) -> None:
    store = LocalStore(data_copy)
    con = db.connect()
    errors: list[BaseException] = []
    keys: set[str] = set()
    stop = threading.Event()

    read_once = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                keys.add(store.state_key())
                data.values(con, store, CAT, indicator_ids=["kayoi_participants"], places=["10000"])
                read_once.set()
            except BaseException as e:  # any failure is what this test looks for
                errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        # Publish while the readers are reading (a loaded machine once let the first read last through all
        # eight publications), and stop them only once they have read the state after the last one.
        assert read_once.wait(timeout=120)
        for i in range(8):
            frame = pl.DataFrame({"indicator_id": ["kayoi_participants"] * 35,
                                  "municipality_code": CAT.municipality_codes(), "fiscal_year": [2031] * 35,
                                  "value": [float(i + 1)] * 35})
            ingest.publish(store, frame, label=f"while reading {i}", kind="sample", publisher="t",
                           source_name="r.csv")
        final, deadline = store.state_key(), time.monotonic() + 120
        while final not in keys and not errors and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert len(keys) > 1  # readers saw the state key change: cached pages refresh
    latest = data.values(con, store, CAT, indicator_ids=["kayoi_participants"], places=["10000"])
    assert latest.filter(pl.col("fiscal_year") == 2031)["value"].to_list() == [35 * 8.0]


def test_metadata_files_are_json_and_never_rewritten(data_copy: Path) -> None:
    before = _digests(data_copy)
    store = LocalStore(data_copy)
    m = store.list()[1]
    store.set_withdrawn(m.id, True, reason="test", who="t")
    store.set_withdrawn(m.id, False, reason="test back", who="t")
    assert _digests(data_copy) == before  # events are new files; snapshot files untouched
    ev = store.events()
    assert [e["action"] for e in ev] == ["withdraw", "restore"]
    assert all(json.dumps(e) for e in ev)
