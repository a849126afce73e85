"""The alert store: saving detector candidates, the alert lifecycle and the 24-hour clock.

:func:`record` turns an :class:`~civicgrid.risk.alerts.AlertCandidate` into a
:class:`~civicgrid.risk.models.RiskAlert`. While an alert with the same ``dedup_key`` is open,
the candidate updates it (new evidence cases, a higher severity) instead of raising a new one;
a candidate whose evidence cases all belong to an ended alert of the same key is old news and
is dropped. A new alert is notified at once (:func:`notify`): the responsible unit's users and
the dispatchers get an inbox message and the alert moves to ``notified``.

Lifecycle, one explicit transition table (:data:`ACTIONS`)::

    new ─notify─▶ notified ─acknowledge─▶ acknowledged ─handle─▶ handled ─close─▶ closed
     │               │                        │
     └───────────────┴──────── false_alarm ───┴──▶ false_alarm

``acknowledge`` is also allowed from ``new`` (someone saw it before the notification went
out). :func:`perform` checks the action exists, the status allows it (409 naming the allowed
actions otherwise), the role holds ``risk.act`` and a handler acts only on an alert of their
own unit; every change writes a :class:`~civicgrid.risk.models.RiskAlertEvent`.

The clock: ``notify_due`` is detection + 24 hours. :func:`mark_overdue`, called by the
background round, flags alerts past ``notify_due`` that nobody has acknowledged, once each,
and tells the dispatchers; it also retries the notification of alerts still ``new``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.accounts.roles import has_permission
from civicgrid.cases.deadlines import local_date
from civicgrid.cases.workflow import SYSTEM, Actor
from civicgrid.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from civicgrid.notifications import service as notifications
from civicgrid.risk.alerts import SEVERITY_RANK, AlertCandidate, AlertType, Severity
from civicgrid.risk.models import RiskAlert, RiskAlertEvent

log = logging.getLogger(__name__)

NOTIFY_WITHIN = dt.timedelta(hours=24)
MAX_EVIDENCE_CASES = 200

NEW, NOTIFIED, ACKNOWLEDGED, HANDLED = "new", "notified", "acknowledged", "handled"
CLOSED, FALSE_ALARM = "closed", "false_alarm"
STATUS_LABELS: dict[str, str] = {
    NEW: "新发现", NOTIFIED: "已通知", ACKNOWLEDGED: "已签收", HANDLED: "已处置",
    CLOSED: "已关闭", FALSE_ALARM: "误报",
}
OPEN_STATUSES = frozenset({NEW, NOTIFIED, ACKNOWLEDGED, HANDLED})
UNACKNOWLEDGED = frozenset({NEW, NOTIFIED})


@dataclass(frozen=True)
class AlertAction:
    """One row of the alert transition table."""

    name: str
    label: str
    sources: frozenset[str]
    target: str
    stamp: str | None  # the timestamp column the action sets


ACTIONS: dict[str, AlertAction] = {a.name: a for a in (
    AlertAction("acknowledge", "签收", frozenset({NEW, NOTIFIED}), ACKNOWLEDGED,
                "acknowledged_at"),
    AlertAction("handle", "处置完毕", frozenset({ACKNOWLEDGED}), HANDLED, "handled_at"),
    AlertAction("close", "关闭", frozenset({HANDLED}), CLOSED, "closed_at"),
    AlertAction("false_alarm", "误报", frozenset({NEW, NOTIFIED, ACKNOWLEDGED}), FALSE_ALARM,
                "closed_at"),
)}
EVENT_LABELS = {"detected": "发现", "notified": "已通知", "notify_failed": "通知失败",
                "evidence_updated": "新增依据", "overdue": "超时未签收",
                **{a.name: a.label for a in ACTIONS.values()}}


def _add_event(session: Session, alert: RiskAlert, kind: str, *, actor: Actor = SYSTEM,
               at: dt.datetime, from_status: str | None = None, note: str | None = None,
               payload: dict[str, Any] | None = None) -> RiskAlertEvent:
    event = RiskAlertEvent(
        alert_id=alert.id, kind=kind, from_status=from_status or alert.status,
        to_status=alert.status, actor_id=actor.id, actor_name=actor.name, at=at, note=note,
        payload=payload or {},
    )
    session.add(event)
    return event


def evidence_of(candidate: AlertCandidate) -> dict[str, Any]:
    """The candidate's evidence as stored: case numbers under ``case_ids`` plus the figures."""
    ev = candidate.evidence
    return {"case_ids": list(ev.case_ids)[:MAX_EVIDENCE_CASES], "statistic": ev.statistic,
            "baseline": ev.baseline, "p_value": ev.p_value, "score": ev.score,
            "method": ev.method, "note": ev.note}


