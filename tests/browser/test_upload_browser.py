"""Upload in the real browser: log in, upload a file, see the preview, publish, see the new figures on
the overview; and a bad file shows its errors. One server per module, password login from a temporary
secrets.toml (Streamlit's secrets.files option, through STREAMLIT_SECRETS_FILES)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.auth import hash_password
from dashboard.catalog import load_catalog
from dashboard.config import ROOT
from tests.browser.conftest import screenshot, settle, start_server

pytestmark = pytest.mark.browser

PASSWORD = "browser test password"


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server over a private data copy, with an analyst password configured."""
    base = tmp_path_factory.mktemp("upload-browser")
    data = base / "data"
    shutil.copytree(ROOT / "data", data)
    secrets = base / "secrets.toml"
    secrets.write_text(f'[upload.users]\n"ブラウザ 太郎" = "{hash_password(PASSWORD, n=2**12)}"\n', encoding="utf-8")
    proc, url = start_server(data, {"STREAMLIT_SECRETS_FILES": str(secrets)})
    try:
        yield url, data
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _login(page: object, url: str) -> None:
    page.goto(f"{url}/upload")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_label("氏名（公開者として記録されます）").fill("ブラウザ 太郎")  # type: ignore[attr-defined]
    page.get_by_label("パスワード").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="ログイン").click()  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text("ログイン中：ブラウザ 太郎").wait_for(timeout=20_000)  # type: ignore[attr-defined]


def _upload(page: object, path: Path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    settle(page)


def _plot_json(page: object) -> str:
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0",  # type: ignore[attr-defined]
                           timeout=20_000)
    return str(page.evaluate(  # type: ignore[attr-defined]
        "JSON.stringify([...document.querySelectorAll('.js-plotly-plot')].map(p => p.data))"))


def test_upload_preview_publish_then_overview_shows_new_figures(upload_server: tuple[str, Path], page: object,
                                                                tmp_path: Path) -> None:
    url, data = upload_server
    codes = load_catalog().municipality_codes()
    values = [47_495 - 34 * 300] + [300] * 34  # 47,495 participants in FY2025, each within its 65+ population
    f = tmp_path / "fy2025.csv"
    f.write_text("indicator_id,municipality_code,fiscal_year,value\n"
                 + "".join(f"kayoi_participants,{c},2025,{v}\n" for c, v in zip(codes, values, strict=True)),
                 encoding="utf-8")
    page.goto(url)  # type: ignore[attr-defined]
    settle(page)
    assert "47,495" not in _plot_json(page)
    _login(page, url)
    _upload(page, f)
    page.get_by_text("検査に合格しました：35行（csv）").wait_for(timeout=20_000)  # type: ignore[attr-defined]
    # The diff metrics render just after the success line: wait for them rather than read at once.
    added = page.locator('[data-testid="stMetric"]').filter(has_text="新規追加")  # type: ignore[attr-defined]
    added.first.wait_for(timeout=20_000)
    assert "35" in added.first.inner_text(), added.all_inner_texts()
    page.get_by_label("ラベル（履歴と「データ時点」に表示）").fill("令和7年度 速報（ブラウザ）")  # type: ignore[attr-defined]
    page.get_by_role("button", name="公開する").click()  # type: ignore[attr-defined]
    settle(page)
    # The kind has no default: publishing waits until the analyst chooses official or sample.
    page.get_by_text("種別（公式またはサンプル）を選んでから公開してください。").wait_for(timeout=20_000)  # type: ignore[attr-defined]
    assert not list((data / "snapshots").glob("0005-*.json"))
    # The kind radio (the history table below says サンプル（架空） too, in words).
    page.get_by_role("radiogroup", name="種別").get_by_text("サンプル（架空）", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="公開する").click()  # type: ignore[attr-defined]
    settle(page)
    page.get_by_text("公開しました：0005-").wait_for(timeout=20_000)  # type: ignore[attr-defined]
    screenshot(page, "upload-published")
    new_id = json.loads(next((data / "snapshots").glob("0005-*.json")).read_text(encoding="utf-8"))["id"]
    # The sidebar's as-of box names the new snapshot at once (no reload, no other click).
    page.wait_for_function(  # type: ignore[attr-defined]
        "id => [...document.querySelectorAll('[data-testid=stSidebar] input[role=combobox]')]"
        ".some(e => e.value === '最新（' + id + '）')", arg=new_id, timeout=10_000)
    meta = json.loads(next((data / "snapshots").glob("0005-*.json")).read_text(encoding="utf-8"))
    assert meta["publisher"] == "ブラウザ 太郎" and meta["rows"] == 35 and meta["kind"] == "sample"
    # The overview (same session, next interaction) shows the new figure.
    # Everyone still opens at the latest year every municipality reported in full (FY2025 has one indicator):
    # the new figure is one year choice away, labelled provisional.
    page.goto(url)  # type: ignore[attr-defined]
    settle(page)
    assert "year=2024" in page.url  # type: ignore[attr-defined]
    page.goto(f"{url}/?year=2025")  # type: ignore[attr-defined]
    settle(page)
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    assert "47,495" in _plot_json(page)
    screenshot(page, "upload-overview-after-publish")


def test_bad_file_shows_every_error(upload_server: tuple[str, Path], page: object, tmp_path: Path) -> None:
    url, data = upload_server
    before = sorted(p.name for p in (data / "snapshots").iterdir())
    f = tmp_path / "bad.csv"
    f.write_text("indicator_id,municipality_code,fiscal_year,value\n"
                 "kayoi_participants,99999,2025,10\nno_such_indicator,10201,2025,1\n"
                 "kayoi_participation_rate,10201,2025,140\n", encoding="utf-8")
    _login(page, url)
    _upload(page, f)
    page.get_by_text("3件の問題があるため公開できません", exact=False).wait_for(timeout=20_000)  # type: ignore[attr-defined]
    # One line per kind of problem, its rows folded under it: open each, as the analyst would.
    kinds = page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary")  # type: ignore[attr-defined]
    for i in range(kinds.count()):
        kinds.nth(i).click()
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    body = page.inner_text("body")  # type: ignore[attr-defined]
    assert "1行目（ファイルの2行目）・列「municipality_code」・値「99999」" in body
    assert "2行目（ファイルの3行目）・列「indicator_id」・値「no_such_indicator」" in body
    assert "3行目（ファイルの4行目）・列「value」・値「140」" in body
    assert page.get_by_role("button", name="公開する").count() == 0  # type: ignore[attr-defined]
    screenshot(page, "upload-bad-file")
    renamed = tmp_path / "renamed.parquet"
    renamed.write_bytes(f.read_bytes())
    _upload(page, renamed)
    # The sentence names what the file really is (the first line of its kind; its rows folded under it).
    page.get_by_text("問題があるため公開できません", exact=False).first.wait_for(timeout=20_000)  # type: ignore[attr-defined]
    page.get_by_text("中身はParquetではありません", exact=False).first.wait_for(  # type: ignore[attr-defined]
        state="attached", timeout=20_000)
    assert sorted(p.name for p in (data / "snapshots").iterdir()) == before
