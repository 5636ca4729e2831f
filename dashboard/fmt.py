"""Formatting for people: Japanese fiscal years, numbers with units, status names."""

from __future__ import annotations

import math

STATUS_NAMES = {
    "achieved": ("目標達成", "Target achieved"),
    "substantial": ("順調（目標達成ペース）", "Substantial progress"),
    "moderate": ("やや遅れ", "Moderate progress"),
    "limited": ("遅れ", "Limited progress"),
    "deterioration": ("後退", "Deterioration"),
    "not_available": ("評価できない（データなし）", "Not available"),
    "no_target": ("市町村別の目標なし", "No target for this place"),
}
# Okabe-Ito: colour-blind safe; status is always shown in words too.
STATUS_COLOURS = {
    "achieved": "#009E73", "substantial": "#0072B2", "moderate": "#E69F00",
    "limited": "#D55E00", "deterioration": "#CC79A7", "not_available": "#999999",
    "no_target": "#BBBBBB",
}
STATUS_SYMBOLS = {"achieved": "◎", "substantial": "○", "moderate": "△", "limited": "▲",
                  "deterioration": "×", "not_available": "－", "no_target": "・"}


def status_name(status: str, lang: str = "ja") -> str:
    """Status in words."""
    ja, en = STATUS_NAMES[status]
    return ja if lang == "ja" else en


def era_year(fy: int) -> str:
    """Japanese era name for a fiscal year: 令和2年度 (2019 is 令和元年度)."""
    if fy >= 2019:
        n = fy - 2018
        return f"令和{'元' if n == 1 else n}年度"
    n = fy - 1988
    return f"平成{'元' if n == 1 else n}年度"


def fy_label(fy: int | None, lang: str = "ja") -> str:
    """Fiscal year as 令和2年度（2020） in Japanese, FY2020 in English."""
    if fy is None:
        return "－" if lang == "ja" else "–"
    return f"{era_year(fy)}（{fy}）" if lang == "ja" else f"FY{fy}"


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
