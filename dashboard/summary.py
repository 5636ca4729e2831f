"""Written summaries generated from the numbers (no language model), in every language of the catalogue.

Every sentence is built from a Progress row (dashboard.progress) or an as-of values series and
formatted with dashboard.fmt, so the words always agree with the charts and tables. Used on the
pages, in presenter mode and in exports. Each sentence is one whole-sentence message (`sum_*` in
locale/<lang>/LC_MESSAGES/messages.po) with named placeholders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from dashboard import data, fmt, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import N_, t, tn


def _join(first: str, second: str, lang: str) -> str:
    """Two sentences (or a sentence and a note) one after the other, as the language writes them."""
    return t("sum_join", lang, first=first, second=second) if first and second else first or second


def _sample(sentence: str, sample: bool, lang: str) -> str:
    """A sentence with the sample-data note after it when its figure is sample data."""
    return _join(sentence, t("sum_sample_note", lang), lang) if sample else sentence


def _val(catalog: Catalog, indicator_id: str, value: float | None, lang: str) -> str:
    ind = catalog.indicators[indicator_id]
    return fmt.value(value, ind.unit(lang), ind.kind, lang)


def _year(fy: int, lang: str) -> str:
    return fmt.fiscal_year(fy, lang)


def _subject(catalog: Catalog, place: str, indicator_id: str, lang: str) -> str:
    """「前橋市の通いの場…」 / "Participants … in Maebashi" (the prefecture is left implicit)."""
    name = catalog.indicators[indicator_id].name(lang)
    if place == PREFECTURE:
        return name
    return t("sum_subject_place", lang, indicator=name, place=catalog.place_name(place, lang))


def reach_year(p: pg.Progress) -> int | None:
    """The fiscal year the target is reached at the current pace (same rounding as the charts)."""
    if p.projected_year is None or p.projected_year > 2060:
        return None
    return math.ceil(p.projected_year - 1e-9)


def pace_sentence(p: pg.Progress, lang: str, catalog: Catalog | None = None) -> str:
    """The verdict in one sentence: the final result, what is awaited, or where the current pace leads.
    It says what the row's status says (one verdict per row: a sentence and its chip never disagree)."""
    target = _val(catalog, p.indicator_id, p.target_value, lang) if catalog is not None else ""
    simple = {"achieved": N_("sum_final_achieved"), "not_achieved": N_("sum_final_missed"),
              "reached_early": N_("sum_reached_early"), "moving_away": N_("sum_pace_moving_away"),
              "not_available": N_("sum_pace_not_available"), "on_track": N_("sum_pace_on_time")}
    if p.status in simple:
        return t(simple[p.status], lang)
    if p.status in ("awaiting", "awaiting_national"):
        key = N_("sum_awaiting") if p.status == "awaiting" else N_("sum_awaiting_national")
        return t(key, lang, target_fy=_year(p.target_year, lang), target=target)
    year = reach_year(p)  # slightly behind or behind
    if year is not None and year > p.target_year:
        return t("sum_pace_late_in", lang, fy=_year(year, lang))
    return t("sum_pace_late", lang)


def provisional_sentence(catalog: Catalog, p: pg.Progress, lang: str = "ja") -> str:
    """The newer roll-up not every municipality reported, named as provisional ("" when there is none)."""
    if p.provisional_year is None:
        return ""
    cov = views.coverage_text(p.provisional_n_reporting, p.provisional_n_expected, lang, provisional=True)
    return t("provisional_sentence", lang, fy=_year(p.provisional_year, lang),
             value=_val(catalog, p.indicator_id, p.provisional_value, lang), cov=cov)


def target_sentence(catalog: Catalog, p: pg.Progress, lang: str = "ja") -> str:
    """One target at one place, e.g. 「通いの場への65歳以上参加者数は令和6年度に43,120人で、
    令和7年度目標47,500人に向けた進捗は基準年比で63%です。このペースでは目標年度に届きません…」.
    A roll-up's actual says how many municipalities reported; a newer partial roll-up follows as provisional."""
    return _join(_target_sentence(catalog, p, lang), provisional_sentence(catalog, p, lang), lang)


