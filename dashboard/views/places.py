"""Page data across places: the municipal comparison and its benchmark, the implementation matrix of yes/no
measures, a municipality's profile beside its 圏域 and the prefecture, and comparable series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from dashboard import data, fmt
from dashboard import progress as pg
from dashboard.catalog import Catalog, Indicator
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import t
from dashboard.views.trends import series
from dashboard.views.wording import coverage_text, paren

# ---------------------------------------------------------------- municipal comparison

def pop65(values: pl.DataFrame, year: int) -> pl.DataFrame:
    """Population 65+ per place for `year` (or the nearest earlier year with a figure)."""
    df = values.filter((pl.col("indicator_id") == "pop65") & (pl.col("fiscal_year") <= year))
    return (df.sort("fiscal_year").group_by("place_code").agg(pl.col("value").last().alias("pop65")))


def benchmark_for(catalog: Catalog, values: pl.DataFrame, indicator_id: str, year: int,
                  lang: str = "ja") -> tuple[float, str] | None:
    """The prefecture target value that municipal values can be compared with, and its label.

    Rates and scores: the nearest prefecture target at or after `year` (or the last one), or the
    national average where the target is "above the national average". Counts compared per 1,000
    aged 65+: the target of the rate built from them, per 1,000 (participation 8.0% → 80.0). Other
    counts: none (the plan does not split count targets by municipality).
    """
    ind = catalog.indicators[indicator_id]
    if ind.kind == "count" and ind.per_pop65:
        rate = next((r for r in catalog.indicators.values() if r.kind == "rate" and r.numerator == indicator_id
                     and r.denominator == "pop65" and r.scale), None)
        got = benchmark_for(catalog, values, rate.id, year, lang) if rate is not None and rate.scale else None
        if rate is None or rate.scale is None or got is None:
            return None
        per = got[0] / rate.scale * 1000
        per_text = fmt.per_1000(per, ind.unit(lang), lang)
        return per, f"{got[1]} = {per_text}"
    if ind.kind not in ("rate", "score"):
        return None
    tgs = sorted(catalog.targets_for(indicator_id, PREFECTURE), key=lambda x: x.target_year)
    if not tgs:
        return None
    tg = next((x for x in tgs if x.target_year >= year), tgs[-1])
    unit = ind.unit(lang)
    if tg.target_value is not None:
        text = fmt.with_unit(tg.target_value, unit, ind.kind, lang=lang)
        return tg.target_value, f"{t('target_point', lang)} {text}{paren(fmt.fy_label(tg.target_year, lang), lang)}"
    nat = series(values, indicator_id, NATIONAL, year)
    if nat.height:
        val = float(nat["value"][-1])
        return val, f"{t('national', lang)} {fmt.with_unit(val, unit, ind.kind, lang=lang)}"
    return None


def comparison(catalog: Catalog, values: pl.DataFrame, indicator_id: str, year: int, lang: str
               ) -> pl.DataFrame:
    """The 35 municipalities for one indicator and year: value, per-65+ rate, share, rank."""
    ind = catalog.indicators[indicator_id]
    muni = catalog.municipalities.select(
        pl.col("code5").alias("code"),
        pl.Series("name", [catalog.place_name(c, lang) for c in catalog.municipalities["code5"]], dtype=pl.Utf8),
        pl.col("area_code"),
        pl.col("tile_row").cast(pl.Int32), pl.col("tile_col").cast(pl.Int32))
    areas = {a: catalog.place_name(a, lang) for a in catalog.area_codes()}
    cur = values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("fiscal_year") == year))
    v = cur.select(pl.col("place_code").alias("code"), "value", "has_sample")
    # Shares of the prefecture total only against a complete total (a partial roll-up is provisional).
    pref = cur.filter((pl.col("place_code") == PREFECTURE) & ~data.partial())["value"]
    pref_total = float(pref[0]) if pref.len() else None
    df = (muni.join(v, on="code", how="left")
          .join(pop65(values, year).rename({"place_code": "code"}), on="code", how="left")
          .with_columns(pl.col("area_code").replace_strict(areas, default=None).alias("area")))
    df = df.with_columns(
        (pl.col("value") / pl.col("pop65") * 1000).alias("per_1000") if ind.per_pop65
        else pl.lit(None, dtype=pl.Float64).alias("per_1000"),
        (pl.col("value") / pref_total).alias("share") if (pref_total and ind.rollup == "sum")
        else pl.lit(None, dtype=pl.Float64).alias("share"),
    )
    bench = benchmark_for(catalog, values, indicator_id, year, lang)
    rank_by = "per_1000" if ind.per_pop65 else "value"
    df = df.with_columns((pl.col(rank_by) / bench[0]).alias("vs_benchmark") if bench
                         else pl.lit(None, dtype=pl.Float64).alias("vs_benchmark"))
    df = finite_columns(df, ("value", "pop65", "per_1000", "share", "vs_benchmark"))
    desc = ind.direction == "higher"
    df = df.with_columns(pl.col(rank_by).rank(method="min", descending=desc).cast(pl.Int32).alias("rank"))
    # A municipality without a value for the year has not reported it: said in words (未報告), never left
    # as an empty cell or a blank tile.
    df = df.with_columns(pl.col("value").is_not_null().alias("reported"),
                         pl.when(pl.col("value").is_null()).then(pl.lit(t("not_reported", lang)))
                         .otherwise(pl.lit("")).alias("report_note"))
    return df.with_columns(pl.lit(rank_by).alias("rank_by")).sort(["rank", "code"], nulls_last=True)


def not_reported(df: pl.DataFrame) -> list[str]:
    """Names of the municipalities in a comparison() table without a value for its year, in code order."""
    return df.filter(~pl.col("reported")).sort("code")["name"].to_list()


def finite_columns(df: pl.DataFrame, cols: Sequence[str]) -> pl.DataFrame:
    """Computed float columns with NaN/±inf (an overflow from extreme inputs) as null: shown blank."""
    return df.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
                           for c in cols if c in df.columns and df.schema[c].is_float())


def prefecture_reference(catalog: Catalog, values: pl.DataFrame, indicator_id: str, year: int) -> float | None:
    """The prefecture's own figure on the comparison's scale: rates and scores as they are, counts per
    1,000 aged 65+ where municipalities are compared that way; None for other counts, and for a
    roll-up that not every municipality reported (provisional, not a reference)."""
    ind = catalog.indicators[indicator_id]
    v = values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("place_code") == PREFECTURE)
                      & (pl.col("fiscal_year") == year) & ~data.partial())["value"]
    if not v.len():
        return None
    if ind.kind in ("rate", "score"):
        return pg.finite_or_none(float(v[0]))
    if ind.kind == "count" and ind.per_pop65:
        pop = pop65(values, year).filter(pl.col("place_code") == PREFECTURE)["pop65"]
        return pg.finite_or_none(float(v[0]) / float(pop[0]) * 1000) if pop.len() and pop[0] else None
    return None


def has_municipal_values(values: pl.DataFrame, catalog: Catalog, indicator_id: str) -> bool:
    """Whether an indicator has any municipal figures (prefecture-only ones do not)."""
    codes = catalog.municipality_codes()
    return values.filter((pl.col("indicator_id") == indicator_id) & pl.col("place_code").is_in(codes)).height > 0


# ---------------------------------------------------------------- area 4: implementation matrix

def implementation_matrix(catalog: Catalog, values: pl.DataFrame, indicator_id: str, until: int,
                          lang: str) -> pl.DataFrame:
    """Municipality × fiscal year of a flag indicator: 1 where implemented, 0 where not."""
    muni = catalog.municipalities.select(pl.col("code5").alias("place_code"),
                                         pl.Series("name", [catalog.place_name(c, lang)
                                                            for c in catalog.municipalities["code5"]], dtype=pl.Utf8))
    v = values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("fiscal_year") <= until)
                      & pl.col("place_code").is_in(catalog.municipality_codes()))
    wide = (v.with_columns((pl.col("value") >= 0.5).cast(pl.Int8).alias("flag"))
            .pivot(on="fiscal_year", index="place_code", values="flag", sort_columns=True))
    return muni.join(wide, on="place_code", how="left")


def flag_counts(values: pl.DataFrame, indicator_id: str, until: int) -> dict[int, float]:
    """Prefecture count of municipalities with a flag, by year."""
    s = series(values, indicator_id, PREFECTURE, until)
    return dict(zip(s["fiscal_year"].to_list(), s["value"].to_list(), strict=True))


def flag_coverage(values: pl.DataFrame, indicator_id: str, until: int, lang: str) -> dict[int, tuple[str, bool]]:
    """How many municipalities reported behind each year's prefecture count, and whether that count is
    provisional (roll-ups only)."""
    s = series(values, indicator_id, PREFECTURE, until).filter(pl.col("source") == "rollup"
                                                              ).with_columns(data.partial().alias("_partial"))
    return {int(r["fiscal_year"]): (coverage_text(r["n_reporting"], r["n_expected"], lang, r["_partial"]),
                                    bool(r["_partial"])) for r in s.iter_rows(named=True)}


def plan_points(catalog: Catalog, indicator_id: str) -> dict[int, float]:
    """The plan's prefecture figures for an indicator by year: baselines and targets (13 → 22 → 35)."""
    out: dict[int, float] = {}
    for tg in catalog.targets_for(indicator_id, PREFECTURE):
        if tg.kind in ("level", "cumulative"):
            out[tg.baseline_year] = tg.baseline_value
            if tg.target_value is not None:
                out[tg.target_year] = tg.target_value
    return dict(sorted(out.items()))


