"""Publishing a large snapshot: validation and publish time and peak memory, the project's way
(dashboard.validate + dashboard.ingest.publish, as `python -m dashboard publish` does) and the naive
way (pandas reads the file, checks it in memory, writes it back), each in a fresh process so that
its peak resident memory (VmHWM) is its own.

    python -m bench.publish ROOT FILE project|rules|naive   -> one JSON line
    python -m bench.publish --worst                         -> the worst upload files: verdict time and the
                                                               reader process's peak memory, one line each
    (project: as the CLI, with warnings against the published data; rules: validation rules only;
    both then preview and publish as `python -m dashboard publish` does: publish_s includes the preview,
    also given alone as preview_s)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from bench import national
from bench.common import Figure, hwm_mb
from dashboard.config import ROOT


def make_file(root: Path, path: Path, rows: int, seed: int = 7) -> int:
    """A valid snapshot of about `rows` rows for the generated catalog (new fiscal years); rows written."""
    cat = national.national_catalog(root)
    # Random values cannot respect bounds relative to another indicator (participants <= the 65+ population):
    # those indicators are left out, so the file is valid as a whole.
    inds = pl.read_csv(cat.indicators_csv, infer_schema=False).filter(
        ~pl.col("rollup").is_in(["weighted_rate", "none"])
        & ~pl.col("indicator_id").is_in([i.id for i in cat.indicators.values() if i.max_ref]))
    codes = np.array(cat.municipality_codes(), dtype=object)
    ids = np.array(inds["indicator_id"].to_list(), dtype=object)
    per_year = len(codes) * len(ids)
    rng = np.random.default_rng(seed)
    frames: list[pl.DataFrame] = []
    year = 2030
    while sum(f.height for f in frames) < rows:
        vals = national._values(rng, inds, len(codes), 3)
        frames.append(pl.DataFrame({
            "indicator_id": np.repeat(ids, len(codes)).tolist(),
            "municipality_code": np.tile(codes, len(ids)).tolist(),
            "fiscal_year": np.full(per_year, year, dtype=np.int32), "value": vals.ravel()}))
        year += 1
    df = pl.concat(frames).head(rows)
    df.write_parquet(path, compression="zstd")
    return df.height


def _project(root: Path, file: Path, warnings: bool = True) -> dict[str, object]:
    from dashboard import db, ingest
    from dashboard.storage import LocalStore
    from dashboard.validate import validate_file

    cat = national.national_catalog(root)
    store = LocalStore(root)
    con = db.connect()
    t0 = time.perf_counter()
    published = (lambda keys: ingest.published_values(con, store, keys)) if warnings else None
    result = validate_file(file, cat, published=published)
    t1 = time.perf_counter()
    if not result.ok or result.frame is None:
        return {"ok": False, "errors": [p.message("en") for p in result.errors[:3]], "validate_s": t1 - t0}
    pv = ingest.preview(con, store, cat, result.frame, "en")  # the CLI prints it before publishing
    t2 = time.perf_counter()
    meta = ingest.publish(store, result.frame, label="bench 1M", kind="sample", publisher="bench",
                          source_name=file.name)
    t3 = time.perf_counter()
    return {"ok": True, "validate_s": t1 - t0, "publish_s": t3 - t1, "preview_s": t2 - t1, "rows": meta.rows,
            "warnings": len(result.warnings), "adds": pv.adds,
            "reader_s": result.reader.get("seconds"), "reader_peak_mb": result.reader.get("peak_mb")}


def _naive(root: Path, file: Path) -> dict[str, object]:
    import io

    import pandas as pd

    from dashboard.storage import LocalStore

    cat = national.national_catalog(root)
    t0 = time.perf_counter()
    df = pd.read_parquet(file)
    problems = 0
    problems += int((~df["indicator_id"].isin(list(cat.indicators))).sum())
    problems += int((~df["municipality_code"].isin([*cat.municipality_codes(), "10000", "00000"])).sum())
    problems += int(df.duplicated(["indicator_id", "municipality_code", "fiscal_year"]).sum())
    problems += int(df["value"].isna().sum())
    kinds = df["indicator_id"].map({i.id: i.kind for i in cat.indicators.values()})
    problems += int(((kinds == "rate") & ((df["value"] < 0) | (df["value"] > 100))).sum())
    problems += int(((kinds == "count") & (df["value"] < 0)).sum())
    t1 = time.perf_counter()
    buf = io.BytesIO()
    df.sort_values(["indicator_id", "municipality_code", "fiscal_year"]).to_parquet(buf, index=False)
    LocalStore(root).publish(buf.getvalue(), label="bench naive", kind="sample", source_name=file.name,
                             rows=len(df), publisher="bench")
    t2 = time.perf_counter()
    return {"ok": problems == 0, "validate_s": t1 - t0, "publish_s": t2 - t1, "rows": len(df)}


def worst_uploads() -> list[Figure]:
    """The upload files that escaped the readers' budgets before (tests/upload_corpus.py reader_cases): for each,
    the time to its verdict and the peak resident memory (VmHWM) of the reader process that parsed it."""
    from dashboard.catalog import load_catalog
    from dashboard.validate import validate_bytes
    from tests.upload_corpus import reader_cases

    cat = load_catalog()
    validate_bytes(b"a,b\n1,2\n", "warm.csv", cat)  # start the reader's fork server outside the figures
    out = []
    for case in reader_cases():
        t0 = time.perf_counter()
        res = validate_bytes(case.data, case.file_name, cat)
        took = time.perf_counter() - t0
        rules = sorted({p.rule for p in res.errors})
        note = f"{len(case.data) / 1024:,.1f} KB file; verdict: {', '.join(rules) or 'valid'}"
        out.append(Figure("upload files", "gunma", f"{case.name}: time to verdict", took, "s", target="< 10 s",
                          note=note, extra={"met": took < 10}))
        peak = float(res.reader.get("peak_mb", float("nan")))
        out.append(Figure("upload files", "gunma", f"{case.name}: reader peak memory", peak, "MB", target="< 1 GB",
                          note="VmHWM of the reader process", extra={"met": peak < 1024}))
        print(f"{case.name}: {took:.2f} s, reader peak {peak:,.0f} MB, {note}", flush=True)
    return out


def run(root: Path, file: Path, mode: str, timeout: float = 300) -> dict[str, object]:
    """One measured publish in a fresh process; its JSON result plus peak memory."""
    p = subprocess.run([sys.executable, "-m", "bench.publish", str(root), str(file), mode], cwd=ROOT,
                       capture_output=True, text=True, timeout=timeout, env={"PYTHONPATH": str(ROOT),
                                                                             "PATH": "/usr/bin:/bin"})
    if p.returncode != 0:
        return {"ok": False, "errors": [p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed"]}
    return dict(json.loads(p.stdout.strip().splitlines()[-1]))


if __name__ == "__main__" and sys.argv[1:] == ["--worst"]:
    worst_uploads()
elif __name__ == "__main__":
    root_arg, file_arg, mode_arg = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    out = (_naive(root_arg, file_arg) if mode_arg == "naive"
           else _project(root_arg, file_arg, warnings=mode_arg == "project"))
    out["peak_mb"] = hwm_mb()
    print(json.dumps(out))
