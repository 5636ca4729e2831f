"""The municipality profile page (市町村カルテ): one municipality beside its 圏域 and the prefecture.

Its sections are tabs that run only when open (as a policy-area page's): the contribution to the prefecture's
targets (one chart), the trends (a dozen charts) and the side-by-side table. A page run draws one section,
not all of them; the open tab is part of the view (&tab=trends).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl
import streamlit as st

from dashboard import charts, export, fmt, links, views
from dashboard.catalog import Catalog
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import N_, t
from dashboard.ui import filters, layout, methodology, phone, share, state, widgets
from dashboard.ui.evaluation_notes import prefecture_caption
from dashboard.ui.filters import Filters
from dashboard.ui.layout import Headline, per_view
from dashboard.ui.state import ViewKey

TABS = ("headline", "trends", "comparison")  # contribution to targets, trends, side by side (as an area page's)
TAB_KEYS = {"headline": N_("profile_contrib"), "trends": N_("trends"), "comparison": N_("profile_tab_side")}
TAB_KEY = "profile_section"  # the tabs' widget key (its value: the open tab's label)
TAB_WRITTEN = "_profile_tab_written"  # the tab last written to the URL, to tell a new link from our own write


def tab_label(name: str, lang: str) -> str:
    """The label of a profile tab in the chosen language."""
    return t(TAB_KEYS[name], lang)


def _open_tab() -> str:
    """The tab to open: a link's &tab= when it is new, else the one open before (in any language)."""
    ss = st.session_state
    chosen = {tab_label(s, lang): s for s in TABS for lang in links.LANGS}.get(ss.get(TAB_KEY, ""))
    asked = filters.query("tab")
    if asked in TABS and asked != ss.get(TAB_WRITTEN):
        chosen = asked  # a link (or a typed URL) asks for this tab; not our own write, left from another page
    return chosen or TABS[0]


def page(f: Filters) -> None:
    """市町村カルテ: one municipality beside its 圏域 and the prefecture, one section per tab."""
    cat = f.catalog()
    if cat.place_kind(f.place) != "municipality":
        filters.set_query("tab", None)  # no tabs here: a tab left in the URL from a municipality would linger
        layout.header(f, t("page_profile", f.lang))
        st.info(t("profile_pick_note", f.lang))
        st.selectbox(t("profile_pick", f.lang), cat.members(f.place), index=None, key="profile_pick",
                     placeholder=t("profile_pick", f.lang), format_func=lambda c: cat.place_name(c, f.lang),
                     on_change=lambda: filters.set_place(st.session_state["profile_pick"]))
        return
    chosen = _open_tab()
    st.session_state[TAB_KEY] = tab_label(chosen, f.lang)  # also: the same tab after a language switch
    f = replace(f, tab=chosen)  # before the header, whose "link to this view" carries it
    layout.header(f, t("page_profile", f.lang))
    muni, area_code = f.place, cat.area_of(f.place)
    names = {c: cat.place_name(c, f.lang) for c in (muni, area_code, PREFECTURE)}
    v = f.view_key("phone" if phone.on_phone() else "desktop")
    p = profile_facts(f.view_key())
    widgets.sample_banner(p.sample, f.lang)
    widgets.as_of_caption(f, layout.snapshot_label(f))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("col_area", f.lang), names[area_code])
    c2.metric(t("pop65_word", f.lang), fmt.count(p.pop65, cat.indicators["pop65"].unit(f.lang), f.lang))
    c3.metric(t("aging_word", f.lang), fmt.rate(p.aging_rate, f.lang))
    share.exports_section(f)
    # Tabs that run only when open (on_change="rerun"): a run draws one section's charts, not all of them.
    tabs = st.tabs([tab_label(s, f.lang) for s in TABS], key=TAB_KEY, on_change="rerun")
    for name, tab in zip(TABS, tabs, strict=True):
        if not tab.open:
            continue
        f = replace(f, tab=name)
        st.session_state[TAB_WRITTEN] = name
        filters.set_query("tab", name)
        with tab:
            if name == "headline":
                head = profile_headline(v)
                share.written_summary(head.rows, None, f.lang, f.plan)
                layout.progress_section(f, head, "profile")
                prefecture_caption(f)
            elif name == "comparison":
                st.subheader(t("profile_side", f.lang, fy=fmt.fy_label(f.data_year, f.lang)))
                _side_table(f, cat, p.side, names, area_code)
            else:
                st.caption(t("profile_trends", f.lang))
                cols = st.columns(2)
                for n, c in enumerate(profile_trends(v)):
                    with cols[n % 2]:
                        widgets.draw(c, f)


