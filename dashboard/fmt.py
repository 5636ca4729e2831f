"""Formatting for people: Japanese fiscal years, numbers with units, status names.

The one module that branches on the language: Japanese writes era years, 万 units, full-width brackets and
no space before a unit; every other language (English, the pseudo-locale, any language added as files)
is formatted the English way (FY2020, 47.5k, a space before word units).

One function per unit, used by tables, charts, summaries and exports alike, so a figure reads the
same everywhere: rate() 9.0%, count() 35,660人, man() 4.75万, share() 63%, flag() 実施/未実施,
per_1000() 12.3人（65歳以上1,000人あたり）; value() picks the right one for an indicator.
"""

from __future__ import annotations

import math

from dashboard.i18n import N_, t

# The status words live in the message catalogue (one vocabulary for chips, tables, charts and summaries):
# every language says what the Japanese says (順調 = on track, やや遅れ = slightly behind, 遅れ = behind,
# 後退 = moving away, 達成 = achieved, 未達成 = not achieved).
STATUS_KEYS = {"achieved": N_("status_achieved"), "not_achieved": N_("status_not_achieved"),
               "reached_early": N_("status_reached_early"), "on_track": N_("status_on_track"),
               "slightly_behind": N_("status_slightly_behind"), "behind": N_("status_behind"),
               "moving_away": N_("status_moving_away"), "not_available": N_("status_not_available"),
               "awaiting": N_("status_awaiting"), "awaiting_national": N_("status_awaiting_national"),
               "context": N_("status_context")}
KIND_KEYS = {"official": N_("kind_official"), "sample": N_("kind_sample")}  # a snapshot's kind in words
# Okabe-Ito: colour-blind safe; status is always shown in words and a symbol too.
STATUS_COLOURS = {
    "achieved": "#009E73", "not_achieved": "#D55E00", "reached_early": "#56B4E9", "on_track": "#0072B2",
    "slightly_behind": "#E69F00", "behind": "#D55E00", "moving_away": "#CC79A7", "not_available": "#999999",
    "awaiting": "#999999", "awaiting_national": "#999999", "context": "#BBBBBB",
}
STATUS_SYMBOLS = {"achieved": "◎", "not_achieved": "×", "reached_early": "☆", "on_track": "○",
                  "slightly_behind": "△", "behind": "▲", "moving_away": "▼", "not_available": "－",
                  "awaiting": "…", "awaiting_national": "…", "context": "・"}


def status_name(status: str, lang: str = "ja") -> str:
    """Status in words."""
    return t(STATUS_KEYS[status], lang)


def era_year(fy: int) -> str:
    """Japanese era name for a fiscal year: 令和2年度 (2019 is 令和元年度)."""
    if fy >= 2019:
        n = fy - 2018
        return f"令和{'元' if n == 1 else n}年度"
    n = fy - 1988
    return f"平成{'元' if n == 1 else n}年度"


def fiscal_year(fy: int, lang: str = "ja") -> str:
    """A fiscal year in a sentence: 令和2年度 in Japanese, FY2020 in English and any other language."""
    return era_year(fy) if lang == "ja" else f"FY{fy}"


def fy_label(fy: int | None, lang: str = "ja") -> str:
    """Fiscal year as 令和2年度（2020） in Japanese, FY2020 in English."""
    if fy is None:
        return "－" if lang == "ja" else "–"
    return f"{era_year(fy)}（{fy}）" if lang == "ja" else f"FY{fy}"


def fy_tick(fy: int, lang: str = "ja") -> str:
    """Short two-line fiscal-year axis tick: 2023 over （R5） in Japanese, FY2023 otherwise (hover: full name)."""
    return f"{fy}<br>（R{fy - 2018}）" if lang == "ja" and fy >= 2019 else f"FY{fy}"


def decimals_for(kind: str) -> int:
    """Decimals shown for an indicator kind (rates to one decimal, like the plan)."""
    return 1 if kind == "rate" else 0


