"""Entry script: `streamlit run dashboard/app.py`.

It sits outside pages/ on purpose (beside pages/, Streamlit falls back to file-name labels).
Each run: apply URL filters, build the navigation, draw the filters, run the chosen page.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts dashboard/ first, not the root
    sys.path.insert(0, str(ROOT))

# Plotly imports pandas lazily inside its first figure and then reads sys.modules directly; when several
# sessions start at once on a cold server, one could see another's half-imported pandas and fail
# ("partially initialized module 'pandas' has no attribute 'Series'": an error page, ~1 cold start in 4).
# Importing it here first makes every session's script wait for the complete module.
import pandas  # noqa: E402, F401
import polars as pl  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard.config import PAGES_DIR, data_dir, data_folder_problem  # noqa: E402
from dashboard.i18n import t  # noqa: E402
from dashboard.storage import unavailable_notice  # noqa: E402
from dashboard.ui import filters, present, render, share, state  # noqa: E402
from dashboard.ui.upload import guard_uploads  # noqa: E402


def build_pages(lang: str) -> dict[str, st.Page]:
    """The pages in menu order (upload only when its script exists), titles in the chosen language."""
    cat = state.catalog()
    pages = {"overview": st.Page(str(PAGES_DIR / "overview.py"), title=t("page_overview", lang),
                                 url_path="overview", default=True)}
    for r in cat.policy_areas.filter(pl.col("policy_area") != "context").iter_rows(named=True):
        n = r["policy_area"]
        pages[f"area{n}"] = st.Page(str(PAGES_DIR / f"area{n}.py"), url_path=f"area{n}",
                                    title=t("page_area", lang, n=n, name=r["name_ja" if lang == "ja" else "name_en"]))
    pages["profile"] = st.Page(str(PAGES_DIR / "profile.py"), title=t("page_profile", lang), url_path="profile")
    pages["methodology"] = st.Page(str(PAGES_DIR / "methodology.py"), title=t("page_methodology", lang),
                                   url_path="methodology")
    upload = PAGES_DIR / "upload.py"
    if upload.exists():
        pages["upload"] = st.Page(str(upload), title=t("page_upload", lang), url_path="upload")
    return pages


def data_folder_message(problem: str) -> None:
    """Every page: say which data folder is unusable and what to do, with the menu kept (no filters)."""
    lang = str(st.query_params.get("lang", "ja"))
    lang = lang if lang in ("ja", "en") else "ja"
    st.set_page_config(page_title=t("app_title", lang), layout="wide")
    st.navigation(list(build_pages(lang).values()), position="sidebar")
    st.title(t("data_title", lang))
    st.error(t(f"data_{problem}", lang, path=data_dir()), icon=":material/folder_off:")
    st.text(t("data_restart", lang))


def main() -> None:
    """Run one script run of the app."""
    guard_uploads()  # before anything else: anonymous sessions must not make the server hold upload bytes
    problem = data_folder_problem()
    if problem:
        data_folder_message(problem)
        return
    lang = filters.prepare()  # draws nothing: reads the URL into the widget state
    special = present.wanted()  # presenter mode or embedded chart: no sidebar, no menu
    st.set_page_config(page_title=t("app_title", lang), layout="wide",
                       initial_sidebar_state="collapsed" if special else "expanded")
    pages = build_pages(lang)
    st.session_state[render.PAGES] = pages
    nav = st.navigation(list(pages.values()), position="hidden" if special else "sidebar")
    f = filters.render()
    notice = unavailable_notice(state.store(), lang)  # the bucket is away: pages show its last state
    if notice:
        st.warning(notice)
    page = next((k for k, p in pages.items() if p.url_path == nav.url_path), "overview")
    st.session_state[share.CURRENT_PAGE] = page
    if special == "present":
        present.render(f, page)
    elif special == "embed":
        present.embed(f, page)
    else:
        nav.run()


main()
