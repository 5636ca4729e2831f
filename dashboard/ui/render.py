"""Page bodies. Each page script reads the filters and calls one function here."""

from __future__ import annotations

import functools
import json
from typing import Any

import polars as pl
import streamlit as st

from dashboard import charts, fmt, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.config import NATIONAL, PREFECTURE, boundary_geojson, reference_dir
from dashboard.i18n import t
from dashboard.ui import filters, share, state, widgets
from dashboard.ui.filters import Filters

PAGES = "_nav_pages"  # session key: {name: st.Page}, set by the entry script


def page_link(name: str, label: str, f: Filters) -> None:
    """A link to another page that carries the filters in its URL."""
    page = st.session_state.get(PAGES, {}).get(name)
    if page is not None:
        st.page_link(page, label=label, query_params=f.url())


def header(f: Filters, title: str) -> None:
    """Page title with the place and year, then URL notices."""
    cat = state.catalog()
    st.title(title)
    st.markdown(f"**{views.place_label(cat, f.place, f.lang)}**　{fmt.fy_label(f.data_year, f.lang)}")
    share.link_to_view(f)
    filters.notices(f)


def _snapshot_label(f: Filters) -> str | None:
    metas = {m.id: m for m in state.snapshots(f.key)}
    return metas[f.snapshot_id].label if f.snapshot_id in metas else None


def _shown_sample(vals: pl.DataFrame, f: Filters) -> bool:
    return bool(vals.filter(pl.col("fiscal_year") <= f.data_year)["has_sample"].any())


def _progress_config(lang: str) -> dict[str, Any]:
    return {
        "label": st.column_config.TextColumn(t("col_target", lang), width="medium"),
        "status_text": t("col_status", lang), "baseline_text": t("col_baseline", lang),
        "actual_text": t("col_actual", lang), "actual_year": t("col_actual_year", lang),
        "target_text": t("col_target_value", lang), "data": t("col_data", lang),
        "share": st.column_config.ProgressColumn(t("col_progress", lang), min_value=0, max_value=1.2,
                                                 format="percent"),
        "share_of_prefecture": st.column_config.NumberColumn(t("col_share", lang), format="percent"),
        "per_1000_65": st.column_config.NumberColumn(t("per_1000", lang), format="%.1f"),
    }


def _progress_section(f: Filters, rows: list[pg.Progress], key: str, title: str) -> pl.DataFrame:
    cat = state.catalog()
    tbl = views.progress_table(cat, rows, f.lang)
    if tbl.filter(pl.col("share").is_not_null() | (pl.col("status") != "no_target")).height:
        widgets.chart(charts.progress_bars(tbl, f.lang, title), key=f"{key}_bars", data=tbl, f=f)
    cols = ["label", "status_text", "share", "baseline_text", "actual_text", "actual_year", "target_text", "data"]
    if f.place != PREFECTURE:
        cols += ["share_of_prefecture", "per_1000_65"]
    widgets.table(tbl.select(cols), key=f"{key}_table", column_config=_progress_config(f.lang))
    return tbl


# ---------------------------------------------------------------- overview

def overview(f: Filters) -> None:
    """Every plan target at a glance for the chosen place."""
    cat = state.catalog()
    wanted = state.ids([tg.indicator_id for tg in cat.targets] + ["pop65"])
    vals = state.values(f.key, f.snapshot_id, wanted, state.ids(pg.needed_places(f.place)))
    rows = pg.progress_for_place(cat, vals, f.place, f.data_year)
    header(f, t("page_overview", f.lang))
    widgets.sample_banner(any(r.actual_is_sample for r in rows), f.lang)
    widgets.as_of_caption(f, _snapshot_label(f))
    st.subheader(t("status_counts", f.lang))
    widgets.status_counts(views.status_counts(rows), f.lang)
    share.written_summary(rows, None, f.lang)
    _progress_section(f, rows, "overview", t("progress_title", f.lang))
    areas = cat.policy_areas.filter(pl.col("policy_area") != "context")
    for r in areas.iter_rows(named=True):
        name = r["name_ja"] if f.lang == "ja" else r["name_en"]
        page_link(f"area{r['policy_area']}", t("open_area", f.lang, name=f"{r['policy_area']}. {name}"), f)
    share.exports_section(f)


# ---------------------------------------------------------------- policy areas

