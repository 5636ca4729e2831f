"""The overview page (トップ): every plan target at a glance for the chosen place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import streamlit as st

from dashboard import progress as pg
from dashboard import views
from dashboard.catalog import Catalog, PolicyArea
from dashboard.i18n import t
from dashboard.ui import layout, phone, share, state, widgets
from dashboard.ui.filters import Filters
from dashboard.ui.layout import Headline, per_view
from dashboard.ui.state import ViewKey


def _overview_values(v: ViewKey) -> pl.DataFrame:
    cat = state.catalog(v.plan)
    wanted = state.ids([tg.indicator_id for tg in cat.targets] + ["pop65"])
    return state.values(v, wanted, state.ids(pg.needed_places(v.place)))


@per_view
def overview_headline(v: ViewKey) -> Headline:
    """Every target of the plan's progress at a place, with its bars (cached per view and screen kind)."""
    return layout.headline(state.catalog(v.plan), _overview_values(v), v.place, v.year, v.lang, None, "overview",
                           compact=v.screen == "phone")


def headline_area(cat: Catalog) -> PolicyArea | None:
    """The policy area of the plan's first target (its headline measure: 通いの場 in the 8th plan), if it has a page."""
    first = next(iter(cat.targets), None)
    ind = cat.indicators.get(first.indicator_id) if first is not None else None
    area = next((a for a in cat.areas_info() if ind is not None and a.id == ind.policy_area), None)
    return area if area is not None and area.page else None


def page(f: Filters, pages: Mapping[str, Any]) -> None:
    """Every plan target at a glance for the chosen place, with links to the policy-area pages."""
    cat = f.catalog()
    head = overview_headline(f.view_key("phone" if phone.on_phone() else "desktop"))
    rows = head.rows
    layout.header(f, t("page_overview", f.lang))
    widgets.sample_banner(any(r.actual_is_sample for r in rows), f.lang)
    widgets.as_of_caption(f, layout.snapshot_label(f))
    headline = headline_area(cat)
    if headline is not None:  # the plan's headline measure, 通いの場, and the page of its policy area
        layout.page_link(pages, headline.page_name,
                         t("headline_measure", f.lang, area=f"{headline.id}. {headline.name(f.lang)}"), f)
    st.subheader(t("status_counts", f.lang))
    widgets.status_counts(views.status_counts(rows), f.lang)
    share.written_summary(rows, None, f.lang, f.plan)
    layout.progress_section(f, head, "overview")
    for a in cat.areas_info():
        if a.page:
            layout.page_link(pages, a.page_name, t("open_area", f.lang, name=f"{a.id}. {a.name(f.lang)}"), f)
    share.exports_section(f)