def find_open(*, session: Session, key: str) -> RiskAlert | None:
    """The open alert of a running situation, if any."""
    return session.scalar(select(RiskAlert).where(
        RiskAlert.dedup_key == key, RiskAlert.status.in_(OPEN_STATUSES)
    ).order_by(RiskAlert.id.desc()).limit(1))


def _already_ended(session: Session, candidate: AlertCandidate) -> bool:
    wanted = set(candidate.evidence.case_ids)
    ended = session.scalars(select(RiskAlert.evidence).where(
        RiskAlert.dedup_key == candidate.dedup_key, RiskAlert.status.in_((CLOSED, FALSE_ALARM))
    ))
    return any(wanted <= set((ev or {}).get("case_ids") or []) for ev in ended)


def record(*, session: Session, candidate: AlertCandidate,
           unit_for: Callable[[], str | None], now: dt.datetime,
           source: str) -> tuple[RiskAlert | None, bool]:
    """Store a candidate: ``(alert, True)`` when new, ``(alert, False)`` when it updated an
    open alert, ``(None, False)`` when its evidence belongs to an ended alert. ``unit_for``
    gives the responsible unit; it is asked only for a new alert."""
    current = find_open(session=session, key=candidate.dedup_key)
    if current is not None:
        _update(session, current, candidate, now)
        return current, False
    if _already_ended(session, candidate):
        return None, False
    alert = RiskAlert(
        dedup_key=candidate.dedup_key[:240], type=str(candidate.type),
        severity=str(candidate.severity), title=(candidate.title or str(candidate.type))[:300],
        subject=dict(candidate.subject), evidence=evidence_of(candidate), unit_code=unit_for(),
        status=NEW, source=source, detected_on=candidate.detected_on or local_date(now),
        detected_at=now, notify_due=now + NOTIFY_WITHIN, overdue=False, updated_at=now,
    )
    session.add(alert)
    session.flush()
    _add_event(session, alert, "detected", at=now, payload={"source": source})
    log.info("risk alert %s raised: %s %s", alert.id, alert.type, alert.severity)
    notify(session=session, alert=alert, now=now)
    return alert, True


def _update(session: Session, alert: RiskAlert, candidate: AlertCandidate,
            now: dt.datetime) -> None:
    old = dict(alert.evidence or {})
    known = list(old.get("case_ids") or [])
    added = [c for c in candidate.evidence.case_ids if c not in known]
    fresh = evidence_of(candidate)
    fresh["case_ids"] = (known + added)[:MAX_EVIDENCE_CASES]
    rank = SEVERITY_RANK
    escalated = rank[Severity(candidate.severity)] < rank[Severity(alert.severity)]
    if not added and not escalated:
        return
    alert.evidence = fresh
    if escalated:
        alert.severity = str(candidate.severity)
        alert.title = (candidate.title or alert.title)[:300]
    alert.updated_at = now
    _add_event(session, alert, "evidence_updated", at=now,
               payload={"added_cases": added, "severity": alert.severity})


def _message(alert: RiskAlert) -> str:
    return f"风险预警#{alert.id}（{alert.severity}）：{alert.title}，请在24小时内签收处置"


def notify(*, session: Session, alert: RiskAlert, now: dt.datetime) -> int:
    """Tell the responsible unit's users and the dispatchers; ``new`` → ``notified``."""
    cases = (alert.evidence or {}).get("case_ids") or []
    number = cases[-1] if cases and alert.type != str(AlertType.SURGE) else None
    text = _message(alert)
    sent = notifications.notify_unit(session=session, unit_code=alert.unit_code,
                                     kind="risk_alert", text=text, case_number=number)
    sent += notifications.notify_role(session=session, role="dispatcher", kind="risk_alert",
                                      text=text, case_number=number)
    if sent == 0:
        _add_event(session, alert, "notify_failed", at=now,
                   note="没有可通知的承办人员或派单员；后台轮次会重试")
        return 0
    before = alert.status
    alert.status, alert.notified_at, alert.updated_at = NOTIFIED, now, now
    _add_event(session, alert, "notified", at=now, from_status=before,
               payload={"recipients": sent, "unit_code": alert.unit_code})
    return sent


