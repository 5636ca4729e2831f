"""The upload page's guiding words as plain functions (dashboard/ui/upload_guide.py), on the synthetic catalog:
what a file holds and what publishing changes, problems one line per kind, snapshots named by label, date and
state. Expected words are written out here."""

from __future__ import annotations

from collections import Counter

import polars as pl
import pytest

from dashboard.catalog import Catalog
from dashboard.ingest import Preview
from dashboard.storage import SnapshotMeta
from dashboard.ui import upload_guide as guide
from dashboard.validate import Problem


def _frame(rows: list[tuple[str, str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"indicator_id": pl.Utf8, "municipality_code": pl.Utf8,
                                      "fiscal_year": pl.Int32, "value": pl.Float64}, orient="row")


def _preview(adds: int, revises: int, same: int) -> Preview:
    empty = pl.DataFrame()
    return Preview(base_seq=3, base_id=None, adds=adds, revises=revises, same=same, untouched=0,
                   by_indicator=empty, revisions=empty, untouched_detail=empty)


THREE = _frame([("t_people", c, 2023, 1.0) for c in ("19001", "19002", "19003")]
               + [("t_pop65", c, 2023, 9.0) for c in ("19001", "19002", "19003")])


def _coverage(year: int, n: int, total: int = 5) -> Problem:
    """A coverage warning as the validator writes it (only its rule and numbers matter here)."""
    return Problem(row=1, column="municipality_code", value=f"{n}/{total}", rule="coverage_partial",
                   message_id="coverage_partial", params={"y": year, "n": n, "total": total}, severity="warning")


@pytest.mark.parametrize(("lang", "expected"), [
    ("ja", "このファイル：令和5年度（2023）、5市町村中3市町村、2指標（6行）。"
           "公開すると最新年度が令和5年度（2023）になります（新規追加 6件、修正 0件）。"
           "ただし令和5年度（2023）の市町村の値は5市町村中3市町村分だけで、県・圏域の値は報告済みの市町村だけの集計（暫定）になります。"),
    ("en", "This file holds FY2023, 3 of 5 municipalities, 2 indicators (6 rows). Publishing makes FY2023 the "
           "newest year (added: 6, revised: 0). But FY2023 would have values for only 3 of 5 municipalities: "
           "its prefecture and area figures would be provisional sums of those."),
])
def test_a_partial_new_year_says_how_many_municipalities_it_has(tiny_catalog: Catalog, lang: str,
                                                                 expected: str) -> None:
    warnings = [_coverage(2023, 3), _coverage(2023, 4), _coverage(2021, 1)]  # the fewest in the newest year
    assert guide.file_summary(THREE, tiny_catalog, _preview(6, 0, 0), 2022, warnings, lang) == expected


def test_a_file_identical_to_the_published_data_says_it_changes_nothing(tiny_catalog: Catalog) -> None:
    pv = _preview(0, 0, 534)
    assert guide.is_identical(pv)
    line = guide.file_summary(THREE, tiny_catalog, pv, 2023, [], "ja")
    assert line.endswith("公開中のデータとまったく同じ値です（変更なし 534行）。"
                         "公開しても閲覧者に見える内容は何も変わりません。")
    assert "nothing visitors see" in guide.file_summary(THREE, tiny_catalog, pv, 2023, [], "en")
    assert not guide.is_identical(_preview(0, 1, 533)) and not guide.is_identical(_preview(1, 0, 0))


def test_a_complete_new_year_and_a_revision_of_old_years(tiny_catalog: Catalog) -> None:
    every = _frame([("t_people", c, 2024, 1.0) for c in ("19001", "19002", "19003", "19004", "19005", "10000")])
    assert guide.file_summary(every, tiny_catalog, _preview(6, 0, 0), 2023, [], "ja") == (
        "このファイル：令和6年度（2024）、5市町村中5市町村と県全体、1指標（6行）。"
        "公開すると最新年度が令和6年度（2024）になります（新規追加 6件、修正 0件）。")
    old = _frame([("t_people", "10000", y, 1.0) for y in (2019, 2020, 2021, 2022)])
    assert guide.file_summary(old, tiny_catalog, _preview(0, 4, 0), 2023, [], "en") == (
        "This file holds FY2019–FY2022, the prefecture only, 1 indicator (4 rows). "
        "Publishing changes what visitors see (added: 0, revised: 4).")
    assert guide.file_summary(THREE, tiny_catalog, _preview(2, 0, 4), 2023, [_coverage(2023, 3)], "ja").endswith(
        "公開すると新規追加 2件、修正 0件が閲覧者に反映されます。"
        "ただし令和5年度（2023）の市町村の値は5市町村中3市町村分だけで、県・圏域の値は報告済みの市町村だけの集計（暫定）になります。")
    assert guide.years_text([2021, 2019], "ja") == "令和元年度（2019）・令和3年度（2021）"


def _p(rule: str, row: int, severity: str = "warning") -> Problem:
    return Problem(row=row, column="value", value="1", rule=rule, message_id="empty_value_skipped",
                   params={"empty_height": 1, "first": row}, severity=severity)


def test_problems_are_one_line_per_kind_with_the_complete_count_and_the_details_folded() -> None:
    problems = [_p("unknown_municipality", 2, "error")] + [_p("coverage_partial", r) for r in range(60)] + [
        _p("bound_reference_missing", r) for r in range(11)]
    counts = Counter({"unknown_municipality": 1, "coverage_partial": 1500, "bound_reference_missing": 11})
    groups = guide.group_problems(problems, counts, "ja")
    assert [(g.severity, g.line) for g in groups] == [
        ("error", "市町村コード：1件"), ("warning", "市町村の報告状況：1,500件"),
        ("warning", "相対上限の基準値なし：11件")]
    cov = groups[1]
    assert len(cov.details) == guide.DETAILS_SHOWN and cov.more == 1500 - guide.DETAILS_SHOWN
    assert groups[2].hint is not None and "65歳以上人口" in groups[2].hint  # what the analyst can do about it
    assert groups[0].hint is None and groups[2].more == 0
    assert [g.line for g in guide.group_problems(problems, counts, "en")][2].endswith(": 11")


def _meta(seq: int, label: str, created: str, withdrawn: bool) -> SnapshotMeta:
    return SnapshotMeta(id=f"{seq:04d}-abcdef12", seq=seq, label=label, kind="sample", created_at=created,
                        source_name="x.csv", sha256="ab", rows=1, publisher="p", file="f", withdrawn=withdrawn)


def test_snapshots_are_named_by_number_label_date_and_state_with_the_action_that_applies() -> None:
    label = "サンプル（架空）令和8年度 速報値 第1回 市町村報告分 / Sample (fictional) FY2026"
    live = _meta(7, label, "2026-12-06T04:00:00Z", False)
    gone = _meta(2, "FY2019\n sample", "2019-04-30T00:00:00Z", True)
    assert guide.snapshot_label(live, "ja") == ("0007 サンプル（架空）令和8年度 速報値 第1回 市町村報告分 / Sample…"
                                                "（令和8年12月6日・公開中）")
    assert guide.snapshot_label(live, "en") == ("0007 サンプル（架空）令和8年度 速報値 第1回 市町村報告分 / Sample… "
                                                "(6 Dec 2026, Published)")
    assert guide.snapshot_label(gone, "ja") == "0002 FY2019 sample（平成31年4月30日・取り下げ済み）"
    assert guide.date_text("2019-05-01T00:00:00Z", "ja") == "令和元年5月1日"
    assert (guide.action_for(live), guide.action_for(gone)) == ("withdraw", "restore")
    assert guide.action_done(gone, "restore", "ja").startswith("再公開しました：0002 ")
    assert guide.action_done(live, "withdraw", "en").startswith("Withdrawn: 0007 ")
