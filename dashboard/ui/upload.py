"""Upload page pieces: analyst login and the withdraw/restore form (kept out of the thin page)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from dashboard import auth, ingest
from dashboard.storage import PublishBusy, SnapshotStore
from dashboard.ui import state


@st.cache_resource(show_spinner=False)
def throttles() -> tuple[auth.Throttle, auth.Throttle]:
    """Per-session and process-wide failed-login counters (new sessions do not reset the latter)."""
    return auth.Throttle(free=3), auth.Throttle(free=20, base=1.0, cap=60.0)


def login(tx: Callable[..., str]) -> str:
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


def withdraw_form(store: SnapshotStore, who: str, tx: Callable[..., str]) -> None:
    """Withdraw or restore a snapshot, with a required reason; recorded with who and when."""
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
                    state.prebuild()
                    st.session_state["_recorded"] = tx("done", id=target, action=tx("withdraw" if wd else "restore"))
                    st.rerun()
                except (KeyError, ValueError, PublishBusy) as e:
                    st.error(str(e))
