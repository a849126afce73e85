"""The leaders' dashboard and the class page in a real browser (skipped without Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.db

PASSWORD = "test-pass-2026"


@pytest.fixture(scope="module")
def browser_page() -> Any:
    """A Chromium page, or a skip naming how to install the browser."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch()
        except Exception as exc:  # noqa: BLE001 (any launch failure means: no browser here)
            pytest.skip(f"Chromium not available ({type(exc).__name__}); "
                        "run 'python -m playwright install chromium'")
        yield browser.new_page()
        browser.close()


def _login(page: Any, server: str, username: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/console")
    return errors


def test_dashboard_renders_totals_and_the_three_rates(browser_page: Any, server: str) -> None:
    errors = _login(browser_page, server, "t_leader")
    browser_page.goto(f"{server}/console/dashboard")
    browser_page.wait_for_selector("#dash-rates .tile")
    rates = browser_page.inner_text("#dash-rates")
    assert browser_page.locator("#dash-totals .tile").count() == 4
    assert all(name in rates for name in ("响应率", "按时办结率", "满意率"))
    assert errors == []


def test_classes_page_lists_classes_or_says_none(browser_page: Any, server: str) -> None:
    browser_page.goto(f"{server}/console/classes")
    browser_page.wait_for_selector("#class-rows tr")
    assert browser_page.locator("#class-rows tr").count() >= 1
