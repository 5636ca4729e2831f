"""Preview, publish, templates, analyst auth and the upload CLI, over real Parquet in temp folders."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from dashboard import auth, contract, data, db, ingest
from dashboard.catalog import load_catalog
from dashboard.storage import LocalStore, PublishConflict
from dashboard.validate import validate_bytes

CAT = load_catalog()


def _frame(rows: list[tuple[str, str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["indicator_id", "municipality_code", "fiscal_year", "value"],
                        orient="row").cast({"fiscal_year": pl.Int32, "value": pl.Float64})


# ------------------------------------------------------------------------------ preview

def test_preview_adds_revises_and_leaves_alone(data_copy: Path) -> None:
    store, con = LocalStore(data_copy), db.connect()
    cur = ingest.current_rows(con, store)
    old = cur.filter((pl.col("indicator_id") == "kayoi_participants") & (pl.col("municipality_code") == "10201")
                     & (pl.col("fiscal_year") == 2024))
    old_value, old_snap = old["value"][0], old["snapshot_id"][0]
    cand = _frame([("kayoi_participants", "10201", 2024, old_value + 10),  # revise
                   ("kayoi_participants", "10202", 2024,
                    cur.filter((pl.col("indicator_id") == "kayoi_participants")
                               & (pl.col("municipality_code") == "10202") & (pl.col("fiscal_year") == 2024))
                    ["value"][0]),  # same value again
                   ("kayoi_participants", "10201", 2025, 5.0)])  # add
    pv = ingest.preview(con, store, CAT, cand)
    assert (pv.adds, pv.revises, pv.same) == (1, 1, 1)
    assert pv.untouched == cur.height - 2
    assert pv.base_seq == 4
    r = pv.revisions.row(0, named=True)
    assert r["old_value"] == old_value and r["new_value"] == old_value + 10 and r["old_snapshot"] == old_snap
    assert r["place"] == "10201 前橋市" and r["fiscal_year"] == 2024
    row = pv.by_indicator.filter(pl.col("indicator_id") == "kayoi_participants").row(0, named=True)
    assert (row["add"], row["revise"], row["same"]) == (1, 1, 1)
    other = pv.by_indicator.filter(pl.col("indicator_id") == "pop65").row(0, named=True)
    assert other["add"] == 0 and other["untouched"] == cur.filter(pl.col("indicator_id") == "pop65").height


def test_preview_on_an_empty_store_is_all_adds(empty_data: Path) -> None:
    pv = ingest.preview(db.connect(), LocalStore(empty_data), CAT, _frame([("pop65", "10201", 2020, 1.0)]))
    assert (pv.adds, pv.revises, pv.same, pv.untouched, pv.base_seq) == (1, 0, 0, 0, 0)


def test_preview_respects_withdrawal(data_copy: Path) -> None:
    store, con = LocalStore(data_copy), db.connect()
    newest = store.list()[-1].id
    store.set_withdrawn(newest, True, reason="test", who="t")
    cur = ingest.current_rows(con, store)
    assert newest not in set(cur["snapshot_id"].to_list())


# ------------------------------------------------------------------------------ publish

def test_publish_is_seen_by_the_query_layer_and_recorded(data_copy: Path) -> None:
    store, con = LocalStore(data_copy), db.connect()
    cand = _frame([(("kayoi_participants"), c, 2026, 100.0) for c in CAT.municipality_codes()])
    key_before, previous = store.state_key(), store.list()[-1].id
    meta = ingest.publish(store, cand, label="  令和8年度\t速報\n", kind="official", publisher="田中",
                          source_name="/home/x/../../fy2026.csv", expected_last_seq=4)
    assert meta.seq == 5 and meta.rows == 35 and meta.label == "令和8年度 速報"
    assert meta.source_name == "fy2026.csv" and meta.publisher == "田中"
    assert store.state_key() != key_before  # caches keyed on it refresh
    vals = data.values(con, store, CAT, indicator_ids=["kayoi_participants"], places=["10000"])
    assert vals.filter(pl.col("fiscal_year") == 2026)["value"].to_list() == [3500.0]
    # As of the previous snapshot, the dashboard is exactly as before.
    old = data.values(con, store, CAT, as_of=previous, indicator_ids=["kayoi_participants"],
                      places=["10000"])
    assert 2026 not in old["fiscal_year"].to_list()
    # A second publish that previewed against seq 4 is refused with a clear message.
    with pytest.raises(PublishConflict, match="0005"):
        ingest.publish(store, cand, label="again", kind="official", publisher="b", source_name="x.csv",
                       expected_last_seq=4)


def test_path_like_label_is_only_text(data_copy: Path) -> None:
    store = LocalStore(data_copy)
    before = {p.name for p in (data_copy / "snapshots").iterdir()}
    meta = ingest.publish(store, _frame([("pop65", "10201", 2030, 1.0)]), label="../../../etc/passwd",
                          kind="sample", publisher="x", source_name="../../evil.parquet")
    after = {p.name for p in (data_copy / "snapshots").iterdir()}
    assert after - before == {f"{meta.id}.parquet", f"{meta.id}.json", ".lock"} - before
    assert meta.label == "../../../etc/passwd" and meta.file == f"{meta.id}.parquet"
    assert not (data_copy.parent / "etc").exists()


@pytest.mark.parametrize("label", ["", "   ", "\n\t", "x" * 201])
def test_bad_labels_are_refused(data_copy: Path, label: str) -> None:
    assert ingest.check_label(label, "ja") and ingest.check_label(label, "en")
    with pytest.raises(ValueError):
        ingest.publish(LocalStore(data_copy), _frame([("pop65", "10201", 2030, 1.0)]), label=label,
                       kind="official", publisher="x", source_name="a.csv")


# ------------------------------------------------------------------------------ templates

def test_csv_template_has_ids_codes_and_names_and_round_trips() -> None:
    raw = ingest.template_csv(CAT, 2025)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Japanese names
    df = pl.read_csv(io.BytesIO(raw[3:]), infer_schema=False)
    assert df.columns == ["indicator_id", "indicator_name", "municipality_code", "municipality_name",
                          "fiscal_year", "value", "note"]
    assert set(df["indicator_id"]) <= set(CAT.indicators)
    kayoi = df.filter(pl.col("indicator_id") == "kayoi_participants")
    assert kayoi["municipality_code"].to_list() == CAT.municipality_codes()
    assert kayoi["municipality_name"][0] == "前橋市"
    assert "kayoi_participation_rate" not in set(df["indicator_id"])  # derived from its parts
    assert df.filter(pl.col("indicator_id") == "pref_score")["municipality_code"].to_list() == ["10000", "00000"]
    # Left empty: nothing to publish; a few values filled in: those rows only.
    res = validate_bytes(raw, "template.csv", CAT)
    assert [p.rule for p in res.errors] == ["no_rows"]
    # Populations nested as the catalog's bounds require (75+ <= 65+ <= total); every other count 1.
    pops = {"pop_total": "330000", "pop65": "90000", "pop75": "50000"}
    one = pl.col("indicator_id").replace_strict(pops, default="1", return_dtype=pl.Utf8)
    filled = df.with_columns(pl.when(pl.col("municipality_code") == "10201").then(one)
                             .otherwise(pl.col("value")).alias("value"))
    res = validate_bytes(filled.write_csv().encode(), "filled.csv", CAT)
    assert res.ok and res.frame is not None
    assert set(res.frame["municipality_code"]) == {"10201"}
    assert any(w.rule == "empty_value_skipped" for w in res.warnings)


def test_xlsx_template_keeps_codes_as_text_and_round_trips() -> None:
    raw = ingest.template_xlsx(CAT, 2024, "en")
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == ["data", "readme"]
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["indicator_id", "indicator_name", "municipality_code", "municipality_name"]
    codes = {r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "00000" in codes and "10000" in codes and "10201" in codes
    for row in ws.iter_rows(min_row=2):
        if row[2].value == "00000":
            row[5].value = 12
    buf = io.BytesIO()
    wb.save(buf)
    res = validate_bytes(buf.getvalue(), "filled.xlsx", CAT)
    assert res.ok, [p.message_en for p in res.errors]
    assert res.frame is not None and set(res.frame["municipality_code"]) == {"00000"}
    assert set(res.frame["fiscal_year"]) == {2024}


# ------------------------------------------------------------------------------ auth

def test_password_hash_round_trip_and_malformed_hashes() -> None:
    h = auth.hash_password("correct horse", n=2**12)
    assert h.startswith("scrypt$4096$8$1$")
    assert auth.verify_password("correct horse", h)
    assert not auth.verify_password("correct hors", h)
    assert auth.hash_password("same", n=2**12) != auth.hash_password("same", n=2**12)  # salted
    for bad in ["", "plain", "scrypt$x$8$1$a$b", "md5$1$1$1$AAAA$AAAA", h.replace("scrypt", "bcrypt"),
                "scrypt$4096$8$1$!!$??", "scrypt$99999999999$8$1$AAAA$AAAA"]:
        assert not auth.verify_password("correct horse", bad)


def test_auth_mode_and_login_check() -> None:
    h = auth.hash_password("pw-shared", n=2**12)
    assert auth.auth_mode({}) == "disabled"
    assert auth.auth_mode({"upload": {}}) == "disabled"
    assert auth.auth_mode({"upload": {"password_hash": h}}) == "shared_password_refused"
    assert auth.auth_mode({"auth": {"client_id": "x"}, "upload": {"password_hash": h}}) == "oidc"
    users = {"upload": {"users": {"tanaka": auth.hash_password("pw-tanaka", n=2**12)}, "password_hash": h}}
    assert auth.auth_mode(users) == "password"
    assert auth.check_login(users, "tanaka", "pw-tanaka")
    assert not auth.check_login(users, "tanaka", "pw-shared")  # only the person's own password
    assert not auth.check_login(users, "someone else", "pw-shared")  # the shared password opens nothing
    assert not auth.check_login({"upload": {"users": {"a": h}}}, "b", "pw-shared")


# The upload CLI (check / publish / withdraw / restore / hash-password) is tested in test_upload_cli.py.


def test_contract_frame_from_validation_publishes_canonically(data_copy: Path) -> None:
    df = _frame([("pop65", "10202", 2030, 2.0), ("pop65", "10201", 2030, 1.0)])
    res = validate_bytes(df.write_csv().encode(), "a.csv", CAT)
    assert res.ok and res.frame is not None
    meta = ingest.publish(LocalStore(data_copy), res.frame, label="x", kind="official", publisher="p",
                          source_name="a.csv")
    back = pl.read_parquet(LocalStore(data_copy).path(meta))
    assert back.schema == pl.Schema({k: contract.SCHEMA[k] for k in back.columns})
    assert back["municipality_code"].to_list() == ["10201", "10202"]  # sorted by key


def test_temporary_files_left_by_a_killed_writer_are_swept_and_never_visible(data_copy: Path) -> None:
    store = LocalStore(data_copy)
    orphan = data_copy / "snapshots" / ".tmp-deadbeef-0005-12345678.json"
    orphan.write_text('{"partial": ', encoding="utf-8")
    key = store.state_key()
    assert len(store.list()) == 4 and store.state_key() == key  # not visible, not part of the state
    ingest.publish(store, _frame([("pop65", "10201", 2030, 1.0)]), label="x", kind="official", publisher="p",
                   source_name="a.csv")
    assert not orphan.exists()
    assert not list((data_copy / "snapshots").glob(".tmp-*"))
