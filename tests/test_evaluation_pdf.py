"""`python -m dashboard evaluation --year 2024 --out F.xlsx --pdf F.pdf`: the year's workbook and the year-end
progress summary as a real PDF (the briefing's print path), one A4 page for the prefecture with every target."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.catalog import load_catalog
from dashboard.config import ROOT

pytestmark = pytest.mark.browser  # Chromium prints the PDF


def test_the_year_end_summary_is_a_one_page_pdf_with_every_target(data_copy: Path, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.fail("poppler-utils missing: `make test` installs it")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out, pdf = tmp_path / "eval.xlsx", tmp_path / "summary.pdf"
    r = subprocess.run([sys.executable, "-m", "dashboard", "evaluation", "--year", "2024", "--out", str(out),
                        "--pdf", str(pdf)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info) and "A4" in info
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                             check=True).stdout)
    for tg in load_catalog().targets:
        assert re.sub(r"\s+", "", tg.label("ja"))[:8] in text, tg.id
    assert "未達成" in text and "サンプル" in text
