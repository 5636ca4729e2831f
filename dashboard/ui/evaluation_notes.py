"""The approved self-evaluation under a policy area's progress table (officials' view; issue 24)."""

from __future__ import annotations

import streamlit as st

from dashboard import evaluation as ev
from dashboard import fmt
from dashboard import notes as nt
from dashboard.config import PREFECTURE
from dashboard.i18n import t
from dashboard.ui import state
from dashboard.ui.filters import Filters


@st.cache_data(ttl=60, show_spinner=False)
def _approved(year: int) -> dict[str, nt.Note]:
    # A minute's delay at most: an approval is rare, and a bucket would otherwise be listed on every page run.
    return nt.approved(nt.open_note_store(), year)


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
