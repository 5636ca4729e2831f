"""Page data, prepared without Streamlit: tables and series the pages and charts display.

Everything here takes the catalog and an as-of values frame (see dashboard.data.values) and
returns plain frames or dataclasses, so it is unit-tested without a server.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from dashboard import data, fmt
from dashboard import progress as pg
from dashboard.catalog import Catalog, Indicator, Target
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import N_, t
from dashboard.storage import SnapshotMeta

# ---------------------------------------------------------------- text

def plain(text: str, limit: int = 40) -> str:
    """User text (e.g. a URL value) made safe to show inside Markdown: shortened and put in a code
    span, where nothing is interpreted (no links, autolinks, emphasis or HTML); the fence is longer
    than any run of backticks in the text."""
    short = (text if len(text) <= limit else text[: limit - 1] + "…").replace("\n", " ")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", short)), default=0) + 1)
    return f"{fence} {short} {fence}"


def paren(text: str, lang: str) -> str:
    """Text in brackets after a word, as the language writes them (full-width in Japanese)."""
    return t("paren", lang, text=text)


def place_label(catalog: Catalog, code: str, lang: str) -> str:
    """Place name for the place picker, marking the prefecture and 圏域."""
    name = catalog.place_name(code, lang)
    if code == PREFECTURE:
        return name + t("prefecture_suffix", lang)
    return name


def data_years(values: pl.DataFrame, catalog: Catalog) -> list[int]:
    """Fiscal years with a value for any plan-area indicator (not the population context)."""
    ids = [i.id for i in catalog.indicators.values() if i.policy_area != "context"]
    years = values.filter(pl.col("indicator_id").is_in(ids))["fiscal_year"].unique().sort()
    return [int(y) for y in years.to_list()]


# ---------------------------------------------------------------- overview / headline progress

def expected_share(p: pg.Progress) -> float | None:
    """Where the straight line from baseline to target stands in the actual's year (0..1)."""
    if p.expected_now is None or p.baseline_value is None or p.target_value is None:
        return None
    span = p.target_value - p.baseline_value
    if p.target_kind == "period_total":
        return p.expected_now / p.target_value if p.target_value else None
    return (p.expected_now - p.baseline_value) / span if span else None


def status_counts(rows: Sequence[pg.Progress]) -> dict[str, int]:
    """Number of judged targets per status, in the method's order, statuses with none left out (context
    rows, a prefecture-wide target seen from a place it was not set for, are never tallied)."""
    counts = {s: 0 for s in pg.STATUSES}
    for r in rows:
        if r.judged:
            counts[r.status] += 1
    return {s: n for s, n in counts.items() if n}


def value_text(catalog: Catalog, indicator_id: str, value: float | None, lang: str, one_place: bool = False) -> str:
    """A value with its unit as the plan writes it (35,660人, 6.1%, 1,781点); `one_place`: a yes/no measure
    at one municipality reads 実施/未実施, not 「1市町村」."""
    ind = catalog.indicators[indicator_id]
    if one_place and ind.kind == "flag":
        return fmt.flag(value, lang)
    return fmt.with_unit(value, ind.unit(lang), ind.kind, lang=lang)


def status_text(status: str, lang: str) -> str:
    """Status as symbol plus words (never colour alone)."""
    return f"{fmt.STATUS_SYMBOLS[status]} {fmt.status_name(status, lang)}"


def coverage_text(n: int | None, of: int | None, lang: str, provisional: bool = False) -> str:
    """「35市町村中3市町村の報告（暫定）」 / "provisional: 3 of 35 municipalities reporting" ("" if not a roll-up)."""
    if n is None or of is None:
        return ""
    return t("provisional_of" if provisional else "coverage_of", lang, n=fmt.number(n), of=fmt.number(of))


def year_provisional_text(cov: data.YearCoverage | None, lang: str) -> str:
    """「暫定：35市町村中3市町村」 for a year some but not all municipalities reported; "" otherwise."""
    if cov is None or not cov.provisional:
        return ""
    return t("provisional_year", lang, n=fmt.number(cov.n_reporting), of=fmt.number(cov.n_expected))


