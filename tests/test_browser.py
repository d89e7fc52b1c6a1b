"""Reports as a stakeholder sees them: headless Debian Chromium driven by Playwright.

Playwright cannot download its own browser here, so it drives the system Chromium
(``executable_path``) with networking features that phone home switched off.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import chromium_path

pytestmark = [pytest.mark.browser, pytest.mark.notebook]

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield instance
        instance.close()


def _open(browser, path: Path):
    """Open a local file; return the page, its console errors and every request it made."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, requests = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: requests.append(req.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("networkidle")
    return page, errors, requests


def _reports(root: Path) -> list[Path]:
    found = sorted(root.glob("*/*/report.html"))
    assert found, f"no report under {root}"
    return found


def test_reports_load_offline_without_errors_and_show_no_code(browser, cdnow_reports):
    for report in _reports(cdnow_reports["en"]):
        page, errors, requests = _open(browser, report)
        assert errors == [], f"{report.parent.parent.name}: console errors {errors}"
        leaving = [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
        assert leaving == [], f"{report.parent.parent.name} requested {leaving}"
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
        assert len(images) >= 3 and all(done and width > 0 for done, width in images)
        assert page.locator(".jp-CodeMirrorEditor, .jp-CodeCell .jp-InputArea-editor, .jp-CodeCell .highlight").count() == 0
        text = page.inner_text("body")
        assert "import " not in text and "notebook_params" not in text
        page.close()


def test_chinese_title_and_labels_show_as_chinese(browser, cdnow_reports):
    report = _reports(cdnow_reports["zh"])[0]
    page, errors, _ = _open(browser, report)
    assert errors == []
    assert page.title() == "客户分级报告 <测试>"
    text = page.inner_text("body")
    assert "客户分级报告 <测试>" in text  # escaped in the HTML, shown verbatim
    for label in ("交易笔数", "客户数", "收入"):
        assert label in text
    page.screenshot(path=str(report.parent / "screenshot.png"), full_page=True)
    page.close()


def test_index_lists_runs_and_latest_links_open_the_report(browser, cdnow_reports):
    index = cdnow_reports["en"] / "index.html"
    page, errors, requests = _open(browser, index)
    assert errors == [] and all(u.startswith("file:") for u in requests)
    assert page.locator("tbody tr").count() == len(_reports(cdnow_reports["en"]))
    page.click("text=00_data_quality >> nth=0")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/report.html")
    page.close()
