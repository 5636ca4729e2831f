"""Hostile files: mutated copies of real Parquet, CSV and .xlsx files through the validator.

Run in a subprocess, so that a crash of a native reader (a Polars panic, a segfault) fails the test
instead of killing the test run: every mutated file must come back as a Result, either valid or with
errors under known rules, within the time limit, and the data folder must not change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dashboard.config import ROOT
from dashboard.validate import RULE_LABELS
from tests.grids import data_tree

FUZZ = r"""
import io, json, random, sys
from pathlib import Path
import polars as pl
from dashboard import ingest
from dashboard.catalog import load_catalog
from dashboard.validate import Limits, validate_bytes

cat = load_catalog()
snap = sorted(Path(sys.argv[1]).glob("snapshots/[0-9]*.parquet"))[-1].read_bytes()
seeds = {"parquet": snap,
         "csv": ingest.template_csv(cat, 2025).replace(b",,", b",1,", 2000),
         "xlsx": ingest.template_xlsx(cat, 2025)}
rnd = random.Random(int(sys.argv[2]))
limits = Limits(seconds=20, memory_limit="256MB")
out = []
for i in range(int(sys.argv[3])):
    fmt = ["parquet", "csv", "xlsx"][i % 3]
    b = bytearray(seeds[fmt])
    how = rnd.choice(["flip", "zero", "cut", "splice", "dup"])
    if how == "flip":
        for _ in range(rnd.randint(1, 20)):
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
    elif how == "zero":
        s = rnd.randrange(len(b)); b[s:s + rnd.randint(1, 200)] = bytes(min(200, len(b) - s))[:len(b[s:s + 200])]
    elif how == "cut":
        b = b[: rnd.randrange(1, len(b))]
    elif how == "splice":
        s = rnd.randrange(len(b)); b[s:s] = rnd.randbytes(rnd.randint(1, 64))
    else:
        s = rnd.randrange(len(b)); b[s:s] = b[s:s + rnd.randint(1, 4000)]
    r = validate_bytes(bytes(b), f"fuzz.{fmt}", cat, limits=limits)
    out.append({"fmt": fmt, "how": how, "ok": r.ok, "rules": sorted({p.rule for p in r.errors}),
                "messages": all(p.message_ja and p.message_en for p in r.errors)})
print(json.dumps(out))
"""



def test_mutated_files_never_crash_and_get_known_messages(data_copy: Path) -> None:
    before = data_tree(data_copy)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GUNMA_DATA_DIR": str(data_copy)}
    r = subprocess.run([sys.executable, "-c", FUZZ, str(data_copy), "7", "120"], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=600)
    assert r.returncode == 0, f"validator process died ({r.returncode}): {r.stderr[-2000:]}"
    results = json.loads(r.stdout.splitlines()[-1])
    assert len(results) == 120
    for res in results:
        assert res["ok"] or res["rules"], res  # valid, or at least one error
        assert set(res["rules"]) <= set(RULE_LABELS), res
        assert res["messages"], res
    # Most mutations must be caught; a few (e.g. a flipped bit inside a note) can stay valid.
    assert sum(not x["ok"] for x in results) > 60
    assert data_tree(data_copy) == before
