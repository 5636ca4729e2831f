"""Presenter mode (?mode=present) and the embedded single chart (?embed=true).

Presenter mode: no sidebar, one headline chart per screen laid out for the projector (every chart text
≥ 18 px, the title in its own band) with its one-sentence takeaway, previous/next buttons bound to the
← → keys (Streamlit's own button shortcuts) that stop at the first and last screen, the as-of snapshot
and source on every screen; sized for a 1280×720 projector. The screen number is kept in the URL
(?slide=N); the screen's "link to this view" also writes the snapshot shown (as_of), so it reopens the
same screen with the same numbers after later uploads.
"""

from __future__ import annotations

import html

import streamlit as st

from dashboard import fmt, links, slides
from dashboard import progress as pg
from dashboard.i18n import t
from dashboard.ui import filters, share, state
from dashboard.ui.filters import Filters
from dashboard.ui.layout import per_view
from dashboard.ui.state import ViewKey

IDX = "_present_idx"
CHART_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}

# Large type, no sidebar or its toggle, little padding: fits 1280×720 without scrolling.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0.6rem 1.6rem 0.4rem !important;
  max-width: 100% !important; }
.present-title { font-size: 2.0rem; font-weight: 700; line-height: 1.25; margin: 0; }
.present-count { font-size: 1.1rem; color: #444; text-align: right; margin: 0; }
.present-takeaway { font-size: 1.5rem; font-weight: 600; line-height: 1.4; }
.present-detail { font-size: 1.1rem; line-height: 1.45; color: #222; }
.present-sample { font-size: 1.1rem; font-weight: 700; color: #C00000; border: 2px solid #C00000;
  padding: 0.2rem 0.6rem; display: inline-block; margin-bottom: 0.4rem; }
.present-footer { font-size: 0.85rem; line-height: 1.4; color: #333; border-top: 1px solid #999;
  padding-top: 0.25rem; }
</style>
"""
EMBED_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0.4rem 0.8rem !important;
  max-width: 100% !important; }
</style>
"""


def wanted() -> str | None:
    """'present' or 'embed' when the URL asks for it, else None."""
    if filters.query("mode") == "present":
        return "present"
    # Streamlit keeps ?embed=true out of st.query_params; st.context reports it.
    if st.context.is_embedded or str(filters.query("embed") or "").lower() == "true":
        return "embed"
    return None


CHART_WIDTH = 760  # px: the chart column of a 1280 px wide screen (7 of 11 parts, less padding and gap)


@per_view
def screens(v: ViewKey, with_overview: bool = False) -> list[slides.Slide]:
    """The key screens of a view (cached per view like every page section; the slides are handed to every
    session as they are: nobody changes them); on a "present" screen every chart is laid out for the projector
    (text ≥ 18 px, the title in its own band)."""
    cat = state.catalog(v.plan)
    vals = state.values(v, (), state.ids(pg.needed_places(v.place)))
    return slides.key_slides(cat, vals, v.place, v.year, v.lang, with_overview=with_overview,
                             present=v.screen == "present", width=CHART_WIDTH)


def _start(page: str, keys: list[str]) -> int:
    raw = filters.url_view(page).slide
    if raw is not None:
        return max(0, min(raw, len(keys) - 1))
    return keys.index(page) if page in keys else 0


def _go(step: int, n: int) -> None:
    # Stops at the ends: → on the last screen stays there (no jump back to the first in front of an audience).
    st.session_state[IDX] = max(0, min(n - 1, int(st.session_state.get(IDX, 0)) + step))


def _exit() -> None:
    for k in ("mode", "slide"):
        filters.set_query(k, None)
    st.session_state.pop(IDX, None)


def _footer(f: Filters) -> str:
    """Source, as-of snapshot and (when any snapshot in view is sample data) the sample warning."""
    return f'<div class="present-footer">{html.escape(share.meta(f, "").footer())}</div>'


def render(f: Filters) -> None:
    """One screen of presenter mode, starting at the screen of the page it was opened from."""
    page = f.page
    st.html(CSS)
    items = screens(f.view_key("present"))
    if not items:
        st.info(t("no_data", f.lang))
        return
    keys = [x.key for x in items]
    if IDX not in st.session_state or st.session_state.get("_present_for") != (page, f.place, f.lang):
        st.session_state[IDX] = _start(page, keys)
        st.session_state["_present_for"] = (page, f.place, f.lang)
    n = len(items)
    idx = max(0, min(n - 1, int(st.session_state[IDX])))
    cur = items[idx]
    filters.set_query("slide", str(idx))
    esc = html.escape
    top, count = st.columns([5, 1], vertical_alignment="center")
    place = f.catalog().place_name(f.place, f.lang)
    top.html(f'<p class="present-title">{esc(cur.title)}　<span style="font-weight:400">{esc(place)}</span></p>')
    count.html(f'<p class="present-count" data-testid="present-count">{idx + 1} / {n}</p>')
    left, right = st.columns([7, 4], gap="medium")
    with left:
        # Laid out for the projector when built (charts.presented: every text ≥ 18 px, the title in its own
        # band), at the height its rows need; the buttons sit beside it, so it has the screen's full height.
        st.plotly_chart(cur.fig, key=f"present_{cur.key}", config=CHART_CONFIG, width="stretch")
    with right:
        if cur.sample:
            st.html(f'<div class="present-sample">{esc(t("sample", f.lang))}</div>')
        if f.provisional:  # a year not every municipality reported: said on the screen the room sees
            st.html(f'<div class="present-sample" data-testid="present-provisional">'
                    f'{esc(fmt.fy_label(f.data_year, f.lang))}　{esc(f.provisional)}</div>')
        st.html(f'<div class="present-takeaway" data-testid="present-takeaway">{esc(cur.takeaway)}</div>')
        if cur.details:
            st.html(f'<div class="present-detail">{esc(cur.details[0])}</div>')
        nav = st.container(horizontal=True, gap="small", vertical_alignment="center")
        nav.button(t("present_prev", f.lang), icon=":material/arrow_back:", shortcut="Left", key="present_prev",
                   on_click=_go, args=(-1, n), disabled=idx == 0)
        nav.button(t("present_next", f.lang), icon=":material/arrow_forward:", shortcut="Right", key="present_next",
                   on_click=_go, args=(1, n), type="primary", disabled=idx == n - 1)
        nav.button(t("present_exit", f.lang), icon=":material/close:", key="present_exit", on_click=_exit,
                   type="tertiary")
        more = st.container(horizontal=True, gap="small", vertical_alignment="center")
        with more:
            _link(f, idx)
            st.caption(t("present_keys", f.lang))
        st.html(_footer(f))  # beside the chart, which so has the screen's full height


def _link(f: Filters, idx: int) -> None:
    """"Link to this view": this screen of presenter mode with the as-of snapshot shown written in, so the link
    shows the same numbers after later uploads."""
    url = links.build(present_view(f, idx), share.base_url())
    with st.popover(t("present_link", f.lang), icon=":material/link:"):
        st.caption(t("present_link_help", f.lang))
        st.code(url, language=None, wrap_lines=True)


def present_view(f: Filters, idx: int) -> links.View:
    """The view of presenter mode at screen `idx`, pinned to the snapshot shown."""
    return links.presenter(f.view(), idx, f.snapshot_id)


def embed(f: Filters) -> None:
    """A single chart for other web pages: the page's headline chart (or ?chart=KEY), takeaway, source."""
    st.html(EMBED_CSS)
    cat = state.catalog()
    items = screens(f.view_key(), with_overview=True)
    if not items:
        st.info(t("no_data", f.lang))
        return
    want = filters.query("chart") or f.page
    cur = next((x for x in items if x.key == want), items[0])
    st.markdown(f"**{cur.title}**　{cat.place_name(f.place, f.lang)}")
    st.plotly_chart(cur.fig, key=f"embed_{cur.key}", config=CHART_CONFIG, width="stretch")
    st.caption(cur.takeaway)
    st.caption(share.meta(f, "").footer())
