"""The methodology page: snapshots in use, indicator definitions, targets, status method, licences."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboard import fmt, views
from dashboard.catalog import PolicyArea
from dashboard.config import reference_dir
from dashboard.i18n import N_, t
from dashboard.ui import layout, state, widgets
from dashboard.ui.filters import Filters
from dashboard.ui.layout import per_view
from dashboard.ui.state import ViewKey


def area_name(area: PolicyArea, lang: str) -> str:
    """A policy area as the menu names it (「1. 介護予防・フレイル予防の推進」; the context area by its name)."""
    return t("page_area", lang, n=area.id, name=area.name(lang)) if area.page else area.name(lang)


@dataclass(frozen=True)
class Tables:
    """The methodology page's three tables (built once per view: they change only with the store, language
    and plan)."""

    snapshots: pl.DataFrame
    sample: bool
    indicators: pl.DataFrame
    targets: pl.DataFrame


@per_view
def tables(v: ViewKey) -> Tables:
    """Snapshots in use, indicator definitions and the plan's targets, as shown (cached per snapshot, language
    and plan: not per place or year)."""
    cat, lang = state.catalog(v.plan), v.lang
    visible = state.visible_snapshots(v.state, v.snapshot)
    snaps = views.snapshot_table(state.snapshots(v.state), {m.id for m in visible}, lang)
    inds = pl.DataFrame([{"area": area_name(a, lang), "indicator": i.name(lang), "unit": i.unit(lang),
                          "definition": i.definition(lang), "source": i.source}
                         for a in cat.areas_info() for i in cat.indicators_in(a.id)])
    tgs = pl.DataFrame([{
        "target": tg.label(lang),
        "baseline": (f"{views.value_text(cat, tg.indicator_id, tg.baseline_value, lang)}"
                     f"{views.paren(fmt.fy_label(tg.baseline_year, lang), lang)}"),
        "target_value": (views.value_text(cat, tg.indicator_id, tg.target_value, lang)
                         if tg.target_value is not None else t("national", lang)),
        "section": tg.source(lang)} for tg in cat.targets])
    return Tables(snaps, any(m.kind == "sample" for m in visible), inds, tgs)


def page(f: Filters) -> None:
    """Snapshots in use, indicator definitions, targets of the chosen plan, the status method, licences."""
    lang = f.lang
    layout.header(f, t("page_methodology", lang), progress=False)
    tb = tables(f.view_key().data().at(lang=lang, plan=f.plan))
    st.subheader(t("meth_snapshots", lang))
    updated = layout.last_updated(f)
    if updated:  # the date people cite; the snapshot ids stay in the table for those who need them
        st.markdown(updated)
    if tb.snapshots.height:
        widgets.table(tb.snapshots, key="meth_snapshots", column_config={
            "id": t("col_id", lang), "label": st.column_config.TextColumn(t("col_label", lang), width="large"),
            "kind": t("col_kind", lang), "publisher": t("col_publisher", lang), "created": t("col_created", lang),
            "rows": t("col_rows", lang), "in_view": t("col_in_view", lang), "withdrawn": t("col_withdrawn", lang)}, f=f)
    widgets.sample_banner(tb.sample, lang)
    st.subheader(t("meth_indicators", lang))
    widgets.table(tb.indicators, key="meth_indicators", column_config={
        "area": t("col_policy_area", lang), "indicator": t("col_indicator", lang), "unit": t("col_unit", lang),
        "definition": st.column_config.TextColumn(t("col_definition", lang), width="large"),
        "source": t("col_source", lang)}, f=f)
    st.subheader(t("meth_targets", lang))
    widgets.table(tb.targets, key="meth_targets", column_config={
        "target": t("col_target", lang), "baseline": t("col_baseline", lang),
        "target_value": t("col_target_value", lang), "section": t("col_source", lang)}, f=f)
    # The status method, the coverage rule and the licences: one text block of three sections (the same
    # headings and text as three subheaders and three paragraphs, in one element instead of six).
    st.markdown("\n\n".join(f"### {t(head, lang)}\n\n{t(body, lang)}" for head, body in (
        (N_("meth_status"), N_("status_method")), (N_("meth_coverage"), N_("coverage_method")),
        (N_("meth_grades"), N_("grade_method")), (N_("meth_licence"), N_("licence_text")))))
    sources = reference_dir() / "SOURCES.md"
    if sources.is_file():
        with st.expander(t("sources_file", lang)):
            st.markdown(sources.read_text(encoding="utf-8"))  # a file of the project, not user input
