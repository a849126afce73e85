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
from typing import Any

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


@dataclass(frozen=True)
class _Subscription:
    react: Subscriber
    kinds: frozenset[str] | None  # None: every kind
    live_only: bool

    def wants(self, happening: CaseHappening) -> bool:
        if self.live_only and not happening.live:
            return False
        return self.kinds is None or happening.event.kind in self.kinds


_subscriptions: list[_Subscription] = []


def subscribe(
    subscriber: Subscriber | None = None,
    *,
    kinds: set[str] | frozenset[str] | None = None,
    live_only: bool = False,
) -> Any:
    """Register a reaction to case events; usable as ``@subscribe`` or
    ``@subscribe(kinds={"create"}, live_only=True)``. Declaring the kinds a reaction needs
    spares every other event its savepoint. Registering twice is harmless."""

    def register(react: Subscriber) -> Subscriber:
        if all(s.react is not react for s in _subscriptions):
            _subscriptions.append(
                _Subscription(react, frozenset(kinds) if kinds else None, live_only)
            )
        return react

    return register(subscriber) if subscriber is not None else register


def publish(session: Session, happening: CaseHappening) -> None:
    """Pass one event to every subscriber that wants it, isolating each one's failure."""
    for subscription in list(_subscriptions):
        if not subscription.wants(happening):
            continue
        subscriber = subscription.react
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
