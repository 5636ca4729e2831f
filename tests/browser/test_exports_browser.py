"""Exports on demand in the browser: the download buttons of a table and the briefing appear when their popover
is opened (one click) and download real files from a real server (values read only when clicked)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.browser.conftest import charts_drawn, screenshot, settle
from tests.grids import bundled_ids


def test_table_and_briefing_exports_open_with_one_click_and_download(server: str, page: Any) -> None:
    page.goto(f"{server}/?place=10201&year=2024&lang=ja", wait_until="domcontentloaded")
    settle(page)
    charts_drawn(page)  # the layout is final: the chart above the table no longer moves it
    main = page.locator("[data-testid='stMain']")
    assert main.get_by_role("button", name="データ（Excel）").count() == 0  # nothing made before it is asked for

    export = main.get_by_role("button", name="出力（CSV・Excel）").first  # under the progress table
    # As a reader does before opening a menu: the button mid-screen, so the menu opening below it is on screen
    # (scrolled only "into view", the button sat at the bottom edge and the menu opened below the viewport).
    export.evaluate("el => el.scrollIntoView({block: 'center'})")
    export.click()
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="データ（Excel）").first.click()
    rows = list(load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes()))["data"].iter_rows(values_only=True))
    assert len(rows) > 1 and "データ区分" in rows[0]
    page.keyboard.press("Escape")

    main.get_by_role("button", name="スライド（PowerPoint）・1枚の説明資料（A4）").click()
    screenshot(page, "exports_reports_popover")
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="1枚の説明資料（A4・印刷用HTML）をダウンロード").click()
    html = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "前橋市" in html and bundled_ids()[-1] in html and "サンプル（架空）" in html
