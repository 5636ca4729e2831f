"""The shared filters (place, fiscal year, as-of snapshot, language, plan period), kept in the URL.

This is the only module that reads or writes st.query_params: the URL's meaning is the view model of
dashboard.links (View, Choices, parse_params); pages get the resolved `Filters` passed to them.

Why not `bind="query-params"`: a bound selectbox writes its *displayed label* to the URL
(?place=前橋市, changing with the language) and drops invalid values silently. Here the URL
holds codes (?place=10201&year=2023&as_of=0002-cb47d870&lang=en), an invalid value gives a
visible notice, and the widgets keep their values across page switches (persist_state).

Sync rule, run at the top of every script run:
- a URL value that differs from what the app last wrote came from outside (deep link, edited
  URL): it is validated and, if valid, becomes the widget value;
- otherwise the widget value wins, and it is written back to the URL after the widgets (built-in
  navigation drops query parameters; this puts them back on the new page).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import data, fmt, i18n, links, registry, views
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE, catalog_dir
from dashboard.i18n import t
from dashboard.ui import state

KEYS = links.FILTER_KEYS
WIDGET = {k: f"flt_{k}" for k in KEYS}
WRITTEN = "_flt_url_written"
LABELS = "_flt_labels"  # what the filter labels depend on: language, newest snapshot
WANTED = "_flt_year_wanted"  # (that year, the year it was moved to): restored when the as-of point has it again


@dataclass(frozen=True)
class Filters:
    """The filter values of this run, resolved."""

    place: str
    year: int  # the year chosen
    data_year: int  # the year shown: the chosen one, or the latest with data at the as-of point
    as_of: str  # views.LATEST or a snapshot id
    snapshot_id: str | None  # the as-of snapshot actually used (newest visible for LATEST)
    lang: str
    key: str  # store state key: part of every cached data call
    plan: str = ""  # the plan period whose targets are shown
    default_plan: str = ""  # the newest plan with targets (left out of the URL)
    page: str = links.DEFAULT_PAGE  # the page shown (a registry name)
    tab: str | None = None  # a policy-area page's open tab (set by that page)
    provisional: str = ""  # 「暫定：35市町村中3市町村」 when data_year is a year not every municipality reported
    cmp: str | None = None  # the comparison tab's indicator (set by that page)
    order: str | None = None  # the comparison tab's order, "laggards" or None (set by that page)
    notices: tuple[tuple[str, str, Any], ...] = ()  # URL values not used: (filter, value, default shown)
    clamped: int | None = None  # the year chosen, when this run moved it to the one the as-of point has

    def url(self) -> dict[str, str]:
        """Query parameters reproducing the filters (the plan only when not the default)."""
        return links.params(links.View(place=self.place, year=self.year, as_of=self.as_of, lang=self.lang,
                                       plan=self.plan if self.plan != self.default_plan else None))

    def view(self) -> links.View:
        """The view on screen, with "latest" pinned to the snapshot shown and the plan written out."""
        v = links.View(page=self.page, place=self.place, year=self.year, as_of=self.as_of, lang=self.lang,
                       tab=self.tab, plan=self.plan or None, cmp=self.cmp, order=self.order)
        return links.pinned(v, self.snapshot_id)

    def catalog(self) -> Catalog:
        """The catalog with the chosen plan's targets."""
        return state.catalog(self.plan)

    def view_key(self, screen: str = "desktop") -> state.ViewKey:
        """The key of every cached section of this view (`screen`: desktop, phone or present)."""
        return state.ViewKey(self.key, self.snapshot_id, self.place, self.data_year, self.lang, self.plan, screen)


def _years_at(key: str, snapshot_id: str | None) -> tuple[int, ...]:
    return tuple(views.data_years(state.prefecture_values(key, snapshot_id), state.catalog()))


def _coverage_at(key: str, snapshot_id: str | None, plan: str) -> dict[int, data.YearCoverage]:
    return data.year_coverage(state.prefecture_values(key, snapshot_id), state.catalog(plan))


def _complete_at(key: str, snapshot_id: str | None, plan: str) -> int | None:
    return max((y for y, c in _coverage(key, snapshot_id, plan).items() if c.complete), default=None)