def area(f: Filters, area_id: str) -> None:
    """One policy area: headline progress, trends, municipal comparison and map."""
    cat = state.catalog()
    info = cat.policy_areas.filter(pl.col("policy_area") == area_id).row(0, named=True)
    inds = cat.indicators_in(area_id)
    vals = state.values(f.key, f.snapshot_id, state.ids([i.id for i in inds] + ["pop65"]), ())
    header(f, t("page_area", f.lang, n=area_id, name=info["name_ja" if f.lang == "ja" else "name_en"]))
    widgets.sample_banner(_shown_sample(vals, f), f.lang)
    widgets.as_of_caption(f, _snapshot_label(f))
    if info["has_targets"] == "true":
        st.subheader(t("headline", f.lang))
        rows = pg.progress_for_place(cat, vals, f.place, f.data_year, area_id)
        share.written_summary(rows, area_id, f.lang)
        _progress_section(f, rows, f"area{area_id}", t("progress_title", f.lang))
    else:
        st.info(t("no_targets_area", f.lang))
    if area_id == "4":
        _implementation(f, cat, vals, [i.id for i in inds if i.kind == "flag"])
    _trends(f, cat, vals, [i.id for i in inds], marks=info["has_targets"] == "true", key=f"area{area_id}")
    _comparison(f, cat, vals, [i.id for i in inds], key=f"area{area_id}")


def _trends(f: Filters, cat: Catalog, vals: pl.DataFrame, ind_ids: list[str], *, marks: bool, key: str) -> None:
    st.subheader(t("trends", f.lang))
    place_name = cat.place_name(f.place, f.lang)
    shown = [i for i in ind_ids if views.series(vals, i, f.place, f.data_year).height]
    cols = st.columns(2)
    for n, ind_id in enumerate(shown):
        view = views.trend_view(cat, vals, ind_id, f.place, f.data_year, f.lang)
        with cols[n % 2]:
            widgets.chart(charts.trend_chart(view, f.lang, place_name, marks=marks), key=f"{key}_trend_{ind_id}",
                          data=views.series(vals, ind_id, f.place, f.data_year), f=f)
            if view.note:
                st.caption(view.note)


def _comparison(f: Filters, cat: Catalog, vals: pl.DataFrame, ind_ids: list[str], *, key: str) -> None:
    st.subheader(t("comparison", f.lang))
    muni_ids = [i for i in ind_ids if views.has_municipal_values(vals, cat, i)]
    if not muni_ids:
        st.info(t("prefecture_only", f.lang))
        return
    ind_id = st.selectbox(t("comparison_indicator", f.lang), muni_ids, key=f"{key}_cmp_indicator",
                          format_func=lambda i: cat.indicators[i].name(f.lang))
    ind = cat.indicators[ind_id]
    df = views.comparison(cat, vals, ind_id, f.data_year, f.lang)
    if df.filter(pl.col("value").is_not_null()).height == 0:
        st.info(t("no_data", f.lang))
        return
    highlight = cat.members(f.place) if f.place != PREFECTURE else []
    bench = views.benchmark_for(cat, vals, ind_id, f.data_year, f.lang)
    pref_val = views.prefecture_reference(cat, vals, ind_id, f.data_year)
    title = t("rank_title", f.lang, name=ind.name(f.lang), fy=fmt.fy_label(f.data_year, f.lang))
    if ind.kind != "flag":
        widgets.chart(charts.ranking_bar(df, ind, f.lang, title, highlight, bench, pref_val),
                      key=f"{key}_rank", data=df, f=f)
    col = "per_1000" if ind.per_pop65 else "value"
    conf: dict[str, Any] = {
        "rank": t("col_rank", f.lang), "name": t("col_municipality", f.lang), "area": t("col_area", f.lang),
        "value": st.column_config.NumberColumn(t("col_value", f.lang) + views.paren(ind.unit(f.lang), f.lang),
                                               format="%.1f" if ind.kind == "rate" else "localized"),
        "pop65": st.column_config.NumberColumn(t("col_pop65", f.lang), format="localized"),
        "per_1000": st.column_config.ProgressColumn(
            f"{ind.unit(f.lang)}（{t('per_1000', f.lang)}）", min_value=0,
            max_value=float(df["per_1000"].max() or 1), format="%.1f"),  # type: ignore[arg-type]
        "share": st.column_config.ProgressColumn(t("col_share", f.lang), min_value=0,
                                                 max_value=float(df["share"].max() or 1), format="percent"),  # type: ignore[arg-type]
        "vs_benchmark": st.column_config.ProgressColumn(
            t("col_vs_benchmark", f.lang) + (views.paren(f"{bench[1]} = 100%", f.lang) if bench else ""),
            min_value=0,
            max_value=1.5, format="percent"),
    }
    shown = ["rank", "name", "area", "value", "pop65"] + [c for c in ("per_1000", "share", "vs_benchmark")
                                                           if df[c].is_not_null().any()]
    widgets.table(df.select(shown), key=f"{key}_cmp_table", column_config=conf)
    st.markdown(f"**{t('map', f.lang)}**")
    map_title = ind.name(f.lang) + views.paren(fmt.fy_label(f.data_year, f.lang), f.lang)
    geo = _geojson(str(boundary_geojson())) if boundary_geojson() else None
    if geo is not None:
        left, right = st.tabs([t("map_tiles", f.lang), t("map_geo", f.lang)])
        with left:
            widgets.chart(charts.tile_map(df, ind, f.lang, map_title, col, highlight), key=f"{key}_tiles", data=df, f=f)
        with right:
            widgets.chart(charts.choropleth(geo, df, ind, f.lang, map_title, col), key=f"{key}_choropleth",
                          data=df, f=f)
    else:
        widgets.chart(charts.tile_map(df, ind, f.lang, map_title, col, highlight), key=f"{key}_tiles", data=df, f=f)
    st.caption(t("tile_map_note", f.lang))


