"""Tone and form: prescribed opening and closing, no evasions, no rudeness, no empty formulas.

Findings (spans index the reply):

* ``rude_phrase`` (major): a phrase from the ``rude`` list, one finding each (at most 3);
* ``no_opening`` (minor): no phrase of ``openings`` in the first 30 characters;
* ``no_closing`` (minor): no phrase of ``closings`` in the last 150 characters (signature
  and date lines included);
* ``evasion`` (minor): a phrase from ``evasions``, one finding per distinct phrase (at most 3);
* ``empty_boilerplate`` (minor): formulas make up most of the reply;
* ``overlong`` (minor): the reply is far longer than the request (over 3,000 CJK characters
  and more than 8 times the request), which usually means pasted documents;
* ``markup_leftovers`` (minor): HTML or Word markup was found and stripped before checking.
"""

from __future__ import annotations

import re

from civicgrid.audit.context import AuditContext
from civicgrid.audit.text import cjk_count
from civicgrid.audit.verdict import MAJOR, MINOR, Finding

CHECK = "tone"

OPENING_WINDOW = 30
CLOSING_WINDOW = 150
MAX_PER_KIND = 3
FORMULA_SHARE = 0.6
OVERLONG_CJK = 3000
OVERLONG_RATIO = 8


def check_tone(ctx: AuditContext) -> list[Finding]:
    """Findings of the tone-and-form check."""
    reply = ctx.reply.text
    if not reply.strip():
        return []
    findings = _phrase_findings(ctx, "rude", "rude_phrase", MAJOR)
    findings.extend(_form_findings(ctx))
    findings.extend(_phrase_findings(ctx, "evasions", "evasion", MINOR))
    findings.extend(_size_findings(ctx))
    return findings


def _form_findings(ctx: AuditContext) -> list[Finding]:
    text = ctx.reply.text
    body = text.strip()
    lead = len(text) - len(text.lstrip())
    findings = []
    if not ctx.phrases.search("openings", body[:OPENING_WINDOW]):
        findings.append(_finding(ctx, "no_opening", MINOR, "缺少规范的称呼和问候语",
                                 "以“您好！”等规范称呼开头", (lead, lead + min(len(body), 15))))
    tail_start = max(0, len(body) - CLOSING_WINDOW)
    if not ctx.phrases.search("closings", body[tail_start:]):
        end = lead + len(body)
        findings.append(_finding(ctx, "no_closing", MINOR, "缺少规范的结束语",
                                 "以“感谢您的来信”等规范结束语结尾", (max(lead, end - 15), end)))
    return findings


def _phrase_findings(ctx: AuditContext, key: str, code: str, severity: str) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for match in ctx.phrases.find(key, ctx.reply.text):
        phrase = match.group(0)
        if phrase in seen or _inside_quote(ctx.reply.text, match):
            continue
        seen.add(phrase)
        if code == "rude_phrase":
            message, fix = f"答复含有不文明用语“{phrase}”", "删去该用语，以平和、尊重的语气答复"
        else:
            message, fix = f"答复含有推诿、空泛的表述“{phrase}”", "改为写明具体的处理结果、依据或办理渠道"
        findings.append(_finding(ctx, code, severity, message, fix, match.span()))
        if len(findings) >= MAX_PER_KIND:
            break
    return findings


def _inside_quote(text: str, match: re.Match[str]) -> bool:
    # A reply may quote the citizen's words (反映"……后果自负"); quoting is not being rude.
    before = text[: match.start()]
    return before.count("“") > before.count("”")


def _size_findings(ctx: AuditContext) -> list[Finding]:
    findings = []
    reply_cjk = cjk_count(ctx.reply.text)
    content_cjk = sum(cjk_count(ctx.reply.text[s:e]) for s, e in ctx.content_sentences)
    if reply_cjk >= 20 and (reply_cjk - content_cjk) / reply_cjk > FORMULA_SHARE:
        findings.append(_finding(ctx, "empty_boilerplate", MINOR, "答复以套话为主，实质内容很少",
                                 "删减客套和程式化表述，写明实质内容", None))
    request_cjk = cjk_count(ctx.title.text + ctx.request.text)
    if reply_cjk > OVERLONG_CJK and reply_cjk > OVERLONG_RATIO * max(request_cjk, 1):
        findings.append(_finding(
            ctx, "overlong", MINOR, f"答复长达{reply_cjk}字，远超来信（{request_cjk}字）",
            "精简答复，保留与诉求相关的结论、依据和措施，附件另附", None,
        ))
    if ctx.reply.leftovers:
        first = ctx.reply.leftovers[0]
        findings.append(Finding(
            check=CHECK, code="markup_leftovers", severity=MINOR,
            message=f"答复含有{len(ctx.reply.leftovers)}处网页或Word格式残留（已去除后审核）",
            suggestion="以纯文本粘贴答复，去掉HTML标签、&nbsp;和Word样式",
            target="reply", span=(first.start, first.end),
        ))
    return findings


def _finding(
    ctx: AuditContext, code: str, severity: str, message: str, suggestion: str,
    span: tuple[int, int] | None,
) -> Finding:
    original = ctx.reply_span(*span) if span else None
    return Finding(check=CHECK, code=code, severity=severity, message=message,
                   suggestion=suggestion, target="reply", span=original)
