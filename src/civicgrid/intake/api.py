"""Staff and partner endpoints of intake: city orders, uploads for import, mappings.

* ``POST /api/city/orders`` — the city platform dispatches a work order (JSON, see
  :mod:`civicgrid.intake.exchange`); idempotent by ``order_id``; authenticated with the
  ``X-Api-Key`` header holding one of ``settings.open311_api_keys``.
* ``POST /api/imports`` — upload a CSV/XLSX file with a mapping (by name or as JSON);
  answers the import report (added, duplicates, rejected rows with reasons).
* ``GET/POST /api/import-mappings`` — saved mappings and presets.
* ``GET /api/import-queue`` and ``POST /api/import-queue/{id}`` — source categories and
  units waiting to be mapped; mapping one fills the pack code on every case that carries it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civicgrid.cases.models import Case, SourceMapping
from civicgrid.cases.workflow import Actor
from civicgrid.errors import NotAuthenticated, NotFound, ValidationFailed
from civicgrid.intake import exchange, importer
from civicgrid.intake.files import TableError
from civicgrid.intake.mapping import (
    IMPORT_FIELDS,
    ColumnMapping,
    all_mappings,
    get_mapping,
    save_mapping,
)
from civicgrid.jurisdiction.models import Category, Unit
from civicgrid.web.deps import DbSession, requires

router = APIRouter(prefix="/api", tags=["intake"])
Importer = Annotated[Actor, Depends(requires("mapping.manage"))]
MAX_UPLOAD = 200 * 1024 * 1024


def _partner(request: Request, key: str | None) -> None:
    allowed = {k.strip() for k in request.app.state.settings.open311_api_keys.split(",")
               if k.strip()}
    if not key or key not in allowed:
        raise NotAuthenticated("a valid X-Api-Key header is required", field="X-Api-Key",
                               fix="ask the district for the exchange key")


@router.post("/city/orders", status_code=200)
def receive_city_order(order: exchange.CityOrder, request: Request, session: DbSession,
                       x_api_key: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    """Receive a dispatched work order from the city platform (idempotent by order_id)."""
    _partner(request, x_api_key)
    try:
        case, created = exchange.receive_order(session=session, order=order)
        session.commit()
    except IntegrityError:  # the same order arrived twice at the same moment
        session.rollback()
        case, created = exchange.receive_order(session=session, order=order)
    return {"order_id": order.order_id, "case_number": case.number, "created": created}


@router.post("/imports")
async def upload_import(
    request: Request,
    _actor: Importer,
    file: UploadFile = File(...),
    mapping: str | None = Form(None),
    fields: str | None = Form(None),
    sheet: str | None = Form(None),
    timezone: str | None = Form(None),
    save_as: str | None = Form(None),
) -> dict[str, Any]:
    """Import an uploaded CSV/XLSX with a saved mapping and/or fields given as JSON."""
    factory = request.app.state.session_factory
    chosen = _mapping(factory, mapping, fields, timezone, save_as)
    suffix = Path(file.filename or "upload.csv").suffix.lower() or ".csv"
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise ValidationFailed(f"file type {suffix} is not imported", field="file",
                               value=file.filename, allowed=[".csv", ".xlsx"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    raise ValidationFailed("the file is larger than 200 MB", field="file",
                                           value=file.filename, fix="split it into parts")
                out.write(chunk)
        try:
            report = importer.import_file(factory=factory, path=path, mapping=chosen,
                                          sheet=sheet or None)
        except TableError as exc:
            raise ValidationFailed(str(exc), field="file", value=file.filename) from None
    result = report.to_dict()
    result["file"] = file.filename
    return result


def _mapping(factory: Any, name: str | None, fields: str | None, timezone: str | None,
             save_as: str | None) -> ColumnMapping:
    with factory() as session:
        chosen = get_mapping(session=session, name=name) if name else ColumnMapping({})
        if fields:
            try:
                extra = json.loads(fields)
            except json.JSONDecodeError:
                raise ValidationFailed("fields is not JSON", field="fields", value=fields[:100],
                                       fix='send {"time": "受理时间", ...}') from None
            chosen.fields.update({k: v for k, v in extra.items() if v})
        if timezone:
            chosen.timezone = timezone
        if save_as:
            chosen.name = save_as
            save_mapping(session=session, mapping=chosen)
            session.commit()
        chosen.check_fields()
    return chosen


class MappingIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    fields: dict[str, str]
    timezone: str = "Asia/Shanghai"
    header_rows: int | None = Field(default=None, ge=1, le=5)


@router.get("/import-mappings")
def list_mappings(session: DbSession, _actor: Importer) -> dict[str, Any]:
    return {"fields": list(IMPORT_FIELDS),
            "mappings": [{"name": m.name, "fields": m.fields, "timezone": m.timezone}
                         for m in all_mappings(session=session)]}


@router.post("/import-mappings", status_code=201)
def store_mapping(body: MappingIn, session: DbSession, _actor: Importer) -> dict[str, Any]:
    mapping = ColumnMapping(name=body.name, fields=body.fields, timezone=body.timezone,
                            header_rows=body.header_rows)
    save_mapping(session=session, mapping=mapping)
    session.commit()
    return {"name": mapping.name, "fields": mapping.fields, "timezone": mapping.timezone}


@router.get("/import-queue")
def mapping_queue(session: DbSession, _actor: Importer) -> list[dict[str, Any]]:
    """Source categories and units not yet mapped, most frequent first."""
    rows = session.scalars(select(SourceMapping).where(SourceMapping.mapped_to.is_(None))
                           .order_by(SourceMapping.seen.desc(), SourceMapping.id))
    return [{"id": m.id, "kind": m.kind, "raw_value": m.raw_value, "seen": m.seen}
            for m in rows]


class MapTo(BaseModel):
    code: str = Field(min_length=1, max_length=32)


@router.post("/import-queue/{mapping_id}")
def map_source_value(mapping_id: int, body: MapTo, session: DbSession,
                     _actor: Importer) -> dict[str, Any]:
    """Map a queued source value to a pack code, and fill it on the cases that carry it."""
    row = session.get(SourceMapping, mapping_id)
    if row is None:
        raise NotFound(f"queued value {mapping_id} does not exist", field="id", value=mapping_id)
    target = session.get(Category if row.kind == "category" else Unit, body.code)
    if target is None:
        raise ValidationFailed(f"unknown {row.kind} code {body.code!r}", field="code",
                               value=body.code, fix=f"choose a {row.kind} code of the pack")
    row.mapped_to = body.code
    if row.kind == "category":
        statement = update(Case).where(Case.source_category == row.raw_value,
                                       Case.category_code.is_(None)).values(category_code=body.code)
    else:
        statement = update(Case).where(Case.source_unit == row.raw_value,
                                       Case.lead_unit.is_(None)).values(lead_unit=body.code)
    changed = session.execute(statement.execution_options(synchronize_session=False)).rowcount
    session.commit()
    return {"id": row.id, "kind": row.kind, "raw_value": row.raw_value,
            "mapped_to": body.code, "cases_updated": changed}
