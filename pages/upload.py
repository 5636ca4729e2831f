"""Data upload (データ更新): analyst login, template, validation, preview, publish, history, withdrawal.

User text (labels, notes, names, file names) is only ever shown through st.text / st.dataframe /
st.code, never as Markdown or HTML.
"""

import hashlib
import uuid

import streamlit as st

from dashboard import auth, ingest
from dashboard.storage import PublishBusy, PublishConflict
from dashboard.ui import state
from dashboard.validate import validate_bytes

_f = st.session_state.get("_flt_current")  # the app's shared filters, when run inside dashboard/app.py
lang = str(getattr(_f, "lang", None) or st.query_params.get("lang", "ja"))
lang = lang if lang in ("ja", "en") else "ja"


def tx(key: str, **kw: object) -> str:
    """Page text in the chosen language."""
    return ingest.text(key, lang, **kw)


@st.cache_resource(show_spinner=False)
def throttles() -> tuple[auth.Throttle, auth.Throttle]:
    """Per-session and process-wide failed-login counters (new sessions do not reset the latter)."""
    return auth.Throttle(free=3), auth.Throttle(free=20, base=1.0, cap=60.0)


def login() -> str:
    """Who is signed in (stops the page until someone is)."""
    mode = auth.auth_mode(st.secrets)
    if mode == "disabled":
        st.warning(tx("disabled"))
        st.text(tx("how_enable"))
        st.code('[upload]\npassword_hash = "scrypt$16384$8$1$<salt>$<hash>"', language="toml")
        st.stop()
    if mode == "oidc":
        if not st.user.is_logged_in:
            st.info(tx("login_needed"))
            st.button(tx("login"), on_click=st.login, key="oidc_login")
            st.stop()
        who = str(st.user.get("email") or st.user.get("name") or "analyst")
        st.button(tx("logout"), on_click=st.logout, key="oidc_logout")
        return who
    if "upload_who" in st.session_state:
        return str(st.session_state["upload_who"])
    st.info(tx("login_needed"))
    mine, everyone = throttles()
    sid = st.session_state.setdefault("_upload_sid", uuid.uuid4().hex)
    with st.form("login"):
        name = st.text_input(tx("name"), max_chars=ingest.NAME_MAX, key="login_name")
        pw = st.text_input(tx("password"), type="password", key="login_password")
        submitted = st.form_submit_button(tx("login"))
    if submitted:
        wait = max(mine.wait(sid), everyone.wait("all"))
        if wait > 0:
            st.error(tx("throttled", s=int(wait) + 1))
        else:
            ok = bool(name.strip()) and auth.check_login(st.secrets, name.strip(), pw)
            mine.record(sid, ok)
            everyone.record("all", ok)
            if ok:
                st.session_state["upload_who"] = ingest.clean_text(name, ingest.NAME_MAX)
                st.rerun()
            st.error(tx("bad_login"))
    st.stop()


st.title(tx("title"))
st.text(tx("intro"))
who = login()
st.text(tx("signed_in", who=who))
cat, store, con = state.catalog(), state.store(), state.connection()

st.subheader(tx("template"))
st.caption(tx("template_help"))
_years = state.prefecture_values(state.state_key(), None)["fiscal_year"]  # next year after the newest data
year = int(st.number_input(tx("template_year"), 2000, 2040, min(2040, int(_years.max()) + 1) if len(_years) else 2024,
                           key="template_year"))
