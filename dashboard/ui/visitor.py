"""Who is asking, as far as the server can tell: this run's session id and the client's address."""

from __future__ import annotations

import threading
import time

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import auth, budget


def session_id() -> str:
    """This run's Streamlit session id ("" outside a real session)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else ""


def client() -> str:
    """The client address for throttles and budgets (auth.client_of; AppTest has no real connection: 'local')."""
    ip = st.context.ip_address
    try:
        headers = dict(st.context.headers.items())
    except (AttributeError, TypeError):
        headers = {}
    return auth.client_of(ip if isinstance(ip, str) else None, headers)


def not_resumable() -> None:
    """Shut this session down when its browser disconnects instead of keeping it for a reconnect: a signed-in
    analyst's session holds the uploaded file, its validated frame and the preview (~100 MB for a 29 MB file),
    and a session kept for reconnect, or one whose reconnect window lapsed, never gives them back."""
    from streamlit.runtime import Runtime

    sid = session_id()
    if sid and Runtime.exists():
        Runtime.instance().mark_session_nonresumable(sid)
    if GIVE_BACK not in st.session_state:
        st.session_state[GIVE_BACK] = _GiveBackOnEnd()
        _start_trimmer()


GIVE_BACK = "_give_back_on_end"
_ended = [0]  # sessions whose state was freed since the trimmer last looked (a plain int: no lock in __del__)
_trimmer: list[threading.Thread] = []
_trimmer_lock = threading.Lock()


class _GiveBackOnEnd:
    """Held in a signed-in analyst's session state: when the session has ended and its state is freed, the worker
    hands the freed memory back to the system (glibc keeps it otherwise: measured in bench/FLOOD.md)."""

    def __del__(self) -> None:
        # Nothing that takes a lock or starts a thread: a finaliser can run inside any code, a lock's holder included.
        _ended[0] += 1


def _start_trimmer() -> None:
    """Once per process: a daemon thread that gives memory back a few seconds after sessions' state was freed."""
    def run() -> None:
        while True:
            time.sleep(5)
            if _ended[0]:
                _ended[0] = 0
                budget.give_back_memory()

    with _trimmer_lock:
        if not _trimmer:
            _trimmer.append(threading.Thread(target=run, name="give-back-memory", daemon=True))
            _trimmer[0].start()
