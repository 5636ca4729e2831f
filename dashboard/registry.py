"""The page registry: every page of the dashboard, built from the catalog's policy areas (no Streamlit here).

Navigation (dashboard/app.py), links, presenter mode, the deck, the tests and the benchmarks read this
list; adding a policy area to data/catalog/policy_areas.csv adds its page everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.catalog import Catalog, PolicyArea
from dashboard.config import PAGES_DIR
from dashboard.i18n import N_, t

DEFAULT_PAGE = "overview"  # served at "/"
UPLOAD_SCRIPT = PAGES_DIR / "upload.py"  # the one page that is a script (module-level Streamlit code)
EVALUATION_SCRIPT = PAGES_DIR / "evaluation.py"  # the self-evaluation (issue 24): a script like the upload page
SCRIPTS = {"upload": UPLOAD_SCRIPT, "evaluation": EVALUATION_SCRIPT}  # the pages that are scripts, by kind


TITLES = {"overview": N_("page_overview"), "profile": N_("page_profile"), "methodology": N_("page_methodology"),
          "upload": N_("page_upload"),
          "evaluation": N_("page_evaluation")}  # menu titles of the pages that are not a policy area


@dataclass(frozen=True)
class PageSpec:
    """One page: its name (also its URL path), what draws it, and, for a policy area, which one."""

    name: str
    kind: str  # "overview", "area", "profile", "methodology" or "upload"
    area: PolicyArea | None = None

    def title(self, lang: str) -> str:
        """The menu title in the chosen language."""
        if self.area is not None:
            return t("page_area", lang, n=self.area.id, name=self.area.name(lang))
        return t(TITLES[self.kind], lang)


def pages(cat: Catalog, upload: bool | None = None) -> list[PageSpec]:
    """Every page in menu order: overview, one per policy area with a page, profile, methodology, upload.

    `upload` None: the upload page is listed when its script exists (a public deployment may remove it)."""
    out = [PageSpec(DEFAULT_PAGE, "overview")]
    out += [PageSpec(a.page_name, "area", a) for a in cat.areas_info() if a.page]
    out += [PageSpec("profile", "profile"), PageSpec("methodology", "methodology")]
    if upload if upload is not None else UPLOAD_SCRIPT.is_file():
        out.append(PageSpec("upload", "upload"))
    if upload if upload is not None else EVALUATION_SCRIPT.is_file():  # an analysts' page, listed with upload
        out.append(PageSpec("evaluation", "evaluation"))
    return out


def names(cat: Catalog, upload: bool | None = None) -> list[str]:
    """The page names in menu order."""
    return [p.name for p in pages(cat, upload)]


def area_pages(cat: Catalog) -> list[PageSpec]:
    """The policy-area pages in menu order."""
    return [p for p in pages(cat, upload=False) if p.area is not None]


def data_pages(cat: Catalog) -> list[str]:
    """Pages that show the published figures (every page but the upload page)."""
    return names(cat, upload=False)