c1, c2 = st.columns(2)
c1.download_button("CSV", ingest.template_csv(cat, year, lang), f"template_{year}.csv", "text/csv", key="tpl_csv")
c2.download_button("Excel (.xlsx)", ingest.template_xlsx(cat, year, lang), f"template_{year}.xlsx", key="tpl_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(tx("upload"))
up = st.file_uploader(tx("upload"), type=["parquet", "csv", "xlsx"], key=f"up{st.session_state.get('_up_n', 0)}",
                      label_visibility="collapsed")
if up is not None:
    data = up.getvalue()
    key = (hashlib.sha256(data).hexdigest(), up.name, store.state_key(), lang)
    if st.session_state.get("_val_key") != key:  # validate once per file and store state, not every rerun
        with st.spinner("…"):
            st.session_state["_val"] = validate_bytes(data, up.name, cat,
                                                      published=lambda: ingest.current_rows(con, store))
        st.session_state["_val_key"] = key
    res = st.session_state["_val"]
    if res.errors:
        st.error(tx("errors", n=sum(res.counts[r] for r in {p.rule for p in res.errors})))
    if res.warnings:
        st.warning(tx("warnings", n=len(res.warnings)))
    if res.errors or res.warnings:
        st.text("\n".join(p.message(lang) for p in [*res.errors, *res.warnings][:30]))  # plain text, readable
        st.dataframe(res.problems_frame(lang), hide_index=True, key="problems")
    if res.ok:
        st.success(tx("valid", rows=f"{res.frame.height:,}", fmt=res.file_format))
        st.subheader(tx("preview"))
        if st.session_state.get("_pv_key") != key:
            st.session_state["_pv"], st.session_state["_pv_key"] = ingest.preview(con, store, cat, res.frame, lang), key
        pv = st.session_state["_pv"]
        m = st.columns(4)
        for col, k, v in zip(m, ("adds", "revises", "same", "untouched"),
                             (pv.adds, pv.revises, pv.same, pv.untouched), strict=True):
            col.metric(tx(k), f"{v:,}")
        st.dataframe(pv.by_indicator, hide_index=True, key="by_indicator")
        if pv.revisions.height:
            st.text(tx("revisions"))
            st.dataframe(pv.revisions, hide_index=True, key="revisions")
        st.subheader(tx("publish"))
        with st.form("publish"):
            label = st.text_input(tx("label"), max_chars=ingest.LABEL_MAX, key="pub_label")
            kind = st.radio(tx("kind"), ("official", "sample"), horizontal=True, key="pub_kind",
                            format_func=lambda k: tx(f"kind_{k}"))
            go = st.form_submit_button(tx("publish_button"), type="primary")
        if go:
            problem = ingest.check_label(label, lang)
            if problem:
                st.error(problem)
            else:
                try:
                    meta = ingest.publish(store, res.frame, label=label, kind=str(kind), publisher=who,
                                          source_name=up.name, expected_last_seq=pv.base_seq)
                    st.session_state["_up_n"] = st.session_state.get("_up_n", 0) + 1  # clear the uploader
                    st.session_state["_published"] = (meta.id, meta.rows)
                    st.rerun()
                except PublishConflict as e:
                    st.error(tx("conflict", msg=str(e)))
                except PublishBusy:
                    st.error(tx("busy"))
if "_published" in st.session_state:
    sid, rows = st.session_state.pop("_published")
    st.success(tx("published", id=sid, rows=f"{rows:,}"))
if "_recorded" in st.session_state:
    st.success(st.session_state.pop("_recorded"))

st.subheader(tx("history"))
st.dataframe(ingest.history_frame(store), hide_index=True, key="history")
ev = ingest.events_frame(store)
if ev.height:
    st.text(tx("events"))
    st.dataframe(ev, hide_index=True, key="events")
with st.expander(tx("withdraw_title")):
    gone = {m.id for m in store.list() if m.withdrawn}
    with st.form("withdraw"):
        target = st.selectbox(tx("snapshot"), [m.id for m in reversed(store.list())], key="wd_id",
                              format_func=lambda i: f"{i} (withdrawn)" if i in gone else i)
        reason = st.text_input(tx("reason"), max_chars=500, key="wd_reason")
        a, b = st.columns(2)
        wd = a.form_submit_button(tx("withdraw"))
        rs = b.form_submit_button(tx("restore"))
    if (wd or rs) and target:
        if not reason.strip():
            st.error(tx("reason_needed"))
        else:
            try:
                store.set_withdrawn(str(target), bool(wd), reason=ingest.clean_text(reason, 500), who=who)
                st.session_state["_recorded"] = tx("done", id=target, action=tx("withdraw" if wd else "restore"))
                st.rerun()
            except (KeyError, ValueError, PublishBusy) as e:
                st.error(str(e))
