"""Chart builders: titles, axis titles with units, hover with units, status in words, palette."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import polars as pl
import pytest

from dashboard import charts, data, db, fmt, views
from dashboard import progress as pg
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from dashboard.storage import LocalStore

CAT = load_catalog()
GEOJSON = ROOT / "data" / "reference" / "municipalities.geojson"  # shipped with the repository


@pytest.fixture(scope="module")
def vals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pl.DataFrame]:
    dst = tmp_path_factory.mktemp("charts") / "data"
    shutil.copytree(ROOT / "data", dst)
    yield data.values(db.connect(), LocalStore(dst), CAT)


def test_progress_bars_share_one_axis_with_target_line_and_status_words(vals: pl.DataFrame) -> None:
    rows = pg.progress_for_place(CAT, vals, "10000", 2024)
    tbl = views.progress_table(CAT, rows, "ja")
    fig = charts.progress_bars(tbl, "ja", "進捗")
    bar, expected, words = fig.data[0], fig.data[1], fig.data[2]
    assert len(bar.y) == len(CAT.targets)
    for share, x in zip(tbl["share"].to_list(), bar.x, strict=True):
        assert x == pytest.approx(max(charts.SHARE_MIN, min(charts.SHARE_MAX, share * 100)))
    assert set(bar.marker.color) <= set(fmt.STATUS_COLOURS.values())
    assert all(any(sym in w for sym in fmt.STATUS_SYMBOLS.values()) for w in words.text)
    assert expected.name == "現時点で見込まれる位置"
    xs = sorted(s.x0 for s in fig.layout.shapes)
    assert xs == [0, 100]  # baseline and target lines
    assert fig.layout.xaxis.title.text.endswith("（%）")
    assert "基準値" in bar.hovertemplate and "目標値" in bar.hovertemplate


def test_trend_chart_has_all_layers_and_units(vals: pl.DataFrame) -> None:
    view = views.trend_view(CAT, vals, "kayoi_participants", "10000", 2024, "ja")
    fig = charts.trend_chart(view, "ja", "群馬県")
    names = [tr.name for tr in fig.data]
    assert names[0] == "実績（群馬県）"
    assert "基準値→目標値の直線" in names and "目標値" in names
    assert any(n.startswith("現在のペースでの見通し") for n in names)
    assert fig.layout.yaxis.title.text == "人"
    # The actual's points: official and sample drawn apart and named in the legend, each hover with its figure.
    points = {tr.name: tr for tr in fig.data if tr.mode == "markers" and tr.name.startswith("実績（")}
    assert set(points) == {"実績（公式）", "実績（サンプル（架空））"}
    official = points["実績（公式）"]
    sample = points["実績（サンプル（架空））"]
    assert list(official.x) == [y for y, s in zip(view.years, view.sample, strict=True) if not s] == [2020]
    assert list(sample.x) == [y for y, s in zip(view.years, view.sample, strict=True) if s]
    assert official.marker.symbol != sample.marker.symbol
    assert list(official.customdata[0])[:3] == ["令和2年度（2020）", "35,660人", "公式"]
    assert "通いの場への65歳以上参加者数" in fig.layout.title.text
    no_marks = charts.trend_chart(view, "ja", "群馬県", marks=False)  # the actual only: no target, path or pace
    assert [tr.name for tr in no_marks.data] == ["実績（群馬県）", "実績（公式）", "実績（サンプル（架空））"]


def test_score_trend_draws_national_and_rate_target(vals: pl.DataFrame) -> None:
    view = views.trend_view(CAT, vals, "pref_score_rate", "10000", 2024, "en")
    fig = charts.trend_chart(view, "en", "Gunma")
    assert "National average" in [tr.name for tr in fig.data]
    assert [s.y0 for s in fig.layout.shapes] == [71.0]


def test_ranking_bar_uses_per_1000_and_benchmark_line(vals: pl.DataFrame) -> None:
    ind = CAT.indicators["kayoi_participation_rate"]
    df = views.comparison(CAT, vals, ind.id, 2024, "ja")
    bench = views.benchmark_for(CAT, vals, ind.id, 2024, "ja")
    fig = charts.ranking_bar(df, ind, "ja", "t", ["10383"], bench, 7.2)
    assert len(fig.data[0].x) == 35
    assert 8.0 in [s.y0 for s in fig.layout.shapes]
    assert fig.data[0].marker.color[fig.data[0].x.index("南牧村")] == charts.OKABE_ITO[3]
    counts = views.comparison(CAT, vals, "kayoi_participants", 2024, "ja")
    fig2 = charts.ranking_bar(counts, CAT.indicators["kayoi_participants"], "ja", "t")
    assert "1,000人あたり" in fig2.layout.yaxis.title.text


def test_tile_map_one_labelled_tile_per_municipality(vals: pl.DataFrame) -> None:
    df = views.comparison(CAT, vals, "kayoi_participants", 2024, "ja")
    fig = charts.tile_map(df, CAT.indicators["kayoi_participants"], "ja", "地図", "per_1000", ["10201"])
    z = fig.data[0].z
    cells = [v for row in z for v in row if v is not None]
    assert len(cells) == 35
    texts = [x for row in fig.data[0].text for x in row if x]
    assert any(x.startswith("★前橋市") for x in texts)
    assert fig.data[0].colorscale is not None


def test_choropleth_draws_every_municipality_offline(vals: pl.DataFrame) -> None:
    geo = json.loads(GEOJSON.read_text(encoding="utf-8"))
    df = views.comparison(CAT, vals, "kayoi_participants", 2024, "ja")
    fig = charts.choropleth(geo, df, CAT.indicators["kayoi_participants"], "ja", "t", "per_1000")
    polygons = [tr for tr in fig.data if tr.fill == "toself"]
    assert {tr.customdata[0] for tr in polygons} == set(CAT.municipality_codes())
    maebashi = next(tr for tr in polygons if tr.customdata[0] == "10201")
    per = df.filter(pl.col("code") == "10201")["per_1000"][0]
    assert maebashi.text.startswith("前橋市（前橋圏域）") and fmt.number(per, 1) in maebashi.text
    assert "国土数値情報" in fig.layout.annotations[0].text
    assert not any(tr.type == "choropleth" for tr in fig.data)  # no CDN topojson needed


def test_implementation_matrix_writes_yes_no(vals: pl.DataFrame) -> None:
    m = views.implementation_matrix(CAT, vals, "ittaiteki_implemented", 2024, "ja")
    fig = charts.implementation_matrix(m, "ja", "一体的実施")
    col2020 = [row[1] for row in fig.data[0].text]
    assert col2020.count("✓") == 13 and col2020.count("×") == 22
    assert fig.data[0].x[0] == "令和元年度（2019）"


def test_palette_is_okabe_ito() -> None:
    fig = charts.trend_chart(views.TrendView(CAT.indicators["pop65"], "10000", [2020], [1.0], [False]), "ja", "x")
    assert list(fig.layout.colorway)[:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_implementation_matrix_writes_counts_and_plan_under_each_year(vals: pl.DataFrame) -> None:
    m = views.implementation_matrix(CAT, vals, "ittaiteki_implemented", 2024, "ja")
    counts = views.flag_counts(vals, "ittaiteki_implemented", 2024)
    plan = views.plan_points(CAT, "ittaiteki_implemented")
    assert plan == {2020: 13, 2021: 22, 2024: 35}
    ticks = charts.implementation_matrix(m, "ja", "一体的実施", counts, plan).data[0].x
    assert "実施 13市町村" in ticks[1] and "（計画 13）" in ticks[1]  # FY2020: the plan's actual
    assert "（計画 22）" in ticks[2] and "（計画 35）" in ticks[5]
    assert all(f"実施 {int(counts[int(c)])}市町村" in tk for c, tk in zip(m.columns[2:], ticks, strict=True))


def test_progress_bar_of_a_target_met_at_baseline_is_drawn_full_and_says_so(vals: pl.DataFrame) -> None:
    # 一体的実施 (C1-2024) is judged at every municipality; one that already did it in the baseline year (FY2020)
    # has no "share of the way": its bar is drawn full and says met at baseline, before and in the target year.
    # (13 municipalities did, as in the plan; which ones is sample data, so one is looked up.)
    done = vals.filter((pl.col("indicator_id") == "ittaiteki_implemented") & (pl.col("fiscal_year") == 2020)
                       & (pl.col("value") == 1.0) & pl.col("place_code").is_in(CAT.municipality_codes()))
    place = min(done["place_code"].to_list())
    for year, status, words in ((2022, "reached_early", "目標値に到達（目標年度前）"), (2024, "achieved", "達成")):
        rows = [r for r in pg.progress_for_place(CAT, vals, place, year)
                if r.share_of_way is None and r.status in ("achieved", "reached_early")]
        assert [(r.target_id, r.status, r.baseline_value) for r in rows] == [("C1-2024", status, 1.0)], year
        tbl = views.progress_table(CAT, rows, "ja")
        fig = charts.progress_bars(tbl, "ja", "進捗")
        assert list(fig.data[0].x) == [100.0]
        assert set(fig.data[0].text) == {"基準時点で達成"}
        side = fig.data[2].text[0]
        assert side.startswith(f"<b>基準時点で達成\u3000{fmt.STATUS_SYMBOLS[status]} {words}</b>")
        if status == "achieved":  # the final verdict says what it rests on: done in the target year
            assert tbl["reason"][0] == "令和6年度（2024）に実施（目標：実施）" and tbl["reason"][0] in side
