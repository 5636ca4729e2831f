"""Rendering helpers: the sample-data banner, status badges, and the one place charts and tables
are drawn (so exports and presenter mode can hook in beside every chart)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import charts, fmt
from dashboard.i18n import t
from dashboard.ui import share
from dashboard.ui.filters import Filters

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def sample_banner(shown: bool, lang: str) -> None:
    """A clear banner whenever anything on the page comes from sample (fictional) data."""
    if shown:
        st.warning(t("sample_banner", lang), icon=":material/science:")


def as_of_caption(f: Filters, label: str | None) -> None:
    """Which snapshot the page shows (labels are user text: rendered as plain text)."""
    if f.snapshot_id:
        st.text(t("as_of_caption", f.lang, label=label or "", id=f.snapshot_id))


def status_badge(status: str, lang: str) -> str:
    """HTML badge: status colour plus symbol and words (escaped; never colour alone)."""
    colour = fmt.STATUS_COLOURS[status]
    text = html.escape(f"{fmt.STATUS_SYMBOLS[status]} {fmt.status_name(status, lang)}")
    # A tint of the status colour with a border in it: dark text stays ≥ 4.5:1 (WCAG AA) on every status colour.
    return (f'<span style="background:{colour}26;border:2px solid {colour};color:#1A1A1A;padding:0 8px;'
            f'border-radius:10px;font-weight:600;white-space:nowrap">{text}</span>')


def status_counts(counts: Mapping[str, int], lang: str) -> None:
    """Number of targets per status as large figures, with the status name and symbol."""
    if not counts:
        return
    cols = st.columns(len(counts))
    for col, (status, n) in zip(cols, counts.items(), strict=True):
        with col:
            st.markdown(status_badge(status, lang), unsafe_allow_html=True)
            st.metric(label=fmt.status_name(status, lang), value=f"{n}", label_visibility="collapsed")


def chart(fig: go.Figure, key: str, data: pl.DataFrame | None = None, *, f: Filters | None = None) -> None:
    """Draw one Plotly chart. Every chart on every page goes through here (export hooks go here too).

    `data` is the table behind the chart, kept for exports; `key` is stable per chart and page.
    """
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, width="stretch")
    share.chart_downloads(fig, key, data, f)


@dataclass(frozen=True)
class Chart:
    """One chart ready to draw: its stable key, the figure as a plain dict (cheap to cache and to rebuild),
    the table behind it (for exports) and an optional note under it."""

    key: str
    spec: dict[str, Any]
    data: pl.DataFrame | None = None
    note: str | None = None

    @classmethod
    def of(cls, key: str, fig: go.Figure, data: pl.DataFrame | None = None, note: str | None = None) -> Chart:
        """A chart from a built figure."""
        return cls(key, fig.to_dict(), data, note)


def draw(c: Chart, f: Filters) -> None:
    """Draw a prepared chart (and its note) with its export buttons."""
    chart(charts.from_spec(c.spec), key=c.key, data=c.data, f=f)
    if c.note:
        st.caption(c.note)


def table(df: pl.DataFrame, key: str, column_config: Mapping[str, Any] | None = None, *,
          f: Filters | None = None) -> None:
    """Draw one table (plain text cells: user-supplied text is never interpreted), with its exports for `f`."""
    # As Arrow: Streamlit sends an Arrow table as it is (a Polars frame goes through pandas first).
    st.dataframe(df.to_arrow(), key=key, column_config=dict(column_config or {}), hide_index=True, width="stretch")
    share.table_downloads(share.with_headers(df, column_config), key, f)
