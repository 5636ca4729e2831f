"""Dates people read (dashboard.fmt.last_updated and its parts): the date in Japan, in the reader's calendar."""

from __future__ import annotations

import pytest

from dashboard import fmt


@pytest.mark.parametrize(("timestamp", "ja", "en"), [
    ("2026-12-06T03:00:00Z", "令和8年12月6日", "6 December 2026"),
    # 20:00 UTC on the 5th is 05:00 on the 6th in Japan (UTC+9): the Japan date is the one shown.
    ("2026-12-05T20:00:00Z", "令和8年12月6日", "6 December 2026"),
    ("2026-12-05T14:59:59Z", "令和8年12月5日", "5 December 2026"),
    ("2026-12-05T15:00:00+00:00", "令和8年12月6日", "6 December 2026"),
    ("2026-12-05T15:00:00", "令和8年12月6日", "6 December 2026"),  # no zone: UTC, as snapshots record it
    ("2026-12-06T05:00:00+09:00", "令和8年12月6日", "6 December 2026"),
    # The first year of an era is 元年; the day before Reiwa began is 平成31年.
    ("2019-05-01T00:00:00+09:00", "令和元年5月1日", "1 May 2019"),
    ("2019-04-30T15:00:00Z", "令和元年5月1日", "1 May 2019"),
    ("2019-04-30T14:59:00Z", "平成31年4月30日", "30 April 2019"),
    ("2019-04-30T12:00:00Z", "平成31年4月30日", "30 April 2019"),
    ("2020-01-01T00:00:00Z", "令和2年1月1日", "1 January 2020"),
    ("1989-01-08T00:00:00+09:00", "平成元年1月8日", "8 January 1989"),
])
def test_long_date_is_the_japan_date_in_the_readers_calendar(timestamp: str, ja: str, en: str) -> None:
    assert fmt.long_date(timestamp, "ja") == ja
    assert fmt.long_date(timestamp, "en") == en


def test_last_updated_names_the_publication() -> None:
    assert fmt.publication("0004-5eed5eed") == "0004"
    assert fmt.last_updated("2026-12-05T20:00:00Z", "0004-5eed5eed", "ja") == "最終更新：令和8年12月6日（公表0004）"
    assert fmt.last_updated("2026-12-05T20:00:00Z", "0004-5eed5eed", "en") == \
        "Last updated: 6 December 2026 (publication 0004)"


def test_the_upload_pages_history_dates_read_the_same() -> None:
    import polars as pl

    from dashboard.ui import upload_tables

    frame = pl.DataFrame({"id": ["0004-aaaaaaaa", None], "label": ["x", None], "kind": ["official", None],
                          "publisher": ["p", None], "created_at": ["2026-12-05T20:00:00Z", None], "rows": [3, None],
                          "withdrawn": [False, False], "sha256": ["s", None], "source_name": ["f.csv", None]})
    assert upload_tables.history(frame, "ja")["created_at"].to_list() == ["令和8年12月6日", ""]
    assert upload_tables.history(frame, "en")["created_at"].to_list() == ["6 December 2026", ""]
