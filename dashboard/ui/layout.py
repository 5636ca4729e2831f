"""The small layout every page shares: page header, sample and as-of lines, the headline progress block,
links to other pages, and the per-view cache (no page logic here: see the section modules)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import polars as pl
import streamlit as st

from dashboard import charts, data, fmt, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import t
from dashboard.ui import filters, phone, share, state, widgets
from dashboard.ui.filters import Filters
from dashboard.ui.state import Ledger, ViewCache, ViewKey


def page_link(pages: Mapping[str, Any], name: str, label: str, f: Filters) -> None:
    """A link to another page (from the navigation of this run) that carries the filters in its URL."""
    page = pages.get(name)
    if page is not None:
        st.page_link(page, label=label, query_params=f.url())


def header(f: Filters, title: str, progress: bool = True) -> None:
    """Page title with the place and year, then URL notices; on a page of progress (`progress`), one sentence
    when the snapshot shown holds the plan's baselines and targets but no actual for the place and year."""
    cat = state.catalog()
    phone.style()
    st.title(title)
    year = fmt.fy_label(f.data_year, f.lang) + (f"　{f.provisional}" if f.provisional else "")
    st.markdown(f"**{views.place_label(cat, f.place, f.lang)}**　{year}")
    updated = last_updated(f)
    if updated:
        st.caption(updated)
    if len(cat.plans_with_targets()) > 1:  # say which plan's targets are shown once there is a choice
        st.caption(t("plan_caption", f.lang, plan=cat.plan_name(f.lang, f.plan)))
    share.link_to_view(f)
    filters.notices(f)
    if progress and not has_actuals(f.view_key()):
        st.info(t("plan_figures_only", f.lang))


def last_updated(f: Filters) -> str:
    """「最終更新：令和8年12月6日（公表0004）」 for the as-of snapshot shown ("" when there is none)."""
    metas = {m.id: m for m in state.snapshots(f.key)}
    m = metas.get(f.snapshot_id or "")
    return fmt.last_updated(m.created_at, m.id, f.lang) if m is not None else ""


def _has_actuals(v: ViewKey) -> bool:
    cat = state.catalog(v.plan)
    ids = state.ids([tg.indicator_id for tg in cat.targets])
    return data.has_actuals(state.values(v, ids, (v.place,)), cat, v.place, v.year)


has_actuals = ViewCache(_has_actuals, 256, keyed=True)  # asked by every page header: once per view


def snapshot_label(f: Filters) -> str | None:
    """The label of the as-of snapshot shown (None when there is none)."""
    metas = {m.id: m for m in state.snapshots(f.key)}
    return metas[f.snapshot_id].label if f.snapshot_id in metas else None


def shown_sample(vals: pl.DataFrame, year: int) -> bool:
    """Whether any value shown up to the year comes from sample data."""
    return bool(vals.filter(pl.col("fiscal_year") <= year)["has_sample"].any())


def progress_config(lang: str) -> dict[str, Any]:
    """Column headers and formats of a progress table."""
    return {
        "label": st.column_config.TextColumn(t("col_target", lang), width="medium"),
        # The 令和5年度 and 令和7年度 targets of one indicator differ only at the end of a long label, which the
        # column cuts: the target year in a column of its own tells the rows apart.
        "target_year": st.column_config.TextColumn(t("col_target_year", lang), width="small"),
        "status_text": t("col_status", lang), "reason": t("col_verdict_detail", lang),
        "baseline_text": t("col_baseline", lang),
        "actual_text": t("col_actual", lang), "actual_year": t("col_actual_year", lang),
        "target_text": t("col_target_value", lang), "data": t("col_data", lang),
        # Text, as the chart writes it (96%, not 95.74%), with a dash and its reason where there is no figure.
        "share_text": t("col_progress", lang), "share_of_prefecture_text": t("col_share", lang),
        "per_1000_text": t("per_1000", lang),
        "coverage": st.column_config.TextColumn(t("col_coverage", lang)),
        "provisional": st.column_config.TextColumn(t("col_provisional", lang), width="medium"),
    }


