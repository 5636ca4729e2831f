"""Page bodies. Each page script reads the filters and calls one function here."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from dashboard import charts, export, fmt, links, views
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


def _shown_sample(vals: pl.DataFrame, year: int) -> bool:
    return bool(vals.filter(pl.col("fiscal_year") <= year)["has_sample"].any())


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
        "coverage": st.column_config.TextColumn(t("col_coverage", lang)),
        "provisional": st.column_config.TextColumn(t("col_provisional", lang), width="medium"),
    }


# Each page section is built once per view and cached: its figures as plain dicts (building a figure takes
# 2-4 ms, rebuilding it from its dict ~0.2 ms), its tables and texts. Every cached function below takes the
# store's state key and the as-of snapshot id, like the data calls, plus everything else its output depends
# on. Least recently used entries go beyond 16 MB (pickled) per function: an entry is 10-80 KB, so that
# is hundreds of views per function, and at most ~110 MB per server process.
per_view = st.cache_data(show_spinner=False, max_size="16MB")


@dataclass(frozen=True)
class Headline:
    """Progress towards the targets shown at the top of a page: rows, their table and bar chart."""

    rows: list[pg.Progress]
    table: pl.DataFrame
    bars: widgets.Chart | None


def _headline(cat: Catalog, vals: pl.DataFrame, place: str, year: int, lang: str, area_id: str | None,
              key: str) -> Headline:
    rows = pg.progress_for_place(cat, vals, place, year, area_id)
    tbl = views.progress_table(cat, rows, lang)
    drawn = tbl.filter(pl.col("share").is_not_null() | (pl.col("status") != "no_target")).height
    bars = widgets.Chart.of(f"{key}_bars", charts.progress_bars(tbl, lang, t("progress_title", lang)), tbl) \
        if drawn else None
    return Headline(rows, tbl, bars)


def _progress_section(f: Filters, head: Headline, key: str) -> None:
    if head.bars is not None:
        widgets.draw(head.bars, f)
    cols = ["label", "status_text", "share", "baseline_text", "actual_text", "actual_year", "target_text", "data"]
    if f.place != PREFECTURE:
        cols += ["share_of_prefecture", "per_1000_65"]
    # Roll-ups say how many municipalities reported; a newer partial year is shown as provisional.
    cols += [c for c in ("coverage", "provisional") if (head.table[c] != "").any()]
    widgets.table(head.table.select(cols), key=f"{key}_table", column_config=_progress_config(f.lang))


# ---------------------------------------------------------------- overview

def _overview_values(key: str, snapshot_id: str | None, place: str) -> pl.DataFrame:
    cat = state.catalog()
    wanted = state.ids([tg.indicator_id for tg in cat.targets] + ["pop65"])
    return state.values(key, snapshot_id, wanted, state.ids(pg.needed_places(place)))


@per_view
def overview_headline(key: str, snapshot_id: str | None, place: str, year: int, lang: str) -> Headline:
    """Every target's progress at a place, with its bars (cached per view)."""
    vals = _overview_values(key, snapshot_id, place)
    return _headline(state.catalog(), vals, place, year, lang, None, "overview")


def overview(f: Filters) -> None:
    """Every plan target at a glance for the chosen place."""
    cat = state.catalog()
    head = overview_headline(f.key, f.snapshot_id, f.place, f.data_year, f.lang)
    rows = head.rows
    header(f, t("page_overview", f.lang))
    widgets.sample_banner(any(r.actual_is_sample for r in rows), f.lang)
    widgets.as_of_caption(f, _snapshot_label(f))
    st.subheader(t("status_counts", f.lang))
    widgets.status_counts(views.status_counts(rows), f.lang)
    share.written_summary(rows, None, f.lang)
    _progress_section(f, head, "overview")
    areas = cat.policy_areas.filter(pl.col("policy_area") != "context")
    for r in areas.iter_rows(named=True):
        name = r["name_ja"] if f.lang == "ja" else r["name_en"]
        page_link(f"area{r['policy_area']}", t("open_area", f.lang, name=f"{r['policy_area']}. {name}"), f)
    share.exports_section(f)


# ---------------------------------------------------------------- policy areas

