"""The grid worker's phone page in a real browser: checks as one types, drafts that survive a
reload, and an outbox that holds records while offline (skipped without Chromium)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ground.test_checks import VALID_ID

pytestmark = [pytest.mark.db, pytest.mark.browser]
PASSWORD = "test-pass-2026"


@pytest.fixture(scope="module")
def phone(chromium: Any) -> Any:
    """A phone-sized page in Debian's Chromium."""
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


def _login(page: Any, server: str) -> None:
    page.goto(f"{server}/console/login")
    page.fill("input[name=username]", "t_grid")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/console")


def test_wrong_check_digit_is_shown_while_typing(phone: Any, server: str,
                                                 screenshot: Any) -> None:
    _login(phone, server)
    phone.goto(f"{server}/grid/records")
    wrong = VALID_ID[:17] + ("0" if VALID_ID[-1] != "0" else "1")
    phone.fill("#person-form input[name=id_number]", wrong)
    assert "校验位应为" in phone.inner_text("#id_number-hint")
    screenshot(phone, "ground-phone-records")


def test_draft_survives_reload_and_offline_save_is_sent_later(phone: Any, server: str,
                                                               login: Any) -> None:
    phone.goto(f"{server}/grid/records")
    phone.fill("#person-form input[name=house_code]", "PHONE-H1")
    phone.fill("#person-form input[name=name]", "离线录入")
    phone.reload()
    phone.wait_for_function(
        "document.querySelector('#person-form input[name=name]').value === '离线录入'")
    phone.context.set_offline(True)
    phone.click("#person-form button[type=submit]")
    phone.wait_for_function("document.getElementById('outbox-count').textContent === '1'")
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.wait_for_function("document.getElementById('outbox-count').textContent === '0'")
    people = login("t_admin").get("/api/ground/people", params={"house_code": "PHONE-H1"})
    assert len(people.json()["items"]) == 1


def test_console_board_confirms_a_proposed_tag(phone: Any, server: str, login: Any) -> None:
    from civicgrid.privacy.masking import id_check_character

    first17 = "44030519360303123"
    login("t_grid").post("/api/ground/people", json={
        "house_code": "BOARD-H1", "name": "孙八", "id_number": first17 +
        id_check_character(first17), "grid_code": "G-BOARD"})
    errors: list[str] = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(f"{server}/console/login")
    phone.fill("input[name=username]", "t_admin")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{server}/console")
    phone.set_viewport_size({"width": 1366, "height": 900})  # the console is a desk page
    phone.goto(f"{server}/console/ground")
    phone.wait_for_selector("#tag-rows button[data-d=confirmed]")
    phone.click("#tag-rows button[data-d=confirmed] >> nth=0")
    phone.wait_for_selector("#count-rows td:has-text('G-BOARD')")
    phone.wait_for_selector("#unmatched-rows tr")  # the unmatched usage list loaded too
    assert errors == []
