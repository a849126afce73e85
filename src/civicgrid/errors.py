"""The exception tree of CivicGrid services and its mapping to HTTP.

::

    CivicGridError                 base: code, message, field, value, allowed, fix
    ├── NotFound                   404  an id or code that does not exist
    ├── ValidationFailed           422  one or more fields are wrong (``errors`` lists all)
    ├── PermissionDenied           403  the user's role or data scope does not allow it
    ├── NotAuthenticated           401  no token, a bad token or an expired one
    └── Conflict                   409  the state of the data forbids it
        ├── InvalidTransition      409  the case's status does not allow this action
        └── StaleVersion           409  someone changed the case since it was read

Every error renders as one JSON shape::

    {"error": {"code": "...", "message": "...", "field": ..., "value": ...,
               "allowed": [...], "fix": "...", "errors": [...]}}
"""

from __future__ import annotations

from typing import Any


class CivicGridError(Exception):
    """Base of all service errors; carries everything a client needs to fix the request."""

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: Any = None,
        allowed: list[Any] | None = None,
        fix: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.allowed = allowed
        self.fix = fix
        self.errors = errors

    def to_dict(self) -> dict[str, Any]:
        """The error as the body of an API answer."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        for key in ("field", "value", "allowed", "fix", "errors"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        return {"error": body}


class NotFound(CivicGridError):
    status_code = 404
    code = "not_found"


class ValidationFailed(CivicGridError):
    status_code = 422
    code = "invalid"


class PermissionDenied(CivicGridError):
    status_code = 403
    code = "forbidden"


class NotAuthenticated(CivicGridError):
    status_code = 401
    code = "not_authenticated"


class Conflict(CivicGridError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class StaleVersion(Conflict):
    code = "stale_version"
