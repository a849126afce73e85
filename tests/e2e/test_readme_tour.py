"""The README's tour, walked in headless Chromium against a real ``civicgrid demo`` process.

The demo runs as a new user would start it (``python -m civicgrid demo --port N``, its own
data folder, a free port on 127.0.0.1) and is stopped afterwards. Each stop of the tour checks
what the README says the user will see. With ``CIVICGRID_TOUR_DIR=docs/tour`` the tour's
screenshots are (re)written there, small (viewport only).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

PASSWORD = "demo-pass-2026"  # as the README prints it
PHONE = {"width": 390, "height": 844}
VIEW = {"width": 1100, "height": 700}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``civicgrid demo`` in a temporary data folder on a free port; stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "CIVICGRID_DATA_DIR": str(tmp_path_factory.mktemp("tour")),
        "PYTHONPATH": str(ROOT / "src"),
        "CIVICGRID_LOG_LEVEL": "WARNING",
    }
    log = tmp_path_factory.mktemp("tour-log") / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [sys.executable, "-m", "civicgrid", "demo", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert demo.poll() is None, log.read_text("utf-8", "replace")[-2000:]
            assert time.monotonic() < deadline, "civicgrid demo did not serve within 240 s"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield url
    finally:
        demo.terminate()
        demo.wait(timeout=30)


class Tour:
    def __init__(self, screenshot: Any) -> None:
        self.screenshot = screenshot
        folder = os.environ.get("CIVICGRID_TOUR_DIR")
        self.folder = Path(folder) if folder else None

    def shot(self, page: Any, name: str) -> None:
        self.screenshot(page, f"tour-{name}")
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.folder / f"{name}.png"))


def staff(browser: Any, url: str, username: str) -> Any:
    page = browser.new_context(viewport=VIEW, locale="zh-CN").new_page()
    page.goto(url + "/")
    page.wait_for_url(url + "/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/console")
    return page


def test_the_readme_tour_on_a_running_demo(chromium: Any, demo_url: str, screenshot: Any) -> None:
    tour = Tour(screenshot)
    dispatcher = staff(chromium, demo_url, "dispatcher")
    dispatcher.wait_for_selector("tr[data-number]")

    # 1. 地址与门牌 gives an address of the (generated) standard address base.
    dispatcher.goto(demo_url + "/console/addresses")
    dispatcher.wait_for_selector("#addr-houses tr td")
    address = dispatcher.inner_text("#addr-houses tr:first-child td:nth-child(2)")
    address = address.removesuffix("（生成）")
    assert "号" in address and "栋" in address, address

    # 2. The resident page: submit, get a number and a 查询码.
    resident = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    resident.goto(demo_url + "/resident")
    resident.fill("textarea[name=text]", f"{address}楼下烧烤店油烟太大，每天开到凌晨2点")
    resident.fill("input[name=address]", address)
    resident.click("#submit")
    resident.wait_for_selector("#done:not([hidden])")
    number = resident.inner_text("#number")
    assert resident.inner_text("#token")

    # 3. The dispatcher opens it: suggestions and the place chain with evidence.
    dispatcher.goto(f"{demo_url}/console/cases/{number}")
    dispatcher.wait_for_selector("#place-chain li[data-level='街道']")
    suggestions = dispatcher.inner_text("#suggestions")
    assert "建议类别" in suggestions and "置信度" in suggestions, suggestions
    assert "未定位" not in dispatcher.inner_text("#place-chain")
    assert "标准地址库匹配" in dispatcher.inner_text("#place-evidence")
    dispatcher.evaluate("document.getElementById('suggestions').scrollIntoView({block: 'start'})")
    tour.shot(dispatcher, "1-case")

    # 4. 风险预警 lists the detectors' alerts with their 24-hour clock.
    dispatcher.goto(demo_url + "/console/risk")
    dispatcher.wait_for_selector("#risk-rows a[href^='/console/risk/alerts/']")
    assert "共" in dispatcher.inner_text("#risk-count")
    tour.shot(dispatcher, "2-risk")

    # 5. 一类事 (as leader): the month's classes; 查看 opens one with the ticket form.
    leader = staff(chromium, demo_url, "leader")
    leader.goto(demo_url + "/console/classes")
    leader.wait_for_selector("#class-rows button[data-id]")
    leader.click("#class-rows button[data-id] >> nth=0")
    leader.wait_for_selector("#class-detail:not([hidden]) #detail-cases a")
    assert leader.is_visible("#ticket-form button[type=submit]")
    leader.evaluate("document.getElementById('class-detail').scrollIntoView({block: 'start'})")
    tour.shot(leader, "3-classes")

    # 6. 驾驶舱: today's totals, the three rates, top classes and open alerts.
    leader.goto(demo_url + "/console/dashboard")
    leader.wait_for_selector("#dash-rates .tile")
    assert leader.locator("#dash-totals .tile").count() == 4
    assert leader.locator("#dash-classes li").count() >= 1
    assert "本周" in leader.inner_text(".dash .actions")
    tour.shot(leader, "4-dashboard")
