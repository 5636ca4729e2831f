"""The view model: every filter and mode survives build → parse, bad values fall back, filters are checked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dashboard import links
from dashboard.catalog import load_catalog
from dashboard.links import View

CAT = load_catalog()
PLACES = CAT.place_codes()
# Made-up snapshot ids: links only carry them (a page checks them against its store), so they need not exist.
OLD_SNAP, NEW_SNAP = "0002-0ld0ld00", "0004-5eed5eed"
SNAPS = ["latest", "0001-00000001", OLD_SNAP, "0003-00000003", NEW_SNAP]

views = st.builds(
    View,
    page=st.sampled_from(links.known_pages()),
    place=st.sampled_from(PLACES),
    year=st.one_of(st.none(), st.integers(2015, 2030)),
    as_of=st.sampled_from(SNAPS),
    lang=st.sampled_from(links.LANGS),
    mode=st.sampled_from(links.MODES),
    embed=st.booleans(),
    chart=st.one_of(st.none(), st.sampled_from(["overview_bars", "area1_trend_kayoi_participants"])),
    slide=st.one_of(st.none(), st.integers(0, 20)),
    tab=st.one_of(st.none(), st.sampled_from(links.TABS)),
    plan=st.one_of(st.none(), st.sampled_from(["8", "9"])),
)
CHOICES = links.Choices(places=tuple(CAT.place_codes()), years=(2024, 2023, 2022, 2021, 2020, 2019),
                        default_year=2024, as_of=(links.LATEST, NEW_SNAP, OLD_SNAP), plans=("9", "8"))


@given(views, st.sampled_from(["", "http://127.0.0.1:8501", "https://example.jp/dash"]))
def test_round_trip_every_filter_and_mode(view: View, base: str) -> None:
    assert links.parse(links.build(view, base)) == view


def test_each_filter_and_mode_in_the_url() -> None:
    v = View(page="area1", place="10201", year=2023, as_of=OLD_SNAP, lang="en", mode="present",
             embed=True, chart="area1_bars", slide=2, tab="comparison", plan="8")
    url = links.build(v, "http://h:1")
    assert url == (f"http://h:1/area1?place=10201&year=2023&as_of={OLD_SNAP}&lang=en&plan=8&tab=comparison"
                   "&mode=present&embed=true&chart=area1_bars&slide=2")
    assert links.parse(url) == v


def test_overview_is_the_root_and_defaults_are_left_out() -> None:
    url = links.build(View(), "http://h:1")
    assert url == "http://h:1/?place=10000&lang=ja"
    assert links.parse(url) == View()


def test_pinned_link_keeps_the_snapshot_shown() -> None:
    v = View(page="profile", place="10202", year=2024)
    assert links.pinned(v, NEW_SNAP).as_of == NEW_SNAP
    assert links.pinned(View(as_of=OLD_SNAP), NEW_SNAP).as_of == OLD_SNAP
    assert f"as_of={NEW_SNAP}" in links.build(links.pinned(v, NEW_SNAP))


def test_bad_values_fall_back() -> None:
    v = links.parse("/nowhere?mode=dance&lang=fr&embed=maybe&year=R5&slide=x&tab=secret&plan=../x")
    assert v == View(page="overview")
    assert links.parse("/area2?year=FY2022").year == 2022


def test_base_from_browser_address() -> None:
    assert links.base_from("http://127.0.0.1:8501/area1?x=1") == "http://127.0.0.1:8501"
    assert links.base_from("") == ""


def test_pages_come_from_the_registry() -> None:
    assert links.known_pages()[:6] == ("overview", "area1", "area2", "area3", "area4", "area5")
    assert links.parse("/area5?place=10000").page == "area5"
    assert links.from_params("area6", {}, pages=("overview", "area6")).page == "area6"
    assert links.from_params("area6", {}).page == "overview"  # not in the bundled catalog


def test_parse_params_accepts_codes_and_reports_bad_values() -> None:
    good, bad = links.parse_params({"place": "10383", "year": "FY2022", "as_of": OLD_SNAP, "lang": "en",
                                    "plan": "8"}, CHOICES)
    assert good == {"place": "10383", "year": 2022, "as_of": OLD_SNAP, "lang": "en", "plan": "8"}
    assert bad == []
    good, bad = links.parse_params({"place": "99999", "year": "1999", "as_of": "../etc", "lang": "fr", "plan": "7"},
                                   CHOICES)
    assert good == {}
    assert [n.key for n in bad] == ["place", "year", "as_of", "lang", "plan"]
    assert links.parse_params({"place": "K05", "year": "abc"}, CHOICES)[0] == {"place": "K05"}


def test_filter_params_leave_out_latest_snapshot_and_the_default_plan() -> None:
    assert links.params(View(place="10000", year=2024)) == {"place": "10000", "year": "2024", "lang": "ja"}
    assert links.params(View(place="K01", year=2021, as_of=OLD_SNAP, lang="en", plan="9")) == {
        "place": "K01", "year": "2021", "as_of": OLD_SNAP, "lang": "en", "plan": "9"}


def test_presenter_link_pins_the_snapshot_and_keeps_the_screen() -> None:
    v = View(page="area1", place="10201", year=2024, lang="en", tab="trends")
    url = links.build(links.presenter(v, 3, NEW_SNAP), "http://h:1")
    assert url == (f"http://h:1/area1?place=10201&year=2024&as_of={NEW_SNAP}&lang=en&tab=trends"
                   "&mode=present&slide=3")
    back = links.parse(url)
    assert (back.mode, back.slide, back.as_of) == ("present", 3, NEW_SNAP)
    # A snapshot chosen on purpose stays; an embed link becomes presenter mode.
    chosen = links.presenter(View(as_of=OLD_SNAP, embed=True, chart="area1_bars"), 0, NEW_SNAP)
    assert (chosen.as_of, chosen.embed, chosen.chart) == (OLD_SNAP, False, None)
