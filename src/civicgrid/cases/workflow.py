"""The case workflow: one explicit transition table and a named step per action.

::

    received ─dispatch─▶ dispatched ─accept─▶ accepted ─start─▶ in_progress ─reply─▶ replied
        ▲                  │    ▲               │                                     │
        │               return  reassign     return                              review
        │                  ▼    │               ▼                          pass ▼   ▲ │ back
        └──────────────── returned ◀────────────┘                        reviewed  in_progress
                                                                              │
                                          return_visit: satisfied ▶ closed    │
                                          return_visit: dissatisfied ▶ dispatched (重办)

Actions that keep the status: request_extension / decide_extension (延期), whistle and
report_in (吹哨报到), supervise (领导督办). ``merge`` ends a duplicate in ``merged``.

:func:`perform` is the only way a case changes status. It checks, in order: the action
exists, the client's version is current, the status allows the action, the role and the
unit allow the user, and the step's own preconditions; then it runs the step, writes one
append-only :class:`CaseEvent`, and publishes it to the event hook.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from civicgrid.accounts.roles import has_permission
from civicgrid.cases import deadlines, states
from civicgrid.cases.events import CaseHappening, publish
from civicgrid.cases.models import Case, CaseEvent, CaseParticipant
from civicgrid.cases.schemas import ActionIn
from civicgrid.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from civicgrid.jurisdiction import service as jurisdiction
from civicgrid.jurisdiction.calendar import WorkCalendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a user, or the system."""

    id: int | None
    name: str
    role: str
    unit_code: str | None = None
    region_code: str | None = None


SYSTEM = Actor(id=None, name="系统", role="admin")


@dataclass
class Step:
    """Everything a step function may read and change."""

    session: Session
    case: Case
    actor: Actor
    data: ActionIn
    now: dt.datetime
    calendar: WorkCalendar
    live: bool = True
    payload: dict = field(default_factory=dict)


StepFn = Callable[[Step], str | None]


@dataclass(frozen=True)
class Action:
    """One row of the transition table."""

    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (or the step decides)
    permission: str
    binding: str  # "none" | "lead" (handler of the lead unit) | "participant"
    step: StepFn


def _unit(step: Step, code: str | None, field_name: str) -> str:
    if not code:
        raise ValidationFailed(
            f"{field_name} is required for {step.data and 'this action'}",
            field=field_name,
            value=code,
            fix="choose a unit code from /api/jurisdiction/units",
        )
    if jurisdiction.get_unit(session=step.session, code=code) is None:
        raise ValidationFailed(
            f"unknown unit {code!r}",
            field=field_name,
            value=code,
            fix="choose a unit code from /api/jurisdiction/units",
        )
    return code


def _require_text(value: str | None, field_name: str, what: str) -> str:
    if not value or not value.strip():
        raise ValidationFailed(
            f"{what} is required", field=field_name, value=value, fix=f"write the {what}"
        )
    return value.strip()


def _set_deadlines(step: Step, *, from_now: bool) -> None:
    case = step.case
    limits = jurisdiction.limits_for_case(session=step.session, case=case)
    start = step.now
    received = step.now if from_now else case.received_at
    result = deadlines.compute(step.calendar, start=start, received_at=received, limits=limits)
    case.clock_started_at = received
    case.limit_days = limits.completion_days
    case.extended_days = 0
    case.response_due = result.response_due
    case.completion_due = result.completion_due
    case.deadline_provisional = result.provisional
    step.payload["response_due"] = result.response_due.isoformat()
    step.payload["completion_due"] = result.completion_due.isoformat()
    if result.provisional:
        step.payload["warning"] = "节假日安排未发布，期限按工作日暂估（provisional）"


def dispatch(step: Step) -> str:
    """分拨: send the case to a lead unit, optionally with co-handling units."""
    case = step.case
    case.lead_unit = _unit(step, step.data.unit_code, "unit_code")
    for code in step.data.unit_codes or []:
        _unit(step, code, "unit_codes")
        if code != case.lead_unit:
            case.participants.append(CaseParticipant(unit_code=code, role="co_handler"))
    case.dispatched_at = step.now
    _set_deadlines(step, from_now=False)
    step.payload.update(unit_code=case.lead_unit, co_units=step.data.unit_codes or [])
    return states.DISPATCHED


