"""Forged widget ids in a rerun message are dropped with one log line.

A browser only ever sends widget states under ids Streamlit generated (`$$ID-…`). Streamlit 1.67 stores any
id it is sent; an id without that prefix is then taken for a session-state key of the app, and the next
widget drawn (our place filter) raises KeyError while listing session state: ~8 KB of traceback per message
and an error box instead of the page. Ids with the prefix but unknown to the session are already skipped by
Streamlit itself (they are what a browser sends after a server restart).
"""

from __future__ import annotations

import logging
from typing import Any

from streamlit.runtime.state.common import is_element_id
from streamlit.runtime.state.session_state import SessionState

LOG = logging.getLogger("gunma.forged")


def keep_generated_ids(widget_states: Any) -> int:
    """Remove, in place, the widget states whose id Streamlit never generates; return how many went."""
    if widget_states is None:
        return 0
    forged = [w for w in widget_states.widgets if not is_element_id(w.id)]
    for w in forged:
        widget_states.widgets.remove(w)
    return len(forged)


def install() -> None:
    """Wrap SessionState.on_script_will_rerun once per process so forged ids never reach session state."""
    original = SessionState.on_script_will_rerun
    if getattr(original, "_gunma_forged_guard", False):
        return

    def on_script_will_rerun(self: SessionState, fresh_widget_states: Any, *args: Any, **kwargs: Any) -> None:
        dropped = keep_generated_ids(fresh_widget_states)
        if dropped:
            LOG.warning("ignored %d widget state(s) with an id the app never generated", dropped)
        original(self, fresh_widget_states, *args, **kwargs)

    on_script_will_rerun._gunma_forged_guard = True  # type: ignore[attr-defined]
    SessionState.on_script_will_rerun = on_script_will_rerun  # type: ignore[method-assign]
