"""The main path in real headless Chromium (Debian's /usr/bin/chromium via Playwright):
resident submits → dispatcher dispatches → handler replies → dispatcher reviews → resident
rates 不满意 → the case reopens; and a screenshot of each main page, kept under
test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.texts import STREETLIGHT_REPLY

pytestmark = [pytest.mark.browser, pytest.mark.db]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "test-pass-2026"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser(chromium: object) -> Iterator[object]:
    """Debian's Chromium from the shared fixture (one Playwright per test session)."""
    yield chromium


def _shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _staff(browser, server: str, username: str):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(server + "/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/console")
    return page


def _act(page, label: str, fill=None) -> None:  # noqa: ANN001
    page.click(f"#actions button:has-text('{label}')")
    if fill:
        fill(page)
    with page.expect_response(lambda r: "/actions/" in r.url) as answer:
        page.click("#action-form button[type=submit]")
    assert answer.value.ok, answer.value.text()
    page.wait_for_function("document.querySelector('#action-error').textContent === ''")


def test_resident_to_reopen_path_in_chromium(browser, server: str, login) -> None:
    handler_unit = login("t_handler").get("/api/auth/me").json()["unit_code"]

    resident = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    resident.goto(server + "/resident")
    resident.fill("textarea[name=text]", "小区门口路灯坏了一周，晚上很黑")
    resident.fill("input[name=address]", "南山区桂庙路XX号")
    _shot(resident, "resident")
    resident.click("#submit")
    resident.wait_for_selector("#done:not([hidden])")
    number = resident.inner_text("#number")
    token = resident.inner_text("#token")

    dispatcher = _staff(browser, server, "t_dispatcher")
    dispatcher.wait_for_selector(f"tr[data-number='{number}']")
    _shot(dispatcher, "console-queue")
    dispatcher.goto(f"{server}/console/cases/{number}")
    _act(dispatcher, "分拨", lambda p: p.select_option("select[name=unit_code]", handler_unit))
    dispatcher.wait_for_selector("#case-fields dd:has-text('已分拨')")

    handler = _staff(browser, server, "t_handler")
    handler.goto(f"{server}/console/cases/{number}")
    _act(handler, "签收")
    _act(handler, "答复", lambda p: p.fill("textarea[name=text]", STREETLIGHT_REPLY))
    handler.wait_for_selector("#case-fields dd:has-text('已答复待审核')")

    dispatcher.goto(f"{server}/console/cases/{number}")
    _act(dispatcher, "审核", lambda p: p.select_option("select[name=passed]", "true"))
    dispatcher.wait_for_selector("#case-fields dd:has-text('已审核待回访')")
    _shot(dispatcher, "case")

    resident.goto(f"{server}/resident/track/{token}")
    resident.wait_for_selector("#rate-box:not([hidden])")
    assert "更换灯泡" in resident.inner_text("#reply")
    resident.click("#rate-dissatisfied")
    resident.wait_for_selector("#status:has-text('已分拨')")
    _shot(resident, "resident-track")

    case = login("t_dispatcher").get(f"/api/cases/{number}").json()
    assert (case["status"], case["reopen_count"], case["satisfaction"]) == (
        "dispatched", 1, "dissatisfied")


def test_grid_worker_page_reports_an_event(browser, server: str) -> None:
    page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    page.goto(server + "/grid")
    page.fill("#grid-login input[name=username]", "t_grid")
    page.fill("#grid-login input[name=password]", PASSWORD)
    page.click("#grid-login button[type=submit]")
    page.wait_for_selector("#grid-main:not([hidden])")
    page.fill("#patrol-form textarea[name=text]", "巡查发现井盖缺失")
    page.fill("#patrol-form input[name=address]", "巡查点C")
    page.click("#patrol-form button[type=submit]")
    page.wait_for_selector("#patrol-result:has-text('已上报')")
    number = page.inner_text("#patrol-result").split()[-1]
    page.wait_for_selector(f"#grid-cases li:has-text('{number}')")
    _shot(page, "grid")


def test_metrics_and_import_pages_render(browser, server: str) -> None:
    page = _staff(browser, server, "t_dispatcher")
    page.goto(server + "/console/metrics")
    page.wait_for_selector("#metric-rows tr")
    _shot(page, "metrics")
    page.goto(server + "/console/import")
    page.wait_for_selector("#mapping-select option[value='tipdm-replies']", state="attached")
    page.wait_for_selector("#queue-rows tr")
    _shot(page, "import")
    assert page.locator("#mapping-select option").count() >= 6
