"""The user's in-app inbox."""

from __future__ import annotations

from fastapi import APIRouter

from civicgrid.errors import NotFound
from civicgrid.notifications import service
from civicgrid.web.deps import CurrentUser, DbSession

router = APIRouter(prefix="/api/inbox", tags=["notifications"])


@router.get("")
def inbox(session: DbSession, user: CurrentUser, unread: bool = False) -> list[dict]:
    return [{"id": m.id, "kind": m.kind, "case_number": m.case_number, "text": m.text,
             "created_at": m.created_at, "read": m.read_at is not None}
            for m in service.inbox(session=session, user_id=user.id, unread_only=unread)]


@router.post("/{message_id}/read", status_code=204)
def read(message_id: int, session: DbSession, user: CurrentUser) -> None:
    if not service.mark_read(session=session, user_id=user.id, message_id=message_id):
        raise NotFound(f"message {message_id} is not in your inbox", field="message_id",
                       value=message_id)
    session.commit()
