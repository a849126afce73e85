"""The leaders' dashboard and the class page in a real browser (skipped without Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

PASSWORD = "test-pass-2026"


pytestmark = [pytest.mark.db, pytest.mark.browser]


@pytest.fixture(scope="module")
def browser_page(chromium: Any) -> Any:
    """A page in Debian's Chromium (the shared fixture skips when it is absent)."""
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    yield page
    page.close()


def _login(page: Any, server: str, username: str) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/console")
    return errors


def test_dashboard_renders_totals_and_the_three_rates(browser_page: Any, server: str,
                                                     screenshot: Any) -> None:
    errors = _login(browser_page, server, "t_leader")
    browser_page.goto(f"{server}/console/dashboard")
    browser_page.wait_for_selector("#dash-rates .tile")
    rates = browser_page.inner_text("#dash-rates")
    assert browser_page.locator("#dash-totals .tile").count() == 4
    assert all(name in rates for name in ("响应率", "按时办结率", "满意率"))
    assert errors == []
    screenshot(browser_page, "dashboard")


def test_classes_page_lists_classes_or_says_none(browser_page: Any, server: str) -> None:
    browser_page.goto(f"{server}/console/classes")
    browser_page.wait_for_selector("#class-rows tr")
    assert browser_page.locator("#class-rows tr").count() >= 1
