"""Open311 GeoReport v2 against the running server with a real HTTP client (traps O311-02,
O311-03): field names and formats as the spec has them, errors in its error format."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx
import pytest
from sqlalchemy import func, select

from civicgrid.cases import metrics, workflow
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import ActionIn
from civicgrid.intake.models import Open311Request
from civicgrid.notifications.models import InboxMessage, OutboundMessage

pytestmark = pytest.mark.db

KEY = "demo-open311-key"
CODE = "010102"  # 城乡建设/安全生产/安全生产管理
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}


@pytest.fixture
def o311(server: str):  # noqa: ANN201
    with httpx.Client(base_url=server + "/open311/v2", timeout=30) as client:
        yield client


def _post(o311: httpx.Client, **extra: str) -> dict:
    form = {"api_key": KEY, "service_code": CODE, "lat": "22.52", "long": "113.93",
            "description": "路边井盖松动，有人踩空", **extra}
    answer = o311.post("/requests.json", data=form)
    assert answer.status_code == 201, answer.text
    return answer.json()[0]


def test_services_with_empty_jurisdiction_id_lists_services(o311) -> None:
    answer = o311.get("/services.json", params={"jurisdiction_id": ""})
    services = answer.json()
    assert answer.status_code == 200
    assert set(services[0]) == {"service_code", "service_name", "description", "metadata",
                                "type", "keywords", "group"}
    assert any(s["service_code"] == CODE for s in services)


def test_foreign_jurisdiction_id_is_a_404_in_open311_format(o311) -> None:
    answer = o311.get("/services.json", params={"jurisdiction_id": "other.example"})
    assert answer.status_code == 404
    body = answer.json()
    assert set(body[0]) == {"code", "description"} and body[0]["code"] == 404


def test_services_xml_has_service_elements(o311) -> None:
    answer = o311.get("/services.xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "services" and root[0].tag == "service"
    assert root[0].find("service_code") is not None


def test_service_definition_lists_attributes(o311) -> None:
    body = o311.get(f"/services/{CODE}.json").json()
    hazard = next(a for a in body["attributes"] if a["code"] == "HAZARD")
    assert body["service_code"] == CODE
    assert (hazard["datatype"], hazard["variable"], hazard["required"]) == (
        "multivaluelist", True, False)
    assert {"key", "name"} == set(hazard["values"][0])


def test_unknown_service_definition_is_404_xml_errors(o311) -> None:
    answer = o311.get("/services/NOPE.xml")
    root = ET.fromstring(answer.content)
    assert answer.status_code == 404
    assert root.tag == "errors" and root.find("error/code").text == "404"


def test_post_without_api_key_is_refused_in_open311_format(o311) -> None:
    answer = o311.post("/requests.json", data={"service_code": CODE, "lat": "22.5",
                                               "long": "113.9", "description": "x"})
    assert answer.status_code == 403
    assert answer.json()[0]["code"] == 403 and "api_key" in answer.json()[0]["description"]


def test_post_with_unknown_service_code_is_404(o311) -> None:
    answer = o311.post("/requests.json", data={"api_key": KEY, "service_code": "S1",
                                               "lat": "22.5", "long": "113.9"})
    assert answer.status_code == 404
    assert "service_code" in answer.json()[0]["description"]


@pytest.mark.parametrize("encoding", ["brackets", "repeated"])
def test_multivalue_attribute_is_stored_flat(o311, session, encoding: str) -> None:
    key = "attribute[HAZARD][]" if encoding == "brackets" else "attribute[HAZARD]"
    body = (f"api_key={KEY}&service_code={CODE}&lat=22.52&long=113.93&{key}=a&{key}=b"
            "&attribute[NOTE]=x&description=test")
    answer = o311.post("/requests.json", content=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    number = answer.json()[0]["service_request_id"]
    case = session.scalar(select(Case).where(Case.number == number))
    stored = session.get(Open311Request, case.id).attributes
    assert stored == {"HAZARD": ["a", "b"], "NOTE": "x"}


def test_posted_request_reads_back_with_spec_fields(o311) -> None:
    posted = _post(o311)
    rows = o311.get(f"/requests/{posted['service_request_id']}.json").json()
    row = rows[0]
    assert set(posted) == {"service_request_id", "token", "service_notice", "account_id"}
    assert set(row) == REQUEST_FIELDS
    assert (row["status"], row["status_notes"], row["service_code"]) == ("open", "已受理", CODE)
    assert (row["lat"], row["long"]) == (22.52, 113.93)
    assert W3C.match(row["requested_datetime"]) and row["requested_datetime"].endswith("+08:00")


def test_id_list_returns_known_ids_and_ignores_unknown(o311) -> None:
    first, second = _post(o311), _post(o311)
    ids = f"{first['service_request_id']},{second['service_request_id']},NOPE"
    answer = o311.get("/requests.json", params={"service_request_id": ids})
    assert answer.status_code == 200
    assert sorted(r["service_request_id"] for r in answer.json()) == sorted(
        [first["service_request_id"], second["service_request_id"]])


def test_token_resolves_to_the_request_id(o311) -> None:
    posted = _post(o311)
    answer = o311.get(f"/tokens/{posted['token']}.json").json()
    assert answer == [{"service_request_id": posted["service_request_id"],
                       "token": posted["token"]}]


def test_filters_by_status_service_code_and_dates(o311) -> None:
    posted = _post(o311)
    found = o311.get("/requests.json", params={
        "service_code": CODE, "status": "open", "start_date": "2020-01-01T00:00:00+08:00",
        "end_date": "2099-01-01T00:00:00Z"}).json()
    closed = o311.get("/requests.json", params={"status": "closed",
                                                "start_date": "2020-01-01T00:00:00Z"}).json()
    assert posted["service_request_id"] in {r["service_request_id"] for r in found}
    assert posted["service_request_id"] not in {r["service_request_id"] for r in closed}


def test_date_without_zone_is_a_400(o311) -> None:
    answer = o311.get("/requests.json", params={"start_date": "2026-12-01T00:00:00"})
    assert answer.status_code == 400 and "zone" in answer.json()[0]["description"]


def _in_progress(session, number: str) -> Case:
    case = session.scalar(select(Case).where(Case.number == number))
    for action, extra in (("dispatch", {"unit_code": "CGJ"}), ("accept", {}), ("start", {})):
        workflow.perform(session=session, case=case, action=action, actor=workflow.SYSTEM,
                         data=ActionIn(version=case.version, **extra))
    session.commit()
    return case


def _update(o311, number: str, update_id: str, status: str, text: str = "",
            latest: bool = False) -> httpx.Response:
    data = {"api_key": KEY, "service_request_id": number, "update_id": update_id,
            "status": status, "description": text}
    if latest:
        data["latest_data_only"] = "true"
    return o311.post("/servicerequestupdates.json", data=data)


def _messages(session) -> int:
    return (session.scalar(select(func.count()).select_from(InboxMessage))
            + session.scalar(select(func.count()).select_from(OutboundMessage)))


def test_open_update_keeps_detailed_state_and_sends_nothing(o311, session) -> None:
    number = _post(o311)["service_request_id"]
    case = _in_progress(session, number)
    before = _messages(session)
    answer = _update(o311, number, "u1", "open")
    session.expire_all()
    assert answer.status_code == 200
    assert session.get(Case, case.id).status == "in_progress"
    assert _messages(session) == before


def test_closed_update_closes_unconfirmed_not_resolved(o311, session) -> None:
    number = _post(o311)["service_request_id"]
    case = _in_progress(session, number)
    resolved_before = metrics.compute(session=session, group_by="none")[0]["resolved"]
    _update(o311, number, "u2", "closed", "已转交物业")
    session.expire_all()
    case = session.get(Case, case.id)
    row = o311.get(f"/requests/{number}.json").json()[0]
    assert (case.status, case.resolution) == ("closed", "closed_unconfirmed")
    assert metrics.compute(session=session, group_by="none")[0]["resolved"] == resolved_before
    assert (row["status"], row["status_notes"]) == ("closed", "已办结：办结（未注明解决）")


def test_repeated_closed_update_gives_exactly_one_timeline_entry(o311, session) -> None:
    number = _post(o311)["service_request_id"]
    case = _in_progress(session, number)
    _update(o311, number, "u3", "closed", "已转交物业")
    _update(o311, number, "u3", "closed", "已转交物业")
    _update(o311, number, "u3-again", "closed", "已转交物业", latest=True)
    entries = session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "external_update"))
    closes = session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "close"))
    assert (entries, closes) == (1, 1)


def test_expected_datetime_is_the_completion_deadline(o311, session) -> None:
    number = _post(o311)["service_request_id"]
    case = _in_progress(session, number)
    row = o311.get(f"/requests/{number}.json").json()[0]
    from civicgrid.intake.open311 import w3c

    assert row["expected_datetime"] == w3c(case.completion_due) and W3C.match(
        row["expected_datetime"])


def test_request_xml_uses_spec_element_names(o311) -> None:
    posted = _post(o311)
    root = ET.fromstring(o311.get(f"/requests/{posted['service_request_id']}.xml").content)
    request = root.find("request")
    assert root.tag == "service_requests"
    assert {child.tag for child in request} == REQUEST_FIELDS
    assert request.find("status").text == "open"


def test_public_description_masks_phone_numbers(o311) -> None:
    posted = _post(o311, description="井盖松动，请联系我13912345678")
    row = o311.get(f"/requests/{posted['service_request_id']}.json").json()[0]
    assert "13912345678" not in row["description"] and "139****5678" in row["description"]


def test_closed_update_on_an_undispatched_request_is_409(o311) -> None:
    number = _post(o311)["service_request_id"]
    answer = _update(o311, number, "u-early", "closed", "已处理")
    assert answer.status_code == 409 and answer.json()[0]["code"] == 409
