"""Every file of the bad-file corpus through the upload page (AppTest), one logged-in session.

Each gets its specific rule in the page's problem table (at its row and column where the corpus says),
errors leave no publish button, nothing raises, text from the file never reaches a Markdown element,
and the data folder is byte-identical afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import auth
from dashboard.config import ROOT
from dashboard.ingest import text
from tests.grids import data_tree
from tests.upload_corpus import cases

PAGE = str(ROOT / "pages" / "upload.py")
PASSWORD = "corpus-password"



def _problems(at: AppTest) -> pd.DataFrame | None:
    for el in at.dataframe:
        if {"rule", "message", "row"} <= set(el.value.columns):
            return el.value
    return None


def test_every_corpus_file_through_the_page(data_copy: Path) -> None:
    st.cache_resource.clear()
    st.cache_data.clear()
    before = data_tree(data_copy)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["upload"] = {"users": {"コーパス": auth.hash_password(PASSWORD, n=2**12)}}
    at.run()
    at.text_input(key="login_name").input("コーパス")
    at.text_input(key="login_password").input(PASSWORD)
    next(b for b in at.button if b.label == text("login")).click()
    at.run()
    assert len(at.file_uploader) == 1
    checked = 0
    for case in cases():
        at.file_uploader[0].set_value((case.file_name, case.data, "application/octet-stream"))
        at.run()
        assert not at.exception, (case.name, at.exception)
        table = _problems(at)
        assert table is not None, case.name
        hits = table[table["rule_id"] == case.rule]  # the rule's id, kept beside its words (hidden)
        assert len(hits), (case.name, table[["rule_id", "message"]].to_dict("records"))
        assert all(hits["rule"] != case.rule), case.name  # shown in words
        if case.row is not None:
            assert str(case.row) in hits["row"].tolist(), (case.name, hits.to_dict("records"))
        if case.column is not None:
            assert case.column in hits["column"].tolist(), (case.name, hits.to_dict("records"))
        assert all(hits["message"].str.len() > 10)
        if case.severity == "error":
            assert not any(b.label == text("publish_button") for b in at.button), case.name
        for m in at.markdown:  # nothing from the file is ever interpreted as Markdown/HTML
            assert case.file_name not in str(m.value), case.name
        checked += 1
    assert checked > 40
    assert data_tree(data_copy) == before
