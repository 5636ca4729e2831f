"""Where the server's time goes: py-spy (from the venv) samples a running server while a burst is driven,
and the samples are summed into a few named shares (what issue 13 asked to look at) plus the top frames.

py-spy reads another process's memory: it needs root or ptrace permission (CAP_SYS_PTRACE). Without them,
or without py-spy, the profile is skipped with a note.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")

# (name, frames any of which puts a sample in it). A sample counts once per share; shares overlap (the
# per-element sending happens inside the page script, for instance), so they do not add up to 100 %.
SHARES: list[tuple[str, tuple[str, ...]]] = [
    ("the page script (everything under dashboard/app.py)", ("main (dashboard/app.py",)),
    ("download buttons (st.download_button, MediaFileManager)", ("ButtonMixin.download_button",
                                                                  "MediaFileManager.")),
    ("Streamlit config look-ups (config.get_option)", ("get_option (streamlit/config.py",)),
    ("file watchers (PollingPathWatcher)", ("PollingPathWatcher",)),
    ("sending each element (ScriptRunContext.enqueue: hash, queue, event-loop wake-up)",
     ("ScriptRunContext.enqueue",)),
    ("st.dataframe (Polars → pandas → Arrow)", ("ArrowMixin.dataframe",)),
    ("st.cache_data reads (unpickling the cached result)", ("CachedFunc.__call__",)),
    ("Polars work in the page code (collect)", ("LazyFrame._collect_eager",)),
    ("views.data_years (year choices, computed on every run)", ("data_years (dashboard/views",)),
    ("event loop thread (websocket I/O, session messages)", ("BaseEventLoop._run_once",)),
    ("st.plotly_chart (figure to dict and JSON, element id)", ("PlotlyMixin.plotly_chart",)),
    ("the sidebar filters (dashboard/ui/filters.py render)", ("render (dashboard/ui/filters.py",)),
    # py-spy does not always tell a waiting thread from a running one: these are waits, not CPU.
    ("waiting (the event loop's epoll, locks): wall time, not CPU", ("EpollSelector.select", "Condition.wait")),
]


@dataclass
class Profile:
    """Samples of one recording: total, per named share, top own frames, top dashboard functions."""

    total: int = 0
    shares: dict[str, int] = field(default_factory=dict)
    own: collections.Counter[str] = field(default_factory=collections.Counter)
    dashboard: collections.Counter[str] = field(default_factory=collections.Counter)

    def pct(self, n: int) -> float:
        """n samples as a percentage of all."""
        return 100.0 * n / self.total if self.total else 0.0


def available() -> bool:
    """Whether py-spy is installed and may attach to another process (root or CAP_SYS_PTRACE)."""
    if not PY_SPY.exists():
        return False
    if os.geteuid() == 0:
        return True
    try:
        return Path("/proc/sys/kernel/yama/ptrace_scope").read_text().strip() == "0"
    except OSError:
        return False


@contextlib.contextmanager
def recording(pid: int, out: Path, rate: int = 100, extra: tuple[str, ...] = ()) -> Iterator[Path]:
    """py-spy record of `pid` for the duration of the block, raw (collapsed stacks) into `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([str(PY_SPY), "record", "-p", str(pid), "-o", str(out), "-f", "raw", "-r", str(rate),
                             "--nonblocking", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield out
    finally:
        proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _name(frame: str) -> str:
    """'func (path/file.py:123)' -> 'func (path/file.py)'."""
    return frame.rsplit(":", 1)[0] + ")" if frame.endswith(")") and ":" in frame else frame


def summarise(raw: Path) -> Profile:
    """Sum py-spy's collapsed stacks ('frame;frame;... count' per line) into a Profile."""
    p = Profile(shares={name: 0 for name, _ in SHARES})
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        p.total += n
        p.own[_name(frames[-1])] += n
        for name, needles in SHARES:
            if any(any(nd in f for nd in needles) for f in frames):
                p.shares[name] += n
        seen = set()
        for f in frames:
            if "dashboard/" in f and (k := _name(f)) not in seen:
                seen.add(k)
                p.dashboard[k] += n
    return p


def markdown(p: Profile, title: str, top: int = 12) -> str:
    """The profile as a Markdown section."""
    lines = [f"## {title}", "", f"{p.total:,} samples (py-spy, 100 Hz, threads it saw active). Shares overlap.", "",
             "| share of samples | what |", "|---:|---|"]
    lines += [f"| {p.pct(n):.1f} % | {name} |" for name, n in p.shares.items()]
    lines += ["", "Top frames by own samples:", "", "| own | frame |", "|---:|---|"]
    lines += [f"| {p.pct(n):.1f} % | `{k}` |" for k, n in p.own.most_common(top)]
    lines += ["", "The project's functions, inclusive:", "", "| inclusive | function |", "|---:|---|"]
    lines += [f"| {p.pct(n):.1f} % | `{k}` |" for k, n in p.dashboard.most_common(top)]
    return "\n".join(lines)
