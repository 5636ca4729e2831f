"""Upload page pieces: analyst login and the withdraw/restore form (kept out of the thin page)."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboard import auth, budget, export, ingest
from dashboard.i18n import t
from dashboard.storage import PublishBusy, SnapshotStore, StoreWriteError
from dashboard.ui import state, upload_guide, upload_tables, visitor
from dashboard.validate import Limits, Problem, Result

WHO = "upload_who"  # the signed-in analyst's name (password login), per browser session
BOUND = "upload_bound"  # the login's binding to the browser that made it (auth.session_binding)


@st.cache_resource(show_spinner=False)
def _throttle(path: str) -> auth.SharedThrottle:
    return auth.SharedThrottle(path)


def _upload_manager() -> object | None:
    """This server's uploaded-file manager (None outside a real server, e.g. in some AppTest set-ups)."""
    from streamlit.runtime import Runtime

    return Runtime.instance().uploaded_file_mgr if Runtime.exists() else None


def guard_uploads() -> None:
    """Keep upload bytes only for analyst sessions (installed once per process; see auth.UploadGate), and keep
    session ids out of the server's log."""
    mgr = _upload_manager()
    if mgr is not None:
        auth.GATE.install(mgr)
    auth.redact_session_ids(logging.getLogger("streamlit"))


def _log_out(oidc: bool) -> None:
    """Callback: forget the analyst, drop the session's uploaded bytes, end the OIDC login too."""
    auth.GATE.revoke(visitor.session_id(), _upload_manager())
    for k in (WHO, "_val", "_val_key", "_pv", "_pv_key"):
        st.session_state.pop(k, None)
    st.session_state["_logged_out"] = True
    if oidc:
        st.logout()


def login(tx: Callable[..., str], lang: str) -> str:
    """Who is signed in as an analyst (stops the page until someone is)."""
    guard_uploads()
    if st.session_state.pop("_logged_out", False):
        st.success(t("logged_out", lang))
    mode = auth.auth_mode(st.secrets)
    if mode == "disabled":
        st.warning(tx("disabled"))
        st.text(tx("how_enable"))
        # No syntax colours: Streamlit's TOML highlighting is below 4.5:1 contrast on the code background.
        st.code('[upload.users]\ntanaka = "scrypt$16384$8$1$<salt>$<hash>"', language=None)
        st.stop()
    if mode == "shared_password_refused":
        st.error(t("login_shared_refused", lang))
        st.code('[upload.users]\ntanaka = "scrypt$16384$8$1$<salt>$<hash>"\nsato = "scrypt$16384$8$1$<salt>$<hash>"',
                language=None)
        st.stop()
    if mode == "password_refused":
        st.error(t("login_password_refused", lang))
        st.code('[auth]\nredirect_uri = "https://.../oauth2callback"\ncookie_secret = "..."\n'
                'client_id = "..."\nclient_secret = "..."\nserver_metadata_url = "https://.../.well-known/'
                'openid-configuration"\n\n[upload]\nanalysts = ["name@pref.gunma.example"]', language=None)
        st.stop()
    who = _oidc(tx, lang) if mode == "oidc" else _password(tx, lang)  # both stop the page until signed in
    visitor.not_resumable()
    return who


def _oidc(tx: Callable[..., str], lang: str) -> str:
    if not st.user.is_logged_in:
        st.info(tx("login_needed"))
        st.button(tx("login"), on_click=st.login, key="oidc_login")
        st.stop()
    who = str(st.user.get("email") or st.user.get("name") or "")
    allowed = auth.analysts(st.secrets)
    if not allowed or not auth.is_analyst(st.user, allowed):
        auth.GATE.revoke(visitor.session_id(), _upload_manager())
        st.error(t("login_not_analyst", lang) if allowed else t("login_no_analysts", lang))
        st.text(tx("signed_in", who=who or "?"))  # the provider's text: plain, never Markdown
        st.button(tx("logout"), on_click=_log_out, args=(True,), key="logout")
        st.stop()
    auth.GATE.allow(visitor.session_id())
    st.button(tx("logout"), on_click=_log_out, args=(True,), key="logout")
    return who


def _binding() -> str:
    """This connection's binding: a hash of the browser's XSRF token, from the cookie its websocket sent.

    A session id alone (from a log, say) grants nothing: a client that reconnects with it but without the
    browser's cookie has another binding, and the login is dropped (the cookie is set by Streamlit's server on
    the page load, SameSite, and sent with every websocket)."""
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

    try:
        raw = str(st.context.cookies.get("_streamlit_xsrf") or "")
    except Exception:  # no request behind the session (AppTest): no cookie
        raw = ""
    return auth.session_binding(decode_xsrf_token_string(raw)[0])


