"""What the pages say about the shipped figures at FY2024 (the issue's default view), as an official reads it
aloud: a target whose year has come reads 達成/未達成 and never a pace word; 前橋市 carries no verdict for a
prefecture-wide target. The rows behind every surface are the same (dashboard.progress), so each page's text
is checked against them."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard import data, db, views
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore
from tests.apptest_pages import switch

APP = str(ROOT / "dashboard" / "app.py")
CAT = load_catalog()
PACE_WORDS_JA = ("順調", "やや遅れ", "このペース")
PACE_WORDS_EN = ("On track", "Slightly behind", "At this pace")


def _open(params: dict[str, str], page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        switch(at, page).run()
    assert not at.exception
    return at


def _text(at: AppTest) -> str:
    """Everything the page shows in words: Markdown, HTML blocks, captions and the charts' texts."""
    parts = [str(m.value) for m in at.markdown] + [str(h.proto.body) for h in at.get("html")]
    parts += [str(c.value) for c in at.caption] + [str(i.value) for i in at.info]
    parts += [json.dumps(json.loads(el.proto.spec), ensure_ascii=False) for el in at.get("plotly_chart")]
    return "\n".join(parts)


def _rows(data_dir: Path, place: str) -> list[pg.Progress]:
    snaps = LocalStore(data_dir).list()
    vals = data.values(db.connect(), LocalStore(data_dir), CAT, snaps[-1].id, (), pg.needed_places(place))
    return pg.progress_for_place(CAT, vals, place, 2024)


def test_the_prefectures_finished_targets_read_their_result(data_copy: Path) -> None:
    rows = _rows(data_copy, "10000")
    finished = [r for r in rows if r.target_year <= 2024]
    # The 13 statements (and C1): every target whose year has come has its result, with the gap.
    assert {r.target_id: r.status for r in finished} == {
        "A1-2023": "not_achieved", "A2-2023": "not_achieved", "A3-2023": "not_achieved", "B1-2023": "not_achieved",
        "B2-2021-23": "not_achieved", "C1-2021": "achieved", "C1-2024": "achieved", "D1-2024": "not_achieved",
        "D2-2024": "not_achieved", "E1-2024": "not_achieved", "E2-2024": "not_achieved"}
    a1 = next(r for r in rows if r.target_id == "A1-2023")
    assert views.verdict_detail(CAT, a1, "ja") == "目標41,300人に240人不足（目標の99.4%）"
    assert views.verdict_detail(CAT, a1, "en") == "240 people short of the target 41,300 people (99.4% of the target)"
    overview = _text(_open({"place": "10000", "year": "2024"}))
    assert "目標41,300人に240人不足（目標の99.4%）" in overview
    # The tally counts what the rows say.
    counts = views.status_counts(rows)
    assert counts["not_achieved"] == 9 and counts["slightly_behind"] == 3
    for status, n in counts.items():
        cell = overview.split(f'data-status="{status}"', 1)[1].split('class="status-count-n"', 1)[1]
        assert cell.split(">", 1)[1].startswith(f"{n}<"), status


def test_area_5_and_its_presenter_slide_carry_no_pace_word(data_copy: Path) -> None:
    """Every area-5 target (令和6年度) is final at FY2024: no 順調/やや遅れ, in the page or on the slide."""
    for lang, words, result in (("ja", PACE_WORDS_JA, "未達成"), ("en", PACE_WORDS_EN, "Not achieved")):
        page = _text(_open({"place": "10000", "year": "2024", "lang": lang}, "area5"))
        assert result in page and not [w for w in words if w in page], lang
        slide = _open({"place": "10000", "year": "2024", "lang": lang, "mode": "present", "slide": "4"}, "area5")
        text = _text(slide)
        assert 'data-testid="present-count">5 / 5<' in text  # the fifth screen: area 5
        assert result in text and not [w for w in words if w in text], lang


def test_maebashi_has_no_verdict_for_a_prefecture_wide_target(data_copy: Path) -> None:
    rows = _rows(data_copy, "10201")
    judged = {r.target_id: r.status for r in rows if r.judged}
    assert judged == {"C1-2024": "achieved"}  # 一体的実施 applies to every municipality: 前橋市 does it
    for tid in ("E1-2024", "E2-2024", "A2-2025"):
        r = next(x for x in rows if x.target_id == tid)
        assert r.status == "context" and r.share_of_way is None
    page = _text(_open({"place": "10201", "year": "2024"}, "area5"))
    assert "達成" not in page and "229%" not in page and "1,014%" not in page
    assert "参考" in page
