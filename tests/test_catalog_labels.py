"""Catalog texts come from one labels file per language (data/catalog/labels/<lang>.csv): the CSVs hold data only,
a language is a file, and a missing or stray label stops the load with the file and the id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import catalog as catalog_module
from dashboard.config import ROOT, reference_dir

BUNDLED = ROOT / "data" / "catalog"


def _copy(tmp_path: Path) -> Path:
    cat = tmp_path / "catalog"
    shutil.copytree(BUNDLED, cat)
    return cat


def _load(cat: Path) -> catalog_module.Catalog:
    return catalog_module._load(cat, reference_dir())


def test_the_catalog_csvs_hold_no_texts() -> None:
    for name in ("indicators.csv", "targets.csv", "policy_areas.csv", "plans.csv"):
        header = (BUNDLED / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert not [c for c in header if c.startswith(("name_", "label_", "unit_", "definition_"))], name


def test_texts_come_from_the_labels_file_of_the_language() -> None:
    cat = _load(BUNDLED)
    ind = cat.indicators["kayoi_participants"]
    assert (ind.name("ja"), ind.unit("ja"), ind.unit("en")) == ("通いの場への65歳以上参加者数", "人", "people")
    assert ind.name("en") == "Participants aged 65+ in community gathering places (kayoi-no-ba)"
    target = next(t for t in cat.all_targets if t.id == "A1-2025")
    assert target.label("ja") == "通いの場の65歳以上参加者数（令和7年度目標）"
    assert cat.area_info("4").name("en") == "Integrated health services and care prevention for older people"
    assert cat.plan_name("ja", "9") == "第9期計画（令和6〜8年度）"
    assert (cat.place_name("10201", "ja"), cat.place_name("K02", "en"), cat.place_name("10000", "en")) == (
        "前橋市", "Takasaki-Annaka area", "Gunma Prefecture")
    # A language without a labels file reads English.
    assert cat.place_name("10201", "xx") == "Maebashi" and ind.unit("xx") == "people"


def test_a_language_is_a_file(tmp_path: Path) -> None:
    cat = _copy(tmp_path)
    text = (cat / "labels" / "en.csv").read_text(encoding="utf-8")
    (cat / "labels" / "fr.csv").write_text(text.replace("Maebashi\n", "Maebachi\n"), encoding="utf-8")
    got = _load(cat)
    assert got.place_name("10201", "fr") == "Maebachi" and got.place_name("10201", "en") == "Maebashi"
    assert "fr" in got.labels.languages


@pytest.mark.parametrize("line", ["indicator,kayoi_participants,unit,people", "place,10383,name,Nanmoku",
                                  "target,E2-2024,label,"])
def test_a_missing_label_is_a_load_error_naming_the_file_and_id(tmp_path: Path, line: str) -> None:
    cat = _copy(tmp_path)
    path = cat / "labels" / "en.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    kept = [x for x in lines if not x.startswith(line)]
    assert len(kept) == len(lines) - 1
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    kind, id_, field, _ = line.split(",", 3)
    with pytest.raises(ValueError, match=rf"en\.csv: no '{field}' label for {kind} '{id_}'"):
        _load(cat)


def test_a_stray_or_repeated_label_is_a_load_error(tmp_path: Path) -> None:
    cat = _copy(tmp_path)
    path = cat / "labels" / "ja.csv"
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "indicator,kayoi_participants,colour,赤\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"ja\.csv: unknown label indicator 'kayoi_participants' 'colour'"):
        _load(cat)
    catalog_module._load.cache_clear()
    path.write_text(original + "place,10201,name,前橋\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"ja\.csv: place '10201' 'name' is labelled twice"):
        _load(cat)


def test_the_catalogue_check_finds_an_untranslated_or_missing_labels_file(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts import check_messages

    shutil.copytree(BUNDLED / "labels", tmp_path / "data" / "catalog" / "labels")
    shutil.copytree(ROOT / "locale", tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(check_messages, "ROOT", tmp_path)
    assert check_messages.label_problems() == []  # the bundled labels: complete in every language
    path = tmp_path / "data" / "catalog" / "labels" / "en.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("place,10383,name,Nanmoku\n", ""), encoding="utf-8")
    (tmp_path / "data" / "catalog" / "labels" / "ja.csv").rename(tmp_path / "ja.csv")
    (tmp_path / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "messages.po").write_text("", encoding="utf-8")
    assert check_messages.label_problems() == [
        "fr: a message catalogue but no labels file data/catalog/labels/fr.csv",
        "ja: a message catalogue but no labels file data/catalog/labels/ja.csv",
        "data/catalog/labels/en.csv: no 'name' label for place '10383' (untranslated)"]