def provisional_text(catalog: Catalog, p: pg.Progress, lang: str) -> str:
    """The newer partial roll-up of a target, e.g. 「令和7年度（2025）：619か所（35市町村中3市町村の報告（暫定））」."""
    if p.provisional_year is None:
        return ""
    cov = coverage_text(p.provisional_n_reporting, p.provisional_n_expected, lang, provisional=True)
    return t("provisional_value", lang, fy=fmt.fy_label(p.provisional_year, lang),
             value=value_text(catalog, p.indicator_id, p.provisional_value, lang), cov=cov)


def gap_text(catalog: Catalog, p: pg.Progress, lang: str) -> str:
    """A final verdict's distance from its bar: 「目標41,300人に240人不足（99.4%）」 / "240 short of the
    target 41,300 (99.4%)"; against the national average for "above the national average" targets ("" when
    the row is not final)."""
    if p.phase != "final" or p.gap is None or p.target_value is None:
        return ""
    ind = catalog.indicators[p.indicator_id]
    bar = value_text(catalog, p.indicator_id, p.target_value, lang)
    # A difference of rates is in points (7.0% − 6.9% is 0.1 points, not 0.1%).
    gap = (t("points", lang, n=fmt.number(abs(p.gap), 1, lang=lang)) if ind.kind == "rate"
           else fmt.with_unit(abs(p.gap), ind.unit(lang), ind.kind, lang=lang))
    pct = fmt.number(p.share_of_target * 100, 1, lang=lang) + "%" if p.share_of_target is not None else "－"
    national = p.target_kind == "above_national"
    if ind.kind == "flag" and catalog.place_kind(p.place_code) == "municipality":  # one town: done or not
        return t(N_("gap_flag_done") if p.status == "achieved" else N_("gap_flag_not_done"), lang,
                 fy=fmt.fy_label(p.target_year, lang))
    if p.gap == 0 and not national:
        key = N_("gap_met")
    elif p.status == "achieved":
        key = N_("gap_over_national") if national else N_("gap_over")
    else:
        key = N_("gap_short_national") if national else N_("gap_short")
    return t(key, lang, target=bar, gap=gap, pct=pct)


def _national_gap(catalog: Catalog, p: pg.Progress, lang: str) -> str:
    """How far a pace row's actual is below the national average of its year."""
    assert p.national_value is not None and p.actual_value is not None
    gap, share = pg.gap_and_share(p.actual_value, p.national_value, catalog.indicators[p.indicator_id].direction)
    return gap_text(catalog, replace(p, phase="final", status="not_achieved", gap=gap, share_of_target=share,
                                     target_value=p.national_value), lang)


def verdict_detail(catalog: Catalog, p: pg.Progress, lang: str) -> str:
    """What a verdict rests on, said beside its chip: the gap of a final verdict (and the plan's expected
    rate for "above the national average" targets), or which result is awaited; "" for pace and context."""
    if p.phase == "final":
        text = gap_text(catalog, p, lang)
        if p.expectation_value is not None:
            text += paren(t("plan_expectation", lang,
                            value=value_text(catalog, p.indicator_id, p.expectation_value, lang)), lang)
        return text
    if (p.phase == "pace" and p.target_kind == "above_national" and p.national_value is not None
            and p.actual_value is not None and p.actual_value <= p.national_value):
        # Past the plan's value but not above the nation: the bar alone would look like a success.
        return _national_gap(catalog, p, lang)
    if p.status == "awaiting":
        return t("awaiting_detail", lang, fy=fmt.fy_label(p.target_year, lang))
    if p.status == "awaiting_national":
        return t("awaiting_national_detail", lang, fy=fmt.fy_label(p.target_year, lang))
    return ""


def dash(reason: str, lang: str) -> str:
    """A cell with no figure, saying why: 「－（未報告）」, 「－（対象外）」 (never None, nan or an empty cell)."""
    return t("dash_reason", lang, reason=t(reason, lang))


def share_text(p: pg.Progress, lang: str) -> str:
    """The share of the way as the chart writes it (one rounding rule), or a dash with its reason."""
    if p.share_of_way is not None:
        return fmt.share(p.share_of_way, lang)
    if p.phase == "context":
        return dash(N_("reason_not_applicable"), lang)
    return dash(N_("reason_not_reported") if p.actual_value is None else N_("reason_met_at_baseline"), lang)


