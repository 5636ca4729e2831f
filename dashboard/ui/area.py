"""A policy-area page: headline progress (and the implementation timeline), trends, municipal comparison.

What an area shows is declared in data/catalog/policy_areas.csv (has_targets, timeline, comparison), so a
new area is a catalog row, not code. The open tab is part of the view (&tab=trends).
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from dashboard import charts, links, views
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import t
from dashboard.ui import comparison, filters, layout, phone, share, state, widgets
from dashboard.ui.evaluation_notes import approved_caption
from dashboard.ui.filters import Filters
from dashboard.ui.layout import Headline, per_view
from dashboard.ui.state import ViewKey

TAB_WRITTEN = "_area_tab_written"  # the tab last written to the URL, to tell a new link from our own write


@per_view
def area_sample(v: ViewKey, area_id: str) -> bool:
    """Whether anything the area's pages show up to the year comes from sample data (cached per view)."""
    return layout.shown_sample(layout.area_values(v, area_id), v.year)


@per_view
def area_headline(v: ViewKey, area_id: str) -> tuple[Headline | None, list[widgets.Chart]]:
    """The area's headline progress (areas with targets) and its implementation timeline (when declared)."""
    cat = state.catalog(v.plan)
    info = cat.area_info(area_id)
    vals = layout.area_values(v, area_id)
    phone_layout = v.screen == "phone"
    head = layout.headline(cat, vals, v.place, v.year, v.lang, area_id, f"area{area_id}",
                           compact=phone_layout) if info.targets else None
    flags = [i.id for i in cat.indicators_in(area_id) if i.kind == "flag"] if info.timeline else []
    return head, _implementation(cat, vals, area_id, flags, v.place, v.year, v.lang, phone_layout)


def tabs_of(cat: Catalog, area_id: str) -> list[str]:
    """The tabs an area's page shows, from its catalog row."""
    info = cat.area_info(area_id)
    return [s for s in links.TABS if (s != "headline" or info.targets or info.timeline)
            and (s != "comparison" or info.comparison)]


def page(f: Filters, area_id: str) -> None:
    """One policy area: headline progress, trends, municipal comparison and map, one section per tab."""
    cat = f.catalog()
    info = cat.area_info(area_id)
    # The open tab is in the URL (&tab=trends), so a shared link reopens it. Decided before the header,
    # whose "link to this view" carries it.
    names = tabs_of(cat, area_id)
    ss, key = st.session_state, f"area{area_id}_section"
    asked = filters.query("tab")
    chosen = {t(s, lang): s for s in names for lang in links.LANGS}.get(ss.get(key, ""))
    if asked in names and asked != ss.get(TAB_WRITTEN):
        chosen = asked  # a link (or a typed URL) asks for this tab; not our own write, left from another page
    if chosen is not None:
        ss[key] = t(chosen, f.lang)  # also: the same tab after a language switch (its label changed)
    f = replace(f, tab=chosen or names[0])
    if f.tab == "comparison":
        f = comparison.link_state(f, area_id)  # its indicator and order go into "link to this view"
    else:  # left from the comparison tab, they would reopen it wrongly
        filters.set_query("cmp", None)
        filters.set_query("order", None)
    layout.header(f, t("page_area", f.lang, n=area_id, name=info.name(f.lang)))
    widgets.sample_banner(area_sample(f.view_key(), area_id), f.lang)
    widgets.as_of_caption(f, layout.snapshot_label(f))
    if not info.targets:
        st.info(t("no_targets_area", f.lang))
        approved_caption(f, area_id)  # (no progress table: the area's approved self-evaluation here)
    # Tabs that run only when open (on_change="rerun"): a filter change redraws one section's charts, not
    # all ten or so (drawing them was most of the browser's time after a filter change). Every chart is
    # one click away; the chosen tab is kept while the filters change.
    tabs = st.tabs([t(s, f.lang) for s in names], key=key, on_change="rerun")
    ph = phone.on_phone()
    v = f.view_key("phone" if ph else "desktop")
    for name, tab in zip(names, tabs, strict=True):
        if not tab.open:
            continue
        f = replace(f, tab=name)
        ss[TAB_WRITTEN] = name
        filters.set_query("tab", name)
        with tab:
            if name == "headline":
                head, implementation = area_headline(v, area_id)
                if head is not None:
                    share.written_summary(head.rows, area_id, f.lang, f.plan)
                    layout.progress_section(f, head, f"area{area_id}")
                    approved_caption(f, area_id)
                for c in implementation:
                    widgets.draw(c, f)
            elif name == "trends":
                cols = st.columns(2)
                for n, c in enumerate(area_trends(v, area_id, info.targets)):
                    with cols[n % 2]:
                        widgets.draw(c, f)
            else:
                comparison.section(f, area_id, ph)


@per_view
def area_trends(v: ViewKey, area_id: str, marks: bool) -> list[widgets.Chart]:
    """One trend chart per indicator of the area with data at the place (cached per view and screen kind)."""
    cat = state.catalog(v.plan)
    place, year, lang, on_phone = v.place, v.year, v.lang, v.screen == "phone"
    vals = layout.area_values(v, area_id)
    place_name = cat.place_name(place, lang)
    out = []
    for ind in cat.indicators_in(area_id):
        s = views.series(vals, ind.id, place, year)
        if s.height:
            view = views.trend_view(cat, vals, ind.id, place, year, lang)
            out.append(widgets.Chart.of(f"area{area_id}_trend_{ind.id}",
                                        phone.fit(charts.trend_chart(view, lang, place_name, marks=marks), on_phone),
                                        s))  # (its note is in the chart's title, inside its frame)
    return out


def _implementation(cat: Catalog, vals: pl.DataFrame, area_id: str, flag_ids: list[str], place: str, year: int,
                    lang: str, on_phone: bool = False) -> list[widgets.Chart]:
    """The implementation timeline of flag indicators: municipalities by year, and the prefecture's count."""
    out = []
    for ind_id in flag_ids:
        matrix = views.implementation_matrix(cat, vals, ind_id, year, lang)
        if matrix.width > 2:
            counts = views.flag_counts(vals, ind_id, year)
            fig = charts.implementation_matrix(matrix, lang, t("matrix_title", lang), counts,
                                               views.plan_points(cat, ind_id),
                                               coverage=views.flag_coverage(vals, ind_id, year, lang))
            out.append(widgets.Chart.of(f"area{area_id}_matrix_{ind_id}", phone.fit(fig, on_phone), matrix))
        if place != PREFECTURE:
            # The plan's count (13 → 22 → 35) is prefecture-wide: always show it beside a place's own view.
            view = views.trend_view(cat, vals, ind_id, PREFECTURE, year, lang)
            out.append(widgets.Chart.of(f"area{area_id}_count_{ind_id}",
                                        phone.fit(charts.trend_chart(view, lang, cat.place_name(PREFECTURE, lang)),
                                                  on_phone),
                                        views.series(vals, ind_id, PREFECTURE, year)))
    return out
