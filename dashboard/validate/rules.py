"""The rules that make an error: columns, types, keys, the catalog's bounds and bounds relative to other values."""

from __future__ import annotations

import re

import polars as pl

from dashboard import contract
from dashboard.catalog import Catalog
from dashboard.config import NATIONAL, PREFECTURE
from dashboard.i18n import N_
from dashboard.validate.collect import _capped, _Collector
from dashboard.validate.messages import Joined, Localized, Phrase
from dashboard.validate.model import IGNORED_COLUMNS, Keys, Limits

# ------------------------------------------------------------------------------ checking

def _columns(df: pl.DataFrame, col: _Collector, fmt: str) -> set[str]:
    """Report missing and unexpected columns; return the contract columns present."""
    allowed = set(contract.COLUMNS) | set(IGNORED_COLUMNS)
    for c in df.columns:
        base = c.split("#")[0]
        if base not in allowed and not re.fullmatch(r"\(column \d+\)", c):
            col.add("unexpected_column", "unexpected_column",
                    {"columns": Joined(contract.COLUMNS), "ignored": Joined(IGNORED_COLUMNS)}, column=c)
        elif re.fullmatch(r"\(column \d+\)", c) and df[c].null_count() < df.height:
            col.add("unexpected_column", "unexpected_column_2", {},
                    column=c)
    for c in contract.REQUIRED:
        if c not in df.columns:
            col.add("missing_column", "missing_column", {}, column=c)
    return {c for c in contract.COLUMNS if c in df.columns}


EXPECTED = {"indicator_id": N_("val_expected_text"), "municipality_code": N_("val_expected_code5"),
            "note": N_("val_expected_text"), "fiscal_year": N_("val_expected_year"), "value": N_("val_expected_number")}


def _coerce(df: pl.DataFrame, present: set[str], col: _Collector) -> pl.DataFrame:
    """Cast present contract columns to contract types, reporting column- and row-level type errors."""
    out = df.select(pl.int_range(1, df.height + 1, dtype=pl.Int64).alias("_row"), *[pl.col(c) for c in present])
    for c in sorted(present):
        dt = df.schema[c]
        exp = Phrase(EXPECTED[c])
        if c in ("indicator_id", "municipality_code", "note"):
            if dt in (pl.Utf8, pl.Categorical) or isinstance(dt, pl.Enum):
                out = out.with_columns(pl.col(c).cast(pl.Utf8).alias(c))
                continue
            col.add("wrong_column_type", "wrong_column_type", {"dt": dt, "exp": exp}, column=c)
            out = out.drop(c)
            continue
        raw = pl.col(c)
        if dt == pl.Utf8:
            stripped = raw.str.strip_chars()
            parsed = (stripped.cast(pl.Int64, strict=False) if c == "fiscal_year"
                      else stripped.str.replace_all(r"^\+", "").cast(pl.Float64, strict=False))
        elif dt.is_integer() or dt.is_float() or dt == pl.Decimal:
            parsed = raw.cast(pl.Float64, strict=False)
            if c == "fiscal_year":
                parsed = pl.when(parsed == parsed.round(0)).then(parsed).otherwise(None).cast(pl.Int64, strict=False)
        else:
            col.add("wrong_column_type", "wrong_column_type", {"dt": dt, "exp": exp}, column=c)
            out = out.drop(c)
            continue
        # A number is never blank; it is turned into text only for the rows reported (1M floats as text: ~50 MB).
        given = raw.is_not_null() & (raw.str.strip_chars() != "") if dt == pl.Utf8 else raw.is_not_null()
        out = out.with_columns(parsed.alias(c), raw.alias(f"_raw_{c}"), given.alias(f"_given_{c}"))
        bad = out.filter(pl.col(f"_given_{c}") & pl.col(c).is_null())
        for r, v in _capped(col, "wrong_type", bad.select("_row", pl.col(f"_raw_{c}").cast(pl.Utf8))):
            hint = Phrase(N_("val_hint_no_separators")) if c == "value" and "," in v else ""
            col.add("wrong_type", "wrong_type", {"exp": exp, "hint": hint}, row=r, column=c, value=v)
        out = out.drop(f"_raw_{c}")
    return out


