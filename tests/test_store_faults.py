"""A full disk and a read-only data folder: publishing and withdrawing give a sentence and exit 1, and leave
nothing half-written. Real mounts in a private mount namespace (`unshare --mount`, as root in the tests): a
tiny tmpfs for the full disk, a read-only bind mount for the read-only folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dashboard.config import ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                                reason="needs root and unshare for a private mount namespace")


def _csv(path: Path) -> Path:
    lines = ["indicator_id,municipality_code,fiscal_year,value"]
    lines += [f"kayoi_participants,10201,2025,{100 + i}" for i in range(1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _in_namespace(setup: str, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m dashboard ARGS` after `setup` (mount commands) in a private mount namespace."""
    cmd = " ".join(f"'{a}'" for a in (sys.executable, "-m", "dashboard", *args))
    env = {**os.environ, "GUNMA_DATA_DIR": str(data), "GUNMA_CACHE_DIR": str(data.parent / "cache"),
           "PYTHONPATH": str(ROOT)}
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", f"{setup} && {cmd}"],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*"))


def test_publishing_on_a_full_disk_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "snapshots").mkdir(parents=True)
    src = _csv(tmp_path / "new.csv")
    # A 64 KB tmpfs over the data folder, filled but for a few KB: the Parquet file cannot be written.
    setup = (f"mount -t tmpfs -o size=64k tmpfs '{data}' && mkdir '{data}/snapshots' && "
             f"(dd if=/dev/zero of='{data}/filler' bs=1k count=62 2>/dev/null || true)")
    # (after the CLI has failed, the tmpfs still holds nothing but the filler: no .tmp file, no snapshot)
    r = _in_namespace(setup, data, "publish", str(src), "--label", "full", "--kind", "sample", "--publisher", "t")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "full disk" in r.stderr, r.stderr
    assert "ディスクがいっぱい" in r.stderr and "Errno" not in r.stderr and "Traceback" not in r.stderr


def test_a_read_only_data_folder_says_so_for_publish_and_withdraw(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "snapshots", data / "snapshots")
    before = _files(data)
    src = _csv(tmp_path / "new.csv")
    ro = f"mount --bind '{data}' '{data}' && mount -o remount,ro,bind '{data}'"
    r = _in_namespace(ro, data, "publish", str(src), "--label", "ro", "--kind", "sample", "--publisher", "t")
    assert r.returncode == 1 and "read-only" in r.stderr and "読み取り専用" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "Errno" not in r.stderr
    sid = sorted(p.stem for p in (data / "snapshots").glob("*.json"))[-1]
    r = _in_namespace(ro, data, "withdraw", sid, "--reason", "test", "--who", "t")
    assert r.returncode == 1 and "read-only" in r.stderr, r.stderr
    assert _files(data) == before  # nothing written, nothing half-written


def test_no_permission_to_write_says_so(tmp_path: Path) -> None:
    if not shutil.which("setpriv"):
        pytest.skip("setpriv missing")
    # A folder an unprivileged user can read but not write (pytest's own temporary folders are root's, 0700).
    base = Path(tempfile.mkdtemp(prefix="gunma-perm-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        data = base / "data"
        shutil.copytree(ROOT / "data" / "snapshots", data / "snapshots")
        src = _csv(base / "new.csv")
        for p in [data, *data.rglob("*"), src]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        cache = base / "cache"
        cache.mkdir()
        os.chmod(cache, 0o777)
        before = _files(data)
        env = {**os.environ, "GUNMA_DATA_DIR": str(data), "GUNMA_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT),
               "HOME": str(base)}
        # The store itself, as the unprivileged user (the upload validator's reader child needs more set-up
        # than this test gives a user without a home): the same error the CLI and the page turn into a sentence.
        code = ("import sys; from pathlib import Path; from dashboard.storage import LocalStore, StoreWriteError\n"
                "try:\n    LocalStore(Path(sys.argv[1])).publish(b'x', label='np', kind='sample', source_name='f',"
                " rows=1, publisher='t')\nexcept StoreWriteError as e:\n    print(e.sentence('ja'));"
                " print(e.sentence('en')); sys.exit(1)\n")
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", code,
                            str(data)], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
        assert r.returncode == 1 and "permissions" in r.stdout and "権限" in r.stdout, r.stdout + r.stderr
        assert _files(data) == before
    finally:
        shutil.rmtree(base, ignore_errors=True)
