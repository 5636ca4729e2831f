"""The upload page's guiding words as plain functions (no Streamlit): what a file holds and what publishing it
would change for visitors, problems grouped one line per kind, and snapshots named for the withdraw/restore
choice by label, date and state. The page only draws what these return."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from dashboard import fmt
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import N_, t, tn
from dashboard.ingest import Preview
from dashboard.storage import SnapshotMeta
from dashboard.ui.upload_tables import rule_label
from dashboard.validate import Problem

DETAILS_SHOWN = 50  # problem sentences listed under one kind before "… and N more (see the table)"
LABEL_CHARS = 40  # characters of a snapshot's label in the withdraw/restore choice
YEARS_LISTED = 3  # fiscal years listed one by one; more are given as a range

# What an analyst can do about a warning of this kind (only for kinds whose sentence does not say it).
HINTS: dict[str, str] = {"bound_reference_missing": N_("upl_hint_bound_reference_missing"),
                         "coverage_partial": N_("upl_hint_coverage_partial")}


def years_text(years: Iterable[int], lang: str) -> str:
    """Fiscal years in the user's calendar: listed (令和6年度（2024）・令和7年度（2025）) or as a range."""
    ys = sorted(set(years))
    if not ys:
        return fmt.fy_label(None, lang)
    if len(ys) <= YEARS_LISTED:
        return t("upl_list_sep", lang).join(fmt.fy_label(y, lang) for y in ys)
    return t("upl_year_range", lang, first=fmt.fy_label(ys[0], lang), last=fmt.fy_label(ys[-1], lang))


def places_text(codes: Iterable[str], cat: Catalog, lang: str) -> str:
    """The places of a file: 3市町村 (and 県全体 when the prefecture row is there)."""
    given = set(codes)
    munis = sum(1 for c in cat.municipality_codes() if c in given)
    text = t("upl_places_munis", lang, n=munis, total=len(cat.municipality_codes()))
    if PREFECTURE in given:
        text = t("upl_places_with_pref", lang, munis=text) if munis else t("upl_places_pref_only", lang)
    return text


def is_identical(pv: Preview) -> bool:
    """True when publishing would change nothing a visitor sees (every value already published, as is)."""
    return pv.adds == 0 and pv.revises == 0


def file_summary(frame: pl.DataFrame, cat: Catalog, pv: Preview, newest_year: int | None,
                 warnings: Sequence[Problem], lang: str) -> str:
    """The preview's first line: which fiscal years, places and indicators the file holds, and what changes."""
    years = [int(y) for y in frame["fiscal_year"].unique().to_list()]
    holds = t("upl_summary_holds", lang, years=years_text(years, lang),
              places=places_text(frame["municipality_code"].unique().to_list(), cat, lang),
              indicators=tn("upl_n_indicators", frame["indicator_id"].n_unique(), lang),
              rows=tn("upl_n_rows", frame.height, lang))
    return f"{holds}{t('upl_sentence_sep', lang)}{change_text(frame, pv, newest_year, warnings, lang)}"


def coverage_of(warnings: Sequence[Problem], year: int) -> tuple[int, int] | None:
    """The fewest municipalities any indicator would have in `year` after publishing, and of how many, from the
    validator's coverage warnings (None: every indicator with municipal values would be complete)."""
    found = [(int(p.params["n"]), int(p.params["total"])) for p in warnings
             if p.rule == "coverage_partial" and int(p.params.get("y", -1)) == year]
    return min(found) if found else None


def change_text(frame: pl.DataFrame, pv: Preview, newest_year: int | None, warnings: Sequence[Problem],
                lang: str) -> str:
    """What publishing would change for visitors: nothing; or what is added and revised, a new newest year,
    and how few municipalities the file's newest year would have."""
    if is_identical(pv):
        return t("upl_change_nothing", lang, same=f"{pv.same:,}")
    top = int(frame["fiscal_year"].max())  # type: ignore[arg-type]
    counts = {"adds": f"{pv.adds:,}", "revises": f"{pv.revises:,}"}
    newer = newest_year is None or top > newest_year
    text = t("upl_change_new_year", lang, fy=fmt.fy_label(top, lang), **counts) if newer else t(
        "upl_change_counts", lang, **counts)
    cover = coverage_of(warnings, top)
    if cover is not None:
        text += t("upl_change_partial", lang, fy=fmt.fy_label(top, lang), n=cover[0], total=cover[1])
    return text


@dataclass(frozen=True)
class ProblemGroup:
    """All problems of one kind: its line (kind in words and count), a hint, and the sentences folded under it."""

    rule: str
    severity: str
    count: int  # every problem of the kind, also beyond those kept for display
    line: str
    hint: str | None
    details: list[str]  # the first DETAILS_SHOWN sentences, plain text
    more: int  # problems of the kind not listed in details


def group_problems(problems: Sequence[Problem], counts: Mapping[str, int], lang: str) -> list[ProblemGroup]:
    """One group per (severity, kind) in order of first appearance, with the complete count from `counts`."""
    by_kind: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        by_kind.setdefault((p.severity, p.rule), []).append(p)
    out = []
    for (severity, rule), items in by_kind.items():
        n = max(int(counts.get(rule, 0)), len(items))
        details = [p.message(lang) for p in items[:DETAILS_SHOWN]]
        out.append(ProblemGroup(rule=rule, severity=severity, count=n,
                                line=t("upl_group_line", lang, kind=rule_label(rule, lang), n=f"{n:,}"),
                                hint=t(HINTS[rule], lang) if rule in HINTS else None,
                                details=details, more=n - len(details)))
    return out


def date_text(iso: str, lang: str) -> str:
    """The date of an ISO timestamp in the user's calendar: 令和8年12月6日 in Japanese, 6 Dec 2026 otherwise."""
    y, m, d = (int(x) for x in iso[:10].split("-"))
    if lang == "ja":
        era = "平成31" if (y, m) < (2019, 5) and y == 2019 else fmt.era_year(y).removesuffix("年度")  # 令和: 1 May 2019
        return f"{era}年{m}月{d}日"
    months = t("upl_months", lang).split()
    return f"{d} {months[m - 1]} {y}"


def state_text(meta: SnapshotMeta, lang: str) -> str:
    """A snapshot's state in words: 公開中 / 取り下げ済み."""
    return t("upl_state_withdrawn" if meta.withdrawn else "upl_state_published", lang)


def snapshot_label(meta: SnapshotMeta, lang: str) -> str:
    """A snapshot as the withdraw/restore choice shows it: 0007 サンプル…（令和8年12月6日・公開中）."""
    label = " ".join(meta.label.split())
    short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip(" /(（「") + "…"
    return t("upl_snapshot_option", lang, seq=f"{meta.seq:04d}", label=short, date=date_text(meta.created_at, lang),
             state=state_text(meta, lang))


def action_for(meta: SnapshotMeta) -> str:
    """The one action that applies to a snapshot: restore a withdrawn one, withdraw a published one."""
    return "restore" if meta.withdrawn else "withdraw"


def action_done(meta: SnapshotMeta, action: str, lang: str) -> str:
    """The answer after a withdrawal or restoration: 取り下げました：0007 サンプル…（…）."""
    return t("upl_withdrawn_done" if action == "withdraw" else "upl_restored_done", lang,
             snapshot=snapshot_label(meta, lang))