def _kind_maps(cat: Catalog) -> tuple[dict[str, str], dict[str, float]]:
    kinds = {i.id: i.kind for i in cat.indicators.values()}
    maxes = {i.id: float(i.max_value) for i in cat.indicators.values() if i.max_value is not None}
    return kinds, maxes


def _row_rules(df: pl.DataFrame, cat: Catalog, col: _Collector, limits: Limits, fmt: str) -> pl.DataFrame:
    """Row-level rules on the coerced frame; returns the frame without skipped template rows."""
    skip = _skipped_template_rows(df, col, fmt)
    _missing_values(df, col, skip)
    _unknown_keys(df, cat, col)
    if set(contract.KEY) <= set(df.columns):
        _duplicate_keys(df, col, skip)
    if "value" in df.columns:
        _bad_numbers(df, cat, col)
    if "note" in df.columns:
        long = df.filter(pl.col("note").str.len_chars() > limits.note_max_chars)
        for r, x in _capped(col, "note_too_long", long.select("_row", "note")):
            col.add("note_too_long", "note_too_long", {"limits_note_max_chars": limits.note_max_chars},
                    row=r, column="note", value=x)
    return df.filter(~skip)


def _skipped_template_rows(df: pl.DataFrame, col: _Collector, fmt: str) -> pl.Expr:
    """The rows to skip (template rows left without a value, reported with one warning); none for Parquet."""
    skip = pl.lit(False)
    if fmt != "parquet" and "_given_value" in df.columns:
        # Template rows left without a value are skipped with one warning (their other cells are
        # still checked: a mistyped code in a half-filled row should not go unnoticed).
        skip = ~pl.col("_given_value")
        empty = df.filter(skip)
        if empty.height:
            first = ", ".join(str(r) for r in empty["_row"].head(10).to_list())
            col.add("empty_value_skipped",
                    "empty_value_skipped", {"empty_height": empty.height, "first": first}, severity="warning")
    return skip


def _missing_values(df: pl.DataFrame, col: _Collector, skip: pl.Expr) -> None:
    """Blank cells in required columns (a skipped template row's blank value is not reported again)."""
    for c in contract.REQUIRED:
        if c in df.columns:
            # For numbers, a cell that failed to parse was reported as a type error already.
            empty_c = ~pl.col(f"_given_{c}") if f"_given_{c}" in df.columns else pl.col(c).is_null()
            empty_rows = df.filter(empty_c & ~skip if c == "value" else empty_c).select("_row")
            for r in _capped(col, "missing_value", empty_rows, single=True):
                col.add("missing_value", "missing_value", {},
                        row=r, column=c)


def _unknown_keys(df: pl.DataFrame, cat: Catalog, col: _Collector) -> None:
    """Indicators and municipalities the catalog does not know, and years outside the contract's range."""
    if "indicator_id" in df.columns:
        bad = df.filter(pl.col("indicator_id").is_not_null() & ~pl.col("indicator_id").is_in(list(cat.indicators)))
        for r, v in _capped(col, "unknown_indicator", bad.select("_row", "indicator_id")):
            col.add("unknown_indicator", "unknown_indicator", {},
                    row=r, column="indicator_id", value=v)
    if "municipality_code" in df.columns:
        codes = [*cat.municipality_codes(), PREFECTURE, NATIONAL]
        bad = df.filter(pl.col("municipality_code").is_not_null() & ~pl.col("municipality_code").is_in(codes))
        for r, v in _capped(col, "unknown_municipality", bad.select("_row", "municipality_code")):
            col.add("unknown_municipality", "unknown_municipality", {}, row=r, column="municipality_code", value=v)
    if "fiscal_year" in df.columns:
        lo, hi = contract.FIRST_YEAR, contract.LAST_YEAR
        bad = df.filter(pl.col("fiscal_year").is_not_null() & ~pl.col("fiscal_year").is_between(lo, hi))
        for r, v in _capped(col, "year_out_of_range", bad.select("_row", "fiscal_year")):
            col.add("year_out_of_range", "year_out_of_range", {"lo": lo,
                                                               "hi": hi}, row=r, column="fiscal_year", value=v)