def _password(tx: Callable[..., str], lang: str) -> str:
    if WHO in st.session_state and not auth.same_browser(str(st.session_state.get(BOUND, "")), _binding()):
        # The session's id was reused from another browser: it inherits nothing.
        auth.GATE.revoke(visitor.session_id(), _upload_manager())
        st.session_state.pop(WHO, None)
        st.error(t("login_other_browser", lang))
    if WHO in st.session_state:
        auth.GATE.allow(visitor.session_id())
        st.button(tx("logout"), on_click=_log_out, args=(False,), key="logout")
        st.caption(t("login_reload_note", lang))
        return str(st.session_state[WHO])
    st.info(tx("login_needed"))
    with st.form("login"):
        name = st.text_input(tx("name"), max_chars=ingest.NAME_MAX, key="login_name")
        pw = st.text_input(tx("password"), type="password", key="login_password")
        submitted = st.form_submit_button(tx("login"))
    if submitted:
        path = auth.throttle_path()
        try:
            throttle = _throttle(str(path))
            known = auth.account_key(name) in auth.accounts(st.secrets)
            attempt, wait = throttle.begin(visitor.client(), auth.account_key(name) if known else None)
        except (OSError, sqlite3.Error):  # fail closed: no throttle, no login
            st.error(t("login_unavailable", lang, path=path))
            st.stop()
        if attempt is None:
            st.error(tx("throttled", s=int(wait) + 1))
        else:
            ok = bool(name.strip()) and auth.check_login(st.secrets, name.strip(), pw)
            if ok:
                throttle.succeeded(attempt)
                st.session_state[WHO] = ingest.clean_text(name, ingest.NAME_MAX)
                st.session_state[BOUND] = _binding()
                auth.GATE.allow(visitor.session_id())
                st.rerun()
            st.error(tx("bad_login"))
    st.stop()


def table(frame: pl.DataFrame, name: str, lang: str) -> None:
    """One of the page's tables (upload_tables.HEADERS names them) with headers in the user's language."""
    # Plain text cells: labels, names, notes and file names are user text.
    # Neutralised text: Streamlit's table toolbar offers the cells as a CSV (OWASP CSV injection).
    st.dataframe(export.csv_safe(frame).to_arrow(), hide_index=True, key=name,
                 column_config=upload_tables.headers(name, lang))


# Files validated at once in this worker: each holds its bytes, a reader process and its frames; twenty analysts
# uploading together wait their turn instead of taking the worker to gigabytes.
VALIDATIONS = budget.Slots(int(os.environ.get("GUNMA_VALIDATIONS") or 2))


def validate(check: Callable[[], Result], lang: str) -> Result:
    """Run one validation in a free slot (saying so while it waits), then give the freed memory back."""
    with st.spinner(t("upl_checking", lang)):
        waiting = st.empty()
        try:
            def queued() -> None:
                waiting.info(t("upl_queued", lang), icon=":material/hourglass_top:")

            return VALIDATIONS.run(check, on_wait=queued)
        finally:
            waiting.empty()
            budget.give_back_memory()


def uploader_note(lang: str) -> None:
    """A note beside the uploader in the user's language (Streamlit cannot translate its own words in the box)."""
    st.caption(t("upl_uploader_note", lang, mb=Limits().max_bytes // 2**20))


def problems(res: Result, tx: Callable[..., str], lang: str) -> None:
    """Errors and warnings: a sentence each, one line per kind with its count, the details folded away."""
    def total(items: list[Problem]) -> int:
        return sum(max(res.counts[r], 1) for r in {p.rule for p in items})

    if res.errors:
        st.error(tx("errors", n=total(res.errors)))
    if res.warnings:
        st.warning(tx("warnings", n=total(res.warnings)))
    for g in upload_guide.group_problems([*res.errors, *res.warnings], res.counts, lang):
        with st.expander(g.line):  # catalogue words and a count only (an expander label is Markdown)
            if g.hint:
                st.caption(g.hint)
            st.text("\n".join(g.details))  # the sentences quote the file's values: plain text
            if g.more:
                st.caption(t("upl_more_in_table", lang, n=f"{g.more:,}"))
    with st.expander(t("upl_all_problems", lang)):
        table(upload_tables.problems(res.problems_frame(lang), lang), "problems", lang)


def withdraw_form(store: SnapshotStore, who: str, tx: Callable[..., str], lang: str) -> None:
    """Withdraw a published snapshot or restore a withdrawn one: chosen by label, date and state, only the action
    that applies, a required reason and a confirmation; recorded with who and when."""
    with st.expander(tx("withdraw_title")):
        metas = {m.id: m for m in reversed(store.list())}
        target = st.selectbox(tx("snapshot"), list(metas), index=None, key="wd_id", placeholder=t("choose", lang),
                              format_func=lambda i: upload_guide.snapshot_label(metas[i], lang) if i in metas else i)
        meta = metas.get(str(target)) if target is not None else None
        if meta is None:
            return
        action = upload_guide.action_for(meta)
        st.text(t("upl_state_now", lang, state=upload_guide.state_text(meta, lang)))
        with st.form("withdraw"):
            reason = st.text_input(tx("reason"), max_chars=500, key="wd_reason")
            sure = st.checkbox(t("upl_confirm_withdraw" if action == "withdraw" else "upl_confirm_restore", lang),
                               key="wd_sure")
            go = st.form_submit_button(tx("withdraw") if action == "withdraw" else tx("restore"),
                                       type="primary")
        if not go:
            return
        if not reason.strip():
            st.error(tx("reason_needed"))
        elif not sure:
            st.error(t("upl_confirm_needed", lang))
        else:
            try:
                store.set_withdrawn(meta.id, action == "withdraw", reason=ingest.clean_text(reason, 500), who=who)
            except StoreWriteError as e:  # a full or read-only data folder: nothing was recorded
                st.error(e.sentence(lang))
                return
            except (KeyError, ValueError):  # gone, or changed by someone else since the page was drawn
                st.error(t("upl_action_failed", lang))
                return
            except PublishBusy:
                st.error(tx("busy"))
                return
            state.prebuild()
            after = next((m for m in store.list() if m.id == meta.id), meta)
            st.session_state["_recorded"] = upload_guide.action_done(after, action, lang)
            for k in ("wd_reason", "wd_sure"):  # the next action starts unconfirmed, with no reason
                st.session_state.pop(k, None)
            st.rerun()
