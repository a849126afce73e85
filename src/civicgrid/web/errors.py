"""One JSON shape for every error answer (see :mod:`civicgrid.errors`)."""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from civicgrid.errors import CivicGridError

log = logging.getLogger(__name__)


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the shared error shape."""

    @app.exception_handler(CivicGridError)
    async def service_error(_request: Request, exc: CivicGridError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for item in exc.errors():
            value = item.get("input")
            errors.append({
                "field": _field(tuple(item.get("loc", ()))),
                "value": value if isinstance(value, (str, int, float, bool, type(None))) else None,
                "message": item.get("msg", ""),
            })
        first = errors[0] if errors else {"field": None, "value": None, "message": ""}
        body = {"error": {
            "code": "invalid",
            "message": f"{first['field']}: {first['message']}",
            "field": first["field"],
            "value": first["value"],
            "fix": "correct the fields listed in errors and send again",
            "errors": errors,
        }}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = f"{request.method} {request.url.path}: {exc.detail}"
        return JSONResponse({"error": {"code": code, "message": message}},
                            status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        reference = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s on %s %s", reference, request.method, request.url.path)
        body = {"error": {
            "code": "internal",
            "message": f"{exc.__class__.__name__} while handling {request.method} "
                       f"{request.url.path}; reference {reference} in the server log",
            "fix": "retry; if it persists, give the reference to the administrator",
        }}
        return JSONResponse(body, status_code=500)