def progress_table(catalog: Catalog, rows: Sequence[pg.Progress], lang: str) -> pl.DataFrame:
    """One row per target: label, status, shares, texts; the overview and headline bars use it.

    `coverage` says how many municipalities a roll-up's actual covers; `provisional` gives a newer
    roll-up that not every municipality reported (never judged, never the actual)."""
    labels = {tg.id: tg.label(lang) for tg in catalog.targets}
    recs = []
    for p in rows:
        one_place = catalog.place_kind(p.place_code) == "municipality"  # a yes/no measure reads 実施/未実施
        recs.append({
            "target_id": p.target_id,
            "indicator_id": p.indicator_id,
            "policy_area": catalog.indicators[p.indicator_id].policy_area,
            "label": labels[p.target_id],
            "status": p.status,
            "status_text": status_text(p.status, lang),
            "share": p.share_of_way,
            "expected_share": expected_share(p),
            "baseline_text": (f"{value_text(catalog, p.indicator_id, p.baseline_value, lang)}"
                              f"{paren(fmt.fy_label(p.baseline_year, lang), lang)}" if p.baseline_year
                              else dash(N_("reason_not_applicable"), lang)),
            "actual_text": (value_text(catalog, p.indicator_id, p.actual_value, lang, one_place=one_place)
                            if p.actual_value is not None else dash(N_("reason_not_reported"), lang)),
            "actual_year": fmt.fy_label(p.actual_year, lang),
            "target_text": (f"{value_text(catalog, p.indicator_id, p.target_value, lang, one_place=one_place)}"
                            f"{paren(fmt.fy_label(p.target_year, lang), lang)}" if p.target_value is not None
                            else t("above_national_target", lang) + paren(fmt.fy_label(p.target_year, lang), lang)),
            "data": t("sample" if p.actual_is_sample else "official", lang) if p.actual_year else "－",
            "is_sample": p.actual_is_sample,
            "phase": p.phase,
            "reason": verdict_detail(catalog, p, lang),
            "share_of_prefecture": p.share_of_prefecture,
            "per_1000_65": p.per_1000_65,
            # The figures as numbers, for downloads that a spreadsheet can sum and chart again.
            "baseline_value": p.baseline_value, "actual_value": p.actual_value, "target_value": p.target_value,
            "baseline_fy": p.baseline_year, "actual_fy": p.actual_year, "target_fy": p.target_year,
            "unit": catalog.indicators[p.indicator_id].unit(lang),
            "decimals": fmt.decimals_for(catalog.indicators[p.indicator_id].kind),
            "gap": p.gap, "share_of_target": p.share_of_target,
            # The same figures as text for people (tables, cards): one rounding rule, a dash with its reason.
            "share_text": share_text(p, lang),
            "share_of_prefecture_text": (fmt.share(p.share_of_prefecture, lang) if p.share_of_prefecture is not None
                                         else dash(N_("reason_not_applicable"), lang)),
            "per_1000_text": (fmt.number(p.per_1000_65, 1, lang=lang) if p.per_1000_65 is not None
                              else dash(N_("reason_not_applicable"), lang)),
            "coverage": coverage_text(p.actual_n_reporting, p.actual_n_expected, lang),
            "provisional": provisional_text(catalog, p, lang),
        })
    schema = {"target_id": pl.Utf8, "indicator_id": pl.Utf8, "policy_area": pl.Utf8, "label": pl.Utf8,
              "status": pl.Utf8, "status_text": pl.Utf8, "share": pl.Float64, "expected_share": pl.Float64,
              "baseline_text": pl.Utf8, "actual_text": pl.Utf8, "actual_year": pl.Utf8, "target_text": pl.Utf8,
              "data": pl.Utf8, "is_sample": pl.Boolean, "phase": pl.Utf8, "reason": pl.Utf8,
              "share_of_prefecture": pl.Float64, "per_1000_65": pl.Float64,
              "baseline_value": pl.Float64, "actual_value": pl.Float64, "target_value": pl.Float64,
              "baseline_fy": pl.Int64, "actual_fy": pl.Int64, "target_fy": pl.Int64, "unit": pl.Utf8,
              "decimals": pl.Int64, "gap": pl.Float64, "share_of_target": pl.Float64, "share_text": pl.Utf8,
              "share_of_prefecture_text": pl.Utf8, "per_1000_text": pl.Utf8, "coverage": pl.Utf8,
              "provisional": pl.Utf8}
    return pl.DataFrame(recs, schema=schema)