def get(*, session: Session, alert_id: int) -> RiskAlert:
    """The alert with this id; NotFound otherwise."""
    alert = session.get(RiskAlert, alert_id)
    if alert is None:
        raise NotFound(f"risk alert {alert_id} does not exist", field="alert_id", value=alert_id,
                       fix="list alerts with GET /api/risk/alerts")
    return alert


def allowed_actions(alert: RiskAlert, actor: Actor) -> list[str]:
    """The actions this actor may take on the alert now."""
    if not may_act(alert, actor):
        return []
    return [a.name for a in ACTIONS.values() if alert.status in a.sources]


def may_act(alert: RiskAlert, actor: Actor) -> bool:
    """Whether the actor's role and unit allow acting on this alert."""
    if not has_permission(actor.role, "risk.act"):
        return False
    return actor.role != "handler" or (alert.unit_code is not None
                                       and alert.unit_code == actor.unit_code)


def perform(*, session: Session, alert: RiskAlert, action: str, actor: Actor,
            note: str | None = None, now: dt.datetime | None = None) -> RiskAlert:
    """Apply a lifecycle action (acknowledge, handle, close, false_alarm) with its event."""
    now = now or dt.datetime.now(dt.UTC)
    spec = ACTIONS.get(action)
    if spec is None:
        raise ValidationFailed(f"unknown alert action {action!r}", field="action", value=action,
                               allowed=list(ACTIONS))
    if not may_act(alert, actor):
        raise PermissionDenied(
            f"role {actor.role} of unit {actor.unit_code} may not act on alert {alert.id} "
            f"(unit {alert.unit_code})", field="role", value=actor.role,
            fix="ask the responsible unit or a dispatcher")
    if alert.status not in spec.sources:
        allowed = [a.name for a in ACTIONS.values() if alert.status in a.sources]
        raise InvalidTransition(
            f"alert {alert.id} is {alert.status}; {action} needs one of "
            f"{', '.join(sorted(spec.sources))}", field="action", value=action, allowed=allowed,
            fix="reload the alert and choose one of the allowed actions")
    before = alert.status
    alert.status, alert.updated_at = spec.target, now
    if spec.stamp:
        setattr(alert, spec.stamp, now)
    _add_event(session, alert, action, actor=actor, at=now, from_status=before, note=note)
    session.flush()
    return alert


def mark_overdue(*, session: Session, now: dt.datetime) -> list[RiskAlert]:
    """Flag unacknowledged alerts past their 24-hour notification clock; retry notifying."""
    for alert in session.scalars(select(RiskAlert).where(RiskAlert.status == NEW)):
        notify(session=session, alert=alert, now=now)
    late = list(session.scalars(select(RiskAlert).where(
        RiskAlert.status.in_(UNACKNOWLEDGED), RiskAlert.notify_due < now,
        RiskAlert.overdue.is_(False),
    )))
    for alert in late:
        alert.overdue, alert.updated_at = True, now
        _add_event(session, alert, "overdue", at=now,
                   payload={"notify_due": alert.notify_due.isoformat()})
        notifications.notify_role(session=session, role="dispatcher", kind="risk_overdue",
                                  text=f"风险预警#{alert.id}超过24小时未签收：{alert.title}")
    return late


