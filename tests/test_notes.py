"""Evaluation notes (dashboard/notes.py) against both back ends: a data folder and a bucket on a real S3 server
(SeaweedFS).

Every test runs on each store: versions are immutable, two analysts saving the same note at once both
survive (later current, the other superseded), approvals show officials the approved versions only, and hostile
text is refused with a sentence."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from dashboard import notes as nt
from tests import test_s3_store
from tests.test_s3_store import MOTO

Factory = Callable[[], nt.NoteStore]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3 server (SeaweedFS, as in tests/test_s3_store.py) on a free loopback port, for this module."""
    proc, port = test_s3_store._start_seaweedfs(tmp_path_factory.mktemp("seaweedfs-notes"))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture()
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the module's S3 server (the AWS variables point at it) and its s3:// address."""
    for k, v in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                 "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    name = f"notes-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return f"s3://{name}/gunma"


@pytest.fixture(params=["folder", "bucket"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    """A factory of note stores over one place: a data folder, or a bucket (each call a separate replica)."""
    if request.param == "folder":
        return lambda: nt.LocalNoteStore(tmp_path / "data")
    if not MOTO.exists():
        pytest.skip("moto[server] is not installed")
    url = request.getfixturevalue("bucket")
    n = iter(range(1000))
    return lambda: nt.S3NoteStore(url, tmp_path / f"replica-{next(n)}")


SNAP = "0004-5eed5eed"  # made up: a note only records the id of the snapshot its figure came from


def _note(**kw: Any) -> nt.Note:
    args: dict[str, Any] = {"target_id": "A1-2025", "year": 2024, "grade": "○", "done": "教室を20か所開設",
                            "next_steps": "担い手の確保", "author": "tanaka", "proposed": "○",
                            "snapshot_id": SNAP, "figure": 41060.0, "figure_year": 2024}
    args.update(kw)
    return nt.make_note(**args)


def test_a_save_is_a_new_version_and_the_history_keeps_every_one(make_store: Factory) -> None:
    store = make_store()
    first = nt.save(store, _note())
    second = nt.save(store, _note(grade="△", reason="参加者数の伸びが鈍い", base=first.version))
    versions = nt.history(make_store(), "A1-2025", 2024)  # another replica reads the same history
    assert [v.version for v in versions] == [first.version, second.version]
    assert nt.version_states(versions) == ["superseded", "current"]
    assert nt.current(store, 2024)["A1-2025"].grade == "△" and versions[-1].overrides
    assert versions[0].done == "教室を20か所開設" and versions[0].author == "tanaka" and versions[0].at
    assert versions[-1].snapshot_id == SNAP and versions[-1].figure == 41060.0
    assert nt.years(store) == [2024] and nt.current(store, 2023) == {}


def test_two_analysts_saving_the_same_note_at_once_both_survive(make_store: Factory) -> None:
    base = nt.save(make_store(), _note())
    start = threading.Barrier(8)
    saved: list[nt.Note] = []

    def write(i: int) -> None:
        store = make_store()  # each analyst its own replica
        note = _note(done=f"analyst {i}", author=f"a{i}", base=base.version)
        start.wait()
        saved.append(nt.save(store, note))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    versions = nt.history(make_store(), "A1-2025", 2024)
    assert len(versions) == 9 and {v.version for v in saved} <= {v.version for v in versions}
    assert {v.done for v in versions} == {"教室を20か所開設", *(f"analyst {i}" for i in range(8))}
    latest = max(saved, key=lambda n: n.version)
    assert nt.current(make_store(), 2024)["A1-2025"].version == latest.version  # the later commit is current
    assert nt.version_states(versions).count("superseded") == 8


def _write_forever(root: str, ready: Any) -> None:
    store = nt.LocalNoteStore(Path(root))
    ready.set()
    i = 0
    while True:
        nt.save(store, _note(done=f"v{i}" * 500, author=f"pid{os.getpid()}"))
        i += 1


def test_writers_killed_at_any_moment_leave_a_consistent_folder(tmp_path: Path) -> None:
    fork = multiprocessing.get_context("fork")
    for _wave in range(3):
        procs = []
        for _ in range(4):
            ready = fork.Event()
            p = fork.Process(target=_write_forever, args=(str(tmp_path), ready))
            p.start()
            procs.append((p, ready))
        for _p, ready in procs:
            assert ready.wait(30)
        time.sleep(0.2)
        for p, _ in procs:
            os.kill(p.pid, signal.SIGKILL)
            p.join()
            assert p.exitcode == -signal.SIGKILL
    store = nt.LocalNoteStore(tmp_path)
    versions = nt.history(store, "A1-2025", 2024)  # every listed version reads whole (no half file is listed)
    assert len(versions) > 10 and all(v.done.startswith("v") for v in versions)
    after = nt.save(store, _note(done="after the kills"))
    assert nt.current(store, 2024)["A1-2025"].version == after.version


def test_officials_see_approved_versions_only(make_store: Factory) -> None:
    store = make_store()
    first = nt.save(store, _note())
    nt.save(store, _note(target_id="area2", grade="◎", proposed="", figure=None, figure_year=None))
    assert nt.visible_notes(store, 2024, analyst=False) == {}  # drafts: analysts only
    assert set(nt.visible_notes(store, 2024, analyst=True)) == {"A1-2025", "area2"}
    rec = nt.approve(store, 2024, "suzuki")
    assert rec.approved["A1-2025"] == first.version
    edited = nt.save(store, _note(done="書き直し", base=first.version))
    official = nt.visible_notes(make_store(), 2024, analyst=False)
    assert official["A1-2025"].version == first.version  # the edit stays a draft until approved again
    assert nt.is_draft(store, edited) and not nt.is_draft(store, first)
    nt.approve(store, 2024, "suzuki")
    assert nt.visible_notes(make_store(), 2024, analyst=False)["A1-2025"].done == "書き直し"
    assert len(nt.approvals(store, 2024)) == 2  # approvals are events too: both kept


def test_nothing_to_approve_is_said(make_store: Factory) -> None:
    with pytest.raises(nt.NoteRefused) as e:
        nt.approve(make_store(), 2024, "suzuki")
    assert "2024" in e.value.sentence("ja") and "approve" in e.value.sentence("en")


HOSTILE = [  # (fields, refused?, words the English sentence must hold)
    ({"done": "x" * 100_000}, True, "too long"),
    ({"next_steps": "y" * (nt.TEXT_MAX + 1)}, True, "Issues and next steps"),
    ({"author": "n" * (nt.AUTHOR_MAX + 1)}, True, "Author"),
    ({"done": "ok\x1b[31m red"}, True, "control characters"),
    ({"done": "hidden\u202etxt"}, True, "control characters"),
    ({"author": "two\nlines"}, True, "control characters"),
    ({"grade": "☆"}, True, "◎ ○ △ ×"),
    ({"grade": "×"}, True, "Give the reason"),  # proposed ○: an override needs a reason
    ({"target_id": "../../etc"}, True, "not a measure"),
    ({"target_id": "_approvals"}, True, "not a measure"),
    ({"place": "10000/../x"}, True, "place code"),
    ({"author": "  "}, True, "author's name"),
    ({"done": "<script>alert(1)</script>", "next_steps": "=HYPERLINK(\"http://x\")"}, False, ""),
    ({"done": "一行目\n二行目\tタブ"}, False, ""),
    ({"done": "z" * nt.TEXT_MAX}, False, ""),
]


@pytest.mark.parametrize(("fields", "refused", "words"), HOSTILE)
def test_hostile_text_is_refused_with_a_sentence_or_kept_as_plain_text(fields: dict[str, Any], refused: bool,
                                                                       words: str) -> None:
    if not refused:
        note = _note(**fields)
        assert note.done == fields.get("done", note.done)  # kept as typed: shown as text, neutralised in sheets
        return
    with pytest.raises(nt.NoteRefused) as e:
        _note(**fields)
    assert words in e.value.sentence("en")
    assert e.value.sentence("ja")  # a sentence in each language


def test_a_stored_html_or_formula_note_reads_back_unchanged(make_store: Factory) -> None:
    store = make_store()
    nt.save(store, _note(done="<b>太字</b> & <img src=x onerror=alert(1)>", next_steps="=1+1"))
    back = nt.current(make_store(), 2024)["A1-2025"]
    assert back.done == "<b>太字</b> & <img src=x onerror=alert(1)>" and back.next == "=1+1"


def test_a_version_is_never_replaced(tmp_path: Path) -> None:
    store = nt.LocalNoteStore(tmp_path)
    saved = nt.save(store, _note())
    path = tmp_path / "notes" / "A1-2025" / "2024" / "10000" / f"{saved.version}.json"
    with pytest.raises(FileExistsError):
        store._put(("A1-2025", "2024", "10000"), path.name, b"{}")
    assert nt.history(store, "A1-2025", 2024)[0].done == saved.done
    (path.parent / ".tmp-deadbeef-x.json").write_bytes(b"half")  # a writer killed mid-write: never listed
    assert len(nt.history(store, "A1-2025", 2024)) == 1


def _save_many(spec: str, cache: str, who: str, n: int, go: Any) -> None:
    store = nt.S3NoteStore(spec, Path(cache)) if spec.startswith("s3://") else nt.LocalNoteStore(Path(spec))
    go.wait(30)
    for i in range(n):
        nt.save(store, _note(done=f"{who} {i}", author=who))


@pytest.mark.parametrize("kind", ["folder", "bucket"])
def test_analysts_in_separate_processes_saving_the_same_note_all_survive(kind: str, tmp_path: Path,
                                                                          request: pytest.FixtureRequest) -> None:
    if kind == "bucket" and not MOTO.exists():
        pytest.skip("moto[server] is not installed")
    spec = request.getfixturevalue("bucket") if kind == "bucket" else str(tmp_path / "data")
    fork = multiprocessing.get_context("fork")
    go = fork.Event()
    procs = [fork.Process(target=_save_many, args=(spec, str(tmp_path / f"c{i}"), f"analyst{i}", 10, go))
             for i in range(3)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = nt.S3NoteStore(spec, tmp_path / "check") if kind == "bucket" else nt.LocalNoteStore(Path(spec))
    versions = nt.history(store, "A1-2025", 2024)
    assert sorted(v.done for v in versions) == sorted(f"analyst{i} {k}" for i in range(3) for k in range(10))
    assert nt.version_states(versions).count("current") == 1


def test_writers_killed_at_any_moment_leave_a_consistent_bucket(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if not MOTO.exists():
        pytest.skip("moto[server] is not installed")
    url = request.getfixturevalue("bucket")
    fork = multiprocessing.get_context("fork")
    go = fork.Event()
    procs = [fork.Process(target=_save_many, args=(url, str(tmp_path / f"k{i}"), f"w{i}", 10_000, go))
             for i in range(4)]
    for p in procs:
        p.start()
    go.set()
    time.sleep(1.5)
    for p in procs:
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        assert p.exitcode == -signal.SIGKILL  # killed while saving, not finished
    store = nt.S3NoteStore(url, tmp_path / "check")
    versions = nt.history(store, "A1-2025", 2024)  # every listed object reads whole
    assert versions and all(v.done.startswith("w") for v in versions)
    after = nt.save(store, _note(done="after the kills"))
    assert nt.current(nt.S3NoteStore(url, tmp_path / "check2"), 2024)["A1-2025"].version == after.version
