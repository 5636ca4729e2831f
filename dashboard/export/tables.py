"""The data behind a chart or table as a file: CSV (UTF-8 with a BOM, so Excel opens Japanese) and .xlsx, sample
data labelled in a column of its own, no cell a spreadsheet would run as a formula (OWASP CSV injection)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from dashboard.export.meta import DATA_COLUMN, OFFICIAL_LABEL, SAMPLE_LABEL, SAMPLE_WARNING, SOURCE, ExportMeta
from dashboard.i18n import N_, t

if TYPE_CHECKING:
    from openpyxl import Workbook


def labelled(df: pl.DataFrame, sample: bool, lang: str = "ja") -> pl.DataFrame:
    """The frame with a data-kind column: per row where it says (has_sample / is_sample), else for all."""
    col = t(DATA_COLUMN, lang)
    s_lab, o_lab = t(SAMPLE_LABEL, lang), t(OFFICIAL_LABEL, lang)
    flag = next((c for c in ("has_sample", "is_sample", "actual_is_sample") if c in df.columns), None)
    if col in df.columns:
        return df
    if flag is not None:
        return df.with_columns(pl.when(pl.col(flag)).then(pl.lit(s_lab)).otherwise(pl.lit(o_lab)).alias(col))
    return df.with_columns(pl.lit(s_lab if sample else o_lab).alias(col))


def _plain(df: pl.DataFrame) -> pl.DataFrame:
    """Nested or object columns as text (CSV and spreadsheets hold scalars)."""
    casts = [pl.col(c).cast(pl.Utf8) for c, d in df.schema.items()
             if isinstance(d, (pl.List, pl.Struct, pl.Array, pl.Object))]
    return df.with_columns(casts) if casts else df


# OWASP CSV injection: a spreadsheet reads a text cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading single quote (OWASP)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """The frame as it may go into a CSV or .xlsx: text cells (and headers) that a spreadsheet would
    run as formulas neutralised; numbers stay numbers, non-finite ones become blank."""
    exprs = []
    for c, d in df.schema.items():
        if d == pl.Utf8:
            exprs.append(pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c))
                         .otherwise(pl.col(c)).alias(c))
        elif d.is_float():
            exprs.append(pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c))
    out = df.with_columns(exprs) if exprs else df
    names = {c: neutralise(c) for c in out.columns if neutralise(c) != c}
    return out.rename(names) if names else out


def display_width(text: str) -> int:
    """Display width of the widest line of a text (full-width characters count two), as spreadsheet columns count."""
    import unicodedata

    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.splitlines() or [""]), default=0)


def csv_bytes(df: pl.DataFrame, sample: bool = False, lang: str = "ja") -> bytes:
    """CSV in UTF-8 with a BOM (Excel opens Japanese), sample data labelled in a column; no cell runs
    as a formula, no number is inf or NaN."""
    text = csv_safe(_plain(labelled(df, sample, lang))).write_csv()
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def xlsx_bytes(df: pl.DataFrame, meta: ExportMeta | None = None, sheet: str = "data",
               names: dict[str, str] | None = None) -> bytes:
    """An .xlsx workbook: the data (sample labelled; header row frozen, columns sized to their content) and an
    'about' sheet with source, as-of and, given `names`, each header's stable machine name."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    lang = meta.lang if meta else "ja"
    out = csv_safe(_plain(labelled(df, meta.sample if meta else False, lang)))
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(out.columns)
    for row in out.iter_rows():
        ws.append(list(row))
    ws.freeze_panes = "A2"
    for i, col in enumerate(out.columns, 1):
        # East Asian characters take about two columns of width; a cell's width is its longest line.
        longest = max((display_width(str(v)) for v in [col, *out[col].to_list()] if v is not None), default=8)
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    _about_sheet(wb, meta, names, lang)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _about_sheet(wb: Workbook, meta: ExportMeta | None, names: dict[str, str] | None, lang: str) -> None:
    """The workbook's 'about' sheet (none without `meta` and `names`): title, place, year, as-of, source, sample
    warning and link; then each header with its stable machine name."""
    if meta is not None:
        about = wb.create_sheet("about")
        for line in (meta.title, meta.place_name, meta.year_text(), meta.as_of_text(),
                     t(SOURCE, lang), t(SAMPLE_WARNING, lang) if meta.sample else "",
                     meta.url or ""):
            about.append([neutralise(line)])
    if names:
        about = wb["about"] if "about" in wb.sheetnames else wb.create_sheet("about")
        about.append([])
        about.append([t("dl_header", lang), t("dl_machine_name", lang)])
        for head, machine in names.items():
            about.append([neutralise(head), machine])


# A progress table as a download: (machine name, header message key, how the value is written). Numbers stay
# numbers, rounded as the page shows them; shares as percentages.
PROGRESS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("target_id", N_("dl_target_id"), "text"), ("label", N_("col_target"), "text"),
    ("target_fy", N_("col_target_year"), "int"), ("status_text", N_("col_status"), "text"),
    ("reason", N_("col_verdict_detail"), "text"), ("unit", N_("dl_unit"), "text"),
    ("actual_value", N_("dl_actual"), "value"), ("actual_fy", N_("col_actual_year"), "int"),
    ("target_value", N_("dl_target"), "value"), ("gap", N_("dl_gap"), "value"),
    ("share_of_target", N_("dl_share_of_target"), "pct1"), ("share", N_("dl_progress"), "pct0"),
    ("baseline_value", N_("dl_baseline"), "value"), ("baseline_fy", N_("dl_baseline_year"), "int"),
    ("share_of_prefecture", N_("dl_share_of_prefecture"), "pct0"), ("per_1000_65", N_("per_1000"), "round1"),
    ("coverage", N_("col_coverage"), "text"), ("provisional", N_("col_provisional"), "text"),
)


def progress_frame(table: pl.DataFrame, lang: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """A progress table (views.progress_table) as a spreadsheet can reuse it: headers in the user's language,
    figures as numbers rounded as shown (counts whole, rates to one decimal, shares as percentages), the unit
    in a column of its own; and header -> stable machine name (for the 'about' sheet)."""
    exprs, names = [], {}
    for col, key, how in PROGRESS_COLUMNS:
        if col not in table.columns:
            continue
        head = t(key, lang)
        names[head] = col
        e = pl.col(col)
        if how == "value":  # each row to its own indicator's decimals (rates 1, counts and scores 0)
            e = pl.when(pl.col("decimals") == 0).then(e.round(0)).otherwise(e.round(1))
        elif how in ("pct0", "pct1"):
            e = (e * 100).round(0 if how == "pct0" else 1)
        elif how == "round1":
            e = e.round(1)
        exprs.append(e.alias(head))
    return table.select(exprs), names


def figure_frame(fig: go.Figure) -> pl.DataFrame:
    """The points drawn in a figure (series, x, y) for charts that have no prepared table."""
    recs: list[dict[str, object]] = []
    for tr in fig.data:
        xs, ys = getattr(tr, "x", None), getattr(tr, "y", None)
        if xs is None or ys is None:
            continue
        for x, y in zip(xs, ys, strict=False):
            recs.append({"series": str(tr.name or ""), "x": None if x is None else str(x),
                         "y": None if y is None else float(y) if isinstance(y, (int, float)) else None})
    return pl.DataFrame(recs, schema={"series": pl.Utf8, "x": pl.Utf8, "y": pl.Float64})
