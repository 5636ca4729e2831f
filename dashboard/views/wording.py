"""Page data in words: user text made safe for Markdown, place labels, values with units, statuses, coverage,
provisional figures, gaps to the target and the nation, verdict details, and when a target is reached."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from dashboard import data, fmt
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import N_, t

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


# ---------------------------------------------------------------- values, statuses and verdicts

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