def reassign(step: Step) -> str:
    """改派: send the case to another unit after a return or a wrong dispatch."""
    new_unit = _unit(step, step.data.unit_code, "unit_code")
    if new_unit == step.case.lead_unit and step.case.status == states.DISPATCHED:
        raise ValidationFailed(
            "the case is already with this unit",
            field="unit_code",
            value=new_unit,
            fix="choose another unit",
        )
    step.payload.update(old_unit=step.case.lead_unit, unit_code=new_unit, reason=step.data.reason)
    step.case.lead_unit = new_unit
    step.case.dispatched_at = step.now
    step.case.accepted_at = None
    _set_deadlines(step, from_now=False)
    return states.DISPATCHED


def accept(step: Step) -> str:
    """签收: the lead unit takes the case; the response clock stops here."""
    case = step.case
    case.accepted_at = step.now
    case.responded_on_time = case.response_due is None or step.now <= case.response_due
    step.payload["responded_on_time"] = case.responded_on_time
    return states.ACCEPTED


def return_to_dispatcher(step: Step) -> str:
    """退单: the unit says the case is not theirs, with the reason."""
    step.payload["reason"] = _require_text(step.data.reason, "reason", "return reason")
    step.payload["unit_code"] = step.case.lead_unit
    return states.RETURNED


def start(step: Step) -> str:
    """办理: handling begins."""
    return states.IN_PROGRESS


def reply(step: Step) -> str:
    """答复: the unit's reply to the citizen, held for review."""
    pending = [
        p.unit_code for p in step.case.participants if p.role == "whistle" and p.reported_at is None
    ]
    if pending:
        raise Conflict(
            "吹哨报到 is not complete: these units have not reported in",
            field="participants",
            value=pending,
            fix="each called unit must report in (report_in) before the reply",
        )
    step.case.reply = _require_text(step.data.text, "text", "reply text")
    step.case.replied_at = step.now
    step.payload["reply"] = step.case.reply
    if not step.live:  # imported history is not audited
        return states.REPLIED
    verdict = _audit_reply(step)
    step.payload["audit"] = {
        "verdict": verdict["verdict"],
        "score": verdict["score"],
        "reasons": verdict["reasons"],
        "faults": verdict["faults"],
    }
    if verdict["verdict"] == "return":
        step.payload["audit_returned"] = True
        return states.IN_PROGRESS
    return states.REPLIED


def _audit_reply(step: Step) -> dict:
    """智能审核: check the reply before anyone reviews it (see civicgrid.audit)."""
    from civicgrid.audit import audit

    case = step.case
    verdict = audit(
        case.text,
        case.reply,
        title=case.title,
        received_at=case.received_at,
        replied_at=step.now,
        deadline=case.completion_due,
        reporter={"name": case.reporter_name, "phone": case.reporter_phone},
    )
    case.reply_audit = verdict.to_dict()
    return case.reply_audit


def override_audit(step: Step) -> str:
    """审核改判: a dispatcher sends a reply the audit returned on to review anyway."""
    step.payload["reason"] = _require_text(step.data.reason, "reason", "reason for the override")
    step.payload["audit_verdict"] = (step.case.reply_audit or {}).get("verdict")
    step.case.reply_audit = {
        **(step.case.reply_audit or {}),
        "overridden_by": step.actor.name,
        "override_reason": step.payload["reason"],
    }
    return states.REPLIED


def review(step: Step) -> str:
    """审核: pass the reply on to the return visit, or send it back with reasons."""
    if step.data.passed is None:
        raise ValidationFailed(
            "say whether the reply passes", field="passed", value=None, allowed=[True, False]
        )
    step.payload["passed"] = step.data.passed
    if step.data.passed:
        return states.REVIEWED
    step.payload["reasons"] = _require_text(step.data.reason, "reason", "reason for return")
    return states.IN_PROGRESS