def _duplicate_keys(df: pl.DataFrame, col: _Collector, skip: pl.Expr) -> None:
    """Rows repeating an earlier row's key, each reported with the first row holding it."""
    # Rows whose key hash repeats hold every duplicate (equal keys, equal hashes) and rarely a collision,
    # which the exact window below drops; the window then groups those few rows, not all 1M (~150 MB).
    keyed = pl.when(pl.all_horizontal(pl.col(contract.KEY).is_not_null()) & ~skip).then(
        pl.struct(contract.KEY).hash())
    maybe = df.filter(keyed.is_not_null() & keyed.is_duplicated()).select("_row", *contract.KEY)
    first_row = pl.col("_row").min().over(contract.KEY).alias("_first")
    dups = maybe.with_columns(first_row).filter(pl.col("_row") != pl.col("_first"))
    for r, f, i, m, y in _capped(col, "duplicate_key", dups.select("_row", "_first", *contract.KEY)):
        col.add("duplicate_key", "duplicate_key", {"f": f},
                row=r, column="indicator_id / municipality_code / fiscal_year", value=f"{i} / {m} / {y}")


def _bad_numbers(df: pl.DataFrame, cat: Catalog, col: _Collector) -> None:
    """NaN and infinite values, then the catalog's bounds when the indicator is given."""
    val = pl.col("value")
    for r, x in _capped(col, "nan", df.filter(val.is_nan()).select("_row", "value")):
        col.add("nan", "nan", {}, row=r, column="value", value=x)
    for r, x in _capped(col, "infinite", df.filter(val.is_infinite()).select("_row", "value")):
        col.add("infinite", "infinite", {}, row=r, column="value", value=x)
    if "indicator_id" in df.columns:
        _absolute_bounds(df, cat, col)


NATIONAL_MUNICIPALITIES = 1741  # 市区町村 in Japan (the 23 special wards counted singly): a national flag count's bound


def _num(x: float) -> str:
    """A bound or reference value for a message: whole numbers with separators, others as given."""
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:,g}"


