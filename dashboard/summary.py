"""Written summaries generated from the numbers (no language model), in Japanese and English.

Every sentence is built from a Progress row (dashboard.progress) or an as-of values series and
formatted with dashboard.fmt, so the words always agree with the charts and tables. Used on the
pages, in presenter mode and in exports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from dashboard import data, fmt, views
from dashboard import progress as pg
from dashboard.catalog import Catalog
from dashboard.config import PREFECTURE
from dashboard.i18n import t

SAMPLE_NOTE = ("※サンプル（架空）データを含みます。", "(Includes sample, fictional data.)")


def _ja(lang: str) -> bool:
    return lang == "ja"


def _val(catalog: Catalog, indicator_id: str, value: float | None, lang: str) -> str:
    ind = catalog.indicators[indicator_id]
    return fmt.value(value, ind.unit(lang), ind.kind, lang)


def _year(fy: int, lang: str) -> str:
    return fmt.era_year(fy) if _ja(lang) else f"FY{fy}"


def _subject(catalog: Catalog, place: str, indicator_id: str, lang: str) -> str:
    """「前橋市の通いの場…」 / "Participants … in Maebashi" (the prefecture is left implicit)."""
    name = catalog.indicators[indicator_id].name(lang)
    if place == PREFECTURE:
        return name
    where = catalog.place_name(place, lang)
    return f"{where}の{name}" if _ja(lang) else f"{name} in {where}"


def reach_year(p: pg.Progress) -> int | None:
    """The fiscal year the target is reached at the current pace (same rounding as the charts)."""
    if p.projected_year is None or p.projected_year > 2060:
        return None
    return math.ceil(p.projected_year - 1e-9)


def pace_sentence(p: pg.Progress, lang: str) -> str:
    """Whether the target is reached on time at the current pace, in one sentence."""
    ja = _ja(lang)
    if p.status == "achieved":
        return "目標を達成しています。" if ja else "The target has been met."
    if pg.shortfall(p) == "below_national":
        return t("below_national_note", lang)
    if p.status == "not_available":
        return ("基準年度より後の実績がないため、進捗は評価できません。" if ja
                else "There is no actual after the baseline year, so progress cannot be assessed.")
    if p.actual_year is not None and p.actual_year >= p.target_year:
        return ("目標年度の実績は目標に届きませんでした。" if ja
                else "The target was not reached in the target year.")
    year = reach_year(p)
    if year is not None and year <= p.target_year:
        return ("このペースなら目標年度までに目標に届く見込みです。" if ja
                else "At this pace the target will be reached by the target year.")
    if year is not None:
        return (f"このペースでは目標年度に届きません（到達見込みは{fmt.era_year(year)}）。" if ja
                else f"At this pace the target will not be reached by the target year (expected in FY{year}).")
    return ("このペースでは目標年度に届きません。" if ja
            else "At this pace the target will not be reached by the target year.")


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
    prov = provisional_sentence(catalog, p, lang)
    core = _target_sentence(catalog, p, lang)
    return core + ("" if not prov else prov if _ja(lang) else " " + prov)


def _target_sentence(catalog: Catalog, p: pg.Progress, lang: str) -> str:
    ja = _ja(lang)
    subject = _subject(catalog, p.place_code, p.indicator_id, lang)
    tail = (SAMPLE_NOTE[0] if ja else " " + SAMPLE_NOTE[1]) if p.actual_is_sample else ""
    if p.actual_year is None or p.actual_value is None:
        if p.baseline_year is not None and p.baseline_value is not None and p.target_kind != "period_total":
            base = _val(catalog, p.indicator_id, p.baseline_value, lang)
            return (f"{subject}は基準値が{_year(p.baseline_year, lang)}の{base}で、その後の実績はまだありません。" if ja
                    else f"{subject}: baseline {base} in FY{p.baseline_year}; no later actual yet.")
        return (f"{subject}は、まだ実績がありません。" if ja else f"{subject}: no actual figure yet.")
    actual = _val(catalog, p.indicator_id, p.actual_value, lang)
    if p.actual_n_reporting is not None:
        actual += views.paren(views.coverage_text(p.actual_n_reporting, p.actual_n_expected, lang), lang)
    target = _val(catalog, p.indicator_id, p.target_value, lang)
    if p.status == "no_target" and catalog.indicators[p.indicator_id].kind == "flag" \
            and catalog.place_kind(p.place_code) == "municipality":
        done = bool(p.actual_value)
        if ja:
            return f"{subject}は{_year(p.actual_year, lang)}時点で{'実施しています' if done else '未実施です'}。" + tail
        return f"{subject}: {'in place' if done else 'not in place'} as of FY{p.actual_year}." + tail
    if p.status == "no_target":
        share = fmt.share(p.share_of_prefecture, lang) if p.share_of_prefecture is not None else None
        if ja:
            s = f"{subject}は{_year(p.actual_year, lang)}に{actual}"
            s += f"で、県全体の{share}を占めます。" if share else "です。"
            return s + "この地域別の目標は計画にありません。" + tail
        s = f"{subject} was {actual} in {_year(p.actual_year, lang)}"
        s += f", {share} of the prefecture total." if share else "."
        return s + " The plan sets no target for this place." + tail
    if p.target_kind == "period_total":
        start = p.baseline_year + 1 if p.baseline_year is not None else p.actual_year
        if ja:
            head = (f"{subject}は{fmt.era_year(start)}から{_year(p.actual_year, lang)}までの合計で{actual}で、"
                    f"期間目標{target}に対する達成率は{fmt.share(p.share_of_way, lang)}です。")
        else:
            head = (f"{subject} totalled {actual} from FY{start} to FY{p.actual_year}, "
                    f"{fmt.share(p.share_of_way, lang)} of the period target of {target}.")
        return head + ("" if ja else " ") + pace_sentence(p, lang) + tail
    share = fmt.share(p.share_of_way, lang) if p.share_of_way is not None else None
    bench = p.benchmark
    if ja:
        goal = f"{'県の' if bench else ''}{fmt.era_year(p.target_year)}目標{target}"
        head = f"{subject}は{_year(p.actual_year, lang)}に{actual}で、"
        head += (f"{goal}に向けた進捗は基準年比で{share}です。" if share is not None
                 else f"{goal}と比べられます。")
    else:
        goal = f"the {'prefecture’s ' if bench else ''}FY{p.target_year} target of {target}"
        head = f"{subject} was {actual} in FY{p.actual_year}; "
        head += (f"progress towards {goal} is {share} of the way from the baseline." if share is not None
                 else f"compare with {goal}.")
    return head + ("" if ja else " ") + pace_sentence(p, lang) + tail


def status_count_sentence(rows: Sequence[pg.Progress], lang: str = "ja") -> str:
    """「目標5件のうち、目標達成1件、やや遅れ4件です。」 / "Of 5 targets — Target achieved: 1; Moderate
    progress: 4." in the chips' status words (context rows without a target left out)."""
    judged = [r for r in rows if r.status != "no_target"]
    counts = {s: sum(1 for r in judged if r.status == s) for s in pg.STATUSES}
    body = t("list_sep", lang).join(t("status_tally_item", lang, status=fmt.status_name(s, lang), n=n)
                                    for s, n in counts.items() if n)
    return fmt.sentence(t("status_tally", lang, n=len(judged), body=body))