def return_visit(step: Step) -> str:
    """回访: satisfied closes the case; dissatisfied reopens it to the same unit (重办)."""
    case = step.case
    rating = step.data.satisfaction
    if rating is None:
        raise ValidationFailed(
            "the citizen's rating is required",
            field="satisfaction",
            value=None,
            allowed=["satisfied", "basic", "dissatisfied"],
        )
    case.satisfaction = rating
    step.payload["satisfaction"] = rating
    if rating != "dissatisfied":
        _close(step, step.data.resolution or "resolved")
        return states.CLOSED
    return _reopen(step)


def _reopen(step: Step) -> str:
    case = step.case
    case.reopen_count += 1
    case.replied_at = None
    case.accepted_at = None
    case.dispatched_at = step.now
    _set_deadlines(step, from_now=True)
    step.payload["reopen_count"] = case.reopen_count
    if case.reopen_count >= 2 and not case.supervised:
        case.supervised = True
        case.supervision = {
            "by": "系统",
            "instruction": f"第{case.reopen_count}次不满意重办，自动转领导督办",
            "at": step.now.isoformat(),
        }
        step.payload["supervised"] = True
    return states.DISPATCHED


def _close(step: Step, resolution: str) -> None:
    case = step.case
    case.closed_at = step.now
    case.resolution = resolution
    case.closed_on_time = case.completion_due is None or step.now <= case.completion_due
    case.handling_days = round((step.now - case.received_at).total_seconds() / 86400, 3)
    case.overdue = False if case.closed_on_time else case.overdue
    step.payload.update(resolution=resolution, closed_on_time=case.closed_on_time)


def close(step: Step) -> str:
    """办结 without a return visit (anonymous reporter, or unreachable after tries)."""
    step.payload["note"] = _require_text(
        step.data.reason, "reason", "reason for closing without visit"
    )
    _close(step, step.data.resolution or "resolved")
    return states.CLOSED


def request_extension(step: Step) -> None:
    """延期申请: the unit asks for more working days, with a reason."""
    if step.case.pending_extension:
        raise Conflict(
            "an extension request is already waiting for a decision",
            field="pending_extension",
            value=step.case.pending_extension,
        )
    if not step.data.days:
        raise ValidationFailed(
            "how many working days?", field="days", value=None, fix="give days between 1 and 60"
        )
    reason = _require_text(step.data.reason, "reason", "extension reason")
    step.case.pending_extension = {
        "days": step.data.days,
        "reason": reason,
        "requested_at": step.now.isoformat(),
    }
    step.payload.update(days=step.data.days, reason=reason)


def decide_extension(step: Step) -> None:
    """延期审批: approve (the deadline moves) or refuse a pending request."""
    pending = step.case.pending_extension
    if not pending:
        raise Conflict(
            "there is no extension request to decide", field="pending_extension", value=None
        )
    if step.data.approve is None:
        raise ValidationFailed(
            "approve or refuse?", field="approve", value=None, allowed=[True, False]
        )
    step.payload.update(approve=step.data.approve, days=pending["days"], reason=step.data.reason)
    case = step.case
    if step.data.approve and case.completion_due is not None and case.clock_started_at:
        old = case.completion_due
        case.extended_days = (case.extended_days or 0) + int(pending["days"])
        new, provisional = deadlines.completion_due(
            step.calendar,
            clock_started_at=case.clock_started_at,
            days=(case.limit_days or 0) + case.extended_days,
        )
        step.case.completion_due = new
        step.case.deadline_provisional = provisional
        step.case.overdue = step.now > new
        step.payload.update(old_due=old.isoformat(), new_due=new.isoformat())
    step.case.pending_extension = None


def whistle(step: Step) -> None:
    """吹哨: call several departments; each must report in within ``hours`` working hours."""
    codes = step.data.unit_codes or []
    if not codes:
        raise ValidationFailed(
            "name the units to call",
            field="unit_codes",
            value=codes,
            fix="give one or more unit codes",
        )
    hours = step.data.hours or 24
    due = step.calendar.add_working_hours(step.now, hours)
    called = {p.unit_code for p in step.case.participants if p.role == "whistle"}
    for code in codes:
        _unit(step, code, "unit_codes")
        if code not in called:
            step.case.participants.append(
                CaseParticipant(unit_code=code, role="whistle", called_at=step.now, due_at=due)
            )
    step.payload.update(unit_codes=codes, due_at=due.isoformat(), note=step.data.reason)