TAB_WRITTEN = "_area_tab_written"  # the tab last written to the URL, to tell a new link from our own write


def _area_values(key: str, snapshot_id: str | None, area_id: str) -> pl.DataFrame:
    ids = [i.id for i in state.catalog().indicators_in(area_id)]
    return state.values(key, snapshot_id, state.ids([*ids, "pop65"]), ())


@per_view
def area_sample(key: str, snapshot_id: str | None, year: int, area_id: str) -> bool:
    """Whether anything the area's pages show up to the year comes from sample data (cached per view)."""
    return _shown_sample(_area_values(key, snapshot_id, area_id), year)


@per_view
def area_headline(key: str, snapshot_id: str | None, place: str, year: int, lang: str,
                  area_id: str) -> tuple[Headline | None, list[widgets.Chart]]:
    """The area's headline progress (areas with targets) and, for area 4, its implementation charts."""
    cat = state.catalog()
    vals = _area_values(key, snapshot_id, area_id)
    head = _headline(cat, vals, place, year, lang, area_id, f"area{area_id}") if _has_targets(cat, area_id) else None
    flags = [i.id for i in cat.indicators_in(area_id) if i.kind == "flag"] if area_id == "4" else []
    return head, _implementation(cat, vals, flags, place, year, lang)


def _has_targets(cat: Catalog, area_id: str) -> bool:
    return bool(cat.policy_areas.filter(pl.col("policy_area") == area_id)["has_targets"][0] == "true")


def area(f: Filters, area_id: str) -> None:
    """One policy area: headline progress, trends, municipal comparison and map, one section per tab."""
    cat = state.catalog()
    info = cat.policy_areas.filter(pl.col("policy_area") == area_id).row(0, named=True)
    targets = _has_targets(cat, area_id)
    # The open tab is in the URL (&tab=trends), so a shared link reopens it. Decided before the header,
    # whose "link to this view" carries it.
    names = [s for s in links.TABS if s != "headline" or targets or area_id == "4"]
    ss, page, key = st.session_state, f"area{area_id}", f"area{area_id}_section"
    asked = st.query_params.get("tab")
    chosen = {t(s, lang): s for s in names for lang in views.LANGS}.get(ss.get(key, ""))
    if asked in names and asked != ss.get(TAB_WRITTEN):
        chosen = asked  # a link (or a typed URL) asks for this tab; not our own write, left from another page
    if chosen is not None:
        ss[key] = t(chosen, f.lang)  # also: the same tab after a language switch (its label changed)
    ss[share.OPEN_TAB] = (page, chosen or names[0])
    header(f, t("page_area", f.lang, n=area_id, name=info["name_ja" if f.lang == "ja" else "name_en"]))
    widgets.sample_banner(area_sample(f.key, f.snapshot_id, f.data_year, area_id), f.lang)
    widgets.as_of_caption(f, _snapshot_label(f))
    if not targets:
        st.info(t("no_targets_area", f.lang))
    # Tabs that run only when open (on_change="rerun"): a filter change redraws one section's charts, not
    # all ten or so (drawing them was most of the browser's time after a filter change). Every chart is
    # one click away; the chosen tab is kept while the filters change.
    tabs = st.tabs([t(s, f.lang) for s in names], key=key, on_change="rerun")
    for name, tab in zip(names, tabs, strict=True):
        if not tab.open:
            continue
        ss[share.OPEN_TAB], ss[TAB_WRITTEN] = (page, name), name
        if st.query_params.get("tab") != name:
            st.query_params["tab"] = name
        with tab:
            if name == "headline":
                head, implementation = area_headline(f.key, f.snapshot_id, f.place, f.data_year, f.lang, area_id)
                if head is not None:
                    share.written_summary(head.rows, area_id, f.lang)
                    _progress_section(f, head, f"area{area_id}")
                for c in implementation:
                    widgets.draw(c, f)
            elif name == "trends":
                cols = st.columns(2)
                for n, c in enumerate(area_trends(f.key, f.snapshot_id, f.place, f.data_year, f.lang, area_id,
                                                  targets)):
                    with cols[n % 2]:
                        widgets.draw(c, f)
            else:
                _comparison(f, area_id)