# ---------------------------------------------------------------- profile

def comparable(ind: Indicator, value: float | None, pop: float | None) -> float | None:
    """The value compared across places of different size: rate as is, counts per 1,000 aged 65+."""
    if value is None:
        return None
    if ind.per_pop65:
        return value / pop * 1000 if pop else None
    return value


def profile_table(catalog: Catalog, values: pl.DataFrame, municipality: str, year: int, lang: str
                  ) -> pl.DataFrame:
    """Each indicator with municipal data: the municipality, its 圏域 and the prefecture side by side."""
    area = catalog.area_of(municipality)
    places = [municipality, area, PREFECTURE]
    pops = {r["place_code"]: r["pop65"] for r in pop65(values, year).iter_rows(named=True)}
    recs = []
    # The year's rows split by indicator once (a filter per indicator was most of the profile's first visit).
    in_year = values.filter(pl.col("fiscal_year") == year).with_columns(data.partial().alias("_partial"))
    by_indicator = {str(k[0]): g.to_dicts() for k, g in in_year.partition_by("indicator_id", as_dict=True).items()}
    for pa in catalog.areas_info():
        for ind in catalog.indicators_in(pa.id):
            if ind.rollup == "none" or ind.id == "pop65":
                continue
            rec = _profile_row(ind, by_indicator.get(ind.id, []), places, pops, lang)
            if rec is not None:
                recs.append(rec)
    schema = {"indicator_id": pl.Utf8, "policy_area": pl.Utf8, "indicator": pl.Utf8, "unit": pl.Utf8,
              "value_municipality": pl.Float64, "share_of_prefecture": pl.Float64, "is_sample": pl.Boolean,
              "cmp_unit": pl.Utf8, "cmp_municipality": pl.Float64, "cmp_area": pl.Float64, "cmp_prefecture": pl.Float64,
              "coverage_area": pl.Utf8, "coverage_prefecture": pl.Utf8}
    return finite_columns(pl.DataFrame(recs, schema=schema), ("value_municipality", "share_of_prefecture",
                                                              "cmp_municipality", "cmp_area", "cmp_prefecture"))