def report_in(step: Step) -> None:
    """报到: a called unit reports what it found and did."""
    part = _own_participation(step.case, step.actor)
    if part is None:
        raise PermissionDenied(
            "your unit was not called to this case", field="unit_code", value=step.actor.unit_code
        )
    part.reported_at = step.now
    part.report = _require_text(step.data.text, "text", "report")
    step.payload.update(
        unit_code=part.unit_code,
        report=part.report,
        on_time=part.due_at is None or step.now <= part.due_at,
    )


def supervise(step: Step) -> None:
    """领导督办: a leader puts the case under supervision with an instruction and deadline."""
    instruction = _require_text(step.data.text, "text", "supervision instruction")
    days = step.data.days or 3
    due = step.calendar.add_working_days(deadlines.local_date(step.now), days)
    step.case.supervised = True
    step.case.supervision = {
        "by": step.actor.name,
        "instruction": instruction,
        "at": step.now.isoformat(),
        "due": due.date.isoformat(),
    }
    step.payload.update(step.case.supervision)


def merge(step: Step) -> str:
    """合并: this case repeats another; it ends here and points to the surviving one."""
    number = _require_text(step.data.into_number, "into_number", "number of the case to keep")
    target = step.session.scalar(select(Case).where(Case.number == number))
    if target is None:
        raise NotFound(f"case {number} does not exist", field="into_number", value=number)
    if target.id == step.case.id or target.status == states.MERGED:
        raise ValidationFailed(
            "a case cannot be merged into itself or a merged case",
            field="into_number",
            value=number,
        )
    step.case.duplicate_of_id = target.id
    step.payload["into"] = number
    return states.MERGED


_S = states
TRANSITIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "dispatch",
            "分拨",
            frozenset({_S.RECEIVED, _S.RETURNED}),
            _S.DISPATCHED,
            "case.dispatch",
            "none",
            dispatch,
        ),
        Action(
            "reassign",
            "改派",
            frozenset({_S.RETURNED, _S.DISPATCHED}),
            _S.DISPATCHED,
            "case.dispatch",
            "none",
            reassign,
        ),
        Action(
            "accept", "签收", frozenset({_S.DISPATCHED}), _S.ACCEPTED, "case.handle", "lead", accept
        ),
        Action(
            "return",
            "退单",
            frozenset({_S.DISPATCHED, _S.ACCEPTED}),
            _S.RETURNED,
            "case.handle",
            "lead",
            return_to_dispatcher,
        ),
        Action(
            "start",
            "开始办理",
            frozenset({_S.ACCEPTED}),
            _S.IN_PROGRESS,
            "case.handle",
            "lead",
            start,
        ),
        Action(
            "reply",
            "答复",
            frozenset({_S.ACCEPTED, _S.IN_PROGRESS}),
            _S.REPLIED,
            "case.handle",
            "lead",
            reply,
        ),
        Action(
            "override_audit",
            "改判通过",
            frozenset({_S.IN_PROGRESS}),
            _S.REPLIED,
            "case.review",
            "none",
            override_audit,
        ),
        Action("review", "审核", frozenset({_S.REPLIED}), None, "case.review", "none", review),
        Action(
            "return_visit",
            "回访",
            frozenset({_S.REVIEWED}),
            None,
            "case.review",
            "none",
            return_visit,
        ),
        Action("close", "办结", frozenset({_S.REVIEWED}), _S.CLOSED, "case.review", "none", close),
        Action(
            "request_extension",
            "申请延期",
            frozenset({_S.ACCEPTED, _S.IN_PROGRESS}),
            None,
            "case.handle",
            "lead",
            request_extension,
        ),
        Action(
            "decide_extension",
            "审批延期",
            frozenset({_S.ACCEPTED, _S.IN_PROGRESS}),
            None,
            "case.dispatch",
            "none",
            decide_extension,
        ),
        Action(
            "whistle",
            "吹哨",
            frozenset({_S.DISPATCHED, _S.ACCEPTED, _S.IN_PROGRESS}),
            None,
            "case.whistle",
            "lead",
            whistle,
        ),
        Action(
            "report_in",
            "报到",
            frozenset({_S.DISPATCHED, _S.ACCEPTED, _S.IN_PROGRESS}),
            None,
            "case.handle",
            "participant",
            report_in,
        ),
        Action(
            "supervise", "督办", states.OPEN_STATUSES, None, "case.supervise", "none", supervise
        ),
        Action(
            "merge",
            "合并",
            frozenset({_S.RECEIVED, _S.DISPATCHED, _S.RETURNED}),
            _S.MERGED,
            "case.dispatch",
            "none",
            merge,
        ),
    ]
}


