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
