"""HTTP endpoints of Open311 GeoReport v2 under ``/open311/v2/``.

Every endpoint answers ``.json`` or ``.xml``; every failure, including malformed
parameters, is answered in the spec's error format (``[{"code": 404, "description":
"…"}]`` or ``<errors><error>…</error></errors>``) by :class:`Open311Route`. Parameters are
read by hand, not by FastAPI validation, so an empty ``jurisdiction_id=`` is "absent" and
``attribute[X][]`` keys are seen as sent.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import select

from civicgrid.cases.models import Case
from civicgrid.errors import CivicGridError
from civicgrid.intake import open311
from civicgrid.intake.open311 import Open311Error
from civicgrid.web.deps import DbSession

log = logging.getLogger(__name__)

XML_ROOTS = {"services": ("services", "service"), "requests": ("service_requests", "request"),
             "posted": ("service_requests", "request"), "tokens": ("service_requests", "request"),
             "errors": ("errors", "error")}


def _xml(kind: str, body: Any) -> bytes:
    if kind == "definition":
        root = ET.Element("service_definition")
        _fill(root, body, item_names={"attributes": "attribute", "values": "value"})
    else:
        root_name, item_name = XML_ROOTS[kind]
        root = ET.Element(root_name)
        for item in body:
            _fill(ET.SubElement(root, item_name), item, item_names={})
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")


def _fill(element: ET.Element, data: dict, item_names: dict[str, str]) -> None:
    for key, value in data.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            for entry in value:
                node = ET.SubElement(child, item_names.get(key, "item"))
                if isinstance(entry, dict):
                    _fill(node, entry, item_names)
                else:
                    node.text = str(entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def answer(fmt: str, kind: str, body: Any, status: int = 200) -> Response:
    """``body`` as JSON or XML by the requested format."""
    if fmt == "xml":
        return Response(_xml(kind, body), status_code=status, media_type="text/xml; charset=utf-8")
    if fmt != "json":
        return answer("json", "errors", [{"code": 404, "description":
                      f"format {fmt!r} is not served; use .json or .xml"}], 404)
    return JSONResponse(body, status_code=status)


def _format_of(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


class Open311Route(APIRoute):
    """A route whose failures are answered in the Open311 error format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error as exc:
                code, text = exc.code, exc.description
            except CivicGridError as exc:
                code, text = exc.status_code, exc.message + (f"; {exc.fix}" if exc.fix else "")
            except RequestValidationError as exc:
                code, text = 400, "; ".join(str(e.get("msg")) for e in exc.errors())
            return answer(_format_of(request), "errors", [{"code": code, "description": text}],
                          code)

        return guarded


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


def _jurisdictions(request: Request) -> set[str]:
    settings = request.app.state.settings
    return {settings.district, "440305", f"{settings.district}.civicgrid"}


def _check(request: Request) -> None:
    open311.check_jurisdiction(request.query_params.get("jurisdiction_id"),
                               _jurisdictions(request))


@router.get("/services.{fmt}")
def list_services(fmt: str, request: Request, session: DbSession) -> Response:
    """GET Service List."""
    _check(request)
    return answer(fmt, "services", open311.services(session=session))


@router.get("/services/{code}.{fmt}")
def service_definition(code: str, fmt: str, request: Request, session: DbSession) -> Response:
    """GET Service Definition."""
    _check(request)
    return answer(fmt, "definition", open311.service_definition(session=session, code=code))


@router.get("/requests.{fmt}")
def get_requests(fmt: str, request: Request, session: DbSession) -> Response:
    """GET Service Requests, by id list or by service_code/start_date/end_date/status."""
    _check(request)
    params = request.query_params
    start = params.get("start_date")
    end = params.get("end_date")
    rows = open311.find_requests(
        session=session, ids=params.get("service_request_id"),
        service_code=params.get("service_code") or None,
        start=open311.parse_w3c(start, "start_date") if start else None,
        end=open311.parse_w3c(end, "end_date") if end else None,
        status=params.get("status") or None,
    )
    return answer(fmt, "requests", open311.render(session=session, rows=rows))


