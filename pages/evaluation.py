"""Self-evaluation (自己評価, issue 24): everyone sees the approved notes; signed-in analysts write, approve, download.

Notes are user text: shown only through st.text / st.dataframe, never as Markdown or HTML. The verdict (the
data's) always comes before the self-evaluation (the analyst's), and each is labelled.
"""

import streamlit as st

from dashboard import evaluation as ev
from dashboard import export, ingest
from dashboard import notes as nt
from dashboard.i18n import t
from dashboard.storage import PublishBusy, StoreWriteError
from dashboard.ui import evaluation_notes, filters, state
from dashboard.ui import upload as ui_upload

lang = filters.url_lang()


def tx(key: str, **kw: object) -> str:
    """The login's texts (shared with the upload page)."""
    return ingest.text(key, lang, **kw)


st.title(t("page_evaluation", lang))
st.text(t("eval_intro", lang))
_years = state.prefecture_values(state.state_key(), None)["fiscal_year"]
latest = int(_years.max()) if len(_years) else 2024
year = int(st.selectbox(t("eval_year", lang), list(range(latest, 2020, -1)), key="eval_year"))
notes_store = nt.open_note_store()


def refusal(e: Exception) -> str:
    """The sentence for a save or an approval that did not happen (nothing was written)."""
    return e.sentence(lang) if isinstance(e, (nt.NoteRefused, StoreWriteError)) else str(e)


def row_head(r: ev.SheetRow, note: nt.Note | None, state_text: str) -> str:
    """A row's title: the verdict first (the data's), then the self-evaluation (the analyst's), labelled."""
    grade = nt.grade_word(note.grade, lang) if note else "－"
    return (f"{r.label}　｜　{t('eval_verdict_label', lang)}: {r.verdict}　｜　"
            f"{t('eval_self_label', lang)}: {grade}（{state_text}）")


# Everyone: the approved self-evaluation.
official = ev.year_view(year, analyst=False, lang=lang, store=state.store(), note_store=notes_store)
if not any(r.note for r in official.rows):
    st.info(t("eval_nothing_yet", lang))
else:
    st.caption(t("eval_officials_note", lang))
    for r in official.rows:
        if r.note is not None:
            st.text(row_head(r, r.note, t("eval_approved", lang)))
            st.text(f"{t('eval_done', lang)}: {r.note.done}\n{t('eval_next', lang)}: {r.note.next}")

st.divider()
who = ui_upload.login(tx, lang)  # stops here until an analyst signs in
st.text(tx("signed_in", who=who))

yv = ev.year_view(year, analyst=True, lang=lang, store=state.store(), note_store=notes_store)
if "_eval_msg" in st.session_state:
    kind, text = st.session_state.pop("_eval_msg")
    (st.warning if kind == "warning" else st.success)(text)
