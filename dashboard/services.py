"""What the CLI, the report and the pages ask of the back end, in one place (no Streamlit, no printing).

- place_view(): catalog, visible snapshots, values and year for a place (`progress`, `report`, pages);
- progress_table(): progress towards every tracked target for a place, as one frame;
- validate_upload() / publish() / set_withdrawn(): the upload path, each followed by prebuild();
- snapshots(): the published snapshots as plain rows.

Problems the user can fix are raised as ServiceError with a message key and its parameters; the edge
(CLI, page, export) renders them with dashboard.i18n.t in the user's language.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from dashboard import data, db, ingest, materialize
from dashboard import progress as pg
from dashboard.catalog import Catalog, load_catalog
from dashboard.config import cache_dir
from dashboard.i18n import N_
from dashboard.storage import SnapshotMeta, SnapshotStore, visible
from dashboard.stores import open_store

# Why the data folder cannot be used (config.data_folder_problem) -> the sentence saying what to do.
DATA_FOLDER_MESSAGES = {"missing": N_("data_missing"), "not_folder": N_("data_not_folder"),
                        "no_snapshots": N_("data_no_snapshots"), "unreadable": N_("data_unreadable")}


class ServiceError(Exception):
    """A problem the user can fix: a message key of dashboard.i18n and its parameters."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class PlaceView:
    """A place's catalog, visible snapshots, values and fiscal year."""

    catalog: Catalog
    snaps: list[SnapshotMeta]
    values: pl.DataFrame
    year: int


def place_view(place: str, as_of: str | None = None, year: int | None = None,
               store: SnapshotStore | None = None, catalog: Catalog | None = None) -> PlaceView:
    """The values behind a place's pages; ServiceError for an unknown place or snapshot."""
    cat = catalog or load_catalog()
    store = store or open_store()
    if cat.place_kind(place) in ("unknown", "national"):
        raise ServiceError(N_("svc_unknown_place"), place=place)
    try:
        snaps = visible(store.list(), as_of)
    except KeyError:
        raise ServiceError(N_("svc_unknown_snapshot"), snapshot=as_of) from None
    # The pages' read path: the pre-aggregated file when a server has built it (a command that exits at once
    # does not start building one it would not wait for).
    vals = data.values_for(db.connect(), store, cat, snaps, places=pg.needed_places(place), cache_dir=cache_dir(),
                           build_missing=False)
    return PlaceView(cat, snaps, vals, year or pg.latest_year(cat, vals) or 2020)


def progress_table(view: PlaceView, place: str, policy_area: str | None, lang: str) -> pl.DataFrame:
    """Progress rows for every tracked target of a place, with unit, label, coverage and provisional text."""
    from dashboard import views  # page data helpers (coverage sentences); only this service needs them

    cat = view.catalog
    rows = pg.progress_for_place(cat, view.values, place, view.year, policy_area)
    return pg.to_frame(rows).with_columns(
        pl.col("indicator_id").replace_strict({i: cat.indicators[i].unit(lang) for i in cat.indicators},
                                              default=None).alias("unit"),
        pl.col("target_id").replace_strict({t.id: t.label(lang) for t in cat.targets},
                                           default=None).alias("label"),
        # Roll-ups: how many municipalities the actual covers; a newer partial roll-up as provisional.
        pl.Series("coverage", [views.coverage_text(r.actual_n_reporting, r.actual_n_expected, lang)
                               for r in rows], dtype=pl.Utf8),
        pl.Series("provisional", [views.provisional_text(cat, r, lang) for r in rows], dtype=pl.Utf8),
        # The verdict in words and what it rests on: the same texts as the pages' chips and bars.
        pl.Series("status_text", [views.status_text(r.status, lang) for r in rows], dtype=pl.Utf8),
        pl.Series("verdict_detail", [views.verdict_detail(cat, r, lang) for r in rows], dtype=pl.Utf8),
    )


def snapshots(store: SnapshotStore | None = None) -> list[dict[str, Any]]:
    """Every published snapshot (withdrawn ones included) as a plain row, oldest first."""
    return [dict(m.__dict__) for m in (store or open_store()).list()]


def validate_upload(path: Path, cat: Catalog, store: SnapshotStore) -> Any:
    """Validate an upload file against the catalog and the values published now (validate.Result)."""
    from dashboard.validate import validate_file  # the reader machinery loads only for uploads

    if not path.is_file():
        raise ServiceError(N_("svc_no_such_file"), path=path)
    con = db.connect()
    return validate_file(path, cat, published=lambda keys: ingest.published_values(con, store, keys))


@dataclass(frozen=True)
class Prebuilt:
    """How pre-aggregating the newest view went after a change: seconds taken, or why it was skipped."""

    seconds: float | None
    skipped: str | None = None


def prebuild(store: SnapshotStore, cat: Catalog) -> Prebuilt:
    """Pre-aggregate the newest view now, so no dashboard worker computes it on a visitor's request."""
    t0 = time.perf_counter()
    try:
        materialize.build(cache_dir(), store, cat, visible(store.list(), None))
    except OSError as e:  # a cache only: the dashboard computes values directly without it
        return Prebuilt(None, str(e))
    return Prebuilt(time.perf_counter() - t0)


def publish(store: SnapshotStore, cat: Catalog, frame: pl.DataFrame, *, label: str, kind: str,
            publisher: str, source_name: str) -> tuple[SnapshotMeta, Prebuilt]:
    """Publish a validated contract frame as a new snapshot, then pre-aggregate the new view.

    ValueError (bad label or kind) and storage.PublishBusy pass through, as from ingest.publish."""
    meta = ingest.publish(store, frame, label=label, kind=kind, publisher=publisher, source_name=source_name)
    return meta, prebuild(store, cat)


def set_withdrawn(store: SnapshotStore, cat: Catalog, snapshot_id: str, withdraw: bool, *, reason: str,
                  who: str) -> Prebuilt:
    """Withdraw or restore a snapshot, then pre-aggregate the new view; ServiceError when refused."""
    try:
        store.set_withdrawn(snapshot_id, withdraw, reason=reason, who=who)
    except KeyError:
        raise ServiceError(N_("svc_unknown_snapshot"), snapshot=snapshot_id) from None
    except ValueError as e:
        raise ServiceError(N_("svc_withdraw_refused"), snapshot=snapshot_id, reason=str(e)) from None
    return prebuild(store, cat)
