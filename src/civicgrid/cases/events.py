"""The in-process case event hook.

Other packages (notifications, risk, understanding) react to case events without the case
package knowing them: they :func:`subscribe` a function, and every committed-to-be event is
passed to each subscriber inside the same transaction. A subscriber that fails is logged
with the case number and does not undo the case change (a failed reaction must never block
the workflow); production can also replay events from the ``case_events`` table in a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from civicgrid.cases.models import Case, CaseEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseHappening:
    """What subscribers receive: the case, the event row, and whether it is live."""

    case: Case
    event: CaseEvent
    live: bool  # False for imported history: no notifications or alerts


Subscriber = Callable[[Session, CaseHappening], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Register a reaction to case events (usable as a decorator); idempotent."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def publish(session: Session, happening: CaseHappening) -> None:
    """Pass one event to every subscriber, isolating each one's failure."""
    for subscriber in list(_subscribers):
        try:
            with session.begin_nested():
                subscriber(session, happening)
        except Exception:  # a reaction must never break the case workflow
            log.exception(
                "case event subscriber %s failed for case %s event %s",
                getattr(subscriber, "__qualname__", subscriber),
                happening.case.number,
                happening.event.kind,
            )