# Each page section is built once per view and cached: its figures as plain dicts (building a figure takes
# 2-4 ms, rebuilding it from its dict ~0.2 ms), its tables and texts. Every cached section takes a ViewKey
# first (store state, snapshot, place, year, language, plan, screen kind; the memo refuses anything else), plus
# whatever else its output depends on. Why not st.cache_data: it unpickles the section on every run and, per
# positional argument, takes the function's signature again to hash it; that was 13-20 % of a page run's CPU
# on the server (bench/floor.py). Sections are immutable once built (frozen dataclasses, Polars frames, figure
# dicts that charts.from_spec copies), so every session is handed the same object. At most VIEW_ENTRIES views
# per function (least recently used go): enough for the warm-up's every place × both screen kinds × five
# policy areas (ui/warm.py: 46 × 2 × 5 = 460 area sections, with the prefecture's in the other languages).
# And all of them together at most $GUNMA_VIEW_CACHE_MB (default VIEW_CACHE_MB; state.deep_size) in one ledger,
# least recently used first, whichever function (the warm-up's 1,233 sections of the bundled data: ~34 MB).
# Sections are compacted first (state.compact): a trends section cut from the values frames kept 13 MB of their
# buffers alive at national scale for 10 KB of its own.
P = ParamSpec("P")
R = TypeVar("R")
VIEW_ENTRIES = 512
VIEW_CACHE_MB = 128
SECTIONS = Ledger(int(float(os.environ.get("GUNMA_VIEW_CACHE_MB") or VIEW_CACHE_MB) * 2**20))
_VIEW_CACHES: list[ViewCache] = []


def per_view(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache a page section per view (see ViewCache); the decorated function keeps its signature."""
    cache = ViewCache(fn, VIEW_ENTRIES, keyed=True, ledger=SECTIONS, keep=state.compact)
    _VIEW_CACHES.append(cache)
    return cache


def view_caches() -> tuple[ViewCache, ...]:
    """Every cached page section of this process (one ViewCache per `@per_view` function)."""
    return tuple(_VIEW_CACHES)


def clear_views() -> None:
    """Forget every cached page section of this process."""
    for c in _VIEW_CACHES:
        c.clear()


@dataclass(frozen=True)
class Headline:
    """Progress towards the targets shown at the top of a page: rows, their table and bar chart."""

    rows: list[pg.Progress]
    table: pl.DataFrame
    bars: widgets.Chart | None


def headline(cat: Catalog, vals: pl.DataFrame, place: str, year: int, lang: str, area_id: str | None,
              key: str, compact: bool = False) -> Headline:
    """Progress towards the catalog's targets at a place, its table and bars (None bars when nothing to draw);
    `compact`: the bars laid out for a phone (status under each target's name)."""
    rows = pg.progress_for_place(cat, vals, place, year, area_id)
    tbl = views.progress_table(cat, rows, lang)
    drawn = tbl.filter(pl.col("share").is_not_null() | (pl.col("status") != "context")).height
    bars = widgets.Chart.of(f"{key}_bars", charts.progress_bars(tbl, lang, t("progress_title", lang),
                                                                     compact=compact), tbl) \
        if drawn else None
    return Headline(rows, tbl, bars)


def _has_text(col: str) -> Callable[[pl.DataFrame], bool]:
    return lambda tb: bool((tb[col] != "").any())


def progress_section(f: Filters, head: Headline, key: str) -> None:
    """The progress bars and table of a headline."""
    if head.bars is not None:
        widgets.draw(head.bars, f)
    # What a reader looks for first, in the first screen at 1280 px: the target and its year, the verdict and
    # what it rests on, the actual and how many municipalities it covers; the rest to the right.
    cols = ["label", "target_year", "status_text", "reason", "actual_text", "actual_year"]
    cols += [c for c in ("coverage",) if widgets.derived(head.table, ("any_text", c), _has_text(c))]
    cols += ["target_text", "share_text", "baseline_text", "data"]
    if f.place != PREFECTURE:
        cols += ["share_of_prefecture_text", "per_1000_text"]
    # A newer partial year is shown as provisional.
    cols += [c for c in ("provisional",) if widgets.derived(head.table, ("any_text", c), _has_text(c))]
    # The target year beside the label (令和5年度 and 令和7年度 rows told apart); the shown table is made once
    # per cached headline.
    shown = widgets.derived(head.table, tuple(cols), lambda tb: tb.with_columns(target_year=pl.Series(
        [target_year(r, f.lang) for r in head.rows], dtype=pl.Utf8)).select(cols))
    if phone.on_phone():  # a phone: one card per target instead of a grid that scrolls sideways
        st.markdown(widgets.progress_cards_html(shown, progress_config(f.lang)), unsafe_allow_html=True)
        share.table_downloads(head.table, f"{key}_table", f, progress_config(f.lang))
        return
    widgets.table(shown, key=f"{key}_table", column_config=progress_config(f.lang), f=f, download=head.table)


def target_year(row: pg.Progress, lang: str) -> str:
    """The fiscal year a target is for (a period total: its last year), e.g. 令和7年度（2025）."""
    return fmt.fy_label(row.target_year, lang)



def area_values(v: ViewKey, area_id: str) -> pl.DataFrame:
    """As-of values of a policy area's indicators (and the population aged 65+), every place."""
    ids = [i.id for i in state.catalog().indicators_in(area_id)]
    return state.values(v, state.ids([*ids, "pop65"]), ())