def _target_sentence(catalog: Catalog, p: pg.Progress, lang: str) -> str:
    subject = _subject(catalog, p.place_code, p.indicator_id, lang)
    if p.actual_year is None or p.actual_value is None:
        if p.phase == "awaiting":
            return _join(t("sum_no_actual", lang, subject=subject), pace_sentence(p, lang, catalog), lang)
        if p.baseline_year is not None and p.baseline_value is not None and p.target_kind != "period_total":
            return t("sum_no_actual_since_baseline", lang, subject=subject, fy=_year(p.baseline_year, lang),
                     base=_val(catalog, p.indicator_id, p.baseline_value, lang))
        return t("sum_no_actual", lang, subject=subject)
    actual = _val(catalog, p.indicator_id, p.actual_value, lang)
    if p.actual_n_reporting is not None:
        actual += views.paren(views.coverage_text(p.actual_n_reporting, p.actual_n_expected, lang), lang)
    target = _val(catalog, p.indicator_id, p.target_value, lang)
    fy = _year(p.actual_year, lang)
    if p.phase == "context":
        return _sample(_context_sentence(catalog, p, subject, fy, actual, target, lang), p.actual_is_sample, lang)
    if p.phase == "final" and p.target_kind == "period_total" and p.baseline_year is not None:
        head = t("sum_final_period", lang, subject=subject, start=_year(p.baseline_year + 1, lang), fy=fy,
                 actual=actual, gap=views.verdict_detail(catalog, p, lang))
    elif p.phase == "final":
        head = t("sum_final", lang, subject=subject, fy=fy, actual=actual, gap=views.verdict_detail(catalog, p, lang))
    elif p.phase == "awaiting":
        head = t("sum_latest", lang, subject=subject, fy=fy, actual=actual)
    elif p.target_kind == "period_total":
        start = p.baseline_year + 1 if p.baseline_year is not None else p.actual_year
        head = t("sum_period_total", lang, subject=subject, start=_year(start, lang), fy=fy, actual=actual,
                 share=fmt.share(p.share_of_way, lang), target=target)
    elif p.share_of_way is not None:
        head = t("sum_progress", lang, subject=subject, fy=fy, actual=actual, target_fy=_year(p.target_year, lang),
                 target=target, share=fmt.share(p.share_of_way, lang))
    else:
        head = t("sum_compare", lang, subject=subject, fy=fy, actual=actual, target_fy=_year(p.target_year, lang),
                 target=target)
    return _sample(_join(head, pace_sentence(p, lang, catalog), lang), p.actual_is_sample, lang)


def _context_sentence(catalog: Catalog, p: pg.Progress, subject: str, fy: str, actual: str, target: str,
                      lang: str) -> str:
    """A prefecture-wide target seen from a 圏域 or municipality: the place's own figure, never a verdict."""
    if catalog.indicators[p.indicator_id].kind == "flag" and catalog.place_kind(p.place_code) == "municipality":
        return t(N_("sum_flag_in_place") if p.actual_value else N_("sum_flag_not_in_place"), lang,
                 subject=subject, fy=fy)
    if p.share_of_prefecture is not None:
        return t("sum_context_share", lang, subject=subject, fy=fy, actual=actual,
                 share=fmt.share(p.share_of_prefecture, lang))
    if p.target_value is not None:
        return t("sum_context_target", lang, subject=subject, fy=fy, actual=actual,
                 target_fy=_year(p.target_year, lang), target=target)
    return t("sum_context", lang, subject=subject, fy=fy, actual=actual)


def status_count_sentence(rows: Sequence[pg.Progress], lang: str = "ja") -> str:
    """「目標5件のうち、目標達成1件、やや遅れ4件です。」 / "Of 5 targets — Target achieved: 1; Moderate
    progress: 4." in the chips' status words (context rows without a target left out)."""
    judged = [r for r in rows if r.judged]
    counts = {s: sum(1 for r in judged if r.status == s) for s in pg.STATUSES}
    body = t("list_sep", lang).join(t("status_tally_item", lang, status=fmt.status_name(s, lang), n=n)
                                    for s, n in counts.items() if n)
    return fmt.sentence(tn("sum_status_tally", len(judged), lang, body=body))


