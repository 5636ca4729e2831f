"""Sharing on every page: "link to this view", exports under charts and tables, deck and briefing downloads.

Files are built only when a button is clicked (download_button with a callable). The download buttons of
a chart, a table or the deck and briefing are made only while their popover is open, so a page run with
many charts pays for one closed popover per chart, not for three download buttons (see export_popover).

Every file is kept in one export cache (a ViewCache with a byte budget) under the view it shows, so the same
deck or PNG is never built twice; a build that misses the cache counts against the session and the client
address and runs in the worker's few build slots (dashboard.budget). A visitor over the budget gets a sentence
in the popover instead of buttons.
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import replace
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import budget, export, links, slides, summary, views
from dashboard import progress as pg
from dashboard.i18n import N_, t
from dashboard.ui import state, visitor
from dashboard.ui.filters import Filters

CHART_POPOVER = "dlp_"  # widget key prefix of a chart's export popover (+ the chart key)
TABLE_POPOVER = "dltp_"  # widget key prefix of a table's export popover (+ the table key)
REPORTS_POPOVER = "dl_reports"  # widget key of the deck and briefing popover
LINK_POPOVER = "share_link_pop"  # widget key of the "link to this view" popover

# Files already built, under what they show (their content or the view and store state: a publication starts
# afresh). $GUNMA_EXPORT_CACHE_MB (default 64) bounds its bytes, oldest dropped first.
EXPORTS = state.ViewCache(max_entries=1024, max_bytes=int(float(os.environ.get("GUNMA_EXPORT_CACHE_MB") or 64)
                                                          * 1024 * 1024))
BUDGET = budget.ExportBudget(budget.ExportLimits.from_env())


def cached_file(key: Hashable, build: Callable[[], bytes]) -> Callable[[], bytes]:
    """A download button's data callable: the file from the export cache, else built once within the session's
    and the client's budget in a build slot. Who asks is read now, in the script run (the callable runs
    later, outside it)."""
    session, client = visitor.session_id(), visitor.client()
    return lambda: EXPORTS.get(key, lambda: BUDGET.run(session, client, build))  # type: ignore[no-any-return]


def fingerprint(frame: pl.DataFrame) -> tuple[Hashable, ...]:
    """A frame's content as a cache key: its columns, their types and a digest of its rows in order."""
    try:
        digest = frame.hash_rows(seed=0).to_numpy().tobytes()
    except pl.exceptions.PolarsError:  # a column type Polars cannot hash: its rows as text
        digest = repr(frame.rows()).encode("utf-8")
    rows = hashlib.blake2b(digest, digest_size=16).hexdigest()
    return tuple(frame.columns), tuple(str(d) for d in frame.dtypes), frame.height, rows


def fig_fingerprint(fig: go.Figure) -> str:
    """A figure's content as a cache key (what the PNG would show)."""
    return hashlib.blake2b(fig.to_json().encode("utf-8"), digest_size=16).hexdigest()


def over_budget(lang: str) -> str | None:
    """The sentence for a visitor who has had too many files built lately (None while within the budget)."""
    wait = BUDGET.retry_after(visitor.session_id(), visitor.client())
    return t("export_over_budget", lang, seconds=int(wait) + 1) if wait > 0 else None


def view_of(f: Filters) -> links.View:
    """The view on screen (page, filters, open tab), with "latest" pinned to the snapshot actually shown."""
    return f.view()


def base_url() -> str:
    """scheme://host:port as the browser sees it ("" when unknown, e.g. in AppTest)."""
    try:
        return links.base_from(st.context.url or "")
    except Exception:
        return ""


