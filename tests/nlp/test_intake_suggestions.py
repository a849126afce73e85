"""Understanding at intake: a new live case gets its suggestions with evidence; hazards
raise its priority; the dispatcher's decision is recorded as training data."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db

TRAP = "楼下烧烤店油烟太大😡😡每天开到凌晨2点，地址：南山区\u200b桂庙路XX号"


def test_new_case_carries_facts_with_code_point_spans(login) -> None:  # noqa: ANN001
    case = login("t_dispatcher").post("/api/cases", json={"text": TRAP}).json()
    facts = case["suggestions"]["facts"]
    address = next(f for f in facts if f["kind"] == "address")
    assert TRAP[address["start"] : address["end"]].replace("\u200b", "") == "南山区桂庙路XX号"
    assert any(f["kind"] == "time" and "凌晨2点" in f["display"] for f in facts)
    assert case["suggestions"]["offsets"].startswith("unicode code points")


def test_gas_smell_raises_priority_and_explains_why(login) -> None:  # noqa: ANN001
    client = login("t_dispatcher")
    case = client.post("/api/cases", json={"text": "三楼楼道里有很浓的燃气味，担心泄漏"}).json()
    assert case["priority"] in ("urgent", "critical")
    events = client.get(f"/api/cases/{case['number']}/timeline").json()
    raised = next(e for e in events if e["kind"] == "priority_raised")
    assert raised["payload"]["hazards"]


def test_dispatcher_category_decision_is_recorded(login) -> None:  # noqa: ANN001
    client = login("t_dispatcher")
    case = client.post("/api/cases", json={"text": "小区路灯坏了一个月没人修"}).json()
    leaf = next(
        c["code"] for c in client.get("/api/jurisdiction/categories").json() if c["level"] == 3
    )
    answer = client.put(
        f"/api/cases/{case['number']}/category",
        json={"version": case["version"], "category_code": leaf},
    )
    assert answer.status_code == 200 and answer.json()["category_code"] == leaf
    events = client.get(f"/api/cases/{case['number']}/timeline").json()
    decision = next(e for e in events if e["kind"] == "categorised")
    assert decision["payload"]["chosen"] == leaf and "accepted" in decision["payload"]


def test_unknown_category_code_is_refused_with_field(login) -> None:  # noqa: ANN001
    client = login("t_dispatcher")
    case = client.post("/api/cases", json={"text": "测试诉求内容"}).json()
    answer = client.put(
        f"/api/cases/{case['number']}/category",
        json={"version": case["version"], "category_code": "99"},
    )
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "category_code"


def test_console_highlights_exactly_the_address_after_two_emoji(login, server, chromium) -> None:
    case = login("t_dispatcher").post("/api/cases", json={"text": TRAP}).json()
    page = chromium.new_page()
    page.goto(f"{server}/console/login")
    page.fill("input[name=username]", "t_dispatcher")
    page.fill("input[name=password]", "test-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/console")
    page.goto(f"{server}/console/cases/{case['number']}")
    marked = page.wait_for_selector("#case-text-marked mark.span")
    assert marked.inner_text().replace("\u200b", "") == "南山区桂庙路XX号"
    page.close()


def test_reactions_read_the_settings_the_session_was_opened_with(engine) -> None:  # noqa: ANN001
    """An app made with intake suggestions off gets no suggestions, whatever the environment."""
    from civicgrid.cases import service
    from civicgrid.cases.schemas import CaseCreate
    from civicgrid.db.core import make_session_factory
    from civicgrid.settings import Settings, get_settings, settings_of

    assert get_settings().intake_suggestions  # the environment says on
    off = Settings(intake_suggestions=False, secret_key="test-secret-key-0123456789abcdef")
    with make_session_factory(engine, off)() as session:
        assert settings_of(session) is off
        case = service.create(session=session, data=CaseCreate(text="小区路灯坏了一个月没人修"),
                              channel="hotline")
        assert not case.suggestions
        session.rollback()
    with make_session_factory(engine)() as session:
        assert settings_of(session) is get_settings()
