"""The municipality profile page (市町村カルテ): one municipality beside its 圏域 and the prefecture."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboard import charts, export, fmt, views
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import t
from dashboard.ui import filters, layout, share, state, widgets
from dashboard.ui.filters import Filters
from dashboard.ui.layout import Headline, per_view


def page(f: Filters) -> None:
    """市町村カルテ: one municipality beside its 圏域 and the prefecture."""
    cat = f.catalog()
    layout.header(f, t("page_profile", f.lang))
    if cat.place_kind(f.place) != "municipality":
        st.info(t("profile_pick_note", f.lang))
        options = cat.members(f.place)
        st.selectbox(t("profile_pick", f.lang), options, index=None, key="profile_pick",
                     format_func=lambda c: cat.place_name(c, f.lang),
                     on_change=lambda: filters.set_place(st.session_state["profile_pick"]))
        return
    muni, area_code = f.place, cat.area_of(f.place)
    names = {c: cat.place_name(c, f.lang) for c in (muni, area_code, PREFECTURE)}
    p = profile_parts(f.key, f.snapshot_id, muni, f.data_year, f.lang, f.plan)
    widgets.sample_banner(p.sample, f.lang)
    widgets.as_of_caption(f, layout.snapshot_label(f))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("col_area", f.lang), names[area_code])
    c2.metric(t("pop65_word", f.lang), fmt.count(p.pop65, cat.indicators["pop65"].unit(f.lang), f.lang))
    c3.metric(t("aging_word", f.lang), fmt.rate(p.aging_rate, f.lang))
    st.subheader(t("profile_side", f.lang, fy=fmt.fy_label(f.data_year, f.lang)))
    widgets.table(p.side.drop("indicator_id", "is_sample"), key="profile_side", column_config={
        "policy_area": "#", "indicator": t("col_indicator", f.lang),
        "unit": t("col_unit", f.lang),
        "value_municipality": st.column_config.NumberColumn(names[muni] + views.paren(t("col_value", f.lang), f.lang),
                                                            format="localized"),
        "share_of_prefecture": st.column_config.ProgressColumn(t("col_share", f.lang), min_value=0,
                                                               max_value=0.5, format="percent"),
        "cmp_unit": t("col_cmp_unit", f.lang),
        "cmp_municipality": st.column_config.NumberColumn(names[muni], format="%.1f"),
        "cmp_area": st.column_config.NumberColumn(names[area_code], format="%.1f"),
        "cmp_prefecture": st.column_config.NumberColumn(names[PREFECTURE], format="%.1f"),
        "coverage_area": st.column_config.TextColumn(names[area_code] + views.paren(t("col_coverage", f.lang),
                                                                                    f.lang)),
        "coverage_prefecture": st.column_config.TextColumn(names[PREFECTURE] + views.paren(t("col_coverage", f.lang),
                                                                                           f.lang))}, f=f)
    st.subheader(t("profile_contrib", f.lang))
    share.written_summary(p.headline.rows, None, f.lang, f.plan)
    layout.progress_section(f, p.headline, "profile")
    share.exports_section(f)
    st.subheader(t("profile_trends", f.lang))
    cols = st.columns(2)
    for n, c in enumerate(p.trends):
        with cols[n % 2]:
            widgets.draw(c, f)


@dataclass(frozen=True)
class Profile:
    """What the profile page shows for one municipality, built once per view."""

    sample: bool
    pop65: float | None
    aging_rate: float | None
    side: pl.DataFrame
    headline: Headline
    trends: list[widgets.Chart]


@per_view
def profile_parts(key: str, snapshot_id: str | None, muni: str, year: int, lang: str, plan: str = "") -> Profile:
    """The profile of one municipality beside its 圏域 and the prefecture (cached per view)."""
    cat = state.catalog(plan)
    area_code = cat.area_of(muni)
    places = [muni, area_code, PREFECTURE]
    vals = state.values(key, snapshot_id, (), state.ids([*places, NATIONAL]))
    names = {c: cat.place_name(c, lang) for c in places}
    pop = views.series(vals, "pop65", muni, year)
    aging = views.series(vals, "aging_rate", muni, year)
    side = views.profile_table(cat, vals, muni, year, lang)
    trend_ids = [r for r in side.filter(pl.col("policy_area") != "context")["indicator_id"].to_list()
                 if cat.indicators[r].kind != "flag"]
    trends = []
    for ind_id in trend_ids:
        fig = charts.compare_lines(cat.indicators[ind_id], views.compare_series(cat, vals, ind_id, places, year),
                                   names, lang, views.coverage_by_year(vals, ind_id, places, year, lang))
        trends.append(widgets.Chart.of(f"profile_trend_{ind_id}", fig, export.figure_frame(fig)))
    return Profile(layout.shown_sample(vals.filter(pl.col("place_code") == muni), year),
                   pop["value"][-1] if pop.height else None, aging["value"][-1] if aging.height else None,
                   side, layout.headline(cat, vals, muni, year, lang, None, "profile"), trends)


