"""What every export says about itself (ExportMeta), the message keys of its fixed words, and file names."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import fmt
from dashboard.i18n import N_, t

EXPORT_FONT = "Noto Sans CJK JP"
# Message keys of the words every export carries (locale/<lang>/LC_MESSAGES/messages.po).
SAMPLE_LABEL = N_("export_sample_label")
OFFICIAL_LABEL = N_("export_official_label")
SAMPLE_WARNING = N_("export_sample_warning")
SOURCE = N_("export_source")
DATA_COLUMN = N_("export_data_column")


@dataclass(frozen=True)
class ExportMeta:
    """What every export says about itself: place, year, as-of snapshot, source, sample or not."""

    title: str
    place_name: str
    year: int
    snapshot_id: str | None
    snapshot_label: str | None
    sample: bool
    lang: str = "ja"
    url: str | None = None  # link to the view the export came from
    provisional: str = ""  # 「暫定：35市町村中3市町村」 when the year is one not every municipality reported

    def year_text(self) -> str:
        """The fiscal year as every export names it, with its provisional tag when there is one."""
        year = fmt.fy_label(self.year, self.lang)
        return f"{year}　{self.provisional}" if self.provisional else year

    def as_of_text(self) -> str:
        """「データ時点：<label>（<id>）」 / "Data as of: <label> (<id>)"."""
        if not self.snapshot_id:
            return t("export_as_of_none", self.lang)
        return t("export_as_of", self.lang, label=self.snapshot_label or "", id=self.snapshot_id)

    def footer(self) -> str:
        """Source, as-of snapshot and, for sample data, the sample label: on every slide and page."""
        parts = [t(SOURCE, self.lang), self.as_of_text()]
        if self.sample:
            parts.append(t(SAMPLE_WARNING, self.lang))
        return t("export_footer_sep", self.lang).join(parts)


def safe_name(text: str) -> str:
    """A file name part from user-facing text (letters, digits, -, _; everything else '_')."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:80] or "export"