def _choices_for(key: str, catalog_folder: str) -> links.Choices:
    cat = state.catalog()
    snaps = state.visible_snapshots(key, None)
    years = list(_years(key, None)) or [2020]
    plans = tuple(p.id for p in reversed(cat.plans_with_targets())) or (cat.plan,)
    # Everyone opens at the latest year every municipality reported (the default plan's targets decide what
    # "every" means); a newer partial year stays in the list, labelled provisional.
    complete = _complete_at(key, snaps[-1].id if snaps else None, plans[0])
    return links.Choices(places=tuple(cat.place_codes()), years=tuple(sorted(years, reverse=True)),
                         default_year=complete if complete is not None and complete in years else max(years),
                         as_of=(links.LATEST, *[m.id for m in reversed(snaps)]), plans=plans)


# The years with data at an as-of point and the filters' choices are read on every run and change only with
# the store state (and the catalog): process-wide memos (state.ViewCache), computed once per state. Through
# st.cache_* each run paid for hashing the arguments (~1 % of a run each).
_years = state.ViewCache(_years_at, 256)
_coverage = state.ViewCache(_coverage_at, 256)
_CHOICES = state.ViewCache(_choices_for, 64)


def _choices(key: str) -> links.Choices:
    return _CHOICES(key, str(catalog_dir()))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Prepared:
    """What prepare() read at the start of a run, handed to render() in the same run: the language, the store's
    state key (read once per run: it lists the store's files), the filters' choices, the URL values not used."""

    lang: str
    key: str
    choices: links.Choices
    notices: tuple[tuple[str, str, Any], ...]


def prepare() -> Prepared:
    """Apply URL values to the widget state (before any widget); what render() needs of this run."""
    ss = st.session_state
    key = state.state_key()
    ch = _choices(key)
    written = ss.get(WRITTEN, {})
    incoming = {k: st.query_params[k] for k in KEYS if k in st.query_params
                and st.query_params[k] != written.get(k)}
    good, bad = links.parse_params(incoming, ch)
    defaults: dict[str, object] = {"place": PREFECTURE, "year": ch.default_year, "as_of": links.LATEST, "lang": "ja",
                                   "plan": ch.plans[0]}
    options: dict[str, tuple[object, ...]] = {"place": ch.places, "year": ch.years, "as_of": ch.as_of,
                                              "lang": links.LANGS, "plan": ch.plans}
    for k in KEYS:
        if k in good:
            ss[WIDGET[k]] = good[k]
        elif ss.get(WIDGET[k]) not in options[k]:
            # First visit, or a value that no longer exists (e.g. a withdrawn snapshot).
            ss[WIDGET[k]] = defaults[k]
    # The browser keeps a keyed selectbox's *displayed label* until the server sets the value: when the
    # labels change (a new publication renames 「最新（…）」, or the language changes) set every filter
    # to its own value again, so the sidebar shows the new labels in this very run.
    labels = (ss[WIDGET["lang"]], ch.as_of[1] if len(ch.as_of) > 1 else None)
    if ss.get(LABELS, labels) != labels:
        for k in KEYS:
            ss[WIDGET[k]] = ss[WIDGET[k]]
    ss[LABELS] = labels
    return Prepared(str(ss[WIDGET["lang"]]), key, ch, tuple((n.key, n.value, defaults[n.key]) for n in bad))