def side_rows(cat: Catalog, side: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The side-by-side table as shown: the policy area by name, the municipality's own value in its unit's
    format in `value_text` (a flag reads 実施/未実施 for one municipality, never "1市町村"), no comparable number
    for a flag."""
    areas = {a.id: methodology.area_name(a, lang) for a in cat.areas_info()}
    kinds = [cat.indicators[i].kind for i in side["indicator_id"]]
    area_names = [areas[a] for a in side["policy_area"]]
    own = [fmt.value(v, u, k, lang, one_place=True)
           for v, u, k in zip(side["value_municipality"], side["unit"], kinds, strict=True)]
    own_cmp = [None if k == "flag" else v for v, k in zip(side["cmp_municipality"], kinds, strict=True)]
    out = side.with_columns(pl.Series("policy_area", area_names, pl.Utf8), pl.Series("value_text", own, pl.Utf8),
                            pl.Series("cmp_municipality", own_cmp, pl.Float64))
    out = out.drop("indicator_id", "is_sample", "unit")
    # The words beside the number they say (the number stays in the data, hidden: exports leave it out).
    cols = out.columns
    return out.select([*cols[:cols.index("value_municipality") + 1], "value_text",
                       *[c for c in cols[cols.index("value_municipality") + 1:] if c != "value_text"]])


def _side_table(f: Filters, cat: Catalog, side: pl.DataFrame, names: dict[str, str], area_code: str) -> None:
    muni = f.place
    cov = t("col_coverage", f.lang)
    widgets.table(side_rows(cat, side, f.lang), key="profile_side", column_config={
        "policy_area": t("col_policy_area", f.lang), "indicator": t("col_indicator", f.lang),
        "value_municipality": None,  # shown as value_text: 91人, 9.0%, 実施
        "value_text": st.column_config.TextColumn(names[muni] + views.paren(t("col_value", f.lang), f.lang)),
        "share_of_prefecture": st.column_config.ProgressColumn(t("col_share", f.lang), min_value=0,
                                                               max_value=0.5, format="percent"),
        "cmp_unit": t("col_cmp_unit", f.lang),
        "cmp_municipality": st.column_config.NumberColumn(names[muni], format="%.1f"),
        "cmp_area": st.column_config.NumberColumn(names[area_code], format="%.1f"),
        "cmp_prefecture": st.column_config.NumberColumn(names[PREFECTURE], format="%.1f"),
        "coverage_area": st.column_config.TextColumn(names[area_code] + views.paren(cov, f.lang)),
        "coverage_prefecture": st.column_config.TextColumn(names[PREFECTURE] + views.paren(cov, f.lang))}, f=f)


@dataclass(frozen=True)
class Facts:
    """What the profile shows above its tabs, and its side-by-side table (cheap: no figure)."""

    sample: bool
    pop65: float | None
    aging_rate: float | None
    side: pl.DataFrame


def _values(v: ViewKey) -> pl.DataFrame:
    cat = state.catalog()
    return state.values(v, (), state.ids([v.place, cat.area_of(v.place), PREFECTURE, NATIONAL]))


@per_view
def profile_facts(v: ViewKey) -> Facts:
    """The municipality's (v.place) 65+ population, ageing rate, sample flag and side-by-side table (cached per
    view, whatever the screen)."""
    cat, muni, year, lang = state.catalog(v.plan), v.place, v.year, v.lang
    vals = _values(v)
    pop = views.series(vals, "pop65", muni, year)
    aging = views.series(vals, "aging_rate", muni, year)
    return Facts(layout.shown_sample(vals.filter(pl.col("place_code") == muni), year),
                 pop["value"][-1] if pop.height else None, aging["value"][-1] if aging.height else None,
                 views.profile_table(cat, vals, muni, year, lang))


@per_view
def profile_headline(v: ViewKey) -> Headline:
    """The municipality's contribution to the prefecture's targets: rows, table and bars (cached per view and
    screen kind: a phone gets its layout of the bars)."""
    cat, lang, on_phone = state.catalog(v.plan), v.lang, v.screen == "phone"
    head = layout.headline(cat, _values(v), v.place, v.year, lang, None, "profile", compact=on_phone)
    flags = {p.target_id: p.actual_value for p in head.rows if cat.indicators[p.indicator_id].kind == "flag"}
    if not flags:
        return head
    # A flag's actual at one municipality reads 実施/未実施 (the prefecture's targets count municipalities).
    tbl = head.table.with_columns(pl.Series("actual_text", [
        fmt.flag(flags[tid], lang) if tid in flags else text
        for tid, text in zip(head.table["target_id"], head.table["actual_text"], strict=True)], pl.Utf8))
    bars = None if head.bars is None else widgets.Chart.of(head.bars.key, charts.progress_bars(
        tbl, lang, t("progress_title", lang), compact=on_phone), tbl)
    return Headline(head.rows, tbl, bars)


@per_view
def profile_trends(v: ViewKey) -> list[widgets.Chart]:
    """One chart per non-flag indicator: the municipality, its 圏域 and the prefecture (cached per view)."""
    cat, muni, year, lang, on_phone = state.catalog(v.plan), v.place, v.year, v.lang, v.screen == "phone"
    area_code = cat.area_of(muni)
    places = [muni, area_code, PREFECTURE]
    vals = _values(v)
    names = {c: cat.place_name(c, lang) for c in places}
    side = profile_facts(v.at(screen="desktop")).side
    trend_ids = [r for r in side.filter(pl.col("policy_area") != "context")["indicator_id"].to_list()
                 if cat.indicators[r].kind != "flag"]
    trends = []
    for ind_id in trend_ids:
        series = views.compare_series(cat, vals, ind_id, places, year)
        fig = phone.fit(charts.compare_lines(cat.indicators[ind_id], series, names, lang,
                                             views.coverage_by_year(vals, ind_id, places, year, lang)), on_phone)
        trends.append(widgets.Chart.of(f"profile_trend_{ind_id}", fig, export.figure_frame(fig)))
    return trends
