"""Data upload (データ更新): analyst login, template, validation, preview, publish, history, withdrawal.

User text (labels, notes, names, file names) is only ever shown through st.text / st.dataframe /
st.code, never as Markdown or HTML.
"""

import hashlib

import streamlit as st

from dashboard import fmt, ingest
from dashboard.i18n import t
from dashboard.storage import PublishBusy, PublishConflict, StoreUnavailable, StoreWriteError
from dashboard.ui import filters, state
from dashboard.ui import upload as ui_upload
from dashboard.ui import upload_guide as guide
from dashboard.ui import upload_tables as tables
from dashboard.validate import validate_bytes

lang = filters.url_lang()  # the entry script has written the chosen language into the URL


def tx(key: str, **kw: object) -> str:
    """Page text in the chosen language."""
    return ingest.text(key, lang, **kw)


st.title(tx("title"))
st.text(tx("intro"))
who = ui_upload.login(tx, lang)
st.text(tx("signed_in", who=who))
cat, store, con = state.catalog(), state.store(), state.connection()

st.subheader(tx("template"))
st.caption(tx("template_help"))
_years = state.prefecture_values(state.state_key(), None)["fiscal_year"]
newest = int(_years.max()) if len(_years) else None  # the newest year visitors see
_choices = list(range(2000, 2041))  # the validator's fiscal years, in the user's calendar (令和7年度（2025）)
year = int(st.selectbox(t("upl_template_year", lang), _choices, key="template_year",
                        index=_choices.index(min(2040, newest + 1)) if newest else _choices.index(2024),
                        format_func=lambda y: fmt.fy_label(y, lang)))  # default: the year after the newest
c1, c2 = st.columns(2)
c1.download_button("CSV", ingest.template_csv(cat, year, lang), f"template_{year}.csv", "text/csv", key="tpl_csv")
c2.download_button("Excel (.xlsx)", ingest.template_xlsx(cat, year, lang), f"template_{year}.xlsx", key="tpl_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(tx("upload"))
ui_upload.uploader_note(lang)
# No type= filter: a wrong type gets the validator's own bilingual message, not an exception.
up = st.file_uploader(tx("upload"), key=f"up{st.session_state.get('_up_n', 0)}",
                      label_visibility="collapsed")
if up is not None:
    data = up.getvalue()
    key = (hashlib.sha256(data).hexdigest(), up.name, store.state_key(), lang)
    if st.session_state.get("_val_key") != key:  # validate once per file and store state, not every rerun
        name = up.name
        st.session_state["_val"] = ui_upload.validate(lambda: validate_bytes(
            data, name, cat, published=lambda keys: ingest.published_values(con, store, keys)), lang)
        st.session_state["_val_key"] = key
    res = st.session_state["_val"]
    if not res.ok:  # a clear sentence, then the problems one line per kind; nothing can be published
        ui_upload.problems(res, tx, lang)
    else:
        st.success(tx("valid", rows=f"{res.frame.height:,}", fmt=res.file_format))
        st.subheader(tx("preview"))
        if st.session_state.get("_pv_key") != key:
            st.session_state["_pv"], st.session_state["_pv_key"] = ingest.preview(con, store, cat, res.frame, lang), key
        pv = st.session_state["_pv"]
        # First what the file holds and what visitors would see change (catalogue words and numbers only) ...
        st.info(guide.file_summary(res.frame, cat, pv, newest, res.warnings, lang))
        if res.warnings:  # ... then what to check, one line per kind
            ui_upload.problems(res, tx, lang)
        m = st.columns(4)
        for col, k, v in zip(m, ("adds", "revises", "same", "untouched"),
                             (pv.adds, pv.revises, pv.same, pv.untouched), strict=True):
            col.metric(tx(k), f"{v:,}")
        ui_upload.table(tables.by_indicator(pv.by_indicator, lang), "by_indicator", lang)
        if pv.revisions.height:
            st.text(tx("revisions"))
            ui_upload.table(tables.revisions(pv.revisions, lang), "revisions", lang)
        st.subheader(tx("publish"))
        same = guide.is_identical(pv)  # publishing would change nothing: ask before making a new snapshot of it
        confirmed = st.checkbox(t("upl_confirm_same", lang), key=f"pub_same_{key[0][:16]}") if same else True
        with st.form("publish"):
            label = st.text_input(tx("label"), max_chars=ingest.LABEL_MAX, key="pub_label")
            # No default: official and sample must never be mixed up by a preselected choice.
            kind = st.radio(tx("kind"), ("official", "sample"), horizontal=True, key="pub_kind", index=None,
                            format_func=lambda k: tx(f"kind_{k}"))
            go = st.form_submit_button(tx("publish_button"), type="primary", disabled=not confirmed)
        if not confirmed:
            st.caption(t("upl_confirm_same_needed", lang))
        if go:
            problem = (ingest.check_label(label, lang) or (None if kind else t("kind_needed", lang))
                       or (None if confirmed else t("upl_confirm_same_needed", lang)))
            if problem:
                st.error(problem)
            else:
                try:
                    meta = ingest.publish(store, res.frame, label=label, kind=str(kind), publisher=who,
                                          source_name=up.name, expected_last_seq=pv.base_seq)
                    state.prebuild()  # pre-aggregate the new view before the first visitor asks for it
                    st.session_state["_up_n"] = st.session_state.get("_up_n", 0) + 1  # clear the uploader
                    st.session_state["_published"] = (meta.id, meta.rows)
                    st.rerun()
                except PublishConflict as e:
                    st.error(tx("conflict", msg=str(e)))
                except StoreUnavailable as e:  # the bucket is away: say so, not "another publication"
                    st.error(t("store_unavailable", lang, url=e.url))
                except StoreWriteError as e:  # a full or read-only data folder: nothing was published
                    st.error(e.sentence(lang))
                except PublishBusy:
                    st.error(tx("busy"))
if "_published" in st.session_state:
    sid, rows = st.session_state.pop("_published")
    st.success(tx("published", id=sid, rows=f"{rows:,}"))
if "_recorded" in st.session_state:
    st.success(st.session_state.pop("_recorded"))

st.subheader(tx("history"))
ui_upload.table(tables.history(ingest.history_frame(store), lang), "history", lang)
ev = ingest.events_frame(store)
if ev.height:
    st.text(tx("events"))
    ui_upload.table(tables.events(ev, lang), "events", lang)
ui_upload.withdraw_form(store, who, tx, lang)
