"""One request end to end in headless Chromium, on a server prepared like ``civicgrid demo``.

A resident submits at a real 南山 address (the first usable 南山 row of
../shared/data/shenzhen-aed-poi, or a built-in one when the shared data is absent; its building
is loaded into the standard address base the way ``civicgrid addresses base import`` does). The
console shows the suggested category, key facts, unit and the place chain house → grid →
community → street with the geocoder's evidence; the dispatcher accepts the category and
dispatches; the handler's first reply is returned by the audit, the fixed one passes review;
the resident rates 不满意 on the tracking page and the case reopens to the same unit; more
residents report the same thing at the same place; the concentration alert is acknowledged on
the risk board within 24 h; 立即挖掘 puts the cases into one class; a governance ticket is
raised from it; the dashboard and this week's report (XLSX) show the alert, the class and the
ticket. Each step leaves a screenshot
test-artifacts/screenshots/e2e-NN-<step>.png.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED_DATA
from tests.support.texts import GOOD_REPLY

pytestmark = [pytest.mark.browser, pytest.mark.db]

AED_FILE = SHARED_DATA / "shenzhen-aed-poi" / "shenzhen_aed_pois_tencent_2020.csv"
BUILT_IN = ("敬夕阳颐养院", "玉泉路", "22", 22.54653, 113.932602)  # a public 南山 address, GCJ-02
ROAD_NUMBER = re.compile(r"南山区([\u4e00-\u9fff]{2,8}?(?:路|街|大道))(\d+)号$")
OTHERS = 11
PHONE = {"width": 390, "height": 844}
PARTIAL_REPLY = "您好，已处理。"


def real_address() -> tuple[str, str, str, float, float]:
    """(estate, road, number, lat, lon in GCJ-02) of the first usable 南山 AED POI."""
    if not AED_FILE.is_file():
        return BUILT_IN
    with AED_FILE.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            match = ROAD_NUMBER.search(row["address"] or "")
            if row["district"] != "南山区" or not match:
                continue
            estate = re.sub(r"^(深圳市)?(南山区)?", "", re.sub(r"^AED\(?|\)$", "", row["title"]))
            return estate, match[1], match[2], float(row["lat_gcj02"]), float(row["lng_gcj02"])
    return BUILT_IN


def load_building(
    settings: Any, estate: str, road: str, number: str, lat: float, lon: float
) -> None:
    """The POI's building, two floors of houses, into the standard address base (GeoJSON)."""
    from civicgrid.addresses.base import import_geojson
    from civicgrid.addresses.datums import CRS, Point, convert
    from civicgrid.db.runtime import open_database

    point = convert(Point(lon, lat, CRS.GCJ02), CRS.WGS84)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
            "properties": {
                "estate": estate,
                "road": road,
                "road_number": number,
                "building": "1",
                "unit": "1",
                "floor": str(floor),
                "room": f"{floor}0{room}",
            },
        }
        for floor in (1, 2)
        for room in (1, 2)
    ]
    db = open_database(settings)
    with db.sessions() as session:
        report = import_geojson(session, {"type": "FeatureCollection", "features": features})
        session.commit()
    db.engine.dispose()
    assert report["houses_added"] == 4, report


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server on 127.0.0.1 over a fresh demo data folder plus the real building."""
    import uvicorn

    from civicgrid.db.runtime import initialise
    from civicgrid.demo.generator import DEMO_PASSWORD
    from civicgrid.demo.setup import prepare_demo
    from civicgrid.settings import get_settings, reset_settings
    from civicgrid.web.app import create_app

    # Intake reads the process-wide settings (models, data folder), as `civicgrid demo` sets.
    saved = {k: os.environ.get(k) for k in ("CIVICGRID_DATA_DIR", "CIVICGRID_SECRET_KEY")}
    os.environ["CIVICGRID_DATA_DIR"] = str(tmp_path_factory.mktemp("demo"))
    os.environ["CIVICGRID_SECRET_KEY"] = "e2e-secret-key-0123456789abcdef-0"
    reset_settings()
    settings = get_settings()
    initialise(settings)
    prepare_demo(settings, cases=120)
    estate, road, number, lat, lon = real_address()
    load_building(settings, estate, road, number, lat, lon)
    app = create_app(settings, background=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the demo server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield {
        "url": f"http://127.0.0.1:{port}",
        "password": DEMO_PASSWORD,
        "address": f"南山区{road}{number}号{estate}1栋1单元201",
        "road": road,
    }
    server.should_exit = True
    thread.join(timeout=10)
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    reset_settings()


class Steps:
    """Numbered screenshots: e2e-01-<step>.png, e2e-02-…"""

    def __init__(self, screenshot: Any) -> None:
        self.screenshot, self.count = screenshot, 0

    def shot(self, page: Any, step: str) -> None:
        self.count += 1
        self.screenshot(page, f"e2e-{self.count:02d}-{step}")


def staff(browser: Any, demo: dict[str, Any], username: str) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN").new_page()
    page.goto(demo["url"] + "/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo["password"])
    page.click("button[type=submit]")
    page.wait_for_url(demo["url"] + "/console")
    return page


def act(page: Any, label: str, fill: Any = None) -> None:
    page.click(f"#actions button:has-text('{label}')")
    if fill:
        fill(page)
    with page.expect_response(lambda r: "/actions/" in r.url) as answer:
        page.click("#action-form button[type=submit]")
    assert answer.value.ok, answer.value.text()
    page.wait_for_function("document.querySelector('#action-error').textContent === ''")


def submit(resident: Any, demo: dict[str, Any], phone: str) -> tuple[str, str]:
    resident.goto(demo["url"] + "/resident")
    resident.fill("textarea[name=text]", f"{demo['address']}楼下烧烤店油烟太大，每天开到凌晨2点")
    resident.fill("input[name=address]", demo["address"])
    resident.fill("input[name=phone]", phone)
    resident.click("#submit")
    resident.wait_for_selector("#done:not([hidden])")
    return resident.inner_text("#number"), resident.inner_text("#token")


def field(page: Any, name: str) -> str:
    return page.inner_text(f"#case-fields dt:has-text('{name}') + dd")


def test_one_request_end_to_end_in_chromium(
    chromium: Any, demo: dict[str, Any], screenshot: Any
) -> None:
    steps = Steps(screenshot)
    resident = chromium.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
    resident.goto(demo["url"] + "/resident")
    resident.fill("textarea[name=text]", f"{demo['address']}楼下烧烤店油烟太大，每天开到凌晨2点")
    resident.fill("input[name=address]", demo["address"])
    steps.shot(resident, "resident-form")
    number, token = submit(resident, demo, "13912340001")
    assert number.startswith("NS") and token
    steps.shot(resident, "resident-done")

    # The console: suggested category, key facts, unit, and the place chain with evidence.
    dispatcher = staff(chromium, demo, "dispatcher")
    dispatcher.goto(f"{demo['url']}/console/cases/{number}")
    dispatcher.wait_for_selector("#place-chain li[data-level='街道']")
    suggestions = dispatcher.inner_text("#suggestions")
    assert "建议类别" in suggestions and "置信度" in suggestions
    assert "建议承办" in suggestions and "关键信息" in suggestions
    assert dispatcher.locator("#suggestions dt:has-text('建议承办') + dd").inner_text().strip()
    assert demo["road"] in dispatcher.inner_text("#case-text-marked mark")
    chain = [
        dispatcher.inner_text(f"#place-chain li[data-level='{level}']")
        for level in ("门牌", "网格", "社区", "街道")
    ]
    assert demo["road"] in chain[0] and all("未定位" not in step for step in chain), chain
    assert "标准地址库匹配" in dispatcher.inner_text("#place-evidence")
    steps.shot(dispatcher, "suggestions")
    suggested = dispatcher.inner_text("#suggestions dt:has-text('建议类别') + dd").split("（")[0]
    dispatcher.click("#accept-category")  # the dispatcher accepts the suggested category
    dispatcher.wait_for_selector(f"#case-fields dd:has-text('{suggested.strip()}')")
    assert field(dispatcher, "类别") == suggested.strip()

    handler = staff(chromium, demo, "handler")
    handler.goto(demo["url"] + "/console")
    unit = handler.evaluate("fetch('/api/auth/me').then(r => r.json()).then(m => m.unit_code)")
    act(dispatcher, "分拨", lambda p: p.select_option("select[name=unit_code]", unit))
    dispatcher.wait_for_selector("#case-fields dd:has-text('已分拨')")
    steps.shot(dispatcher, "dispatched")

    # The handler's first reply misses points and is returned; the fixed one passes.
    handler.goto(f"{demo['url']}/console/cases/{number}")
    act(handler, "签收")
    act(handler, "答复", lambda p: p.fill("textarea[name=text]", PARTIAL_REPLY))
    handler.wait_for_selector("#audit:has-text('退回承办单位')")
    assert handler.locator("#audit li").count() >= 1
    assert "已答复待审核" not in field(handler, "状态")
    steps.shot(handler, "reply-returned")
    act(handler, "答复", lambda p: p.fill("textarea[name=text]", GOOD_REPLY))
    handler.wait_for_selector("#case-fields dd:has-text('已答复待审核')")
    steps.shot(handler, "reply-fixed")
    dispatcher.goto(f"{demo['url']}/console/cases/{number}")
    act(dispatcher, "审核", lambda p: p.select_option("select[name=passed]", "true"))
    dispatcher.wait_for_selector("#case-fields dd:has-text('已审核待回访')")

    # The resident rates 不满意 on the tracking page; the case reopens to the same unit.
    resident.goto(f"{demo['url']}/resident/track/{token}")
    resident.wait_for_selector("#rate-box:not([hidden])")
    assert "油烟净化设施" in resident.inner_text("#reply")
    resident.click("#rate-dissatisfied")
    resident.wait_for_selector("#status:has-text('已分拨')")
    steps.shot(resident, "resident-dissatisfied")
    dispatcher.goto(f"{demo['url']}/console/cases/{number}")
    dispatcher.wait_for_selector("#case-fields dd:has-text('已分拨')")
    unit_name = handler.evaluate(
        f"fetch('/api/jurisdiction/units').then(r => r.json())"
        f".then(us => us.find(u => u.code === '{unit}').name)"
    )
    assert field(dispatcher, "承办单位") == unit_name and field(dispatcher, "重办次数") == "1"
    steps.shot(dispatcher, "reopened")

    # More residents report the same thing at the same place.
    others = [submit(resident, demo, f"1391234{n:04d}")[0] for n in range(2, 2 + OTHERS)]
    assert len(set(others)) == OTHERS
    steps.shot(resident, "more-residents")

    # The concentration alert on the risk board, acknowledged within its 24-hour clock.
    dispatcher.goto(demo["url"] + "/console/risk")
    dispatcher.select_option("#risk-filters select[name=type]", "concentration")
    dispatcher.click("#risk-filters button[type=submit]")
    dispatcher.wait_for_selector("#risk-rows a[href^='/console/risk/alerts/']")
    alert_id = find_alert(dispatcher, [number, *others])
    steps.shot(dispatcher, "risk-board")
    dispatcher.goto(f"{demo['url']}/console/risk/alerts/{alert_id}")
    dispatcher.wait_for_selector("#alert-actions button[data-action='acknowledge']")
    assert others[-1] in dispatcher.inner_text("#alert-cases")
    dispatcher.click("#alert-actions button[data-action='acknowledge']")
    dispatcher.fill("#alert-form textarea[name=note]", "已派员核查")
    dispatcher.click("#alert-form button[type=submit]")
    dispatcher.wait_for_selector("#alert-fields dt:has-text('签收时间')")
    alert = dispatcher.evaluate(f"fetch('/api/risk/alerts/{alert_id}').then(r => r.json())")
    assert alert["status"] == "acknowledged"
    took = dt.datetime.fromisoformat(alert["acknowledged_at"]) - dt.datetime.fromisoformat(
        alert["detected_at"]
    )
    assert took < dt.timedelta(hours=24)
    steps.shot(dispatcher, "alert-acknowledged")

    # 立即挖掘 on the class page puts the cases into one class; a ticket is raised from it.
    leader = staff(chromium, demo, "leader")
    leader.goto(demo["url"] + "/console/classes")
    leader.wait_for_selector("#class-rows tr")
    with leader.expect_response(
        lambda r: r.url.endswith("/api/insights/runs") and r.request.method == "POST"
    ) as run:
        leader.click("#run-now")
    assert run.value.ok, run.value.text()
    leader.wait_for_selector("#run-info:has-text('最近挖掘')")
    class_id = find_class(leader, [number, *others])
    leader.click(f"#class-rows button[data-id='{class_id}']")
    leader.wait_for_selector(f"#detail-cases a:has-text('{number}')")
    detail = leader.inner_text("#detail-cases")
    assert all(n in detail for n in others)
    leader.select_option("#ticket-unit", unit)
    leader.fill("#ticket-form textarea[name=plan]", "联合执法整治烧烤油烟，限期安装净化设施")
    steps.shot(leader, "class")
    leader.click("#ticket-form button[type=submit]")
    leader.wait_for_url(re.compile(r".*/console/tickets/\d+$"))
    ticket_id = leader.url.rsplit("/", 1)[-1]
    leader.wait_for_selector("#ticket-fields dd:has-text('发现')")
    assert unit_name in leader.inner_text("#ticket-fields")
    assert class_id in leader.inner_text("#ticket-fields")
    steps.shot(leader, "ticket")

    # The dashboard (大屏) and this week's report show the alert, the class and the ticket.
    leader.goto(demo["url"] + "/console/dashboard")
    leader.wait_for_selector(f"#dash-classes li:has-text('{class_id}')")
    leader.wait_for_selector(f"#dash-alerts a[href='/console/risk/alerts/{alert_id}']")
    assert int(leader.inner_text("#dash-totals .tile:first-child b")) >= 1 + OTHERS
    steps.shot(leader, "dashboard")
    with leader.expect_download() as download:
        leader.click("#report-this-week")
    sheets = read_xlsx(Path(download.value.path()).read_bytes())
    assert any(alert["title"] in row for row in rows_of(sheets, "预警"))
    assert any(class_id in row for row in rows_of(sheets, "问题类"))
    assert any(f"T{ticket_id}" in row for row in rows_of(sheets, "治理"))
    overview = dict(row[:2] for row in sheets["总体情况"][2:6])
    assert overview["受理"] >= 1 + OTHERS and overview["重办"] >= 1


def find_alert(page: Any, numbers: list[str]) -> int:
    """The one concentration alert whose evidence holds our cases."""
    alerts = page.evaluate("fetch('/api/risk/alerts?type=concentration').then(r => r.json())")
    ours = [a for a in alerts["items"] if set(numbers) & set(a["evidence"].get("case_ids", []))]
    assert len(ours) == 1, [a["title"] for a in alerts["items"]]
    assert page.locator(f"#risk-rows a[href='/console/risk/alerts/{ours[0]['id']}']").count()
    return int(ours[0]["id"])


def find_class(page: Any, numbers: list[str]) -> str:
    """The one class holding our cases, as listed on the page."""
    ids = page.eval_on_selector_all(
        "#class-rows button[data-id]", "bs => bs.map(b => b.dataset.id)"
    )
    holding = []
    for class_id in ids:
        detail = page.evaluate(f"fetch('/api/insights/classes/{class_id}').then(r => r.json())")
        if {c["number"] for c in detail["cases"]} & set(numbers):
            holding.append(class_id)
    assert len(holding) == 1, holding
    return holding[0]


def read_xlsx(content: bytes) -> dict[str, list[tuple]]:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def rows_of(sheets: dict[str, list[tuple]], word: str) -> list[tuple]:
    found = [row for name, rows in sheets.items() if word in name for row in rows]
    assert found, f"no sheet named with {word!r} in {sorted(sheets)}"
    return found