def search(*, session: Session, type: str | None = None, status: str | None = None,
           severity: str | None = None, overdue: bool | None = None, unit: str | None = None,
           open_only: bool = False, limit: int = 50, offset: int = 0
           ) -> tuple[int, list[RiskAlert]]:
    """Alerts matching the filters, most severe and newest first, with the total."""
    _check_choice("type", type, [str(t) for t in AlertType])
    _check_choice("status", status, list(STATUS_LABELS))
    _check_choice("severity", severity, [str(s) for s in Severity])
    query = select(RiskAlert)
    for column, value in ((RiskAlert.type, type), (RiskAlert.status, status),
                          (RiskAlert.severity, severity), (RiskAlert.unit_code, unit)):
        if value:
            query = query.where(column == value)
    if overdue is not None:
        query = query.where(RiskAlert.overdue.is_(overdue))
    if open_only:
        query = query.where(RiskAlert.status.in_(OPEN_STATUSES))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(RiskAlert.detected_at.desc(), RiskAlert.id.desc())
                           .limit(limit).offset(offset))
    return total, list(rows)


def _check_choice(field: str, value: str | None, allowed: list[str]) -> None:
    if value and value not in allowed:
        raise ValidationFailed(f"unknown {field} {value!r}", field=field, value=value,
                               allowed=allowed)


def timeline(*, session: Session, alert: RiskAlert) -> list[RiskAlertEvent]:
    """The alert's events in the order they were written (the log is append-only)."""
    return list(session.scalars(select(RiskAlertEvent).where(
        RiskAlertEvent.alert_id == alert.id).order_by(RiskAlertEvent.id)))


def render(alert: RiskAlert, actor: Actor | None = None,
           unit_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The alert as a JSON-ready dict, with labels and the actor's allowed actions."""
    data = {column.key: getattr(alert, column.key) for column in RiskAlert.__table__.columns}
    data["status_label"] = STATUS_LABELS.get(alert.status, alert.status)
    data["unit_name"] = (unit_names or {}).get(alert.unit_code or "", alert.unit_code)
    data["allowed_actions"] = allowed_actions(alert, actor) if actor else []
    return data


def render_event(event: RiskAlertEvent) -> dict[str, Any]:
    """One timeline entry as a JSON-ready dict."""
    return {"kind": event.kind, "label": EVENT_LABELS.get(event.kind, event.kind),
            "from_status": event.from_status, "to_status": event.to_status,
            "actor_name": event.actor_name, "at": event.at, "note": event.note,
            "payload": event.payload}


def report_rows(alerts: Iterable[RiskAlert], unit_names: dict[str, str]) -> list[dict[str, Any]]:
    """Alerts as the report builder reads them (id, unit name, due, status label)."""
    rows = []
    for alert in alerts:
        rows.append({
            "id": str(alert.id), "severity": alert.severity, "type": alert.type,
            "title": alert.title, "subject": alert.subject, "evidence": alert.evidence,
            "unit": unit_names.get(alert.unit_code or "", alert.unit_code or "未指定"),
            "status": STATUS_LABELS.get(alert.status, alert.status) + ("（超时）" if alert.overdue
                                                                      else ""),
            "detected_on": alert.detected_on.isoformat(),
            "due": alert.notify_due.astimezone(_local()).strftime("%Y-%m-%d %H:%M"),
        })
    return rows


def _local() -> dt.tzinfo:
    from civicgrid.cases.deadlines import LOCAL

    return LOCAL


def changed_on(*, session: Session, start: dt.datetime, end: dt.datetime) -> list[RiskAlert]:
    """Alerts with a lifecycle or evidence event in [start, end), detection excluded."""
    ids = select(RiskAlertEvent.alert_id).where(
        RiskAlertEvent.at >= start, RiskAlertEvent.at < end,
        RiskAlertEvent.kind.not_in(("detected", "notified")),
    )
    return list(session.scalars(select(RiskAlert).where(RiskAlert.id.in_(ids))
                                .order_by(RiskAlert.id)))


def overdue_now(*, session: Session) -> list[RiskAlert]:
    """Alerts flagged overdue and still not acknowledged."""
    return list(session.scalars(select(RiskAlert).where(
        RiskAlert.overdue.is_(True), RiskAlert.status.in_(UNACKNOWLEDGED)
    ).order_by(RiskAlert.notify_due)))


def detected_between(*, session: Session, first: dt.date, last: dt.date) -> list[RiskAlert]:
    """Alerts detected on the local days first … last."""
    return list(session.scalars(select(RiskAlert).where(
        RiskAlert.detected_on >= first, RiskAlert.detected_on <= last,
    ).order_by(RiskAlert.id)))