def _absolute_bounds(df: pl.DataFrame, cat: Catalog, col: _Collector) -> None:
    """The catalog's bounds that need no other value: whole numbers, minimum and maximum for every place level;
    a flag is 0/1 for a municipality and a whole number of municipalities for the prefecture or Japan."""
    inds = cat.indicators
    val = pl.col("value")
    code = pl.col("municipality_code") if "municipality_code" in df.columns else pl.lit(None, pl.Utf8)
    n_pref = len(cat.members(PREFECTURE))
    aggregate = code.is_in([PREFECTURE, NATIONAL])
    ind = pl.col("indicator_id")
    lo = ind.replace_strict({i.id: i.min_value for i in inds.values()}, default=None, return_dtype=pl.Float64)
    hi = ind.replace_strict({i.id: i.max_value for i in inds.values()}, default=None, return_dtype=pl.Float64)
    whole = ind.replace_strict({i.id: i.integer for i in inds.values()}, default=False, return_dtype=pl.Boolean)
    kind = ind.replace_strict({i.id: i.kind for i in inds.values()}, default=None, return_dtype=pl.Utf8)
    cols = ["_row", "indicator_id", "value", *(["municipality_code"] if "municipality_code" in df.columns else [])]
    known = df.select(*cols).with_columns(lo.alias("_lo"), hi.alias("_hi"), whole.alias("_int"),
                                          kind.alias("_kind"), aggregate.alias("_agg"))
    known = known.filter(pl.col("_kind").is_not_null() & val.is_finite())
    flag = pl.col("_kind") == "flag"
    # Flags: 0/1 per municipality; at 10000 / 00000 the number of municipalities with the flag set.
    bad = known.filter(flag & ~pl.col("_agg") & ~val.is_in([0.0, 1.0])).select("_row", "value")
    for r, x in _capped(col, "flag_value", bad):
        col.add("flag_value", "flag_value", {}, row=r, column="value", value=x)
    if "municipality_code" in known.columns:
        agg_flags = known.filter(flag & pl.col("_agg")).with_columns(
            pl.when(pl.col("municipality_code") == PREFECTURE).then(n_pref).otherwise(NATIONAL_MUNICIPALITIES)
            .alias("_n"))
        for r, i, x, c, n in _capped(col, "not_integer", agg_flags.filter(val != val.round(0))
                                     .select("_row", "indicator_id", "value", "municipality_code", "_n")):
            where = Phrase(N_("val_where_prefecture") if c == PREFECTURE else N_("val_where_nation"))
            col.add("not_integer", "not_integer_2", {"name": Localized(inds[i].names()), "where": where,
                                                     "n": n}, row=r, column="value", value=x)
        out = agg_flags.filter((val == val.round(0)) & ((val < 0) | (val > pl.col("_n"))))
        for r, i, x, c, n in _capped(col, "flag_count_range",
                                     out.select("_row", "indicator_id", "value", "municipality_code", "_n")):
            where = Phrase(N_("val_where_prefecture") if c == PREFECTURE else N_("val_where_nation"))
            col.add("flag_count_range", "flag_count_range", {"name": Localized(inds[i].names()),
                                                             "where": where, "n": n}, row=r, column="value", value=x)
    other = known.filter(~flag)
    low = other.filter(pl.col("_lo").is_not_null() & (val < pl.col("_lo")))
    high = other.filter(pl.col("_hi").is_not_null() & (val > pl.col("_hi")))
    rates = pl.col("_kind") == "rate"
    scores = pl.col("_kind") == "score"
    out_of_range = pl.concat([low, high]).sort("_row")
    for r, x, lo_, hi_ in _capped(col, "rate_range", out_of_range.filter(rates).select("_row", "value", "_lo", "_hi")):
        col.add("rate_range", "rate_range", {"num_lo_": _num(lo_), "num_hi_": _num(hi_)},
                row=r, column="value", value=x)
    for r, x, lo_, hi_ in _capped(col, "score_range", out_of_range.filter(scores)
                                  .select("_row", "value", "_lo", "_hi")):
        col.add("score_range", "score_range", {"num_lo_": _num(lo_), "num_hi_": _num(hi_)}, row=r, column="value",
                value=x)
    rest = ~rates & ~scores
    negative = low.filter(rest & (pl.col("_lo") == 0)).select("_row", "value")
    for r, x in _capped(col, "negative_count", negative):
        col.add("negative_count", "negative_count", {},
                row=r, column="value", value=x)
    for r, i, x, lo_ in _capped(col, "below_minimum", low.filter(rest & (pl.col("_lo") != 0))
                                .select("_row", "indicator_id", "value", "_lo")):
        col.add("below_minimum", "below_minimum", {"name": Localized(inds[i].names()), "num_lo_": _num(lo_)},
                row=r, column="value", value=x)
    for r, i, x, hi_ in _capped(col, "above_maximum", high.filter(rest)
                                .select("_row", "indicator_id", "value", "_hi")):
        col.add("above_maximum", "above_maximum", {"name": Localized(inds[i].names()), "num_hi_": _num(hi_)},
                row=r, column="value", value=x)
    frac = other.filter(pl.col("_int") & (val != val.round(0))).select("_row", "indicator_id", "value")
    for r, i, x in _capped(col, "not_integer", frac):
        col.add("not_integer", "not_integer", {"name": Localized(inds[i].names())}, row=r, column="value", value=x)