# ---------------------------------------------------------------- trends

@dataclass
class TrendView:
    """Everything one trend chart shows for one indicator at one place."""

    indicator: Indicator
    place: str
    years: list[int]
    values: list[float]
    sample: list[bool]
    national: dict[int, float] = field(default_factory=dict)
    targets: list[tuple[int, float, str]] = field(default_factory=list)  # (year, value, label)
    paths: list[tuple[int, float, int, float]] = field(default_factory=list)  # baseline → target
    projection: tuple[int, float, int, float] | None = None  # latest actual → target year
    reached: str | None = None  # words for the year the target is reached at this pace
    hlines: list[tuple[float, str]] = field(default_factory=list)  # rate targets drawn across
    note: str | None = None
    # Roll-ups: municipalities reporting per year ("" where not a roll-up), and the years whose roll-up
    # not every municipality reported (drawn apart as provisional, never judged).
    coverage: list[str] = field(default_factory=list)
    provisional: list[bool] = field(default_factory=list)
    coverage_short: list[str] = field(default_factory=list)  # 「報告3/35市町村」, written beside provisional points


def series(values: pl.DataFrame, indicator_id: str, place: str, until: int | None = None
           ) -> pl.DataFrame:
    """One indicator's values at one place by fiscal year (up to `until`)."""
    df = values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("place_code") == place))
    if until is not None:
        df = df.filter(pl.col("fiscal_year") <= until)
    return df.sort("fiscal_year")


def reached_words(p: pg.Progress, lang: str) -> str:
    """The verdict of a target whose year has come, or the year it is reached at the current pace, in words."""
    if p.phase in ("final", "awaiting"):
        return status_text(p.status, lang)
    if p.status == "reached_early":
        return t("reached_done", lang)
    if p.status == "on_track":
        return t("reached_on_track", lang)
    if p.status in ("not_available", "moving_away"):
        return status_text(p.status, lang)
    if p.projected_year is None or p.projected_year > 2060:
        return t("reached_never", lang)
    year = math.ceil(p.projected_year - 1e-9)
    return t("reached_late", lang, fy=fmt.fy_label(year, lang)) if year > p.target_year else t("reached_never", lang)


def trend_view(catalog: Catalog, values: pl.DataFrame, indicator_id: str, place: str, year: int,
               lang: str) -> TrendView:
    """Actuals, target points, straight paths and the current-pace projection for a chart."""
    ind = catalog.indicators[indicator_id]
    view = _actuals(ind, values, indicator_id, place, year, lang)
    targets = [tg for tg in catalog.targets_for(indicator_id) if tg.scope in (place, PREFECTURE)]
    # Judged here: the place's own targets, or those that apply to each municipality; a prefecture-wide
    # target is drawn at a 圏域 or municipality for reference only (its value, no path, no pace).
    judged = [tg for tg in targets if tg.scope == place
              or (tg.scope == PREFECTURE and place != PREFECTURE and tg.below == "each")]
    if not judged:
        _reference_targets(view, targets, lang)
        return view
    ps = pg.place_series(values.filter(pl.col("fiscal_year") <= year), indicator_id, place)
    last = _judged_targets(view, catalog, judged, ps, year, lang)
    if last is not None:
        _pace(view, last, lang)
    return view


def _pace(view: TrendView, last: pg.Progress, lang: str) -> None:
    """The last judged target's projection at the current pace and the words for when it is reached."""
    if last.actual_year is not None and last.actual_value is not None:
        if last.phase == "pace" and last.projected_value is not None and last.actual_year < last.target_year:
            view.projection = (last.actual_year, last.actual_value, last.target_year, last.projected_value)
        view.reached = reached_words(last, lang)


