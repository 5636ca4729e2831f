"""The municipal comparison section of a policy-area page: ranking, table, tile map and boundary map."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from typing import Any

import polars as pl
import streamlit as st

from dashboard import charts, fmt, views
from dashboard.config import PREFECTURE, boundary_geojson
from dashboard.i18n import N_, t
from dashboard.ui import filters, layout, phone, state, widgets
from dashboard.ui.filters import Filters
from dashboard.ui.layout import per_view
from dashboard.ui.state import ViewKey


@per_view
def comparison_choices(v: ViewKey, area_id: str) -> list[str]:
    """The area's indicators with municipal figures (the comparison picker's options; per snapshot)."""
    cat = state.catalog()
    vals = layout.area_values(v, area_id)
    return [i.id for i in cat.indicators_in(area_id) if views.has_municipal_values(vals, cat, i.id)]


@dataclass(frozen=True)
class Comparison:
    """The municipalities on one indicator: their table, benchmark and charts (ranking, tiles, map)."""

    table: pl.DataFrame
    bench: tuple[float, str] | None
    rank: widgets.Chart | None
    tiles: widgets.Chart
    choropleth: widgets.Chart | None
    coverage: str = ""  # how many municipalities the prefecture's roll-up for the year covers
    missing: tuple[str, ...] = ()  # the municipalities that have not reported the year (未報告)


@per_view
def comparison(v: ViewKey, area_id: str, ind_id: str, geojson: str | None, laggards_first: bool = False,
               provisional: str = "") -> Comparison | None:
    """The comparison section for one indicator (None when no municipality has a value; cached per view and
    screen kind: a phone gets the ranking on its side, short tile names and the map re-laid for 390 px)."""
    cat = state.catalog(v.plan)
    place, year, lang, on_phone = v.place, v.year, v.lang, v.screen == "phone"
    vals = layout.area_values(v, area_id)
    ind = cat.indicators[ind_id]
    df = views.comparison(cat, vals, ind_id, year, lang)
    if df.filter(pl.col("value").is_not_null()).height == 0:
        return None
    highlight = cat.members(place) if place != PREFECTURE else []
    bench = views.benchmark_for(cat, vals, ind_id, year, lang)
    pref_val = views.prefecture_reference(cat, vals, ind_id, year)
    # A partial year says so in every heading it shows under (「令和8年度　暫定：35市町村中3市町村」).
    fy = fmt.fy_label(year, lang) + (f"　{provisional}" if provisional else "")
    title = t("rank_title", lang, name=ind.name(lang), fy=fy)
    rank = widgets.Chart.of(f"area{area_id}_rank", charts.ranking_bar(df, ind, lang, title, highlight, bench,
                                                                     pref_val, laggards_first=laggards_first,
                                                                     compact=on_phone),
                              df) if ind.kind != "flag" else None
    col = "per_1000" if ind.per_pop65 else "value"
    map_title = ind.name(lang) + views.paren(fy, lang)
    tiles = widgets.Chart.of(f"area{area_id}_tiles", charts.tile_map(df, ind, lang, map_title, col, highlight,
                                                                          compact=on_phone), df)
    geo = widgets.Chart.of(f"area{area_id}_choropleth", phone.fit(charts.choropleth(_geojson(geojson), df, ind, lang,
                                                                                   map_title, col), on_phone),
                           df) if geojson else None
    cov = views.coverage_by_year(vals, ind_id, [PREFECTURE], year, lang).get(PREFECTURE, {}).get(year, "")
    return Comparison(df, bench, rank, tiles, geo,
                      t("label_value", lang, label=cat.place_name(PREFECTURE, lang), value=cov) if cov else "",
                      tuple(views.not_reported(df)))


CMP_WRITTEN = "_cmp_written"  # the indicator and order last written to the URL (a new link differs from them)


def link_state(f: Filters, area_id: str) -> Filters:
    """The comparison's indicator and order for this run: a link asking for them (not our own write) sets the
    widgets; either way the Filters carry them, so "link to this view" reopens exactly what is shown."""
    ss = st.session_state
    ind_key, order_key = f"area{area_id}_cmp_indicator", f"area{area_id}_cmp_order"
    asked = (filters.query("cmp"), "laggards" if filters.query("order") == "laggards" else None)
    if asked[0] is not None and asked != ss.get(CMP_WRITTEN):
        if asked[0] in comparison_choices(f.view_key().data(), area_id):  # a stale or forged id is ignored
            ss[ind_key] = asked[0]
        ss[order_key] = "laggards_first" if asked[1] else "leaders_first"
    cmp = ss.get(ind_key)
    return replace(f, cmp=cmp if isinstance(cmp, str) else None,
                   order="laggards" if ss.get(order_key) == "laggards_first" else None)


@st.fragment
def section(f: Filters, area_id: str, on_phone: bool = False) -> None:
    """The municipal comparison of a policy area: ranking, table, tile map and map of one indicator
    (`on_phone`: laid out for a phone).

    A fragment: picking another indicator reruns this section only, not the whole page."""
    cat = f.catalog()
    muni_ids = comparison_choices(f.view_key().data(), area_id)
    if not muni_ids:
        st.info(t("prefecture_only", f.lang))
        return
    ind_id = st.selectbox(t("comparison_indicator", f.lang), muni_ids, key=f"area{area_id}_cmp_indicator",
                          format_func=lambda i: cat.indicators[i].name(f.lang))
    ind = cat.indicators[ind_id]
    # 遅れている順 puts the municipalities furthest from the goal first (who needs support), 進んでいる順 the leaders.
    order = st.radio(t("comparison_order", f.lang), (N_("leaders_first"), N_("laggards_first")), horizontal=True,
                     key=f"area{area_id}_cmp_order", format_func=lambda o: t(o, f.lang))
    # The URL says what is compared, so a copied address or "link to this view" reopens it.
    written = (ind_id, "laggards" if order == "laggards_first" else None)
    st.session_state[CMP_WRITTEN] = written
    filters.set_query("cmp", written[0])
    filters.set_query("order", written[1])
    geojson = boundary_geojson()
    c = comparison(f.view_key("phone" if on_phone else "desktop"), area_id, ind_id, str(geojson) if geojson else None,
                   order == "laggards_first", f.provisional)
    if c is None:
        st.info(t("no_data", f.lang))
        return
    if f.provisional:
        st.markdown(f"**{fmt.fy_label(f.data_year, f.lang)}　{f.provisional}**")
    df, bench = c.table, c.bench
    if c.rank is not None:
        widgets.draw(c.rank, f)
    conf: dict[str, Any] = {
        "rank": t("col_rank", f.lang), "name": t("col_municipality", f.lang), "area": t("col_area", f.lang),
        "value": st.column_config.NumberColumn(t("col_value", f.lang) + views.paren(ind.unit(f.lang), f.lang),
                                               format="%.1f" if ind.kind == "rate" else "localized"),
        "pop65": st.column_config.NumberColumn(t("col_pop65", f.lang), format="localized"),
        "per_1000": st.column_config.ProgressColumn(
            f"{ind.unit(f.lang)}（{t('per_1000', f.lang)}）", min_value=0,
            max_value=float(df["per_1000"].max() or 1), format="%.1f"),  # type: ignore[arg-type]
        # Shares as percentages written the way the charts write them (4.5%, 126%), not Streamlit's 125.52 %.
        "share": st.column_config.ProgressColumn(t("col_share", f.lang) + views.paren("%", f.lang), min_value=0,
                                                 max_value=float(df["share"].max() or 1) * 100,  # type: ignore[arg-type]
                                                 format="%.1f%%"),
        "vs_benchmark": st.column_config.ProgressColumn(
            t("col_vs_benchmark_of", f.lang, bench=bench[1]) if bench else t("col_vs_benchmark", f.lang),
            min_value=0, max_value=150, format="%.0f%%"),
    }
    conf["report_note"] = st.column_config.TextColumn(t("col_report", f.lang))
    shown = ["rank", "name", "area", "value", "pop65"] + [c for c in ("per_1000", "share", "vs_benchmark")
                                                           if df[c].is_not_null().any()]
    shown += ["report_note"] if c.missing else []
    # An empty number cell shows a dash, never Streamlit's "None"; the 未報告 column says why it is empty.
    def percent(d: pl.DataFrame) -> pl.DataFrame:
        return d.select(shown).with_columns([(pl.col(c) * 100).round(1 if c == "share" else 0)
                                             for c in ("share", "vs_benchmark") if c in shown])

    widgets.table(widgets.derived(df, tuple(shown), percent), key=f"area{area_id}_cmp_table",
                  column_config=conf, f=f, placeholder=fmt.number(None, lang=f.lang))
    if c.coverage:
        st.caption(c.coverage)
    if c.missing:
        st.caption(t("not_reported_list", f.lang, n=len(c.missing), names=t("list_sep", f.lang).join(c.missing)))
    st.markdown(f"**{t('map', f.lang)}**")
    if c.choropleth is not None:
        left, right = st.tabs([t("map_tiles", f.lang), t("map_geo", f.lang)])
        with left:
            widgets.draw(c.tiles, f)
        with right:
            widgets.draw(c.choropleth, f)
    else:
        widgets.draw(c.tiles, f)
    st.caption(t("tile_map_note", f.lang))


@functools.cache
def _geojson(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return dict(json.load(fh))

