"""Warnings that do not block publishing: large jumps and revisions, partial coverage of municipalities."""

from __future__ import annotations

import polars as pl

from dashboard import contract
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import N_
from dashboard.validate.collect import _capped, _Collector, _shown
from dashboard.validate.messages import Joined, Localized, Phrase
from dashboard.validate.rules import _key, _kind_maps


def _warnings(df: pl.DataFrame, cat: Catalog, col: _Collector, published: pl.DataFrame | None) -> None:
    """Large jumps against the previous year or the published value; municipal sums vs the prefecture."""
    kinds, _ = _kind_maps(cat)
    # No errors at this point: every candidate id, code and year is known, so every candidate has a key.
    # Published rows without one cannot match a candidate (or the year before one) and are dropped.
    # Joins keep the candidate's order: the records kept under max_per_rule are the first ones in the file.
    cand = df.select(_key(cat), *contract.KEY, "value", "_row")
    if published is not None:  # also when empty, so that large_revision is counted (as 0) like every rule checked
        pub = (published.lazy().select(_key(cat), pl.col("value").cast(pl.Float64))
               .filter(pl.col("_key").is_not_null()).collect())
        rev = cand.join(pub.rename({"value": "_old"}), on="_key", how="inner", maintain_order="left")
        rev = rev.filter(_big_change(pl.col("_old"), pl.col("value")))
        for r, i, new, old in _capped(col, "large_revision", rev.select("_row", "indicator_id", "value", "_old")):
            if kinds.get(i) == "flag":
                continue
            col.add("large_revision", "large_revision", {"shown_old": _shown(old), "pct_old_new": _pct(old, new)},
                    row=r, column="value", value=new, severity="warning")
        base = pl.concat([pub.join(cand.select("_key"), on="_key", how="anti"), cand.select("_key", "value")])
    else:
        base = cand.select("_key", "value")
    prev = base.select((pl.col("_key") + 1).alias("_key"), pl.col("value").alias("_prev"))  # as of the next year
    jumps = (cand.join(prev, on="_key", how="inner", maintain_order="left")
             .filter(_big_change(pl.col("_prev"), pl.col("value"))))
    for r, i, _m, y, new, old in _capped(col, "large_jump", jumps.select("_row", *contract.KEY, "value", "_prev")):
        if kinds.get(i) == "flag":
            continue
        col.add("large_jump", "large_jump",
                {"previous_year": y - 1, "shown_old": _shown(old), "pct_old_new": _pct(old, new)},
                row=r, column="value", value=new, severity="warning")
    sums = [i.id for i in cat.indicators.values() if i.rollup == "sum"]
    munis = cat.municipality_codes()
    m = (cand.filter(pl.col("indicator_id").is_in(sums) & pl.col("municipality_code").is_in(munis))
         .group_by("indicator_id", "fiscal_year").agg(pl.col("value").sum().alias("_sum"), pl.len().alias("_n")))
    p = cand.filter(pl.col("indicator_id").is_in(sums) & (pl.col("municipality_code") == PREFECTURE))
    chk = p.join(m, on=["indicator_id", "fiscal_year"], how="inner").filter(
        ((pl.col("_n") == len(munis)) & ((pl.col("_sum") - pl.col("value")).abs() > 0.5))
        | ((pl.col("_n") < len(munis)) & (pl.col("_sum") > pl.col("value") + 0.5)))
    chk = chk.select("_row", "indicator_id", "fiscal_year", "value", "_sum", "_n")
    for r, i, y, total, s, n in _capped(col, "sum_mismatch", chk):
        ind = cat.indicators[i]
        part = "" if n == len(munis) else Phrase(N_("val_sum_from_only"), n=n)
        col.add("sum_mismatch", "sum_mismatch", {"ind_name": Localized(ind.names()), "y": y, "shown_s": _shown(s),
                                                 "part": part, "shown_total": _shown(total)},
                row=r, column="value", value=total, severity="warning")


def _big_change(old: pl.Expr, new: pl.Expr) -> pl.Expr:
    """More than +100% or −50% against a non-zero old value (or from zero to a sizeable value)."""
    return (((old.abs() > 0) & ((new / old > 2.0) | (new / old < 0.5)) & ((new - old).abs() >= 5))
            | ((old == 0) & (new.abs() >= 100)))


def _pct(old: float, new: float) -> str:
    return "∞" if old == 0 else f"{(new - old) / abs(old) * 100:+,.0f}%"

COVERAGE_NAMES = 6  # missing municipalities named in a coverage warning before "... and N more"


def _coverage(df: pl.DataFrame, cat: Catalog, col: _Collector, pub: pl.DataFrame | None) -> None:
    """Warn when, after this upload, an (indicator, fiscal year) with municipal values would still lack some
    municipalities: their roll-ups (圏域, prefecture) would then be partial. Names the missing ones."""
    munis = cat.municipality_codes()
    rolled = [i.id for i in cat.indicators.values() if i.rollup != "none"]
    mine = df.filter(pl.col("indicator_id").is_in(rolled) & pl.col("municipality_code").is_in(munis))
    if mine.is_empty():
        return
    groups = mine.group_by("indicator_id", "fiscal_year", maintain_order=True).agg(
        pl.col("_row").min(), pl.col("municipality_code").unique().alias("_given"))
    have: dict[tuple[str, int], set[str]] = {}
    if pub is not None:
        seen = (pub.join(groups.select("indicator_id", "fiscal_year"), on=["indicator_id", "fiscal_year"])
                .filter(pl.col("municipality_code").is_in(munis))
                .group_by("indicator_id", "fiscal_year").agg(pl.col("municipality_code").unique()))
        have = {(i, int(y)): set(c) for i, y, c in seen.iter_rows()}
    for i, y, r, given in groups.iter_rows():
        covered = set(given) | have.get((i, int(y)), set())
        lack = [m for m in munis if m not in covered]
        if not lack:
            continue
        ind = cat.indicators[i]
        shown = lack[:COVERAGE_NAMES]
        more = len(lack) - len(shown)
        listed = Joined(Localized({lang: cat.place_name(m, lang) for lang in cat.labels.languages or ["en"]})
                        for m in shown)
        names = Phrase(N_("val_names_and_more"), names=listed, more=more) if more else listed
        n, total = len(munis) - len(lack), len(munis)
        col.add("coverage_partial",
                "coverage_partial", {"ind_name": Localized(ind.names()), "y": y, "total": total, "n": n,
                                     "names": names},
                row=int(r), column="municipality_code", value=f"{n}/{total}", severity="warning")
