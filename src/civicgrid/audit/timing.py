"""Contradiction and timeliness: claims and dates that cannot be true, and late replies.

Contradiction findings (all major, spans index the reply):

* ``resolved_without_action``: the reply says the matter is solved (已解决, 已办结) but
  describes no action anywhere in its content;
* ``reply_before_request``: the reply time given is earlier than the request's;
* ``impossible_date``: a written date that is not in the calendar (2月30日, 13月);
* ``date_after_reply``: something "already done on" (已于) a date after the reply was sent;
* ``reply_dated_before_request``: the date that closes the reply is before the request.

Timeliness: ``late`` (major) when the reply came after the deadline; ``reply_time_unknown``
(minor) when a deadline is set but the reply time is not known.
"""

from __future__ import annotations

import datetime as dt
import re

from civicgrid.audit.context import AuditContext
from civicgrid.audit.verdict import MAJOR, MINOR, Finding

_WRITTEN_DATE = re.compile(
    r"(?<![\d\-—])(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})\s*日?"
)
_DONE_ON = re.compile(r"已(?:经)?于\s*$")
_TAIL = 40


def check_contradiction(ctx: AuditContext) -> list[Finding]:
    """Findings of the contradiction check."""
    findings = _resolved_without_action(ctx)
    if ctx.received_at and ctx.replied_at and ctx.replied_at < ctx.received_at:
        findings.append(_finding(
            "reply_before_request", "答复时间早于来信时间",
            "核对答复时间和来信时间，改正录入错误", None,
        ))
    findings.extend(_date_findings(ctx))
    return findings


def _resolved_without_action(ctx: AuditContext) -> list[Finding]:
    reply = ctx.reply.text
    claim = ctx.phrases.search("resolved_claims", reply)
    if claim is None:
        return []
    rest = ctx.content_text.replace(claim.group(0), "")
    if ctx.phrases.search("actions", rest):
        return []
    return [_finding(
        "resolved_without_action", f"答复称“{claim.group(0)}”，但没有写明采取了什么措施",
        "写明由谁、何时、采取了什么措施，以及解决的结果", ctx.reply_span(*claim.span()),
    )]


def _date_findings(ctx: AuditContext) -> list[Finding]:
    reply = ctx.reply.text
    findings: list[Finding] = []
    closing_date: dt.date | None = None
    for match in _WRITTEN_DATE.finditer(reply):
        date = _calendar_date(match)
        span = ctx.reply_span(*match.span())
        if date is None:
            findings.append(_finding("impossible_date", f"日期“{match.group(0)}”不存在",
                                     "核对并改正日期", span))
            continue
        if _done_after_reply(ctx, reply, match, date):
            findings.append(_finding(
                "date_after_reply", f"答复称已于{match.group(0)}办理，但该日期晚于答复时间",
                "核对办理日期和答复日期", span,
            ))
        if match.end() >= len(reply.rstrip()) - _TAIL:
            closing_date = date
    if closing_date and ctx.received_at and closing_date < ctx.received_at.date():
        findings.append(_finding(
            "reply_dated_before_request", "答复落款日期早于来信日期",
            "核对落款日期", None,
        ))
    return findings


def _calendar_date(match: re.Match[str]) -> dt.date | None:
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _done_after_reply(ctx: AuditContext, reply: str, match: re.Match[str], date: dt.date) -> bool:
    if ctx.replied_at is None:
        return False
    before = reply[max(0, match.start() - 4) : match.start()]
    return bool(_DONE_ON.search(before)) and date > ctx.replied_at.date() + dt.timedelta(days=1)


def check_timeliness(ctx: AuditContext) -> list[Finding]:
    """Findings of the timeliness check (nothing when no deadline is set)."""
    if ctx.deadline is None:
        return []
    if ctx.replied_at is None:
        return [Finding(
            check="timeliness", code="reply_time_unknown", severity=MINOR,
            message="设有办理时限，但答复时间未知", suggestion="记录答复时间",
        )]
    if ctx.replied_at <= ctx.deadline:
        return []
    late = ctx.replied_at - ctx.deadline
    return [Finding(
        check="timeliness", code="late", severity=MAJOR,
        message=f"超过办理时限{_duration(late)}答复",
        suggestion="说明超期原因；今后在时限内答复或按规定申请延期",
    )]


def _duration(delta: dt.timedelta) -> str:
    if delta.days >= 1:
        return f"{delta.days}天"
    return f"{max(1, round(delta.seconds / 3600))}小时"


def _finding(code: str, message: str, suggestion: str, span: tuple[int, int] | None) -> Finding:
    return Finding(check="contradiction", code=code, severity=MAJOR, message=message,
                   suggestion=suggestion, target="reply", span=span)