@per_view
def area_trends(key: str, snapshot_id: str | None, place: str, year: int, lang: str, area_id: str,
                marks: bool) -> list[widgets.Chart]:
    """One trend chart per indicator of the area with data at the place (cached per view)."""
    cat = state.catalog()
    vals = _area_values(key, snapshot_id, area_id)
    place_name = cat.place_name(place, lang)
    out = []
    for ind in cat.indicators_in(area_id):
        s = views.series(vals, ind.id, place, year)
        if s.height:
            view = views.trend_view(cat, vals, ind.id, place, year, lang)
            out.append(widgets.Chart.of(f"area{area_id}_trend_{ind.id}",
                                        charts.trend_chart(view, lang, place_name, marks=marks), s, view.note))
    return out


@per_view
def comparison_choices(key: str, snapshot_id: str | None, area_id: str) -> list[str]:
    """The area's indicators with municipal figures (the comparison picker's options)."""
    cat = state.catalog()
    vals = _area_values(key, snapshot_id, area_id)
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


@per_view
def comparison(key: str, snapshot_id: str | None, place: str, year: int, lang: str, area_id: str, ind_id: str,
               geojson: str | None) -> Comparison | None:
    """The comparison section for one indicator (None when no municipality has a value; cached per view)."""
    cat = state.catalog()
    vals = _area_values(key, snapshot_id, area_id)
    ind = cat.indicators[ind_id]
    df = views.comparison(cat, vals, ind_id, year, lang)
    if df.filter(pl.col("value").is_not_null()).height == 0:
        return None
    highlight = cat.members(place) if place != PREFECTURE else []
    bench = views.benchmark_for(cat, vals, ind_id, year, lang)
    pref_val = views.prefecture_reference(cat, vals, ind_id, year)
    title = t("rank_title", lang, name=ind.name(lang), fy=fmt.fy_label(year, lang))
    rank = widgets.Chart.of(f"area{area_id}_rank", charts.ranking_bar(df, ind, lang, title, highlight, bench,
                                                                     pref_val), df) if ind.kind != "flag" else None
    col = "per_1000" if ind.per_pop65 else "value"
    map_title = ind.name(lang) + views.paren(fmt.fy_label(year, lang), lang)
    tiles = widgets.Chart.of(f"area{area_id}_tiles", charts.tile_map(df, ind, lang, map_title, col, highlight), df)
    geo = widgets.Chart.of(f"area{area_id}_choropleth", charts.choropleth(_geojson(geojson), df, ind, lang,
                                                                         map_title, col), df) if geojson else None
    cov = views.coverage_by_year(vals, ind_id, [PREFECTURE], year, lang).get(PREFECTURE, {}).get(year, "")
    return Comparison(df, bench, rank, tiles, geo,
                      f"{cat.place_name(PREFECTURE, lang)}：{cov}" if lang == "ja" and cov else
                      f"{cat.place_name(PREFECTURE, lang)}: {cov}" if cov else "")


@st.fragment
def _comparison(f: Filters, area_id: str) -> None:
    # A fragment: picking another indicator reruns this section only, not the whole page.
    cat = state.catalog()
    muni_ids = comparison_choices(f.key, f.snapshot_id, area_id)
    if not muni_ids:
        st.info(t("prefecture_only", f.lang))
        return
    ind_id = st.selectbox(t("comparison_indicator", f.lang), muni_ids, key=f"area{area_id}_cmp_indicator",
                          format_func=lambda i: cat.indicators[i].name(f.lang))
    ind = cat.indicators[ind_id]
    geojson = boundary_geojson()
    c = comparison(f.key, f.snapshot_id, f.place, f.data_year, f.lang, area_id, ind_id,
                   str(geojson) if geojson else None)
    if c is None:
        st.info(t("no_data", f.lang))
        return
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
        "share": st.column_config.ProgressColumn(t("col_share", f.lang), min_value=0,
                                                 max_value=float(df["share"].max() or 1), format="percent"),  # type: ignore[arg-type]
        "vs_benchmark": st.column_config.ProgressColumn(
            t("col_vs_benchmark", f.lang) + (views.paren(f"{bench[1]} = 100%", f.lang) if bench else ""),
            min_value=0,
            max_value=1.5, format="percent"),
    }
    shown = ["rank", "name", "area", "value", "pop65"] + [c for c in ("per_1000", "share", "vs_benchmark")
                                                           if df[c].is_not_null().any()]
    widgets.table(df.select(shown), key=f"area{area_id}_cmp_table", column_config=conf)
    if c.coverage:
        st.caption(c.coverage)
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


