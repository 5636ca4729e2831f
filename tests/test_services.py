"""The service layer the CLI, the report and the pages share, on the synthetic catalog and store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from dashboard import services
from dashboard.catalog import Catalog
from dashboard.i18n import t
from tests.conftest import TinyStore


def test_place_view_reads_the_values_in_force_for_the_place(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    view = services.place_view("T1", store=tiny_store.store, catalog=tiny_catalog)
    assert [m.id for m in view.snaps] == [tiny_store.s1, tiny_store.s2, tiny_store.s3]
    assert view.year == 2022  # the newest year with a value of an indicator that has a target (t_people 2022)
    t1 = view.values.filter((pl.col("place_code") == "T1") & (pl.col("indicator_id") == "t_people"))
    assert dict(t1.select("fiscal_year", "value").iter_rows()) == {2021: 45.0, 2022: 63.0}  # 15+30; 11+21+31
    first = services.place_view("T1", as_of=tiny_store.s1, year=2021, store=tiny_store.store, catalog=tiny_catalog)
    assert first.year == 2021 and [m.id for m in first.snaps] == [tiny_store.s1]


@pytest.mark.parametrize(("place", "as_of", "key"), [("99999", None, "svc_unknown_place"),
                                                      ("00000", None, "svc_unknown_place"),
                                                      ("T1", "no-such-snapshot", "svc_unknown_snapshot")])
def test_a_bad_place_or_snapshot_is_a_message_key_with_its_parameters(
        tiny_catalog: Catalog, tiny_store: TinyStore, place: str, as_of: str | None, key: str) -> None:
    with pytest.raises(services.ServiceError) as e:
        services.place_view(place, as_of, store=tiny_store.store, catalog=tiny_catalog)
    assert e.value.key == key
    named = as_of or place
    assert named in t(e.value.key, "ja", **e.value.params) and named in t(e.value.key, "en", **e.value.params)


def test_withdrawing_reports_an_unknown_snapshot_and_changes_nothing(
        tiny_catalog: Catalog, tiny_store: TinyStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUNMA_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(services.ServiceError) as e:
        services.set_withdrawn(tiny_store.store, tiny_catalog, "nope", True, reason="r", who="w")
    assert e.value.key == "svc_unknown_snapshot"
    assert not any(r["withdrawn"] for r in services.snapshots(tiny_store.store))
    built = services.set_withdrawn(tiny_store.store, tiny_catalog, tiny_store.s2, True, reason="r", who="w")
    assert built.seconds is not None and any((tmp_path / "cache").iterdir())  # the new view is pre-aggregated
    assert [r["withdrawn"] for r in services.snapshots(tiny_store.store)] == [False, True, False]
    # After the withdrawal, 19001's t_people 2021 is the official 10 again: T1 = 10 + 30.
    view = services.place_view("T1", store=tiny_store.store, catalog=tiny_catalog)
    assert view.values.filter((pl.col("place_code") == "T1") & (pl.col("indicator_id") == "t_people")
                              & (pl.col("fiscal_year") == 2021))["value"].to_list() == [40.0]


def test_the_progress_table_gives_units_in_the_chosen_language(tiny_catalog: Catalog, tiny_store: TinyStore) -> None:
    view = services.place_view("T1", store=tiny_store.store, catalog=tiny_catalog)
    units = {lang: set(services.progress_table(view, "T1", None, lang)["unit"].drop_nulls()) for lang in ("ja", "en")}
    assert units == {"ja": {"単位"}, "en": {"unit"}}  # the tiny catalog's unit_ja / unit_en columns