def render(prep: Prepared, page: str) -> Filters:
    """Draw the filter widgets in the sidebar, write the URL, and return the resolved filters of `page`."""
    ss = st.session_state
    ch, key = prep.choices, prep.key
    cat = state.catalog()
    lang = str(ss[WIDGET["lang"]])
    snaps = {m.id: m for m in state.snapshots(key)}
    latest_id = ch.as_of[1] if len(ch.as_of) > 1 else None
    chosen_as_of = str(ss[WIDGET["as_of"]])
    chosen_plan = str(ss[WIDGET["plan"]])
    snapshot_id = latest_id if chosen_as_of == links.LATEST else chosen_as_of
    coverage = _coverage(key, snapshot_id, chosen_plan)
    # The sidebar names the year the page shows: a year the as-of point has no data for (e.g. 令和6年度 with
    # the plan's own figures, 0001) moves to the one shown, before the widget is drawn, with a notice.
    years_at = list(_years(key, snapshot_id))
    # A year moved for an older as-of point comes back when the as-of point has it again (unless the reader has
    # chosen another year since): returning to 最新 after looking at 0001 shows 令和6年度 again.
    wanted, moved_to = ss.get(WANTED, (None, None))
    if wanted is not None and ss[WIDGET["year"]] != moved_to:
        ss.pop(WANTED, None)
    elif wanted is not None and years_at and wanted <= max(years_at) and wanted in ch.years:
        ss[WIDGET["year"]] = wanted
        ss.pop(WANTED, None)
    chosen_year = int(ss[WIDGET["year"]])
    data_year = shown_year(chosen_year, years_at, coverage)
    clamped = None
    if data_year != chosen_year and data_year in ch.years:
        ss[WIDGET["year"]] = data_year
        clamped = chosen_year
        ss[WANTED] = (ss.get(WANTED, (chosen_year, None))[0] or chosen_year, data_year)

    def year_label(y: int) -> str:
        tag = provisional_text(coverage.get(y), lang)
        return f"{fmt.fy_label(y, lang)}　{tag}" if tag else fmt.fy_label(y, lang)

    def as_of_label(sid: str) -> str:
        if sid == links.LATEST:
            return f"{t('latest', lang)}（{latest_id}）" if latest_id else t("latest", lang)
        m = snaps[sid]
        return f"{sid}  {t(fmt.KIND_KEYS[m.kind], lang)}  {fmt.long_date(m.created_at, lang)}"

    with st.sidebar:
        st.subheader(t("filters", lang))
        # Never empty today; an empty one would show its placeholder: in the user's language, not Streamlit's.
        choose = t("choose", lang)
        # Streamlit's box filters on the visible label only: the label carries every way to type a place.
        st.selectbox(t("f_place", lang), ch.places, key=WIDGET["place"], persist_state="session",
                     placeholder=choose, format_func=lambda c: place_option(cat, c, lang))
        st.caption(t("place_search_help", lang))
        st.selectbox(t("f_year", lang), ch.years, key=WIDGET["year"], persist_state="session",
                     placeholder=choose, format_func=year_label)
        st.selectbox(t("f_as_of", lang), ch.as_of, key=WIDGET["as_of"], persist_state="session",
                     placeholder=choose, format_func=as_of_label)
        offered = i18n.listed_languages()  # a catalogue may be reachable by URL only (the pseudo-locale)
        st.radio(t("f_lang", lang), offered if lang in offered else (*offered, lang), key=WIDGET["lang"],
                 persist_state="session", horizontal=True, format_func=i18n.language_name)
        if len(ch.plans) > 1:  # one plan with targets (today): nothing to choose, the sidebar stays as it was
            plans = {p.id: p for p in cat.plans}
            st.selectbox(t("f_plan", lang), ch.plans, key=WIDGET["plan"], persist_state="session",
                         placeholder=choose, format_func=lambda p: plans[p].name(lang))
    place, year, as_of = str(ss[WIDGET["place"]]), int(ss[WIDGET["year"]]), str(ss[WIDGET["as_of"]])
    f = Filters(place=place, year=year, data_year=data_year, as_of=as_of, snapshot_id=snapshot_id,
                lang=lang, key=key, plan=chosen_plan, default_plan=ch.plans[0], page=page,
                provisional=provisional_text(coverage.get(data_year), lang), notices=prep.notices, clamped=clamped)
    _write_url(f.url())
    if page not in {p.name for p in registry.area_pages(cat)}:  # the comparison's indicator and order belong
        # to a policy-area page's tab: left from one, they would ride along in every other page's link
        set_query("cmp", None)
        set_query("order", None)
    return f