def _actuals(ind: Indicator, values: pl.DataFrame, indicator_id: str, place: str, year: int,
             lang: str) -> TrendView:
    """A trend view with only the place's and the nation's values up to `year` (roll-ups' coverage beside)."""
    s = series(values, indicator_id, place, year)
    nat = series(values, indicator_id, NATIONAL, year)
    part = s.select(data.partial().alias("p"))["p"].to_list() if s.height else []
    return TrendView(indicator=ind, place=place, years=[int(y) for y in s["fiscal_year"]],
                     values=s["value"].to_list(), sample=s["has_sample"].to_list(),
                     national=dict(zip(nat["fiscal_year"].to_list(), nat["value"].to_list(), strict=True)),
                     coverage=[coverage_text(n, of, lang, bool(pv)) if src == "rollup" else ""
                               for n, of, src, pv in zip(s["n_reporting"], s["n_expected"], s["source"], part,
                                                        strict=True)],
                     provisional=[bool(x) for x in part],
                     coverage_short=[t("coverage_short", lang, n=fmt.number(n), of=fmt.number(of))
                                     if src == "rollup" else "" for n, of, src in
                                     zip(s["n_reporting"], s["n_expected"], s["source"], strict=True)])


def _reference_targets(view: TrendView, targets: Sequence[Target], lang: str) -> None:
    """Targets not judged at this place: a rate's or score's drawn for reference, a count's only mentioned."""
    if targets and view.indicator.kind in ("rate", "score"):
        view.note = t("benchmark_note", lang)
        view.targets = [(tg.target_year, tg.target_value, tg.label(lang)) for tg in targets
                        if tg.target_value is not None and tg.kind != "period_total"]
    elif targets:
        view.note = t("count_no_target_note", lang)


def _judged_targets(view: TrendView, catalog: Catalog, judged: Sequence[Target], ps: pg.PlaceSeries, year: int,
                    lang: str) -> pg.Progress | None:
    """Draw each judged target (point, path from baseline, rate line) in target-year order; the last one's
    progress, whose pace the chart projects."""
    ind, place = view.indicator, view.place
    last: pg.Progress | None = None
    for tg in sorted(judged, key=lambda x: x.target_year):
        p = pg.evaluate(tg, ind, ps.values, year, place=place, own=pg.per_place(tg, catalog, place, ps.values),
                        national=view.national, sample_years=ps.sample, coverage=ps.coverage, partial=ps.partial)
        tv = p.target_value
        if tv is None or tg.kind == "period_total":
            continue
        view.targets.append((tg.target_year, tv, tg.label(lang)))
        if tg.kind == "above_national" and tg.target_value is not None:
            view.hlines.append((tg.target_value, f"{t('target_point', lang)} {fmt.number(tg.target_value, 1)}%"))
        if p.baseline_year is not None and p.baseline_value is not None:
            view.paths.append((p.baseline_year, p.baseline_value, tg.target_year, tv))
        last = p
    return last


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


def snapshot_table(metas: Sequence[SnapshotMeta], in_view: set[str], lang: str) -> pl.DataFrame:
    """The snapshots for the methodology page: id, label, kind, publisher, date (in Japan, in the reader's
    calendar: 令和8年12月6日), rows, use, withdrawal.

    Labels and publisher names are user text: shown as plain text, neutralised in CSV/XLSX exports."""
    schema = {"id": pl.Utf8, "label": pl.Utf8, "kind": pl.Utf8, "publisher": pl.Utf8, "created": pl.Utf8,
              "rows": pl.Int64, "in_view": pl.Utf8, "withdrawn": pl.Utf8}
    return pl.DataFrame([{
        "id": m.id, "label": m.label, "kind": t("kind_" + m.kind, lang), "publisher": m.publisher,
        "created": fmt.long_date(m.created_at, lang), "rows": m.rows,
        "in_view": t("yes" if m.id in in_view else "no", lang),
        "withdrawn": t("yes" if m.withdrawn else "no", lang)} for m in metas], schema=schema)


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


def target_for(catalog: Catalog, target_id: str) -> Target:
    """A target by id."""
    return next(tg for tg in catalog.targets if tg.id == target_id)
