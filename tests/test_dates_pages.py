"""Issue 19 item 7 on the pages: the header of every page and the methodology page say when the data shown was
last updated (「最終更新：令和…年…月…日（公表NNNN）」, the date in Japan); snapshot table dates read the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import fmt
from dashboard.config import ROOT
from dashboard.storage import LocalStore
from tests.apptest_pages import names, switch

APP = str(ROOT / "dashboard" / "app.py")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_header_and_the_methodology_page_name_the_last_update(data_copy: Path, lang: str) -> None:
    newest = LocalStore(data_copy).list()[-1]
    line = fmt.last_updated(newest.created_at, newest.id, lang)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    for name in names():
        switch(at, name).run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert line in [c.value for c in at.caption], name
    switch(at, "methodology").run()
    assert line in [m.value for m in at.markdown]
    table = next(d.value for d in at.dataframe if "created" in d.value.columns)
    assert fmt.long_date(newest.created_at, lang) in set(table["created"])
