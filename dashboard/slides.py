"""The key screens of a presentation: one headline chart and its takeaway per policy area.

Shared by presenter mode and the .pptx deck, so both show the same charts and sentences.
Pure: catalog + as-of values in, figures and text out (no Streamlit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, summary, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.i18n import t


@dataclass
class Slide:
    """One screen: a headline chart with its one-sentence takeaway and supporting sentences."""

    key: str  # stable id: "overview", "area1", ...
    area_id: str | None
    title: str
    fig: go.Figure
    takeaway: str
    details: list[str] = field(default_factory=list)
    rows: list[pg.Progress] = field(default_factory=list)  # the targets behind the chart (may be empty)
    data: pl.DataFrame | None = None  # the table behind the chart (for exports)
    sample: bool = False


def _area_name(catalog: Catalog, area_id: str, lang: str) -> str:
    return t("page_area", lang, n=area_id, name=catalog.area_info(area_id).name(lang))


def area_ids(catalog: Catalog) -> list[str]:
    """The plan's policy areas in order (the population context is not one)."""
    return [a for a in catalog.policy_areas["policy_area"].to_list() if a != "context"]


def overview_sentences(catalog: Catalog, rows: list[pg.Progress], lang: str) -> list[str]:
    """Status counts, then one sentence per policy area (overview page and briefing)."""
    judged = [r for r in rows if r.status != "context"]
    lines = [summary.status_count_sentence(judged, lang)] if judged else []
    for a in area_ids(catalog):
        area_rows = [r for r in rows if catalog.indicators[r.indicator_id].policy_area == a]
        if area_rows:
            lines.append(summary.area_summary(catalog, area_rows, a, lang)[0])
    return lines


def key_slides(catalog: Catalog, values: pl.DataFrame, place: str, year: int, lang: str,
               with_overview: bool = True, *, present: bool = False, compact: bool = False,
               width: int = 1200) -> list[Slide]:
    """Overview, then each policy area: its progress bars (or, without targets, its first trend).

    `present` draws every chart for a projector (text ≥ 18 px, charts.presented at `width` px);
    `compact` lays the progress bars out for a phone."""
    place_name = catalog.place_name(place, lang)
    out: list[Slide] = []

    def bars(tbl: pl.DataFrame, rows: list[pg.Progress]) -> go.Figure:
        return charts.progress_bars(tbl, lang, t("progress_title", lang), present=present,
                                    compact=compact and not present)

    def shown(fig: go.Figure) -> go.Figure:
        return charts.presented(fig, width) if present else fig

    if with_overview:
        rows = pg.progress_for_place(catalog, values, place, year)
        tbl = views.progress_table(catalog, rows, lang)
        title = t("slide_overview_title", lang, page=t("page_overview", lang), place=place_name)
        out.append(Slide("overview", None, title, bars(tbl, rows),
                         summary.status_count_sentence([r for r in rows if r.status != "context"], lang),
                         rows=rows, data=tbl, sample=any(r.actual_is_sample for r in rows)))
    for a in area_ids(catalog):
        title = _area_name(catalog, a, lang)
        rows = pg.progress_for_place(catalog, values, place, year, a)
        tbl = views.progress_table(catalog, rows, lang)
        drawable = tbl.filter(pl.col("share").is_not_null() | (pl.col("status") != "context"))
        sentences = summary.area_summary(catalog, rows, a, lang)
        if drawable.height:
            fig = bars(tbl, rows)
            out.append(Slide(f"area{a}", a, title, fig, sentences[0], sentences[1:], rows=rows, data=tbl,
                             sample=any(r.actual_is_sample for r in rows)))
            continue
        # No target to draw here: the area's first indicator that changes over time, as a trend.
        ind_id = _trend_indicator(catalog, values, a, place, year)
        if ind_id is None:
            # Still one screen per area, so decks and presentations always cover all five.
            out.append(Slide(f"area{a}", a, title, shown(_no_data_figure(lang)), t("no_data", lang), rows=rows))
            continue
        s = views.series(values, ind_id, place, year)
        view = views.trend_view(catalog, values, ind_id, place, year, lang)
        fig = shown(charts.trend_chart(view, lang, place_name, marks=bool(view.targets),
                                       yes_no=catalog.place_kind(place) == "municipality"))
        lines = [x for x in (summary.trend_sentence(catalog, values, i.id, place, year, lang)
                             for i in sorted(catalog.indicators_in(a), key=lambda i: i.id != ind_id)
                             if i.kind != "flag") if x]
        if catalog.indicators[ind_id].kind == "flag" or not lines:
            lines = [*sentences[1:], *lines] or sentences
        else:
            lines = [lines[0], *sentences[1:], *lines[1:3]]
        out.append(Slide(f"area{a}", a, title, fig, lines[0], lines[1:4], rows=rows, data=s,
                         sample=bool(s["has_sample"].any())))
    return out


def _trend_indicator(catalog: Catalog, values: pl.DataFrame, area_id: str, place: str, year: int) -> str | None:
    """The area's first non-flag indicator whose values change at the place (else any with data)."""
    with_data = [i for i in catalog.indicators_in(area_id) if views.series(values, i.id, place, year).height]
    for ind in with_data:
        if ind.kind != "flag" and views.series(values, ind.id, place, year)["value"].n_unique() > 1:
            return ind.id
    return with_data[0].id if with_data else None


def _no_data_figure(lang: str) -> go.Figure:
    """An empty chart that says there is no data at this point."""
    fig = go.Figure()
    fig.add_annotation(text=t("no_data", lang), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 22, "color": "#555555"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    # Every side of the margin set: charts.presented reads them all (an empty margin raised KeyError 'b' in
    # presenter mode for a place with no data in an area, e.g. 高崎市 on the official snapshot).
    fig.update_layout(template="gunma", height=420, font={"family": charts.FONT},
                      margin={"l": 20, "r": 20, "t": 40, "b": 40})
    return fig