def first_visit(key: str, lang: str, page: str = links.DEFAULT_PAGE) -> Filters:
    """The filters a first visit of `page` resolves to with no widget state and a bare URL (the prefecture,
    the default year, the newest snapshot and plan), worked out as `prepare` and `render` do, without drawing:
    what the warm-up (ui/warm.py) builds the default views for."""
    ch = _choices(key)
    snapshot_id = ch.as_of[1] if len(ch.as_of) > 1 else None
    plan = ch.plans[0]
    coverage = _coverage(key, snapshot_id, plan)
    data_year = shown_year(ch.default_year, list(_years(key, snapshot_id)), coverage)
    return Filters(place=PREFECTURE, year=data_year if data_year in ch.years else ch.default_year,
                   data_year=data_year, as_of=links.LATEST, snapshot_id=snapshot_id, lang=lang, key=key, plan=plan,
                   default_plan=plan, page=page, provisional=provisional_text(coverage.get(data_year), lang))


def place_option(cat: Catalog, code: str, lang: str) -> str:
    """The place picker's label: the name, then what else people type to find it (the Japanese name in other
    languages, kana, romaji, the code): 「嬬恋村（つまごいむら・Tsumagoi・10425）」."""
    name = views.place_label(cat, code, lang)
    parts: list[str] = []
    for p in (cat.place_name(code, "ja") if lang != "ja" else "", *cat.place_readings(code), code):
        if p and p not in parts and p != cat.place_name(code, lang):
            parts.append(p)
    return t("place_option", lang, name=name, readings=t("reading_sep", lang).join(parts))


provisional_text = views.year_provisional_text  # (the sidebar's year labels and the page header use it)


def shown_year(year: int, years_at: list[int], coverage: Mapping[int, data.YearCoverage]) -> int:
    """The year a page shows for the chosen one: itself when the as-of point has data up to it; else the
    as-of point's latest year, or its latest complete year when that one is provisional (a partial year is
    shown only when chosen)."""
    if not years_at or year <= max(years_at):
        return year
    last = max(years_at)
    cov = coverage.get(last)
    complete = max((y for y, c in coverage.items() if c.complete), default=None)
    return complete if cov is not None and cov.provisional and complete is not None else last


def _write_url(desired: dict[str, str]) -> None:
    for k in KEYS:
        if k in desired:
            if st.query_params.get(k) != desired[k]:
                st.query_params[k] = desired[k]
        elif k in st.query_params:
            del st.query_params[k]
    st.session_state[WRITTEN] = dict(desired)


def notices(f: Filters) -> None:
    """Show what could not be used from the URL, and a year shown differently from the one chosen."""
    for key, value, default in f.notices:
        shown = (fmt.fy_label(default, f.lang) if key == "year" else
                 views.place_label(state.catalog(), default, f.lang) if key == "place" else
                 t("latest", f.lang) if key == "as_of" else
                 state.catalog().plan_name(f.lang, str(default)) if key == "plan" else str(default))
        st.warning(t("bad_param", f.lang, key=t(f"f_{key}", f.lang), value=views.plain(value), default=shown),
                   icon=":material/warning:")
    chosen = f.clamped  # said once, in the run that moved the year
    if chosen is not None and chosen != f.data_year:
        st.info(t("year_clamped", f.lang, year=fmt.fy_label(chosen, f.lang), shown=fmt.fy_label(f.data_year, f.lang)))
    elif f.data_year != f.year:
        st.info(t("year_clamped", f.lang, year=fmt.fy_label(f.year, f.lang), shown=fmt.fy_label(f.data_year, f.lang)))


def set_place(code: str) -> None:
    """Callback: change the shared place filter (used by in-page pickers)."""
    st.session_state[WIDGET["place"]] = code


# ---------------------------------------------------------------- the URL beyond the filters

def query(key: str) -> str | None:
    """One raw URL parameter (mode, embed, chart, slide, tab), or None."""
    value = st.query_params.get(key)
    return None if value is None else str(value)


def set_query(key: str, value: str | None) -> None:
    """Write (or, with None, remove) one URL parameter, only when it changes."""
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def url_view(page: str) -> links.View:
    """The view the URL asks for (modes, slide, chart, tab), parsed by the view model."""
    return links.from_params(page, {k: str(v) for k, v in st.query_params.items()})


def url_lang() -> str:
    """The language the URL asks for (for screens drawn before the filters, e.g. a data-folder problem)."""
    lang = str(st.query_params.get("lang", "ja"))
    return lang if lang in links.LANGS else "ja"
