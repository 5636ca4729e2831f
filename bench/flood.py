"""Abuse resistance: what one anonymous client can make a single Streamlit worker spend.

Four floods, each against a fresh worker (`streamlit run dashboard/app.py` over a temporary copy of data/):

1. deck:   on the overview (prefecture, 2024; the only page besides a municipality's profile with the reports
           popover) open the reports popover and click "make slides" N times, waiting each time for "slides ready",
           the over-budget sentence or the busy sentence; counts decks offered for download.
2. png:    on /area1 (trends tab) open the first chart's export popover and click the PNG button N times, waiting
           for the download or a failure; counts PNG files downloaded.
3. forged: 100 websocket rerun messages with forged widget ids (as tests/browser/test_forged_messages.py sends);
           reports the bytes they add to the worker's log (stdout and stderr go to one file).
4. upload: A analysts (default 20, each in their own browser context and with their own [upload.users] account in
           a temporary secrets.toml) log in on /upload one after another, then all put the same ~29 MB CSV snapshot
           into the uploader at once (default 29,000,000 bytes, MB as Streamlit's uploader counts them: the 2024
           figures of the bundled data repeated for 2000–2040, 26,199 rows, each with a ~1.1 KB note; valid, with
           warnings); waits for each page's preview (the valid sentence and the diff metrics), its problems
           sentence or the uploader's own error; counts previews, the pages that showed the "waiting your turn"
           sentence, and the worker tree's memory before the flood, 30 s after the last answer (pages still
           open, their sessions holding the file and its preview) and 150 s after every page was closed.

For each flood: CPU seconds (user + system) of the worker and all its children, and the peak resident memory of
the worker's process tree (sum of VmRSS, sampled every 0.5 s; chromium processes share pages, so this sum
overstates what they really hold). Labels come from the checkout's own locale/ja catalogue.

    .venv/bin/python bench/flood.py --after /tmp/after --before /tmp/before -n 60 --json bench/out/flood.json

runs the first three floods on "after", then on "before" (never both at once), and prints one table;

    .venv/bin/python bench/flood.py --after /tmp/after --before /tmp/before --cases upload --analysts 20 \
        --upload-mb 29

runs the upload flood alone the same way (a second table gives its memory figures).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from bench.common import stop_process

DATA = Path(__file__).resolve().parents[1] / "data"
# The reports popover (deck and briefing) is drawn only on the overview and the profile page; area pages have
# the chart exports alone.
DECK_PAGE = "/?place=10000&year=2024&lang=ja"
PNG_PAGE = "/area1?place=10000&year=2024&lang=ja&tab=trends"
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
FORGED = 100
UPLOAD_PAGE = "/upload?lang=ja"
PASSWORD = "flood analyst password"
# Streamlit keeps a closed page's session (its state and uploaded files) for a reconnect, 2 minutes
# (MemorySessionStorage ttl_seconds): the "closed" figure is taken after that window.
CLOSED_WAIT = 150
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    """One flood against one checkout."""

    case: str
    role: str  # "before" or "after"
    checkout: str
    n: int
    cpu_s: float = 0.0
    peak_mb: float = 0.0
    wall_s: float = 0.0
    files: int = 0  # decks offered / PNGs downloaded / forged messages answered
    outcomes: dict[str, int] = field(default_factory=dict)
    log_bytes: int = 0  # bytes the flood added to the worker's log
    log_tracebacks: int = 0  # "Traceback" lines among them
    first_click_s: float = 0.0  # wall time of the first click's answer (a build)
    median_click_s: float = 0.0  # median of the others (a build each, or the cache answering)
    # upload flood only
    upload_bytes: int = 0  # the size of the file each analyst uploads
    base_mb: float = 0.0  # worker tree RSS after the logins, before the flood
    settled_mb: float = 0.0  # ... 30 s after the last page answered (pages still open)
    closed_mb: float = 0.0  # ... CLOSED_WAIT s after every page was closed
    queued: int = 0  # pages that showed the "waiting your turn" sentence


# --- the worker's process tree, from /proc -------------------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree(root: int) -> list[int]:
    """The root and all its living descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            children.setdefault(int(st[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_cpu_s(root: int) -> float:
    """CPU seconds of the tree so far: each living process's own time plus its reaped children's."""
    total = 0
    for pid in tree(root):
        if (st := _stat(pid)) is not None:
            total += sum(int(x) for x in st[11:15])  # utime, stime, cutime, cstime
    return total / TICK


def tree_rss_mb(root: int) -> float:
    """Sum of VmRSS over the tree, in MB."""
    total = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except OSError:
            pass
    return total / 1024


@contextmanager
def measured(root: int, result: Result, interval: float = 0.5) -> Iterator[None]:
    """Fill result.cpu_s, peak_mb and wall_s for what runs inside the block."""
    stop = threading.Event()
    peak = [tree_rss_mb(root)]

    def sample() -> None:
        while not stop.wait(interval):
            peak[0] = max(peak[0], tree_rss_mb(root))

    sampler = threading.Thread(target=sample, daemon=True)
    cpu0, t0 = tree_cpu_s(root), time.monotonic()
    sampler.start()
    try:
        yield
    finally:
        time.sleep(1.0)  # let children that just finished be reaped into their parent's counts
        stop.set()
        sampler.join()
        result.cpu_s = round(tree_cpu_s(root) - cpu0, 2)
        result.peak_mb = round(max(peak[0], tree_rss_mb(root)), 1)
        result.wall_s = round(time.monotonic() - t0 - 1.0, 1)


# --- the worker ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def worker(checkout: Path, log: Path, analysts: int = 0) -> Iterator[tuple[int, str]]:
    """A single `streamlit run` worker of the checkout over a fresh copy of data/; (pid, base URL).

    With analysts > 0, a temporary secrets.toml gives each its own password account (see analyst_name) and the
    login throttle gets a temporary file."""
    with tempfile.TemporaryDirectory(prefix="flood-data-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(DATA, data)
        port = _free_port()
        env = {**os.environ, "GUNMA_DATA_DIR": str(data), "PYTHONPATH": str(checkout)}
        if analysts:
            secrets = Path(tmp) / "secrets.toml"
            secrets.write_text("[upload.users]\n" + "".join(
                f'"{analyst_name(i)}" = "{password_hash(PASSWORD)}"\n' for i in range(analysts)), encoding="utf-8")
            env.update(STREAMLIT_SECRETS_FILES=str(secrets), GUNMA_THROTTLE_DB=str(Path(tmp) / "throttle.sqlite"))
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
                 "--server.headless", "true"], cwd=checkout, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"worker did not start, see {log}") from None
                    time.sleep(0.3)
            yield proc.pid, url
        finally:
            stop_process(proc)


def labels(checkout: Path) -> dict[str, str]:
    """msgid -> Japanese text from the checkout's catalogue (ids it lacks are left out)."""
    with (checkout / "locale" / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f) if m.id and m.string}


# --- the browser floods -------------------------------------------------------------------------------------

def settle(page: Any, timeout: float = 120_000) -> None:
    """Wait until the page is connected and its script run has ended."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", state="attached",
                           timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", state="attached",
                           timeout=timeout)


def after_click(page: Any, timeout: float = 300_000) -> None:
    """Wait for the script run a click started (if it is not seen starting within 3 s, it has already ended)."""
    with contextlib.suppress(Exception):  # a quick run can start and end between two looks
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", state="attached",
                               timeout=3_000)
    settle(page, timeout)


def open_page(url: str, run: Callable[[Any], None]) -> None:
    """One headless Debian chromium page on url (charts drawn), then run(page)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page.goto(url, wait_until="domcontentloaded")
            settle(page)
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => {"
                " const g = c.querySelector('.js-plotly-plot'); return g && g.data && g.data.length > 0; })",
                timeout=120_000)
            run(page)
        finally:
            browser.close()


def visible(page: Any, text: str | None) -> bool:
    """Whether the text (a catalogue string; its part before any {placeholder}) is on screen."""
    if not text:
        return False
    return bool(page.get_by_text(text.split("{")[0], exact=False).count() > 0)


def click_times(result: Result, times: list[float]) -> None:
    """Record the first answer's wall time and the median of the rest."""
    if times:
        result.first_click_s = round(times[0], 2)
        rest = sorted(times[1:]) or times
        result.median_click_s = round(rest[len(rest) // 2], 2)


def deck_flood(page: Any, msg: dict[str, str], n: int, result: Result, pid: int) -> None:
    """Open the reports popover and click "make slides" n times; count the outcomes."""
    main = page.locator("[data-testid='stMain']")
    main.get_by_role("button", name=msg["export_reports"]).click()
    settle(page)
    times: list[float] = []
    with measured(pid, result):
        for _ in range(n):
            t0 = time.monotonic()
            make = page.get_by_role("button", name=msg["share_deck_make"])
            if make.count() == 0:  # the popover shows a sentence instead of its buttons
                outcome = "over_budget" if visible(page, msg.get("export_over_budget")) else "no_button"
                result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
                page.wait_for_timeout(200)
                continue
            make.first.click()
            after_click(page)
            offered = page.get_by_role("button", name=msg["share_deck"]).count() > 0
            if offered and visible(page, msg["share_deck_ready"]):
                outcome = "offered"
            elif visible(page, msg.get("share_deck_busy")):
                outcome = "busy"
            elif visible(page, msg.get("export_over_budget")):
                outcome = "over_budget"
            else:
                outcome = "other"
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            times.append(time.monotonic() - t0)
    click_times(result, times)
    result.files = result.outcomes.get("offered", 0)


def png_flood(page: Any, msg: dict[str, str], n: int, result: Result, pid: int) -> None:
    """Open the first chart's export popover and click its PNG button n times; count PNG files downloaded."""
    main = page.locator("[data-testid='stMain']")
    popover = main.get_by_role("button", name=msg["export_chart"]).first
    popover.evaluate("el => el.scrollIntoView({block: 'center'})")
    popover.click()
    settle(page)
    served: list[int] = []  # PNG files the server sent (a download can fail in the browser after that)
    page.on("response", lambda r: served.append(r.status) if "/media/" in r.url and r.url.endswith(".png") else None)
    times: list[float] = []
    with measured(pid, result):
        for _ in range(n):
            t0 = time.monotonic()
            sent = len(served)
            button = page.get_by_role("button", name=msg["share_png"])
            if button.count() == 0:  # popover closed, or a sentence instead of buttons
                if visible(page, msg.get("export_over_budget")):
                    outcome = "over_budget"
                else:
                    popover.click()
                    settle(page)
                    outcome = "reopened"
                result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
                if page.get_by_role("button", name=msg["share_png"]).count() == 0:
                    continue
                button = page.get_by_role("button", name=msg["share_png"])
            try:
                with page.expect_download(timeout=30_000) as dl:
                    button.first.click()
                body = Path(dl.value.path()).read_bytes()
                outcome = "png" if body.startswith(b"\x89PNG") else "not_png"
            except Exception as e:  # no download came: the failure is the outcome
                answered = any(code == 200 for code in served[sent:])
                outcome = f"failed:{type(e).__name__}" + (":server_sent_png" if answered else "")
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            times.append(time.monotonic() - t0)
    click_times(result, times)
    result.files = result.outcomes.get("png", 0)


# --- the upload flood ---------------------------------------------------------------------------------------

def analyst_name(i: int) -> str:
    return f"分析 {i + 1:02d}"


def password_hash(password: str) -> str:
    """An [upload.users] hash in dashboard.auth's format (scrypt, N=2^12: a quick login for the bench)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**12, r=8, p=1, dklen=32)
    return f"scrypt${2**12}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def upload_file(path: Path, size: int) -> int:
    """A valid CSV snapshot of about `size` bytes; its row count.

    The bundled data's 2024 figures (every indicator and place, the newest state of each key) repeated for every
    fiscal year the validator accepts (2000–2040), each row with a note long enough to reach the size (about
    1.1 KB for 29 MB, under the 2,000-character limit). Every relative bound holds within each year; the
    validator warns only about large revisions of published values."""
    import polars as pl

    snaps = sorted(glob.glob(str(DATA / "snapshots" / "*.parquet")))
    d = pl.concat([pl.read_parquet(f).with_columns(pl.lit(i).alias("_seq")) for i, f in enumerate(snaps)])
    d = d.sort("_seq").unique(["indicator_id", "municipality_code", "fiscal_year"], keep="last")
    base = d.filter(pl.col("fiscal_year") == 2024).sort("indicator_id", "municipality_code")
    rows = [(r["indicator_id"], r["municipality_code"], r["value"]) for r in base.iter_rows(named=True)]
    years = range(2000, 2041)
    head = "indicator_id,municipality_code,fiscal_year,value,note\n"
    plain = len(head) + sum(len(f"{i},{c},{y},{v:g},\n") for y in years for i, c, v in rows)
    per = max(0, (size - plain) // (len(rows) * len(years)))
    unit = "群馬県高齢者保健福祉計画 集計値 / Gunma elderly-care plan figure. ".encode()
    note = (unit * (per // len(unit) + 1))[:per].decode("utf-8", errors="ignore").strip()
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(head)
        for y in years:
            for i, c, v in rows:
                f.write(f"{i},{c},{y},{v:g},{note}\n")
    return len(rows) * len(years)


def shown(page: Any, text: str | None) -> bool:
    """Whether a catalogue string is on screen (matched on its longest piece between {placeholders})."""
    piece = max(re.split(r"\{[^}]*\}", text or ""), key=len)
    return bool(piece) and page.get_by_text(piece, exact=False).count() > 0


def login(page: Any, url: str, msg: dict[str, str], name: str) -> None:
    """Log one analyst in on the upload page (as tests/browser/test_upload_browser.py does)."""
    page.goto(url + UPLOAD_PAGE, wait_until="domcontentloaded")
    settle(page)
    page.get_by_label(msg["ing_name"]).fill(name)
    page.get_by_label(msg["ing_password"]).fill(PASSWORD)
    page.get_by_role("button", name=msg["ing_login"], exact=True).click()
    page.get_by_text(msg["ing_signed_in"].format(who=name)).wait_for(timeout=120_000)
    settle(page)


def upload_answer(page: Any, msg: dict[str, str]) -> str | None:
    """The page's answer to its upload once its run has ended: 'preview', 'errors: <first kind>', 'uploader: <its
    error>' (the browser refused or failed to send the file), or None yet."""
    refused = page.locator("[data-testid='stFileUploader']").get_by_text("Error", exact=False)
    if refused.count():
        return f"uploader: {refused.first.inner_text().strip()[:120]}"
    if page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").count() == 0:
        return None
    if shown(page, msg["ing_valid"]) and page.locator("[data-testid='stMetric']").count() >= 4:
        return "preview"
    if shown(page, msg["ing_errors"]):
        kinds = page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary")
        first = kinds.first.inner_text().strip().splitlines()[0] if kinds.count() else "?"
        return f"errors: {first[:120]}"
    return None


def upload_flood(url: str, msg: dict[str, str], n: int, size: int, result: Result, pid: int, logs: Path) -> None:
    """n analysts log in, then all upload the same file at once; wait for every preview or problems sentence."""
    from playwright.sync_api import sync_playwright

    f = logs / f"upload-{size}.csv"
    if not f.exists() or f.stat().st_size > size or f.stat().st_size < size - 2**16:
        upload_file(f, size)
    result.upload_bytes = f.stat().st_size
    queued_text = msg.get("upl_queued")  # the before checkout has no such sentence
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        try:
            pages = []
            for i in range(n):
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                login(page, url, msg, analyst_name(i))
                pages.append(page)
            time.sleep(5.0)
            result.base_mb = round(tree_rss_mb(pid), 1)
            answered: dict[int, float] = {}
            queued: set[int] = set()
            with measured(pid, result):
                t0 = time.monotonic()
                for page in pages:  # the browser uploads in the background: all n start within a second
                    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(f))
                deadline = t0 + 900
                while len(answered) < n and time.monotonic() < deadline:
                    for i, page in enumerate(pages):
                        if i in answered:
                            continue
                        if queued_text and i not in queued and shown(page, queued_text):
                            queued.add(i)
                        if (outcome := upload_answer(page, msg)) is not None:
                            answered[i] = time.monotonic() - t0
                            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
                    time.sleep(0.5)
                for i, page in enumerate(pages):
                    if i not in answered:
                        result.outcomes["no_answer"] = result.outcomes.get("no_answer", 0) + 1
                        (logs / f"no-answer-{i}.txt").write_text(page.inner_text("body"), encoding="utf-8")
                last = time.monotonic()
            times = sorted(answered.values())
            click_times(result, times)
            result.first_click_s = round(times[0], 1) if times else 0.0
            result.outcomes["last_answer_s"] = round(times[-1]) if times else 0
            result.queued = len(queued)
            result.files = result.outcomes.get("preview", 0)
            time.sleep(max(0.0, last + 30 - time.monotonic()))
            result.settled_mb = round(tree_rss_mb(pid), 1)
            for page in pages:
                page.context.close()
            time.sleep(CLOSED_WAIT)
            result.closed_mb = round(tree_rss_mb(pid), 1)
        finally:
            browser.close()


# --- forged websocket messages ------------------------------------------------------------------------------

def ws_run(ws: Any, msg: Any) -> list[Any]:
    """Send one BackMsg on a Streamlit websocket; the ForwardMsgs up to the end of the run it starts."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws.send_binary(msg.SerializeToString())
    got: list[ForwardMsg] = []
    while True:
        payload = ws.recv()
        if not isinstance(payload, bytes):
            continue
        fm = ForwardMsg()
        fm.ParseFromString(payload)
        got.append(fm)
        if fm.WhichOneof("type") == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return got


def forged_message(i: int) -> Any:
    """A rerun message with one widget id Streamlit never makes (forged-i) beside two shaped like its own."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.page_name = ""
    for wid, value in ((f"forged-{i}", "x"), ("$$ID-0123456789abcdef-flt_place", "zzz"), ("$$ID-ff-None", "y")):
        w = msg.rerun_script.widget_states.widgets.add()
        w.id, w.string_value = wid, value
    return msg


def forged_flood(url: str, result: Result, pid: int, log: Path) -> None:
    """One websocket session: a real first run, then FORGED reruns with widget ids the app never generated."""
    import websocket
    from streamlit.proto.BackMsg_pb2 import BackMsg

    run, forged = ws_run, forged_message
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/_stcore/stream", timeout=120,
                                     subprotocols=["streamlit"], origin=url)
    try:
        first = BackMsg()
        first.rerun_script.page_name = ""
        run(ws, first)
        time.sleep(1.0)
        size0 = log.stat().st_size
        with measured(pid, result):
            for i in range(FORGED):
                got = run(ws, forged(i))
                errors = [m for m in got if m.WhichOneof("type") == "delta"
                          and m.delta.WhichOneof("type") == "new_element"
                          and m.delta.new_element.WhichOneof("type") == "exception"]
                outcome = "error_box" if errors else "page"
                result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
        added = log.read_bytes()[size0:]
        result.log_bytes = len(added)
        result.log_tracebacks = added.count(b"Traceback")
        result.files = FORGED
    finally:
        ws.close()


# --- driver -------------------------------------------------------------------------------------------------

def run_case(role: str, checkout: Path, case: str, n: int, logs: Path, analysts: int = 20,
             upload_mb: float = 29.0) -> Result:
    """One flood against a fresh worker of the checkout."""
    msg = labels(checkout)
    size = {"forged": FORGED, "upload": analysts}
    result = Result(case=case, role=role, checkout=str(checkout), n=size.get(case, n))
    log = logs / f"{role}-{case}.log"
    with worker(checkout, log, analysts if case == "upload" else 0) as (pid, url):
        if case == "forged":
            forged_flood(url, result, pid, log)
        elif case == "upload":
            upload_flood(url, msg, analysts, int(upload_mb * 10**6), result, pid, logs)
        else:
            flood, path = (deck_flood, DECK_PAGE) if case == "deck" else (png_flood, PNG_PAGE)
            open_page(url + path, lambda page: flood(page, msg, n, result, pid))
    text = log.read_bytes()
    result.outcomes["log_tracebacks_total"] = text.count(b"Traceback")
    print(json.dumps(asdict(result), ensure_ascii=False), flush=True)
    return result


def table(results: list[Result]) -> str:
    """A Markdown table: one row per case, before beside after."""
    by = {(r.role, r.case): r for r in results}
    rows = ["| case | before CPU-s | after CPU-s | before peak MB | after peak MB | files built/offered "
            "(before → after) |", "|---|---:|---:|---:|---:|---|"]

    def cell(r: Result | None, attr: str) -> str:
        return "–" if r is None else f"{getattr(r, attr):g}"

    def files(r: Result | None) -> str:
        if r is None:
            return "–"
        if r.case == "forged":
            return f"{r.log_bytes:,} log bytes, {r.log_tracebacks} tracebacks"
        return f"{r.files}/{r.n}"

    for case in dict.fromkeys(r.case for r in results):
        b, a = by.get(("before", case)), by.get(("after", case))
        n = next(r.n for r in (a, b) if r is not None)
        rows.append(f"| {case} (N={n}) | {cell(b, 'cpu_s')} | {cell(a, 'cpu_s')} | "
                    f"{cell(b, 'peak_mb')} | {cell(a, 'peak_mb')} | {files(b)} → {files(a)} |")
    uploads = [r for r in results if r.case == "upload"]
    if uploads:
        head = (f"| upload flood | analysts × MB | base MB | peak MB | 30 s after MB | closed + {CLOSED_WAIT} s MB "
                "| CPU-s | wall s | previews | queued |")
        rows += ["", head, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        rows += [f"| {r.role} | {r.n} × {r.upload_bytes / 10**6:.1f} | {r.base_mb:g} | {r.peak_mb:g} | "
                 f"{r.settled_mb:g} | {r.closed_mb:g} | {r.cpu_s:g} | {r.wall_s:g} | {r.files}/{r.n} | {r.queued} |"
                 for r in uploads]
    return "\n".join(rows)


def main() -> None:
    """Run the chosen floods on "after", then on "before"; print JSON lines and the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--after", type=Path, help="checkout with the protections (run first)")
    ap.add_argument("--before", type=Path, help="checkout without them")
    ap.add_argument("-n", type=int, default=60, help="clicks per browser flood (default 60)")
    ap.add_argument("--cases", default="deck,png,forged", help="comma-separated: deck, png, forged, upload")
    ap.add_argument("--analysts", type=int, default=20, help="analysts uploading at once (default 20)")
    ap.add_argument("--upload-mb", type=float, default=29.0,
                    help="size of each upload in MB = 10^6 bytes (default 29)")
    ap.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "flood-logs",
                    help="where the workers' logs go")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for role in ("after", "before"):
        checkout = getattr(args, role)
        if checkout is None:
            continue
        for case in args.cases.split(","):
            results.append(run_case(role, checkout.resolve(), case, args.n, args.logs, args.analysts,
                                    args.upload_mb))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1),
                             encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