def _key(cat: Catalog) -> pl.Expr:
    """One Int64 per (indicator, place, fiscal year) for the catalog's ids and codes and the years an upload
    can meet (FIRST_YEAR - 1 to LAST_YEAR; null otherwise): the warning joins then hash one integer instead
    of three strings (for a 1M-row upload ~250 MB less at peak). A key + 1 is the same place a year later."""
    inds = {i: n for n, i in enumerate(cat.indicators)}
    codes = {c: n for n, c in enumerate(dict.fromkeys([*cat.municipality_codes(), PREFECTURE, NATIONAL]))}
    year = pl.col("fiscal_year").cast(pl.Int64)
    first = contract.FIRST_YEAR - 1  # offsets 0..41 and 42 after the +1 shift: within the 64 reserved
    return ((pl.col("indicator_id").replace_strict(inds, default=None, return_dtype=pl.Int64) * len(codes)
             + pl.col("municipality_code").replace_strict(codes, default=None, return_dtype=pl.Int64)) * 64
            + pl.when(year.is_between(first, contract.LAST_YEAR)).then(year - first)).alias("_key")

# ------------------------------------------------------------------------------ checks against other values

def _keys(df: pl.DataFrame, cat: Catalog) -> Keys:
    """What to read from the published data for this upload: its indicators and the references of their
    relative bounds; its places and every municipality (coverage); its years and the year before each.
    Only ids, codes and years the catalog knows are asked for (a damaged file cannot make the lists huge)."""
    known = df.filter(pl.col("indicator_id").is_in(list(cat.indicators))
                      & pl.col("municipality_code").is_in([*cat.municipality_codes(), PREFECTURE, NATIONAL])
                      & pl.col("fiscal_year").is_between(contract.FIRST_YEAR, contract.LAST_YEAR))
    ids = set(known["indicator_id"].unique().to_list())
    refs = {cat.indicators[i].max_ref for i in ids} - {None}
    codes = set(known["municipality_code"].unique().to_list())
    if any(cat.indicators[i].rollup != "none" for i in ids):
        codes |= set(cat.municipality_codes())
    if refs:
        codes |= set(cat.municipality_codes())  # the prefecture's reference is the sum of its municipalities
    years = {int(y) for y in known["fiscal_year"].unique().to_list()}
    return Keys(indicator_ids=sorted(ids | {r for r in refs if r}), municipality_codes=sorted(codes),
                fiscal_years=sorted(years | {y - 1 for y in years}))


def _reference_values(df: pl.DataFrame, cat: Catalog, pub: pl.DataFrame | None, refs: list[str]) -> pl.DataFrame:
    """(indicator_id, municipality_code, fiscal_year, _ref) for the reference indicators: the file's finite,
    non-negative values, else the published ones; for the prefecture, its own figure, else the sum of all its
    municipalities when every one of them has a value."""
    mine = df.filter(pl.col("indicator_id").is_in(refs) & pl.col("value").is_finite() & (pl.col("value") >= 0)
                     ).select(*contract.KEY, "value")
    if pub is not None:
        theirs = pub.filter(pl.col("indicator_id").is_in(refs)).join(mine, on=contract.KEY, how="anti")
        mine = pl.concat([mine, theirs.select(mine.columns)])
    munis = cat.municipality_codes()
    pref = (mine.filter(pl.col("municipality_code").is_in(munis)).group_by("indicator_id", "fiscal_year")
            .agg(pl.col("value").sum(), pl.col("municipality_code").n_unique().alias("_n"))
            .filter(pl.col("_n") == len(munis))
            .select("indicator_id", pl.lit(PREFECTURE).alias("municipality_code"), "fiscal_year", "value"))
    pref = pref.join(mine, on=contract.KEY, how="anti")
    return pl.concat([mine, pref.select(mine.columns)]).rename({"value": "_ref"})