def _profile_row(ind: Indicator, rows: list[dict[str, Any]], places: Sequence[str], pops: Mapping[str, float],
                 lang: str) -> dict[str, object] | None:
    """One indicator's profile row from its rows of the year (`places`: municipality, 圏域, prefecture); None
    when the municipality has no value."""
    municipality, area = places[0], places[1]
    vals = {r["place_code"]: r["value"] for r in rows}
    if municipality not in vals:
        return None
    covs = {r["place_code"]: coverage_text(r["n_reporting"], r["n_expected"], lang, r["_partial"])
            for r in rows if r["source"] == "rollup"}
    unit = ind.unit(lang)
    per = ind.per_pop65
    rec: dict[str, object] = {
        "indicator_id": ind.id, "policy_area": ind.policy_area, "indicator": ind.name(lang),
        "unit": unit,
        "value_municipality": vals.get(municipality),
        "share_of_prefecture": _share_of_prefecture(ind, rows, vals, municipality),
        "is_sample": any(r["has_sample"] for r in rows if r["place_code"] == municipality),
        # Unit of the side-by-side columns: counts become per 1,000 aged 65+ to compare sizes.
        "cmp_unit": t("cmp_unit_per_1000", lang, unit=unit, per=t("per_1000", lang)) if per else unit,
    }
    for key, code in zip(("municipality", "area", "prefecture"), places, strict=True):
        rec[f"cmp_{key}"] = comparable(ind, vals.get(code), pops.get(code))
    rec["coverage_area"] = covs.get(area, "")
    rec["coverage_prefecture"] = covs.get(PREFECTURE, "")
    return rec