@functools.cache
def _geojson(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return dict(json.load(fh))


def _implementation(f: Filters, cat: Catalog, vals: pl.DataFrame, flag_ids: list[str]) -> None:
    for ind_id in flag_ids:
        matrix = views.implementation_matrix(cat, vals, ind_id, f.data_year, f.lang)
        if matrix.width > 2:
            counts = views.flag_counts(vals, ind_id, f.data_year)
            fig = charts.implementation_matrix(matrix, f.lang, t("matrix_title", f.lang), counts,
                                               views.plan_points(cat, ind_id))
            widgets.chart(fig, key=f"area4_matrix_{ind_id}", data=matrix, f=f)
        if f.place != PREFECTURE:
            # The plan's count (13 → 22 → 35) is prefecture-wide: always show it beside a place's own view.
            view = views.trend_view(cat, vals, ind_id, PREFECTURE, f.data_year, f.lang)
            widgets.chart(charts.trend_chart(view, f.lang, cat.place_name(PREFECTURE, f.lang)),
                          key=f"area4_count_{ind_id}", data=views.series(vals, ind_id, PREFECTURE, f.data_year), f=f)


# ---------------------------------------------------------------- profile

def profile(f: Filters) -> None:
    """市町村カルテ: one municipality beside its 圏域 and the prefecture."""
    cat = state.catalog()
    header(f, t("page_profile", f.lang))
    if cat.place_kind(f.place) != "municipality":
        st.info(t("profile_pick_note", f.lang))
        options = cat.members(f.place)
        st.selectbox(t("profile_pick", f.lang), options, index=None, key="profile_pick",
                     format_func=lambda c: cat.place_name(c, f.lang),
                     on_change=lambda: filters.set_place(st.session_state["profile_pick"]))
        return
    muni, area_code = f.place, cat.area_of(f.place)
    places = [muni, area_code, PREFECTURE]
    vals = state.values(f.key, f.snapshot_id, (), state.ids([*places, NATIONAL]))
    widgets.sample_banner(_shown_sample(vals.filter(pl.col("place_code") == muni), f), f.lang)
    widgets.as_of_caption(f, _snapshot_label(f))
    names = {c: cat.place_name(c, f.lang) for c in places}
    pop = views.series(vals, "pop65", muni, f.data_year)
    aging = views.series(vals, "aging_rate", muni, f.data_year)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("col_area", f.lang), names[area_code])
    c2.metric(t("pop65_word", f.lang), fmt.with_unit(pop["value"][-1] if pop.height else None, "人" if f.lang == "ja"
                                                     else "people", lang=f.lang))
    c3.metric(t("aging_word", f.lang), fmt.with_unit(aging["value"][-1] if aging.height else None, "%", "rate",
                                                     lang=f.lang))
    st.subheader(t("profile_side", f.lang, fy=fmt.fy_label(f.data_year, f.lang)))
    side = views.profile_table(cat, vals, muni, f.data_year, f.lang)
    widgets.table(side.drop("indicator_id", "is_sample"), key="profile_side", column_config={
        "policy_area": "#", "indicator": t("col_indicator", f.lang),
        "unit": t("col_unit", f.lang),
        "value_municipality": st.column_config.NumberColumn(names[muni] + views.paren(t("col_value", f.lang), f.lang),
                                                            format="localized"),
        "share_of_prefecture": st.column_config.ProgressColumn(t("col_share", f.lang), min_value=0,
                                                               max_value=0.5, format="percent"),
        "cmp_unit": t("col_cmp_unit", f.lang),
        "cmp_municipality": st.column_config.NumberColumn(names[muni], format="%.1f"),
        "cmp_area": st.column_config.NumberColumn(names[area_code], format="%.1f"),
        "cmp_prefecture": st.column_config.NumberColumn(names[PREFECTURE], format="%.1f")})
    st.subheader(t("profile_contrib", f.lang))
    contrib = pg.progress_for_place(cat, vals, muni, f.data_year)
    share.written_summary(contrib, None, f.lang)
    _progress_section(f, contrib, "profile", t("progress_title", f.lang))
    share.exports_section(f)
    st.subheader(t("profile_trends", f.lang))
    trend_ids = [r for r in side.filter(pl.col("policy_area") != "context")["indicator_id"].to_list()
                 if cat.indicators[r].kind != "flag"]
    cols = st.columns(2)
    for n, ind_id in enumerate(trend_ids):
        lines = views.compare_series(cat, vals, ind_id, places, f.data_year)
        with cols[n % 2]:
            widgets.chart(charts.compare_lines(cat.indicators[ind_id], lines, names, f.lang),
                          key=f"profile_trend_{ind_id}", f=f)