def link_to_view(f: Filters) -> None:
    """The visible "link to this view" action: a popover with copyable URLs (view, presenter, embed).

    Its body (three URLs, a button, captions: eight elements) is made only while the popover is open, as the
    export popovers' buttons are: every element costs server CPU on every run of every session, and this
    popover is on every page."""
    pop = st.popover(t("share_link", f.lang), icon=":material/link:", key=LINK_POPOVER, on_change="rerun")
    if not pop.open:
        return
    v = view_of(f)
    base = base_url()
    present_url = links.build(replace(v, mode="present"), base)
    with pop:
        # One URL per tab: the three stacked were taller than a 1280×720 screen and the embed link was cut off.
        view_tab, present_tab, embed_tab = st.tabs([t("share_tab_view", f.lang), t("share_tab_present", f.lang),
                                                    t("share_tab_embed", f.lang)])
        with view_tab:
            st.caption(t("share_link_help", f.lang))
            st.code(links.build(v, base), language=None, wrap_lines=True)
        with present_tab:
            st.caption(t("share_link_present", f.lang))
            st.code(present_url, language=None, wrap_lines=True)
            st.link_button(t("share_start_present", f.lang), present_url, icon=":material/slideshow:")
        with embed_tab:
            st.caption(t("share_link_embed", f.lang))
            st.code(links.build(replace(v, embed=True), base), language=None, wrap_lines=True)


def _sample_in_view(f: Filters) -> bool:
    return any(m.kind == "sample" for m in state.visible_snapshots(f.key, f.snapshot_id))


def meta(f: Filters, title: str) -> export.ExportMeta:
    """Export metadata for the current filters (sample flagged when any visible snapshot is sample)."""
    return replace(_view_meta(f, base_url()), title=title)


def _view_meta_of(f: Filters, base: str) -> export.ExportMeta:
    # The same for every chart and table of a view (f carries the page, tab and store state key): built once,
    # not per chart.
    cat = state.catalog()
    label = next((m.label for m in state.snapshots(f.key) if m.id == f.snapshot_id), None)
    return export.ExportMeta(title="", place_name=views.place_label(cat, f.place, f.lang), year=f.data_year,
                             snapshot_id=f.snapshot_id, snapshot_label=label, sample=_sample_in_view(f),
                             lang=f.lang, url=links.build(view_of(f), base), provisional=f.provisional)


_view_meta = state.ViewCache(_view_meta_of, 1024)