def _share_of_prefecture(ind: Indicator, rows: list[dict[str, Any]], vals: Mapping[str, float],
                         municipality: str) -> float | None:
    """A summed count's share of the prefecture's total, only when that total is complete (not provisional)."""
    pref_full = PREFECTURE in vals and PREFECTURE not in {r["place_code"] for r in rows if r["_partial"]}
    return vals[municipality] / vals[PREFECTURE] if ind.rollup == "sum" and pref_full and vals.get(PREFECTURE) else None


def compare_series(catalog: Catalog, values: pl.DataFrame, indicator_id: str, places: Sequence[str],
                   until: int) -> dict[str, tuple[list[int], list[float]]]:
    """Comparable series (rates, scores; counts per 1,000 aged 65+) for several places.

    Counts that are not compared per 65+ are only shown for the first place: a prefecture total
    beside a village's count says nothing.
    """
    ind = catalog.indicators[indicator_id]
    pop = values.filter(pl.col("indicator_id") == "pop65")
    out: dict[str, tuple[list[int], list[float]]] = {}
    if ind.kind == "count" and not ind.per_pop65:
        places = places[:1]
    for code in places:
        s = series(values, indicator_id, code, until)
        if ind.per_pop65:
            p = pop.filter(pl.col("place_code") == code).select("fiscal_year", pl.col("value").alias("pop"))
            s = s.join(p, on="fiscal_year", how="inner").with_columns(pl.col("value") / pl.col("pop") * 1000)
        s = finite_columns(s, ("value",)).filter(pl.col("value").is_not_null())
        out[code] = ([int(y) for y in s["fiscal_year"]], s["value"].to_list())
    return out


def coverage_by_year(values: pl.DataFrame, indicator_id: str, places: Sequence[str], until: int, lang: str
                     ) -> dict[str, dict[int, str]]:
    """For each roll-up place, "n of N municipalities reporting" by fiscal year (provisional when partial)."""
    rows = values.filter((pl.col("indicator_id") == indicator_id) & pl.col("place_code").is_in(list(places))
                         & (pl.col("fiscal_year") <= until) & (pl.col("source") == "rollup")
                         ).with_columns(data.partial().alias("_partial"))
    out: dict[str, dict[int, str]] = {}
    for r in rows.iter_rows(named=True):
        out.setdefault(r["place_code"], {})[int(r["fiscal_year"])] = coverage_text(
            r["n_reporting"], r["n_expected"], lang, r["_partial"])
    return out