def _relative_bounds(df: pl.DataFrame, cat: Catalog, col: _Collector, pub: pl.DataFrame | None) -> None:
    """value <= max_ref_ratio x the reference indicator at the same place and year (e.g. participants aged
    65+ <= the 65+ population). Without a reference value the absolute bounds still hold, and one warning
    per indicator says how many rows could not be checked against the reference."""
    bounded = {i.id: i for i in cat.indicators.values() if i.max_ref is not None}
    rows = df.filter(pl.col("indicator_id").is_in(list(bounded)) & pl.col("value").is_finite())
    if rows.is_empty():
        return
    inds = cat.indicators
    ref_of = pl.col("indicator_id").replace_strict({i: b.max_ref for i, b in bounded.items()}, return_dtype=pl.Utf8)
    ratio = pl.col("indicator_id").replace_strict({i: b.max_ref_ratio for i, b in bounded.items()},
                                                  return_dtype=pl.Float64)
    lo = pl.col("indicator_id").replace_strict({i: b.min_value for i, b in bounded.items()}, return_dtype=pl.Float64)
    hi = pl.col("indicator_id").replace_strict({i: b.max_value for i, b in bounded.items()}, return_dtype=pl.Float64)
    refs = _reference_values(df, cat, pub, sorted({b.max_ref for b in bounded.values() if b.max_ref}))
    rows = (rows.select("_row", *contract.KEY, "value", ref_of.alias("_ref_id"), ratio.alias("_ratio"),
                        lo.alias("_lo"), hi.alias("_hi"))
            # A value outside its absolute bounds is reported once, there.
            .filter((pl.col("_lo").is_null() | (pl.col("value") >= pl.col("_lo")))
                    & (pl.col("_hi").is_null() | (pl.col("value") <= pl.col("_hi"))))
            .join(refs.rename({"indicator_id": "_ref_id"}), on=["_ref_id", "municipality_code", "fiscal_year"],
                  how="left", maintain_order="left"))
    over = rows.filter(pl.col("_ref").is_not_null() & (pl.col("value") > pl.col("_ratio") * pl.col("_ref")))
    for r, i, x, ref_id, ratio_, ref in _capped(col, "above_reference", over.select(
            "_row", "indicator_id", "value", "_ref_id", "_ratio", "_ref")):
        ref_ind = inds[ref_id]
        if ratio_ == 1:
            col.add("above_reference", "above_reference", {"name": Localized(inds[i].names()),
                                                           "ref_name": Localized(ref_ind.names()),
                                                           "num_ref": _num(ref), "bound": _num(ratio_ * ref)},
                    row=r, column="value", value=x)
        else:  # a multiple of the reference: its own sentence, not a fragment spliced into the first
            col.add("above_reference", "above_reference_2", {"name": Localized(inds[i].names()),
                                                             "ref_name": Localized(ref_ind.names()),
                                                             "num_ref": _num(ref), "ratio": _num(ratio_),
                                                             "bound": _num(ratio_ * ref)},
                    row=r, column="value", value=x)
    missing = rows.filter(pl.col("_ref").is_null())
    for (i,), part in missing.group_by("indicator_id", maintain_order=True):
        first = part.row(0, named=True)
        ref_ind = inds[str(first["_ref_id"])]
        col.add("bound_reference_missing",
                "bound_reference_missing", {"name": Localized(inds[i].names()), "n": part.height,
                                            "municipality": first['municipality_code'], "year": first['fiscal_year'],
                                            "ref_name": Localized(ref_ind.names()), "fixed_max": _num(first['_hi'])},
                row=int(first["_row"]), column="value", value=first["value"], severity="warning")