@router.get("/requests/{number}.{fmt}")
def get_request(number: str, fmt: str, request: Request, session: DbSession) -> Response:
    """GET Service Request."""
    _check(request)
    rows = open311.find_requests(session=session, ids=number)
    if not rows:
        raise Open311Error(404, f"service_request_id {number!r} does not exist")
    return answer(fmt, "requests", open311.render(session=session, rows=rows))


@router.get("/tokens/{token}.{fmt}")
def get_token(token: str, fmt: str, request: Request, session: DbSession) -> Response:
    """GET service_request_id from a token."""
    _check(request)
    case = session.scalar(select(Case).where(Case.tracking_token == token))
    if case is None:
        raise Open311Error(404, f"token {token!r} is unknown")
    return answer(fmt, "tokens", [{"service_request_id": case.number, "token": token}])


async def _fields(request: Request) -> list[tuple[str, str]]:
    kind = request.headers.get("content-type", "")
    if "application/json" in kind:
        body = await request.json()
        if not isinstance(body, dict):
            raise Open311Error(400, "the JSON body must be an object")
        items: list[tuple[str, str]] = []
        for key, value in body.items():
            for one in value if isinstance(value, list) else [value]:
                items.append((key, "" if one is None else str(one)))
        return items
    form = await request.form()
    return [(key, str(value)) for key, value in form.multi_items()]


def _api_key(request: Request, items: list[tuple[str, str]]) -> str:
    key = dict(items).get("api_key") or request.query_params.get("api_key") or ""
    allowed = {k.strip() for k in request.app.state.settings.open311_api_keys.split(",")
               if k.strip()}
    if not key:
        raise Open311Error(403, "api_key is required to post; ask the district for a key")
    if key not in allowed:
        raise Open311Error(403, "api_key is not valid")
    return key


def _float(value: str | None, name: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, f"{name} {value!r} is not a number") from None


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request, session: DbSession) -> Response:
    """POST Service Request (needs api_key)."""
    items = await _fields(request)
    open311.check_jurisdiction(dict(items).get("jurisdiction_id"), _jurisdictions(request))
    key = _api_key(request, items)
    data = dict(items)
    name = " ".join(p for p in (data.get("last_name"), data.get("first_name")) if p) or None
    new = open311.NewRequest(
        service_code=(data.get("service_code") or "").strip(),
        description=data.get("description"), lat=_float(data.get("lat"), "lat"),
        lon=_float(data.get("long"), "long"), address=data.get("address_string") or None,
        name=name, phone=data.get("phone") or None, media_url=data.get("media_url") or None,
        attributes=open311.parse_attributes(items),
    )
    case = open311.post_request(session=session, request=new, client=key[:8] + "…")
    session.commit()
    body = [{"service_request_id": case.number, "token": case.tracking_token,
             "service_notice": f"已受理，编号 {case.number}", "account_id": None}]
    return answer(fmt, "posted", body, 201)


@router.post("/servicerequestupdates.{fmt}")
async def post_update(fmt: str, request: Request, session: DbSession) -> Response:
    """A unit's system reports a status change (open/closed) on a request (needs api_key)."""
    items = await _fields(request)
    _api_key(request, items)
    data = dict(items)
    number = (data.get("service_request_id") or "").strip()
    case = session.scalar(select(Case).where(Case.number == number))
    if case is None:
        raise Open311Error(404, f"service_request_id {number!r} does not exist")
    if not data.get("update_id"):
        raise Open311Error(400, "update_id is required")
    when = data.get("updated_datetime")
    update = open311.StatusUpdate(
        update_id=data["update_id"], status=data.get("status") or "",
        description=data.get("description") or "",
        extended_status=data.get("extended_status") or None,
        updated_at=open311.parse_w3c(when, "updated_datetime") if when else None,
        latest_data_only=(data.get("latest_data_only") or "").lower() in ("1", "true", "yes"),
    )
    result = open311.apply_update(session=session, case=case, update=update)
    session.commit()
    body = [{"update_id": update.update_id, "service_request_id": case.number,
             "recorded": result["recorded"], "status_notes": open311._status_notes(case)}]
    return answer(fmt, "requests", body)