def number(value: float | None, decimals: int = 0, man: bool = False, lang: str = "ja") -> str:
    """A number with thousands separators; optionally large numbers in 万 (ja) / k (en)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "－" if lang == "ja" else "–"
    if abs(value) >= 1e15:  # beyond any real count: short scientific form, not hundreds of digits
        return f"{value:.3e}"
    if man and abs(value) >= 10000:
        return f"{value / 10000:,.2f}万" if lang == "ja" else f"{value / 1000:,.1f}k"
    return f"{value:,.{decimals}f}"


def with_unit(value: float | None, unit: str, kind: str = "count", man: bool = False,
              lang: str = "ja") -> str:
    """Number plus unit: 35,660人, 6.1%, 1,781点; English puts a space before word units."""
    text = number(value, decimals_for(kind), man, lang)
    if value is None or text in ("－", "–"):
        return text
    if unit == "%" or lang == "ja":
        return f"{text}{unit}"
    return f"{text} {unit}"


def percent(share: float | None, lang: str = "ja") -> str:
    """A share (0.63) as a percentage (63%)."""
    return number(share * 100 if share is not None else None, 0, lang=lang) + (
        "%" if share is not None else "")


RATE_DECIMALS = 1  # rates read like the plan: 9.0%, never 8.968


def rate(value: float | None, lang: str = "ja", unit: str = "%") -> str:
    """A rate (already in percent) to one decimal with its unit: 9.0%."""
    return with_unit(value, unit, "rate", lang=lang)


def count(value: float | None, unit: str = "", lang: str = "ja", man: bool = False) -> str:
    """A count with thousands separators and its unit: 35,660人 (1,781点 for scores)."""
    return with_unit(value, unit, "count", man=man, lang=lang) if unit else number(value, 0, man, lang)


def man(value: float | None, unit: str = "", lang: str = "ja") -> str:
    """A large count in 万 (ja) or k (en) where the product shortens them: 4.75万人, 47.5k people."""
    return with_unit(value, unit, "count", man=True, lang=lang) if unit else number(value, 0, True, lang)


def share(fraction: float | None, lang: str = "ja") -> str:
    """A share of the way or of a total (0.63) as a whole percentage: 63%."""
    return percent(fraction, lang)


def flag(value: float | None, lang: str = "ja") -> str:
    """A yes/no measure at one municipality: 実施 / 未実施 (never "1市町村")."""
    if value is None or not math.isfinite(value):
        return number(None, lang=lang)
    return t("flag_yes", lang) if value >= 0.5 else t("flag_no", lang)


def per_1000(value: float | None, unit: str, lang: str = "ja") -> str:
    """A count per 1,000 aged 65+ to one decimal: 12.3人（65歳以上1,000人あたり）."""
    text = number(value, 1, lang=lang)
    if value is None or text in ("－", "–"):
        return text
    per = t("per_1000", lang)
    return f"{text}{unit}（{per}）" if lang == "ja" else f"{text} {unit} {per}"


def value(v: float | None, unit: str, kind: str, lang: str = "ja", *, one_place: bool = False,
          man: bool = False) -> str:
    """An indicator's value in its unit's one format; a flag at one municipality reads 実施/未実施."""
    if kind == "flag" and one_place:
        return flag(v, lang)
    if kind == "rate":
        return rate(v, lang, unit)
    return with_unit(v, unit, kind, man=man, lang=lang)


def rounded(v: float | None, kind: str) -> float | None:
    """A number rounded as it is shown (rates to one decimal), for tables that keep numbers sortable."""
    if v is None or not math.isfinite(v):
        return None
    return round(v, decimals_for(kind))


def sentence(text: str) -> str:
    """A sentence starting with a capital letter (English summaries built from lower-case parts)."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


# ---------------------------------------------------------------- dates people read
# (The imports sit in the functions so that this section stays one appended block: the top of the module, the
# status vocabulary, is edited on another branch.)

JST = "Asia/Tokyo"  # every date a reader sees is a date in Japan, whatever the server's zone
_ERAS = ((2019, 5, 1, "令和"), (1989, 1, 8, "平成"))  # first day of each era, newest first
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


def japan_date(timestamp: str) -> tuple[int, int, int]:
    """The calendar date in Japan (year, month, day) of an ISO 8601 timestamp; one without a zone is UTC
    (snapshots record UTC): 2026-12-05T20:00:00Z is 6 December 2026 in Japan."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(JST))
    return local.year, local.month, local.day


def era_date(year: int, month: int, day: int) -> str:
    """A date in the Japanese calendar: 令和8年12月6日, 令和元年5月1日 (the era's first year is 元年)."""
    for y0, m0, d0, name in _ERAS:
        if (year, month, day) >= (y0, m0, d0):
            n = year - y0 + 1
            return f"{name}{'元' if n == 1 else n}年{month}月{day}日"
    return f"{year}年{month}月{day}日"


def long_date(timestamp: str, lang: str = "ja") -> str:
    """The Japan date of a timestamp in the reader's calendar: 令和8年12月6日 in Japanese, 6 December 2026 in
    English and every other language."""
    y, m, d = japan_date(timestamp)
    return era_date(y, m, d) if lang == "ja" else f"{d} {_MONTHS_EN[m - 1]} {y}"


def publication(snapshot_id: str) -> str:
    """A snapshot's publication number, as people cite it: 0004 of 0004-2fadb81b."""
    return snapshot_id.split("-", 1)[0]


def last_updated(timestamp: str, snapshot_id: str, lang: str = "ja") -> str:
    """「最終更新：令和8年12月6日（公表0004）」 / "Last updated: 6 December 2026 (publication 0004)"."""
    return t("last_updated", lang, date=long_date(timestamp, lang), pub=publication(snapshot_id))
