"""Adding a language is adding files: the pseudo-locale en_XA (English wrapped in ⟦…⟧ and lengthened, made by
scripts/pseudo_locale.py and committed as files only) renders every page of the registry, and every text a
reader sees there came from the message catalogue or the catalog's labels (it carries the ⟦ marker) or is only
numbers, dates, punctuation or a URL."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.config import ROOT
from scripts import pseudo_locale
from tests.apptest_pages import names, switch

APP = str(ROOT / "dashboard" / "app.py")
LANG = pseudo_locale.PSEUDO
MARK = pseudo_locale.OPEN
# Text that needs no translation: numbers, years, dates, snapshot ids, percentages, punctuation, URLs.
_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:md|csv|json|parquet|xlsx)\b")
_NEUTRAL = re.compile(r"[\d\s.,:;%+\-–—/()（）\[\]［］{}|#*_`'\"“”‘’→←↑↓×=<>!?…・･&@$€¥~^\\]*")
# Documents shown as they are written (not messages): the reference data's sources and licences.
DOCUMENTS = {(ROOT / "data" / "reference" / "SOURCES.md").read_text(encoding="utf-8").strip()}


def _neutral(text: str) -> bool:
    return bool(_NEUTRAL.fullmatch(_URL.sub("", text)))


def _leaks(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(where, text) pairs that carry no pseudo marker and are more than numbers and punctuation."""
    return [(where, x) for where, x in texts if x and x.strip() and MARK not in x and not _neutral(x)
            and x.strip() not in DOCUMENTS]


def _figure_texts(spec: dict[str, Any]) -> list[str]:
    lay = spec.get("layout", {})
    out = []
    for key in ("title", *[k for k in lay if k.startswith(("xaxis", "yaxis"))]):
        part = lay.get(key)
        title = part.get("title") if isinstance(part, dict) and key != "title" else part
        text = title.get("text") if isinstance(title, dict) else title
        if isinstance(text, str):
            out.append(text)
    return out


def _column_labels(el: Any) -> list[str]:
    """The headers a reader sees: each column's configured label, else its name."""
    config = json.loads(el.proto.columns) if getattr(el.proto, "columns", "") else {}
    labels = []
    for col in el.value.columns:
        conf = config.get(f"col:name:{col}") or config.get(str(col)) or {}
        if conf is None or conf.get("hidden"):
            continue
        labels.append(conf.get("label") or str(col))
    return labels


def visible_texts(at: AppTest) -> list[tuple[str, str]]:
    """Every text of the kinds a reader reads on the page, with where it was found."""
    out: list[tuple[str, str]] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "success", "error"):
        out += [(kind, str(getattr(el, "value", ""))) for el in at.get(kind)]
    out += [("metric", el.label) for el in at.metric]
    out += [("button", el.label) for el in at.button]
    out += [("selectbox", el.label) for el in at.selectbox]
    out += [("radio", el.label) for el in at.radio]
    out += [("tab", el.label) for el in at.tabs]
    out += [("expander", el.label) for el in at.expander]
    for el in at.dataframe:
        out += [("table header", x) for x in _column_labels(el)]
    for chart in at.get("plotly_chart"):
        out += [("chart", x) for x in _figure_texts(json.loads(chart.proto.spec))]
    return out


def test_the_pseudo_locale_files_are_what_the_generator_makes_from_english() -> None:
    for path, text in pseudo_locale.outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run python scripts/pseudo_locale.py"
    assert pseudo_locale.pseudo("{n:,} targets in {place}") == "⟦{n:,} taargeets iin {place}⟧"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("pseudo") / "data"
    shutil.copytree(ROOT / "data", dst, ignore=shutil.ignore_patterns("cache"))
    return dst


# Every page for a municipality (which shows the most: its own figures beside its 圏域 and the prefecture, the
# profile), and the overview for the prefecture too.
CASES = [(page, "10201") for page in names()] + [("overview", "10000")]


@pytest.mark.parametrize(("page", "place"), CASES)
def test_every_page_in_the_pseudo_locale_shows_only_catalogue_text(
        page: str, place: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNMA_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = LANG
    at.query_params["place"] = place
    at.run()
    if page != "overview":
        switch(at, page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["lang"] in (LANG, [LANG])  # ?lang=en_XA is taken, not replaced by the default
    leaks = _leaks(visible_texts(at))
    key = f"{page}_section"
    if key in at.session_state:  # a policy-area page runs only its open tab: open each in turn
        for tab in [tb.label for tb in at.tabs]:
            at.session_state[key] = tab
            at.run()
            assert not at.exception, (tab, [e.value for e in at.exception])
            leaks += [(f"{tab} / {w}", x) for w, x in _leaks(visible_texts(at))]
    assert not leaks, "\n".join(f"{where}: {text!r}" for where, text in dict.fromkeys(leaks))
