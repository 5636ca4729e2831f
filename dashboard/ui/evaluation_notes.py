"""The approved self-evaluation under a policy area's progress table (officials' view; issue 24)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from types import MappingProxyType

import streamlit as st

from dashboard import evaluation as ev
from dashboard import fmt
from dashboard import notes as nt
from dashboard.config import PREFECTURE, data_dir
from dashboard.i18n import t
from dashboard.ui import state
from dashboard.ui.filters import Filters

# The notes' own memo, of the one kind the figures use but apart from theirs: approving a year empties this one
# only, and the figures' caches keep their views.
NOTES = state.ViewCache(max_entries=32)


def _approved(year: int) -> Mapping[str, nt.Note]:
    # Keyed on the minute as well: another worker's approval shows within a minute at most (an approval is rare,
    # and a bucket would otherwise be listed on every page run). Read-only: every session gets the same mapping.
    minute, where = int(time.time() // 60), os.environ.get("GUNMA_STORE") or str(data_dir())
    return NOTES.get(("approved", where, year, minute),
                     lambda: MappingProxyType(nt.approved(nt.open_note_store(), year)))


def forget_approved() -> None:
    """After an approval in this worker: its pages show it on their next run (the figures' caches are kept)."""
    NOTES.clear()


def approved_caption(f: Filters, area_id: str) -> None:
    """The area's approved grades and next steps at the prefecture (notes are the prefecture's), as plain text."""
    if f.place != PREFECTURE:
        return
    lines = ev.approved_lines(state.catalog(f.plan), _approved(f.data_year), area_id, f.lang)
    if lines:
        st.caption(t("eval_approved_caption", f.lang, fy=fmt.fy_label(f.data_year, f.lang)))
        st.text("\n".join(lines))  # user text: never Markdown


def prefecture_caption(f: Filters) -> None:
    """The profile: the prefecture's approved self-evaluation of the targets shown (notes are the prefecture's)."""
    cat = state.catalog(f.plan)
    approved = _approved(f.data_year)
    lines = [line for a in cat.areas_info() if a.page for line in ev.approved_lines(cat, approved, a.id, f.lang)]
    if lines:
        st.caption(t("eval_prefecture_caption", f.lang, fy=fmt.fy_label(f.data_year, f.lang)))
        st.text("\n".join(lines))  # user text: never Markdown
