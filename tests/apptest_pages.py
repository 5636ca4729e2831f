"""Open a page of the registry in Streamlit's AppTest (the pages are functions, not scripts)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from dashboard import registry
from dashboard.catalog import load_catalog


def switch(at: AppTest, name: str) -> AppTest:
    """Switch an AppTest (run at least once) to the registry page `name`; call .run() after it.

    AppTest.switch_page matches script files only; an st.Page is identified by the hash of its url_path,
    which is the registry name."""
    at._page_hash = calc_hash(name)
    return at


def names(upload: bool = False) -> list[str]:
    """The registry's page names of the configured catalog (without the upload page unless asked)."""
    return registry.names(load_catalog(), upload=upload)


def link_urls(at: AppTest) -> list[str]:
    """The URLs "link to this view" offers (view, presenter mode, embed), as a user sees them: its popover is
    opened (as a click does: its state set, the script run again) when it is not open yet."""
    from dashboard.ui.share import LINK_POPOVER

    if not at.session_state.get(LINK_POPOVER):
        at.session_state[LINK_POPOVER] = True
        at.run()
    return [c.proto.code_text for c in at.get("code") if "place=" in c.proto.code_text]
