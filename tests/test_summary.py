"""Written summaries: the sentences say what the numbers say, in Japanese and English."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from dashboard import data, db, slides, summary
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.storage import LocalStore
from tests.grids import bundled_id

CAT = load_catalog()
SAMPLE_SNAP = bundled_id(4)  # the newest bundled sample
OFFICIAL_SNAP = bundled_id(1)  # the plan's official figures


@pytest.fixture()
def vals(data_copy: Path) -> pl.DataFrame:
    """As-of values at the newest (sample) snapshot for the prefecture, the nation and 前橋市."""
    return data.values(db.connect(), LocalStore(data_copy), CAT, SAMPLE_SNAP, (), ["10000", "00000", "10201"])


def _row(rows: list[pg.Progress], target_id: str) -> pg.Progress:
    return next(r for r in rows if r.target_id == target_id)


def test_issue_example_sentence_from_the_query_layer(vals: pl.DataFrame) -> None:
    r = _row(pg.progress_for_place(CAT, vals, "10000", 2023), "A1-2025")
    assert summary.target_sentence(CAT, r, "ja") == (
        "通いの場への65歳以上参加者数は令和5年度に41,060人（35市町村中35市町村の報告）で、"
        "令和7年度目標47,500人に向けた進捗は基準年比で46%です。"  # (41,060−35,660)÷(47,500−35,660), by hand
        "このペースでは目標年度に届きません（到達見込みは令和9年度）。※サンプル（架空）データを含みます。")
    assert summary.target_sentence(CAT, r, "en") == (
        "Participants aged 65+ in community gathering places (kayoi-no-ba) was 41,060 people "
        "(35 of 35 municipalities reporting) in FY2023; "
        "progress towards the FY2025 target of 47,500 people is 46% of the way from the baseline. "
        "At this pace the target will not be reached by the target year (expected in FY2027). "
        "(Includes sample, fictional data.)")


def test_pace_words_follow_the_status() -> None:
    base = pg.Progress("A1-2025", "kayoi_participants", "10000", "level", "pace", 2020, 35660.0, 2025, 47500.0,
                       2024, 46000.0, False, None, None, 0.87, 45132.0, 1.0, "on_track", 48000.0, 2024.6,
                       None, None)
    assert summary.pace_sentence(base, "ja") == "このペースなら目標年度ごろに目標に届く見込みです（順調）。"
    assert summary.pace_sentence(replace(base, status="reached_early"), "en") == (
        "The target value was reached before the target year (the result is settled by the target year's actual).")
    late = replace(base, status="behind", projected_year=2030.2)
    assert summary.pace_sentence(late, "ja") == "このペースでは目標年度に届きません（到達見込みは令和13年度）。"
    never = replace(base, status="behind", projected_year=None)
    assert summary.pace_sentence(never, "en") == "At this pace the target will not be reached by the target year."
    away = replace(base, status="moving_away", projected_year=None)
    assert summary.pace_sentence(away, "ja") == "基準年度から目標と逆の方向に動いています（後退）。"
    over = replace(base, actual_year=2025, phase="final", status="not_achieved", gap=1500.0)
    assert summary.pace_sentence(over, "ja") == "目標年度の結果は「未達成」です。"
    waiting = replace(base, actual_year=2024, phase="awaiting", status="awaiting")
    assert summary.pace_sentence(waiting, "en", CAT) == (
        "The result against the FY2025 target of 47,500 people awaits the target year's actual (result awaited).")
    text = summary.target_sentence(CAT, base, "ja")
    assert "46,000人" in text and "87%" in text and "サンプル" not in text  # official data: no sample note


def test_period_total_prefecture_targets_at_a_town_and_context_rows(vals: pl.DataFrame) -> None:
    pref = pg.progress_for_place(CAT, vals, "10000", 2024)
    b2 = summary.target_sentence(CAT, _row(pref, "B2-2021-23"), "ja")
    assert b2.startswith("介護予防サポーター養成数（年度内新規）は令和3年度から令和5年度までの合計で906人"
                         "（35市町村中35市町村の報告）で、目標1,200人に294人不足（目標の75.5%）です。目標年度の結果は「未達成」です。")
    muni = pg.progress_for_place(CAT, vals, "10201", 2024)
    rate = _row(muni, "A2-2025")
    assert rate.status == "context" and rate.share_of_way is None
    s = summary.target_sentence(CAT, rate, "ja")
    assert s.startswith("前橋市の通いの場への65歳以上参加率は") and "県全体の令和7年度目標は8.0%" in s
    assert "参考" in s and "順調" not in s and "遅れ" not in s
    ctx = _row(muni, "A1-2025")
    assert ctx.status == "context" and ctx.share_of_prefecture is not None
    s = summary.target_sentence(CAT, ctx, "en")
    assert "in Maebashi" in s and "of the prefecture total" in s and "no target for this place" in s
    # The municipal-average score targets are context at the city: never 達成 for one city's score.
    for tid in ("E1-2024", "E2-2024"):
        r = _row(muni, tid)
        assert r.status == "context" and r.share_of_way is None and "達成" not in summary.target_sentence(CAT, r, "ja")


def test_no_actual_yet_mentions_the_baseline(data_copy: Path) -> None:
    official = data.values(db.connect(), LocalStore(data_copy), CAT, OFFICIAL_SNAP, (), ["10000", "00000"])
    r = _row(pg.progress_for_place(CAT, official, "10000", 2020), "A1-2025")
    assert r.status == "not_available"
    assert summary.target_sentence(CAT, r, "ja") == (
        "通いの場への65歳以上参加者数は基準値が令和2年度の35,660人で、その後の実績はまだありません。")


def test_area_summary_counts_and_weakest_target(vals: pl.DataFrame) -> None:
    rows = pg.progress_for_place(CAT, vals, "10000", 2024, "1")
    counts = {s: sum(1 for r in rows if r.status == s) for s in pg.STATUSES}
    lines = summary.area_summary(CAT, rows, "1", "ja")
    head = f"介護予防・フレイル予防の推進：目標{len(rows)}件のうち、"
    assert lines[0].startswith(head)
    for status, n in counts.items():
        if n:
            assert f"{summary.fmt.status_name(status)}{n}件" in lines[0]
    # The target named next is the missed one furthest from its target (B2: 75.5% of 1,200).
    weakest = min((r for r in rows if r.status == "not_achieved"), key=lambda r: r.share_of_target or 0)
    assert weakest.target_id == "B2-2021-23"
    assert lines[1] == summary.target_sentence(CAT, weakest, "ja")
    en = summary.area_summary(CAT, rows, "1", "en")[0]
    assert en.startswith(f"Care prevention and frailty prevention: Of {len(rows)} targets — ")


def test_takeaways_for_every_area_and_place_in_both_languages(vals: pl.DataFrame) -> None:
    for place in ("10000", "10201"):
        for lang in ("ja", "en"):
            screens = slides.key_slides(CAT, vals, place, 2024, lang)
            assert [s.key for s in screens] == ["overview", "area1", "area2", "area3", "area4", "area5"]
            for s in screens:
                assert s.takeaway and "None" not in s.takeaway and "nan" not in s.takeaway
                assert s.sample  # the newest snapshot is sample data
    trend = summary.trend_sentence(CAT, vals, "rehab_dispatch_kayoi", "10000", 2024, "ja")
    got = vals.filter((pl.col("indicator_id") == "rehab_dispatch_kayoi") & (pl.col("place_code") == "10000")
                      & pl.col("fiscal_year").is_in([2023, 2024])).sort("fiscal_year")["value"].to_list()
    assert trend is not None and f"令和6年度に{got[1]:,.0f}回" in trend and f"令和5年度の{got[0]:,.0f}回" in trend


def test_one_municipality_yes_no_measure_reads_implemented(data_copy: Path) -> None:
    v = data.values(db.connect(), LocalStore(data_copy), CAT, SAMPLE_SNAP, (), ["10383", "10000", "00000"])
    raw = v.filter((pl.col("indicator_id") == "ittaiteki_implemented") & (pl.col("place_code") == "10383")
                   & (pl.col("fiscal_year") == 2024))["value"][0]
    ja = summary.trend_sentence(CAT, v, "ittaiteki_implemented", "10383", 2024, "ja")
    assert ja is not None and "市町村" not in ja.replace("南牧村", "")
    assert ("実施しています" if raw == 1 else "未実施です") in ja
    en = summary.trend_sentence(CAT, v, "ittaiteki_implemented", "10383", 2024, "en")
    assert en is not None and ("in place" if raw == 1 else "not in place") in en and "municipalities" not in en
    # The prefecture's count stays a count of municipalities.
    pref = summary.trend_sentence(CAT, v, "ittaiteki_implemented", "10000", 2024, "ja")
    assert pref is not None and "市町村" in pref
