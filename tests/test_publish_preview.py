"""The preview before publishing (what an upload adds, revises and leaves alone), over real Parquet in a temp
folder: figures for a representative upload, and the same preview whether the untouched rows are counted in
one query or indicator range by indicator range (as for large stores)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dashboard import db, ingest
from dashboard.catalog import load_catalog
from dashboard.storage import LocalStore
from tests.test_validate_published import representative_upload

CAT = load_catalog()


def _same(a: ingest.Preview, b: ingest.Preview) -> None:
    assert (a.base_seq, a.base_id, a.adds, a.revises, a.same, a.untouched) == \
        (b.base_seq, b.base_id, b.adds, b.revises, b.same, b.untouched)
    for x, y in ((a.by_indicator, b.by_indicator), (a.revisions, b.revisions),
                 (a.untouched_detail, b.untouched_detail)):
        assert x.schema == y.schema and x.equals(y)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_preview_of_a_representative_upload(data_copy: Path, lang: str) -> None:
    store, con = LocalStore(data_copy), db.connect()
    cur = ingest.current_rows(con, store)
    frame = representative_upload(cur)
    pv = ingest.preview(con, store, CAT, frame, lang)
    # The figures the preview gave for this upload before its queries were narrowed to the upload's keys.
    assert (pv.adds, pv.revises, pv.same, pv.untouched) == (106, 90, 554, 3603)
    assert pv.adds + pv.revises + pv.same == frame.height
    assert pv.untouched + pv.revises + pv.same == cur.height
    assert pv.by_indicator["untouched"].sum() == pv.untouched and pv.by_indicator["revise"].sum() == 90
    name = CAT.indicators["care_meetings_held"].name(lang)
    mine = pl.col("place").str.starts_with("10201 ") & (pl.col("indicator") == name)
    row = pv.revisions.filter(mine).row(0, named=True)
    assert row["place"] == ("10201 前橋市" if lang == "ja" else f"10201 {CAT.place_name('10201', 'en')}")
    old = cur.filter((pl.col("indicator_id") == "care_meetings_held") & (pl.col("municipality_code") == "10201")
                     & (pl.col("fiscal_year") == 2024)).row(0, named=True)
    assert (row["fiscal_year"], row["old_value"], row["new_value"], row["old_snapshot"]) == \
        (2024, old["value"], old["value"] + 1, old["snapshot_id"])


def test_untouched_counted_by_indicator_ranges_equals_one_query(data_copy: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    store, con = LocalStore(data_copy), db.connect()
    frame = representative_upload(ingest.current_rows(con, store))
    one = ingest.preview(con, store, CAT, frame)
    monkeypatch.setattr(ingest, "ROWS_PER_RANGE", 300)  # ~15 ranges over the bundled 4,247 rows
    assert len(ingest._id_ranges(CAT, sum(m.rows for m in store.list()))) > 10
    _same(ingest.preview(con, store, CAT, frame), one)
    monkeypatch.setattr(ingest, "ROWS_PER_RANGE", 1)  # one range per catalog indicator, open at both ends
    _same(ingest.preview(con, store, CAT, frame), one)