def _data_buttons(frame: pl.DataFrame, sample: bool, m: export.ExportMeta, name: str, lang: str,
                  prefix: str, key: str) -> None:
    """CSV and Excel buttons for one frame (files built on click). A progress table goes out as numbers with
    headers in the user's language (export.progress_frame)."""
    frame, names = download_frame(frame, None, lang)
    # The file is what the frame holds: its content is the key (a section's own pickers change a table without
    # changing the URL), with m for what the file says about itself.
    view = (prefix, key, m, sample, fingerprint(frame), tuple((names or {}).items()))
    st.download_button(t("share_csv", lang), data=cached_file(("csv", *view),
                                                              lambda: export.csv_bytes(frame, sample, lang)),
                       file_name=f"{name}.csv", mime="text/csv", icon=":material/table:", type="tertiary",
                       on_click="ignore", key=f"{prefix}_csv_{key}")
    st.download_button(t("share_xlsx", lang),
                       data=cached_file(("xlsx", *view), lambda: export.xlsx_bytes(frame, m, names=names)),
                       file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/grid_on:", type="tertiary", on_click="ignore", key=f"{prefix}_xlsx_{key}")


def export_popover(label_key: str, key: str, lang: str, style: Literal["secondary", "tertiary"] = "tertiary") -> Any:
    """The closed "Export" popover under a chart or table; its container when open, else None.

    Why a popover: Streamlit keeps a media-file entry per st.download_button per session and revisits
    every entry of every session at the end of each run; with three buttons under every chart that was
    the largest share of server CPU when many people open a page at once. The buttons now exist only
    while the user has the popover open (on_change="rerun" makes the open state known to the script).
    """
    pop = st.popover(t(label_key, lang), icon=":material/download:", type=style, key=key,
                     on_change="rerun", help=t("export_help", lang))
    if not pop.open:
        return None
    refusal = over_budget(lang)
    if refusal:
        pop.warning(refusal, icon=":material/hourglass_top:")
        return None
    return pop


def chart_downloads(fig: go.Figure, key: str, data: pl.DataFrame | None, f: Filters | None) -> None:
    """PNG, CSV and Excel buttons under a chart, in a popover (buttons and files made only when opened)."""
    if f is None:
        return
    pop = export_popover(N_("export_chart"), f"{CHART_POPOVER}{key}", f.lang)
    if pop is None:
        return
    frame = data if data is not None else export.figure_frame(fig)
    m = meta(f, key)
    name = export.safe_name(f"{key}_{f.place}_{f.data_year}")
    with pop:
        png = cached_file(("png", key, m, fig_fingerprint(fig)), lambda: export.png(fig, 1200))
        st.download_button(t("share_png", f.lang), data=png, file_name=f"{name}.png",
                           mime="image/png", icon=":material/image:", type="tertiary", on_click="ignore",
                           key=f"dl_png_{key}")
        _data_buttons(frame, m.sample, m, name, f.lang, "dl", key)


def download_frame(df: pl.DataFrame, column_config: Mapping[str, Any] | None, lang: str
                   ) -> tuple[pl.DataFrame, dict[str, str] | None]:
    """What a table's or chart's CSV/XLSX holds: a progress table (views.progress_table) as numbers with headers
    in the user's language and their machine names (export.progress_frame); any other table with the headers
    shown on screen."""
    if "status_text" in df.columns and "actual_value" in df.columns:
        return export.progress_frame(df, lang)
    return with_headers(df, column_config), None


def with_headers(df: pl.DataFrame, column_config: Mapping[str, Any] | None) -> pl.DataFrame:
    """The table with the headers shown on screen (from its column config) instead of field names, without the
    columns it hides (config None)."""
    names: dict[str, str] = {}
    df = df.drop([c for c, cfg in (column_config or {}).items() if cfg is None and c in df.columns])
    for col, cfg in (column_config or {}).items():
        label = cfg if isinstance(cfg, str) else cfg.get("label") if isinstance(cfg, Mapping) else None
        if col in df.columns and label and label not in df.columns and label not in names.values():
            names[col] = str(label)
    return df.rename(names)


def table_downloads(df: pl.DataFrame, key: str, f: Filters | None = None,
                    column_config: Mapping[str, Any] | None = None) -> None:
    """CSV and Excel buttons under a table, in a popover (none without filters); the files have the headers
    shown on screen (from `column_config`)."""
    if f is None:
        return
    pop = export_popover(N_("export_table"), f"{TABLE_POPOVER}{key}", f.lang)
    if pop is None:
        return
    if not ("status_text" in df.columns and "actual_value" in df.columns):
        df = with_headers(df, column_config)  # only once the popover is open: not a cost of every run
    m = meta(f, key)
    name = export.safe_name(f"{key}_{f.place}_{f.data_year}")
    with pop:
        _data_buttons(df, m.sample, m, name, f.lang, "dlt", key)


def _values_for(f: Filters) -> pl.DataFrame:
    return state.values(f.view_key(), (), state.ids(pg.needed_places(f.place)))


def report_downloads(f: Filters, deck: bool = True, briefing: bool = True) -> None:
    """Slide deck and one-page briefing for the current filters, in a popover (buttons made only when it is
    open; values read and files built on click)."""
    pop = export_popover(N_("export_reports"), REPORTS_POPOVER, f.lang, style="secondary")
    if pop is None:
        return
    cat = f.catalog()  # the chosen plan's targets
    name = export.safe_name(f"{f.place}_{f.data_year}_{f.snapshot_id or 'none'}_{f.lang}")
    args: dict[str, Any] = {"type": "secondary", "on_click": "ignore"}
    with pop:
        if deck:
            m = meta(f, t("report_title_deck", f.lang))
            # The deck takes seconds (a chart drawn per slide): built in this run on request, its progress shown.
            # (A download button's own callable runs outside the script, where st.status cannot show.)
            if st.button(t("share_deck_make", f.lang), key="mk_deck", icon=":material/slideshow:", type="secondary"):
                with st.status(t("share_deck_building", f.lang)) as box:
                    def build() -> bytes:
                        return export.deck_for(cat, _values_for(f), f.place, f.data_year, m, progress=lambda d, n:
                                               box.update(label=t("share_deck_step", f.lang, done=d, total=n)))

                    def queued(ahead: int) -> None:
                        box.update(label=t("share_deck_queued", f.lang, n=ahead))

                    try:
                        pptx = EXPORTS.get(("deck", m, f.plan, f.key), lambda: BUDGET.run(
                            visitor.session_id(), visitor.client(), build, on_wait=queued))
                    except budget.ExportBusy:
                        box.update(label=t("share_deck_busy", f.lang), state="error")
                        return
                    box.update(label=t("share_deck_ready", f.lang), state="complete", expanded=False)
                st.download_button(t("share_deck", f.lang), data=pptx, file_name=f"slides_{name}.pptx",
                                   icon=":material/download:", key="dl_deck",
                                   mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                                   **args)
        if briefing:
            mb = meta(f, t("report_title_briefing", f.lang, place=cat.place_name(f.place, f.lang)))
            more = t("report_title_briefing_more", f.lang, place=cat.place_name(f.place, f.lang))
            st.download_button(t("share_briefing_pdf", f.lang),
                               data=cached_file(("briefing.pdf", mb, f.plan, f.key), lambda: export.briefing_pdf(
                                   cat, _values_for(f), f.place, f.data_year, mb, more)),
                               file_name=f"briefing_{name}.pdf", mime="application/pdf", icon=":material/print:",
                               key="dl_briefing_pdf", **args)
            st.download_button(t("share_briefing", f.lang),
                               data=cached_file(("briefing.html", mb, f.plan, f.key), lambda: export.briefing_for(
                                   cat, _values_for(f), f.place, f.data_year, mb).encode("utf-8")),
                               file_name=f"briefing_{name}.html", mime="text/html", icon=":material/code:",
                               key="dl_briefing", **args)


def exports_section(f: Filters, deck: bool = True, briefing: bool = True) -> None:
    """A small titled block with the deck and briefing downloads."""
    st.subheader(t("share_exports", f.lang))
    report_downloads(f, deck, briefing)
    st.caption(meta(f, "").as_of_text())


def written_summary(rows: list[pg.Progress], area_id: str | None, lang: str, plan: str = "") -> None:
    """Sentences generated from the numbers: status counts and one line per policy area (overview),
    or the area's counts and its weakest target (area pages). Plain text, escaped."""
    items = summary_items(rows, area_id, lang, plan)
    if items:
        st.html(f'<ul class="written-summary" style="font-size:1.05rem;line-height:1.6;margin:0.2rem 0 0.6rem">'
                f"{items}</ul>")


def summary_items(rows: list[pg.Progress], area_id: str | None, lang: str, plan: str = "") -> str:
    """The written summary's sentences as HTML list items (made once per view; the warm-up makes them too)."""
    return _summary_html(tuple(rows), area_id, lang, plan)  # type: ignore[no-any-return]


def _summary_html_of(rows: tuple[pg.Progress, ...], area_id: str | None, lang: str, plan: str = "") -> str:
    # The same rows give the same sentences: made once per view, not on every run (they were ~6 % of an
    # overview run). Progress is a frozen dataclass, so the rows themselves are the key.
    cat = state.catalog(plan)
    if area_id is None:
        lines = slides.overview_sentences(cat, list(rows), lang)
    else:
        lines = summary.area_summary(cat, list(rows), area_id, lang)
    return "".join(f"<li>{html.escape(x)}</li>" for x in lines)


_summary_html = state.ViewCache(_summary_html_of, 512)