def _latest_targets(rows: Sequence[pg.Progress]) -> list[pg.Progress]:
    """Per indicator, the target that is still ahead (or the last one): the one a reader cares about."""
    by_ind: dict[str, pg.Progress] = {}
    for r in sorted(rows, key=lambda r: r.target_year):
        by_ind[r.indicator_id] = r
    return list(by_ind.values())


def area_summary(catalog: Catalog, rows: Sequence[pg.Progress], area_id: str, lang: str = "ja",
                 ) -> list[str]:
    """Sentences for one policy area: the status counts first (the takeaway), then the weakest target."""
    info = catalog.policy_areas.filter(pl.col("policy_area") == area_id).row(0, named=True)
    name = info["name_ja"] if _ja(lang) else info["name_en"]
    judged = [r for r in rows if r.status not in ("no_target",)]
    if not judged:
        context = [r for r in rows if r.actual_value is not None]
        out = [f"{name}：この地域には計画の数値目標がありません。" if _ja(lang)
               else f"{name}: the plan sets no numeric target for this place."]
        out += [target_sentence(catalog, r, lang) for r in _latest_targets(context)[:2]]
        return out
    out = [f"{name}：{status_count_sentence(judged, lang)}" if _ja(lang)
           else f"{name}: {status_count_sentence(judged, lang)}"]
    assessed = [r for r in _latest_targets(judged) if r.ratio is not None and r.status != "achieved"]
    if assessed:
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
        prov = prov if _ja(lang) else " " + prov
    if not s.height:
        return prov.strip() or None
    ja = _ja(lang)
    subject = _subject(catalog, place, indicator_id, lang)
    y, v = int(s["fiscal_year"][-1]), float(s["value"][-1])
    sample = bool(s["has_sample"][-1])
    tail = ((SAMPLE_NOTE[0] if ja else " " + SAMPLE_NOTE[1]) if sample else "") + prov
    if catalog.indicators[indicator_id].kind == "flag" and catalog.place_kind(place) == "municipality":
        # One municipality's yes/no measure: 実施/未実施, never "1市町村".
        done = v >= 0.5
        if ja:
            return f"{subject}は{_year(y, lang)}時点で{'実施しています' if done else '未実施です'}。" + tail
        return f"{subject}: {'in place' if done else 'not in place'} as of FY{y}." + tail
    now = _val(catalog, indicator_id, v, lang)
    if s["source"][-1] == "rollup":
        now += views.paren(views.coverage_text(int(s["n_reporting"][-1]), int(s["n_expected"][-1]), lang), lang)
    if s.height < 2:
        return (f"{subject}は{_year(y, lang)}に{now}です。" if ja else f"{subject} was {now} in FY{y}.") + tail
    py, pv = int(s["fiscal_year"][-2]), float(s["value"][-2])
    before = _val(catalog, indicator_id, pv, lang)
    if ja:
        change = "増えました" if v > pv else "減りました" if v < pv else "変わりませんでした"
        return f"{subject}は{_year(y, lang)}に{now}で、{_year(py, lang)}の{before}から{change}。" + tail
    change = "up from" if v > pv else "down from" if v < pv else "unchanged from"
    return f"{subject} was {now} in FY{y}, {change} {before} in FY{py}." + tail