def _own_participation(case: Case, actor: Actor) -> CaseParticipant | None:
    for part in case.participants:
        if (
            part.role == "whistle"
            and part.unit_code == actor.unit_code
            and part.reported_at is None
        ):
            return part
    return None


def _binding_ok(action: Action, case: Case, actor: Actor) -> bool:
    if actor.role == "admin" or action.binding == "none":
        return True
    if action.binding == "lead":
        # Dispatchers may also whistle; handlers only for their own unit's cases.
        return actor.role != "handler" or actor.unit_code == case.lead_unit
    return _own_participation(case, actor) is not None


def _preconditions_ok(action: Action, case: Case) -> bool:
    if action.name == "decide_extension":
        return bool(case.pending_extension)
    if action.name == "request_extension":
        return not case.pending_extension
    if action.name == "override_audit":
        audit = case.reply_audit or {}
        return audit.get("verdict") == "return" and "overridden_by" not in audit
    return True


def allowed_actions(case: Case, actor: Actor) -> list[str]:
    """The actions this actor may take on the case now, in table order."""
    return [
        a.name
        for a in TRANSITIONS.values()
        if case.status in a.sources
        and has_permission(actor.role, a.permission)
        and _binding_ok(a, case, actor)
        and _preconditions_ok(a, case)
    ]


def perform(
    *,
    session: Session,
    case: Case,
    action: str,
    actor: Actor,
    data: ActionIn,
    now: dt.datetime | None = None,
    live: bool = True,
) -> CaseEvent:
    """Apply one action to a case, write its event, and publish it."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise ValidationFailed(
            f"unknown action {action!r}", field="action", value=action, allowed=list(TRANSITIONS)
        )
    if data.version != case.version:
        raise StaleVersion(
            f"case {case.number} changed since you read it (your version {data.version}, "
            f"current {case.version})",
            field="version",
            value=data.version,
            fix="reload the case and try again",
        )
    if case.status not in rule.sources:
        raise InvalidTransition(
            f"{rule.label} is not allowed while case {case.number} is "
            f"{states.STATUS_LABELS[case.status]} ({case.status})",
            field="status",
            value=case.status,
            allowed=allowed_actions(case, actor),
        )
    if not has_permission(actor.role, rule.permission) or not _binding_ok(rule, case, actor):
        raise PermissionDenied(
            f"role {actor.role} of unit {actor.unit_code} may not {rule.label} case {case.number}",
            field="action",
            value=action,
            allowed=allowed_actions(case, actor),
        )
    if not _preconditions_ok(rule, case):
        raise Conflict(
            f"{rule.label} does not apply to case {case.number} now",
            field="action",
            value=action,
            allowed=allowed_actions(case, actor),
        )
    step = Step(
        session=session,
        case=case,
        actor=actor,
        data=data,
        now=now or dt.datetime.now(dt.UTC),
        calendar=jurisdiction.get_calendar(session),
        live=live,
    )
    previous = case.status
    target = rule.step(step) or rule.target or previous
    case.status = target
    event = CaseEvent(
        case_id=case.id,
        kind=action,
        from_status=previous,
        to_status=target,
        actor_id=actor.id,
        actor_name=actor.name,
        unit_code=actor.unit_code or case.lead_unit,
        at=step.now,
        payload=step.payload,
    )
    session.add(event)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise StaleVersion(
            f"case {case.number} was changed by someone else at the same moment",
            field="version",
            value=data.version,
            fix="reload the case and try again",
        ) from None
    log.log(
        logging.INFO if live else logging.DEBUG,
        "case %s: %s %s -> %s",
        case.number,
        action,
        previous,
        target,
        extra={"case_number": case.number, "action": action},
    )
    publish(session, CaseHappening(case=case, event=event, live=live))
    return event