st.download_button(t("eval_download", lang), lambda: ev.workbook(yv.catalog, yv.rows, year, lang, yv.snapshot_id),
                   f"self_evaluation_{year}.xlsx", key="eval_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
if st.button(t("eval_approve_button", lang), key="eval_approve"):
    try:
        rec = nt.approve(notes_store, year, who)
        evaluation_notes.forget_approved()
        st.session_state["_eval_msg"] = ("success", t("eval_approved_done", lang, year=year, n=len(rec.approved)))
        st.rerun()
    except (nt.NoteRefused, PublishBusy) as e:
        st.error(refusal(e))

with st.expander(t("eval_import_title", lang)):
    st.caption(t("eval_import_help", lang))
    up = st.file_uploader(t("eval_import_title", lang), key=f"eval_up{st.session_state.get('_eval_up_n', 0)}",
                          label_visibility="collapsed")
    if up is not None:
        changes: list[ev.Change] = []
        try:
            if up.size > ev.IMPORT_MAX_BYTES:
                raise ev.ImportRefused("eval_import_too_big", mb=ev.IMPORT_MAX_BYTES // 2**20)
            changes = ev.import_preview(yv.catalog, ev.read_workbook(up.getvalue()), yv.rows, year=year, author=who,
                                        snapshot_id=yv.snapshot_id, lang=lang)
        except ev.ImportRefused as e:
            st.error(e.sentence(lang))
        if changes:
            st.text(t("eval_import_preview", lang, n=len(changes)))
            preview = ev.preview_frame(changes, lang)
            st.dataframe(export.csv_safe(preview).to_arrow(), hide_index=True, key="eval_import_preview",
                         column_config={"id": "ID", "field": t("eval_col_field", lang), "old": t("eval_col_old", lang),
                                        "new": t("eval_col_new", lang), "problem": t("eval_col_problem", lang)})
            good = [c.note for c in changes if c.note is not None]
            if good and st.button(t("eval_import_apply", lang, n=len(good)), key="eval_import_apply"):
                try:
                    for n in good:
                        nt.save(notes_store, n)
                    st.session_state["_eval_up_n"] = st.session_state.get("_eval_up_n", 0) + 1
                    st.session_state["_eval_msg"] = ("success", t("eval_import_saved", lang, n=len(good)))
                    st.rerun()
                except StoreWriteError as e:
                    st.error(e.sentence(lang))
                except PublishBusy as e:
                    st.error(str(e))
        elif up is not None:
            st.info(t("eval_import_preview", lang, n=0))

for r in yv.rows:
    note = r.note
    with st.expander(row_head(r, note, ev.note_state(r, lang))):
        st.text(f"{t('eval_goal', lang)}: {r.goal}\n{t('eval_actual', lang)}: {r.actual}\n"
                f"{t('eval_verdict_label', lang)}: {r.verdict}\n"
                f"{t('eval_proposed', lang)}: {nt.grade_word(r.proposed, lang)}")
        stale = ev.stale_text(yv.catalog, r, lang)
        if stale:
            st.warning(stale)
        version = note.version if note else "new"
        k = f"{r.target_id}_{year}_{version}"  # a new version resets the form to it
        with st.form(f"note_{r.target_id}_{year}"):
            default = note.grade if note else (r.proposed or None)
            grade = st.radio(t("eval_grade_input", lang), nt.GRADES, horizontal=True, key=f"g_{k}",
                             index=nt.GRADES.index(default) if default in nt.GRADES else None)
            done = st.text_area(t("eval_done", lang), note.done if note else "", max_chars=nt.TEXT_MAX, key=f"d_{k}")
            nxt = st.text_area(t("eval_next", lang), note.next if note else "", max_chars=nt.TEXT_MAX, key=f"n_{k}")
            reason = st.text_area(t("eval_reason", lang), note.reason if note else "", max_chars=nt.TEXT_MAX,
                                  key=f"r_{k}")
            go = st.form_submit_button(t("eval_save", lang))
        if go:
            try:
                new = nt.make_note(target_id=r.target_id, year=year, grade=str(grade or ""), done=done,
                                   next_steps=nxt, reason=reason, proposed=r.proposed, author=who,
                                   snapshot_id=yv.snapshot_id, figure=r.figure, figure_year=r.figure_year,
                                   base=note.version if note else None)
                saved = nt.save(notes_store, new)
                others = nt.saved_alongside(notes_store, saved, note.version if note else None)
                st.session_state["_eval_msg"] = (("warning", t("eval_concurrent", lang)) if others else
                                                 ("success", t("eval_saved", lang, version=saved.version)))
                st.rerun()
            except (nt.NoteRefused, PublishBusy) as e:
                st.error(refusal(e))
        versions = nt.history(notes_store, r.target_id, year)
        if versions:
            st.caption(t("eval_history", lang))
            st.text("\n".join(
                t("eval_version_line", lang, at=v.at, author=v.author, grade=v.grade,
                  state=t("eval_current" if s == "current" else "eval_superseded", lang))
                for v, s in reversed(list(zip(versions, nt.version_states(versions), strict=True)))))