def _latest_targets(rows: Sequence[pg.Progress]) -> list[pg.Progress]:
    """Per indicator, the target that is still ahead (or the last one): the one a reader cares about."""
    by_ind: dict[str, pg.Progress] = {}
    for r in sorted(rows, key=lambda r: r.target_year):
        by_ind[r.indicator_id] = r
    return list(by_ind.values())


def area_summary(catalog: Catalog, rows: Sequence[pg.Progress], area_id: str, lang: str = "ja",
                 ) -> list[str]:
    """Sentences for one policy area: the status counts first (the takeaway), then the weakest target."""
    name = catalog.area_info(area_id).name(lang)
    judged = [r for r in rows if r.judged]
    if not judged:
        context = [r for r in rows if r.actual_value is not None]
        out = [t("sum_area_no_targets", lang, area=name)]
        out += [target_sentence(catalog, r, lang) for r in _latest_targets(context)[:2]]
        return out
    out = [t("sum_area_counts", lang, area=name, counts=status_count_sentence(judged, lang))]
    # The target to name next: a missed one whose year has come, else the slowest on pace.
    missed = [r for r in judged if r.status == "not_achieved"]
    assessed = [r for r in _latest_targets(judged) if r.ratio is not None and r.phase == "pace"
                and r.status != "reached_early"]
    if missed:
        worst = min(missed, key=lambda r: r.share_of_target if r.share_of_target is not None else 0.0)
        out.append(target_sentence(catalog, worst, lang))
    elif assessed:
        worst = min(assessed, key=lambda r: r.ratio if r.ratio is not None else 0.0)
        out.append(target_sentence(catalog, worst, lang))
    return out


def takeaway(catalog: Catalog, rows: Sequence[pg.Progress], area_id: str, lang: str = "ja") -> str:
    """The one-sentence takeaway for a policy area's headline chart (presenter mode)."""
    return area_summary(catalog, rows, area_id, lang)[0]


def trend_sentence(catalog: Catalog, values: pl.DataFrame, indicator_id: str, place: str, year: int,
                   lang: str = "ja") -> str | None:
    """Latest value and change since the year before, for indicators without a target."""
    rows = values.filter((pl.col("indicator_id") == indicator_id) & (pl.col("place_code") == place)
                         & (pl.col("fiscal_year") <= year)).sort("fiscal_year")
    # Roll-ups not every municipality reported are not compared: the newest one is named as provisional.
    s = rows.filter(~data.partial())
    part = rows.filter(data.partial())
    prov = ""
    if part.height and (not s.height or part["fiscal_year"][-1] > s["fiscal_year"][-1]):
        cov = views.coverage_text(int(part["n_reporting"][-1]), int(part["n_expected"][-1]), lang, provisional=True)
        prov = t("provisional_sentence", lang, fy=_year(int(part["fiscal_year"][-1]), lang),
                 value=_val(catalog, indicator_id, float(part["value"][-1]), lang), cov=cov)
    if not s.height:
        return prov or None
    subject = _subject(catalog, place, indicator_id, lang)
    y, v = int(s["fiscal_year"][-1]), float(s["value"][-1])
    sample = bool(s["has_sample"][-1])
    if catalog.indicators[indicator_id].kind == "flag" and catalog.place_kind(place) == "municipality":
        # One municipality's yes/no measure: 実施/未実施, never "1市町村".
        key = N_("sum_flag_in_place") if v >= 0.5 else N_("sum_flag_not_in_place")
        return _join(_sample(t(key, lang, subject=subject, fy=_year(y, lang)), sample, lang), prov, lang)
    now = _val(catalog, indicator_id, v, lang)
    if s["source"][-1] == "rollup":
        now += views.paren(views.coverage_text(int(s["n_reporting"][-1]), int(s["n_expected"][-1]), lang), lang)
    if s.height < 2:
        text = t("sum_trend_one_year", lang, subject=subject, value=now, fy=_year(y, lang))
    else:
        py, pv = int(s["fiscal_year"][-2]), float(s["value"][-2])
        key = N_("sum_trend_up") if v > pv else N_("sum_trend_down") if v < pv else N_("sum_trend_unchanged")
        text = t(key, lang, subject=subject, value=now, fy=_year(y, lang),
                 before=_val(catalog, indicator_id, pv, lang), before_fy=_year(py, lang))
    return _join(_sample(text, sample, lang), prov, lang)
