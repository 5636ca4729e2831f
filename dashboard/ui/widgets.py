"""Rendering helpers: the sample-data banner, status badges, and the one place charts and tables
are drawn (so exports and presenter mode can hook in beside every chart)."""

from __future__ import annotations

import html
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import export, fmt
from dashboard.i18n import t
from dashboard.ui import share
from dashboard.ui.filters import Filters

T = TypeVar("T")
V = TypeVar("V")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


_DERIVED: dict[tuple[int, Hashable], tuple[weakref.ref[Any], Any]] = {}


def derived(obj: T, name: Hashable, make: Callable[[T], V]) -> V:
    """make(obj), remembered for as long as obj lives: the per-view cache hands every run the same sections, and
    what a run derives from them (a table's shown columns, its Arrow form) need not be made again each run."""
    k = (id(obj), name)
    hit = _DERIVED.get(k)
    if hit is not None and hit[0]() is obj:
        return cast("V", hit[1])
    value = make(obj)
    _DERIVED[k] = (weakref.ref(obj, lambda _r, k=k: _forget(k)), value)  # type: ignore[misc]
    return value


def _forget(k: tuple[int, Hashable]) -> None:
    # At interpreter exit module globals may already be None when the last sections are collected.
    if _DERIVED is not None:
        _DERIVED.pop(k, None)


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
    # One HTML block, not columns of badges and st.metric (13 elements for four statuses): Streamlit's cost is
    # per element sent, on every run of every session.
    st.markdown(status_counts_html(counts, lang), unsafe_allow_html=True)


def status_counts_html(counts: Mapping[str, int], lang: str) -> str:
    """The status counts as one row of badge-and-figure cells (wrapping on narrow screens)."""
    cells = "".join(f'<div class="status-count" data-status="{html.escape(status)}" style="flex:1 1 9rem">'
                    f'{status_badge(status, lang)}<div class="status-count-n" style="font-size:2.25rem;'
                    f'line-height:1.4">{int(n)}</div></div>' for status, n in counts.items())
    return f'<div class="status-counts" style="display:flex;flex-wrap:wrap;gap:1rem;margin-bottom:1rem">{cells}</div>'


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


class PreparedFigure(go.Figure):
    """A figure given as its to_dict() output, built only if something reads more than that dict.

    st.plotly_chart only asks a figure for to_dict() (then writes it as JSON): handed this, it takes the cached
    dict as it is, where a built figure is first made from the dict (~0.8 ms, a deep copy and coercion) and
    then copied back into one (~0.5 ms). Exports (PNG, the points of the chart) read the figure itself: the
    first attribute they ask for builds it, from a copy, as charts.from_spec does."""

    def __init__(self, spec: Mapping[str, Any]) -> None:  # the figure's own __init__ runs in _build, if needed
        object.__setattr__(self, "_prepared_spec", spec)
        object.__setattr__(self, "_prepared_built", False)

    def _build(self) -> None:
        object.__setattr__(self, "_prepared_built", True)
        go.Figure.__init__(self, self._prepared_spec, _validate=False)

    def __getattr__(self, name: str) -> Any:
        # Reached only for attributes the object does not have yet, i.e. everything a built figure has.
        if name.startswith("_prepared") or self.__dict__.get("_prepared_built", True):
            raise AttributeError(name)
        self._build()
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """The figure as a dict: the prepared one itself until the figure is built (readers must not change it)."""
        if not self._prepared_built:
            return dict(self._prepared_spec)
        return super().to_dict()


def draw(c: Chart, f: Filters) -> None:
    """Draw a prepared chart (and its note) with its export buttons."""
    chart(PreparedFigure(c.spec), key=c.key, data=c.data, f=f)
    if c.note:
        st.caption(c.note)


def table(df: pl.DataFrame, key: str, column_config: Mapping[str, Any] | None = None, *,
          f: Filters | None = None, download: pl.DataFrame | None = None, placeholder: str | None = None) -> None:
    """Draw one table (plain text cells: user-supplied text is never interpreted), with its exports for `f`
    (of `download` where the file holds more than the screen, e.g. a progress table's figures as numbers);
    `placeholder`: what an empty cell shows (Streamlit's default is the word "None")."""
    # As Arrow: Streamlit sends an Arrow table as it is (a Polars frame goes through pandas first). A cached
    # section hands every run the same frame, so its Arrow table is made once.
    # Neutralised text (OWASP CSV injection): Streamlit's own table toolbar downloads the cells as shown, so a
    # label or name starting with = + - @ is shown and downloaded with a leading quote, never as a formula.
    st.dataframe(derived(df, "arrow", lambda d: export.csv_safe(d).to_arrow()), key=key,
                 column_config=dict(column_config or {}), height=table_height(df.height),
                 hide_index=True, width="stretch", placeholder=placeholder)
    share.table_downloads(df if download is None else download, key, f, column_config)


def table_height(rows: int) -> int:
    """A table's height in pixels as Streamlit draws it by default (a 35 px header and 35 px rows, ten rows
    shown at most, 2 px of border), given up front: the page keeps that space while the table's own code
    loads, instead of the text below it jumping down when the table appears (a layout shift)."""
    return 35 * (1 + max(1, min(rows, 10))) + 2


def progress_cards_html(table: pl.DataFrame, headers: Mapping[str, Any]) -> str:
    """A progress table as one card per target (a phone's layout): the target and its year, the verdict and
    what it rests on, the actual against the target, the coverage; every cell escaped."""
    def head(col: str) -> str:
        h = headers.get(col, col)  # a header text, or a column config (a dict with its label)
        return html.escape(str(h if isinstance(h, str) else h.get("label", col)))

    cards = []
    for r in table.iter_rows(named=True):
        lines = [f'<div style="font-weight:600">{html.escape(str(r["label"]))}</div>',
                 f'<div>{html.escape(str(r["status_text"]))}'
                 + (f'<br><span style="font-size:0.9em">{html.escape(str(r["reason"]))}</span>'
                    if r.get("reason") else "") + "</div>"]
        for col in ("actual_text", "target_text", "coverage"):
            if r.get(col):
                lines.append(f'<div style="font-size:0.9em">{head(col)}：{html.escape(str(r[col]))}</div>')
        cards.append('<div class="progress-card" style="border:1px solid #ccc;border-radius:6px;padding:0.5rem;'
                     f'margin-bottom:0.5rem">{"".join(lines)}</div>')
    return f'<div class="progress-cards">{"".join(cards)}</div>'
