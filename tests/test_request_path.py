"""A newcomer's walk of one filter change on /area1: the stack from the page function to the DuckDB call is
short enough to follow (issue "A codebase the next engineer can change in an afternoon": at most 8 project
frames between them, through one memo kind)."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db
from dashboard.config import ROOT
from tests.apptest_pages import switch

APP = str(ROOT / "dashboard" / "app.py")
OURS = (str(ROOT / "dashboard"), str(ROOT / "pages"))


def _hops(stack: traceback.StackSummary) -> list[str]:
    """Project frames from the area page's function down to (not counting) the SQL runner."""
    frames = [f for f in stack if f.filename.startswith(OURS)]
    start = next(i for i, f in enumerate(frames) if f.filename.endswith("ui/area.py") and f.name == "page")
    return [f"{Path(f.filename).relative_to(ROOT)}:{f.name}" for f in frames[start + 1:]
            if not (f.filename.endswith("db.py") and f.name in ("run", "run_arrow"))]


def test_a_filter_change_on_area1_reaches_the_sql_in_at_most_8_hops(data_copy: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    stacks: list[traceback.StackSummary] = []
    for name in ("run", "run_arrow"):
        real = getattr(db, name)

        def spy(*a: object, _real: object = real, **k: object) -> object:
            stacks.append(traceback.extract_stack())
            return _real(*a, **k)  # type: ignore[operator]

        monkeypatch.setattr(db, name, spy)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"place": "10000", "year": "2024"})
    at.run()
    switch(at, "area1").run()
    from dashboard.ui import layout, state

    layout.clear_views()  # every section and value read afresh, as on a cold worker
    state.values.clear()  # type: ignore[attr-defined]
    stacks.clear()
    at.sidebar.selectbox[0].set_value("10425").run()  # 嬬恋村: a place not read before
    assert not at.exception, [e.value for e in at.exception]
    walks = [_hops(s) for s in stacks if any(f.name == "page" and f.filename.endswith("ui/area.py") for f in s)]
    assert walks, "the filter change read values through the area page"
    longest = max(walks, key=len)
    print("\nwidget → SQL on /area1:", " → ".join(longest), f"({len(longest)} hops)")
    assert len(longest) <= 8, longest


def test_a_cached_section_without_a_view_key_is_an_error_not_a_stale_page() -> None:
    """Every cached page section takes the ViewKey (it carries the store state) first; the memo refuses a
    section called with anything else, so a forgotten key fails in the first test that draws it."""
    from dashboard.ui.layout import per_view
    from dashboard.ui.state import ViewKey

    @per_view
    def section(v: ViewKey, area_id: str) -> str:
        return f"{v.state}:{area_id}"

    assert section(ViewKey("state-1", None), "1") == "state-1:1"
    assert section(ViewKey("state-2", None), "1") == "state-2:1"  # a publication: built again, never stale
    with pytest.raises(TypeError, match="ViewKey"):
        section("state-1", "1")  # type: ignore[arg-type]