# ---------------------------------------------------------------- methodology

def methodology(f: Filters) -> None:
    """Snapshots in use, indicator definitions, targets, the status method, licences."""
    cat = state.catalog()
    lang = f.lang
    header(f, t("page_methodology", lang))
    st.subheader(t("meth_snapshots", lang))
    in_view = {m.id for m in state.visible_snapshots(f.key, f.snapshot_id)}
    snaps = pl.DataFrame([{
        "id": m.id, "label": m.label, "kind": t("kind_" + m.kind, lang), "created": m.created_at[:10],
        "rows": m.rows, "in_view": t("yes" if m.id in in_view else "no", lang),
        "withdrawn": t("yes" if m.withdrawn else "no", lang)} for m in state.snapshots(f.key)])
    if snaps.height:
        widgets.table(snaps, key="meth_snapshots", column_config={
            "id": t("col_id", lang), "label": st.column_config.TextColumn(t("col_label", lang), width="large"),
            "kind": t("col_kind", lang), "created": t("col_created", lang), "rows": t("col_rows", lang),
            "in_view": t("col_in_view", lang), "withdrawn": t("col_withdrawn", lang)})
    widgets.sample_banner(any(m.kind == "sample" for m in state.visible_snapshots(f.key, f.snapshot_id)), lang)
    st.subheader(t("meth_indicators", lang))
    inds = pl.DataFrame([{"area": i.policy_area, "indicator": i.name(lang), "unit": i.unit(lang),
                          "definition": i.definition(lang), "source": i.source}
                         for a in ("1", "2", "3", "4", "5", "context") for i in cat.indicators_in(a)])
    widgets.table(inds, key="meth_indicators", column_config={
        "area": "#", "indicator": t("col_indicator", lang), "unit": t("col_unit", lang),
        "definition": st.column_config.TextColumn(t("col_definition", lang), width="large"),
        "source": t("col_source", lang)})
    st.subheader(t("meth_targets", lang))
    tgs = pl.DataFrame([{
        "target": tg.label(lang),
        "baseline": (f"{views.value_text(cat, tg.indicator_id, tg.baseline_value, lang)}"
                     f"{views.paren(fmt.fy_label(tg.baseline_year, lang), lang)}"),
        "target_value": (views.value_text(cat, tg.indicator_id, tg.target_value, lang)
                         if tg.target_value is not None else t("national", lang)),
        "section": f"{tg.plan_section} {tg.plan_table}"} for tg in cat.targets])
    widgets.table(tgs, key="meth_targets", column_config={
        "target": t("col_target", lang), "baseline": t("col_baseline", lang),
        "target_value": t("col_target_value", lang), "section": t("col_source", lang)})
    st.subheader(t("meth_status", lang))
    st.markdown(t("status_method", lang))
    st.subheader(t("meth_licence", lang))
    st.markdown(t("licence_text", lang))
    sources = reference_dir() / "SOURCES.md"
    if sources.is_file():
        with st.expander(t("sources_file", lang)):
            st.markdown(sources.read_text(encoding="utf-8"))  # a file of the project, not user input
