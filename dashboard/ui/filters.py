"""The shared filters (place, fiscal year, as-of snapshot, language), kept in the URL.

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

from dataclasses import dataclass

import streamlit as st

from dashboard import fmt, views
from dashboard.config import PREFECTURE
from dashboard.i18n import t
from dashboard.ui import state

KEYS = ("place", "year", "as_of", "lang")
WIDGET = {k: f"flt_{k}" for k in KEYS}
WRITTEN = "_flt_url_written"
NOTICES = "_flt_notices"
FILTERS = "_flt_current"
LABELS = "_flt_labels"  # what the filter labels depend on: language, newest snapshot


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

    def url(self) -> dict[str, str]:
        """Query parameters reproducing this view."""
        return views.url_params(self.place, self.year, self.as_of, self.lang)


@st.cache_resource(show_spinner=False, max_entries=256)
def _years(key: str, snapshot_id: str | None) -> tuple[int, ...]:
    # The years with data at an as-of point: read on every run (twice), computed once per store state.
    return tuple(views.data_years(state.prefecture_values(key, snapshot_id), state.catalog()))


def _choices(key: str) -> views.Choices:
    cat = state.catalog()
    snaps = state.visible_snapshots(key, None)
    years = list(_years(key, None)) or [2020]
    return views.Choices(places=tuple(cat.place_codes()), years=tuple(sorted(years, reverse=True)),
                         default_year=max(years), as_of=(views.LATEST, *[m.id for m in reversed(snaps)]))


def prepare() -> str:
    """Apply URL values to the widget state (before any widget); return the language."""
    ss = st.session_state
    key = state.state_key()
    ch = _choices(key)
    written = ss.get(WRITTEN, {})
    incoming = {k: st.query_params[k] for k in KEYS if k in st.query_params
                and st.query_params[k] != written.get(k)}
    good, bad = views.parse_params(incoming, ch)
    defaults: dict[str, object] = {"place": PREFECTURE, "year": ch.default_year, "as_of": views.LATEST, "lang": "ja"}
    options: dict[str, tuple[object, ...]] = {"place": ch.places, "year": ch.years, "as_of": ch.as_of,
                                              "lang": views.LANGS}
    for k in KEYS:
        if k in good:
            ss[WIDGET[k]] = good[k]
        elif ss.get(WIDGET[k]) not in options[k]:
            # First visit, or a value that no longer exists (e.g. a withdrawn snapshot).
            ss[WIDGET[k]] = defaults[k]
    ss[NOTICES] = [(n.key, n.value, defaults[n.key]) for n in bad]
    ss["_flt_choices"] = ch
    # The browser keeps a keyed selectbox's *displayed label* until the server sets the value: when the
    # labels change (a new publication renames 「最新（…）」, or the language changes) set every filter
    # to its own value again, so the sidebar shows the new labels in this very run.
    labels = (ss[WIDGET["lang"]], ch.as_of[1] if len(ch.as_of) > 1 else None)
    if ss.get(LABELS, labels) != labels:
        for k in KEYS:
            ss[WIDGET[k]] = ss[WIDGET[k]]
    ss[LABELS] = labels
    return str(ss[WIDGET["lang"]])


def render() -> Filters:
    """Draw the filter widgets in the sidebar, write the URL, and return the resolved filters."""
    ss = st.session_state
    ch: views.Choices = ss["_flt_choices"]
    key = state.state_key()
    cat = state.catalog()
    lang = str(ss[WIDGET["lang"]])
    snaps = {m.id: m for m in state.snapshots(key)}
    latest_id = ch.as_of[1] if len(ch.as_of) > 1 else None

    def as_of_label(sid: str) -> str:
        if sid == views.LATEST:
            return f"{t('latest', lang)}（{latest_id}）" if latest_id else t("latest", lang)
        m = snaps[sid]
        return f"{sid}  {t('kind_' + m.kind, lang)}  {m.created_at[:10]}"

    with st.sidebar:
        st.subheader(t("filters", lang))
        st.selectbox(t("f_place", lang), ch.places, key=WIDGET["place"], persist_state="session",
                     format_func=lambda c: views.place_label(cat, c, lang))
        st.selectbox(t("f_year", lang), ch.years, key=WIDGET["year"], persist_state="session",
                     format_func=lambda y: fmt.fy_label(y, lang))
        st.selectbox(t("f_as_of", lang), ch.as_of, key=WIDGET["as_of"], persist_state="session",
                     format_func=as_of_label)
        st.radio(t("f_lang", lang), views.LANGS, key=WIDGET["lang"], persist_state="session", horizontal=True,
                 format_func=lambda x: {"ja": "日本語", "en": "English"}[x])
    place, year, as_of = str(ss[WIDGET["place"]]), int(ss[WIDGET["year"]]), str(ss[WIDGET["as_of"]])
    snapshot_id = latest_id if as_of == views.LATEST else as_of
    years_at = list(_years(key, snapshot_id))
    data_year = min(year, max(years_at)) if years_at else year
    f = Filters(place=place, year=year, data_year=data_year, as_of=as_of, snapshot_id=snapshot_id,
                lang=lang, key=key)
    _write_url(f.url())
    ss[FILTERS] = f
    return f


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
    for key, value, default in st.session_state.get(NOTICES, []):
        shown = (fmt.fy_label(default, f.lang) if key == "year" else
                 views.place_label(state.catalog(), default, f.lang) if key == "place" else
                 t("latest", f.lang) if key == "as_of" else str(default))
        st.warning(t("bad_param", f.lang, key=t(f"f_{key}", f.lang), value=views.plain(value), default=shown),
                   icon=":material/warning:")
    if f.data_year != f.year:
        st.info(t("year_clamped", f.lang, year=fmt.fy_label(f.year, f.lang), shown=fmt.fy_label(f.data_year, f.lang)))


def current() -> Filters:
    """The filters resolved by the entry script for this run."""
    return st.session_state[FILTERS]  # type: ignore[no-any-return]


def set_place(code: str) -> None:
    """Callback: change the shared place filter (used by in-page pickers)."""
    st.session_state[WIDGET["place"]] = code