def _implementation(cat: Catalog, vals: pl.DataFrame, flag_ids: list[str], place: str, year: int,
                    lang: str) -> list[widgets.Chart]:
    out = []
    for ind_id in flag_ids:
        matrix = views.implementation_matrix(cat, vals, ind_id, year, lang)
        if matrix.width > 2:
            counts = views.flag_counts(vals, ind_id, year)
            fig = charts.implementation_matrix(matrix, lang, t("matrix_title", lang), counts,
                                               views.plan_points(cat, ind_id),
                                               coverage=views.flag_coverage(vals, ind_id, year, lang))
            out.append(widgets.Chart.of(f"area4_matrix_{ind_id}", fig, matrix))
        if place != PREFECTURE:
            # The plan's count (13 → 22 → 35) is prefecture-wide: always show it beside a place's own view.
            view = views.trend_view(cat, vals, ind_id, PREFECTURE, year, lang)
            out.append(widgets.Chart.of(f"area4_count_{ind_id}",
                                        charts.trend_chart(view, lang, cat.place_name(PREFECTURE, lang)),
                                        views.series(vals, ind_id, PREFECTURE, year)))
    return out


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
    names = {c: cat.place_name(c, f.lang) for c in (muni, area_code, PREFECTURE)}
    p = profile_parts(f.key, f.snapshot_id, muni, f.data_year, f.lang)
    widgets.sample_banner(p.sample, f.lang)
    widgets.as_of_caption(f, _snapshot_label(f))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("col_area", f.lang), names[area_code])
    c2.metric(t("pop65_word", f.lang), fmt.with_unit(p.pop65, "人" if f.lang == "ja" else "people", lang=f.lang))
    c3.metric(t("aging_word", f.lang), fmt.with_unit(p.aging_rate, "%", "rate", lang=f.lang))
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
                                                                                           f.lang))})
    st.subheader(t("profile_contrib", f.lang))
    share.written_summary(p.headline.rows, None, f.lang)
    _progress_section(f, p.headline, "profile")
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
def profile_parts(key: str, snapshot_id: str | None, muni: str, year: int, lang: str) -> Profile:
    """The profile of one municipality beside its 圏域 and the prefecture (cached per view)."""
    cat = state.catalog()
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
    return Profile(_shown_sample(vals.filter(pl.col("place_code") == muni), year),
                   pop["value"][-1] if pop.height else None, aging["value"][-1] if aging.height else None,
                   side, _headline(cat, vals, muni, year, lang, None, "profile"), trends)


# ---------------------------------------------------------------- methodology

def methodology(f: Filters) -> None:
    """Snapshots in use, indicator definitions, targets, the status method, licences."""
    cat = state.catalog()
    lang = f.lang
    header(f, t("page_methodology", lang))
    st.subheader(t("meth_snapshots", lang))
    in_view = {m.id for m in state.visible_snapshots(f.key, f.snapshot_id)}
    snaps = views.snapshot_table(state.snapshots(f.key), in_view, lang)
    if snaps.height:
        widgets.table(snaps, key="meth_snapshots", column_config={
            "id": t("col_id", lang), "label": st.column_config.TextColumn(t("col_label", lang), width="large"),
            "kind": t("col_kind", lang), "publisher": t("col_publisher", lang), "created": t("col_created", lang),
            "rows": t("col_rows", lang), "in_view": t("col_in_view", lang), "withdrawn": t("col_withdrawn", lang)})
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
    st.subheader(t("meth_coverage", lang))
    st.markdown(t("coverage_method", lang))
    st.subheader(t("meth_licence", lang))
    st.markdown(t("licence_text", lang))
    sources = reference_dir() / "SOURCES.md"
    if sources.is_file():
        with st.expander(t("sources_file", lang)):
            st.markdown(sources.read_text(encoding="utf-8"))  # a file of the project, not user input
