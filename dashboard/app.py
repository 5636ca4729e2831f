"""Entry script: `streamlit run dashboard/app.py`.

It sits outside pages/ on purpose (beside pages/, Streamlit falls back to file-name labels).
Each run: apply URL filters, build the navigation from the page registry, draw the filters, run the chosen
page with them.
"""

from __future__ import annotations

import os
import sys

# This script runs again on every page run: os.path.abspath, not Path.resolve(), which asks the file system
# about every part of the path (each a system call, costly when many sessions run at once).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # `streamlit run dashboard/app.py` puts dashboard/ first, not the root
    sys.path.insert(0, ROOT)

# Plotly imports pandas lazily inside its first figure and then reads sys.modules directly; when several
# sessions start at once on a cold server, one could see another's half-imported pandas and fail
# ("partially initialized module 'pandas' has no attribute 'Series'": an error page, ~1 cold start in 4).
# Importing it here first makes every session's script wait for the complete module.
import pandas  # noqa: E402, F401
import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import add_script_run_ctx  # noqa: E402

from dashboard import services  # noqa: E402
from dashboard.config import data_dir, data_folder_problem  # noqa: E402
from dashboard.i18n import t  # noqa: E402
from dashboard.storage import unavailable_notice  # noqa: E402
from dashboard.ui import filters, forged, navigation, present, state, warm  # noqa: E402
from dashboard.ui.upload import guard_uploads  # noqa: E402


def data_folder_message(problem: str) -> None:
    """Every page: say which data folder is unusable and what to do, with the menu kept (no filters)."""
    lang = filters.url_lang()
    st.set_page_config(page_title=t("app_title", lang), layout="wide")
    st.navigation(list(navigation.build(state.catalog(), lang, navigation.Run()).values()), position="sidebar")
    st.title(t("data_title", lang))
    st.error(t(services.DATA_FOLDER_MESSAGES[problem], lang, path=data_dir()), icon=":material/folder_off:")
    st.text(t("data_restart", lang))


def main() -> None:
    """Run one script run of the app."""
    guard_uploads()  # before anything else: anonymous sessions must not make the server hold upload bytes
    forged.install()  # from the next message on, a forged widget id is one log line, not a traceback
    problem = data_folder_problem()
    if problem:
        data_folder_message(problem)
        return
    prep = filters.prepare()  # draws nothing: reads the URL into the widget state
    lang = prep.lang
    # $GUNMA_WARM: the process's first run (the script-health-check) waits for the default views to be built;
    # the first run after a publication starts building the new ones behind itself.
    warm.on_run(prep.key, add_script_run_ctx)
    special = present.wanted()  # presenter mode or embedded chart: no sidebar, no menu
    st.set_page_config(page_title=t("app_title", lang), layout="wide",
                       initial_sidebar_state="collapsed" if special else "auto")
    run = navigation.Run()  # the pages' own arguments for this run: navigation, then the resolved filters
    pages = navigation.build(state.catalog(), lang, run)
    nav = st.navigation(list(pages.values()), position="hidden" if special else "sidebar")
    run.filters = f = filters.render(prep, navigation.name_of(pages, nav))
    notice = unavailable_notice(state.store(), lang)  # the bucket is away: pages show its last state
    if notice:
        st.warning(notice)
    if special == "present":
        present.render(f)
    elif special == "embed":
        present.embed(f)
    else:
        nav.run()


main()
