"""Phones: whether this session's browser is one, and the page style that keeps a 390 px screen usable.

Streamlit 1.67 does not tell the server the viewport width (st.context has headers, locale, timezone,
theme, url, is_embedded), so the browser's User-Agent decides, in `on_phone()` only. A desktop window
made narrow keeps the desktop charts (they are laid out to survive a narrow column) and gets the same
page style, which is driven by CSS width queries in the browser, not by this guess.
"""

from __future__ import annotations

import re

import plotly.graph_objects as go
import streamlit as st

from dashboard import charts

# "Mobi" is what Mozilla recommends for phones (every mobile Safari, Chrome and Firefox sends it);
# Android phones without it and older iPhones and iPods are named outright. iPads and Android tablets
# (no "Mobi") get the desktop layout, which fits their width.
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android.+Mobile|Windows Phone", re.IGNORECASE)


def mobile_agent(user_agent: str | None) -> bool:
    """Whether a User-Agent string is a phone's."""
    return bool(user_agent and _MOBILE.search(user_agent))


def on_phone() -> bool:
    """Whether this session's browser is a phone (from its User-Agent; False when unknown, e.g. AppTest)."""
    try:
        headers = st.context.headers
        return mobile_agent(headers.get("User-Agent") if headers is not None else None)
    except Exception:  # no request behind the session (AppTest, bare mode): the desktop layout
        return False


def fit(fig: go.Figure, phone: bool) -> go.Figure:
    """A chart as a phone shows it (charts.for_phone: 12 px text, wrapped title, legend in its own rows),
    or unchanged. For charts with no `compact` layout of their own (trends, comparisons, maps, the profile's
    lines); progress bars take `compact=` (layout.headline) and the ranking `compact=` (charts.ranking_bar)."""
    return charts.for_phone(fig) if phone else fig


# Narrow screens (phones, or a narrow window): tables scroll inside their own frame, button and popover
# labels wrap instead of being cut with "…", the page never scrolls sideways, a smaller page title.
CSS = """
<style>
@media (max-width: 640px) {
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] { overflow-x: hidden; }
  [data-testid="stMainBlockContainer"] { padding-left: 0.6rem !important; padding-right: 0.6rem !important; }
  [data-testid="stDataFrame"], [data-testid="stDataFrameResizable"] { max-width: 100% !important; }
  [data-testid="stPopover"] button, [data-testid="stBaseButton-secondary"],
  [data-testid="stBaseButton-primary"], [data-testid="stBaseButton-tertiary"],
  [data-testid="stPageLink"] a { max-width: 100%; height: auto; white-space: normal; }
  [data-testid="stPopover"] button p, [data-testid="stBaseButton-secondary"] p,
  [data-testid="stBaseButton-primary"] p, [data-testid="stPageLink"] p, [data-testid="stPageLink"] span {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
    overflow-wrap: anywhere; }
  [data-testid="stPopover"] { max-width: 100%; }
  h1 { font-size: 1.75rem !important; }
  /* Plotly's tool bar sits over a phone chart's title; exports are in the popover under each chart. */
  .js-plotly-plot .modebar-container { display: none !important; }
}
</style>
"""


def style() -> None:
    """The narrow-screen page style (a no-op wider than 640 px); every page's header draws it."""
    st.html(CSS)
