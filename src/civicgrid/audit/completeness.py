"""Completeness: does the reply say what was done, on what basis, by whom, and when?

Rules, in order (the first that applies decides the major finding):

* ``empty_reply`` (major): nothing readable is left once markup is stripped;
* ``formula_only`` (major): only receipt, forwarding and courtesy formulas (已收悉, 已转
  ...阅处, 感谢您的支持), no content sentence;
* a *referral* — the reply's answer is to send the citizen elsewhere: it says the matter
  is not its business (不属于...范围, 没有管辖权), or it is short, reports nothing done and
  sends the citizen on (建议您向...咨询, 请关注...) — is an explicit decline, complete when
  it names the competent unit and a contact (phone, website, office); otherwise
  ``referral_incomplete`` (major);
* ``asks_for_details`` (major): the reply only asks the citizen for more details;
* ``no_result`` (major): no handling verb, refusal or finding in the content;
* ``promise_only`` (major): every content sentence is a promise (将, 会, 正在研究) and none
  states a fact or an outcome.

Then notes and the basis: ``thin_reply`` (major) for a short reply with no basis,
``no_basis`` (minor) for a longer one (basis: a law or policy named, 经查/现场 findings, or
figures); ``no_unit`` (minor) when no unit is named; ``no_time_frame`` (minor) when the
matter continues (正在, 尚未, 下一步) without a date or period; ``no_contact`` (minor) when it
continues without a contact. Spans index the reply.
"""

from __future__ import annotations

import re

from civicgrid.audit.context import UNIT_NAME, AuditContext
from civicgrid.audit.text import cjk_count
from civicgrid.audit.verdict import MAJOR, MINOR, Finding
from civicgrid.privacy.masking import find_phones

CHECK = "completeness"

THIN_REPLY_CJK = 40
REFERRAL_MAX_CJK = 120
OUT_OF_SCOPE_MAX_CJK = 300
DETAILS_MAX_CJK = 120

_WORDS = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
_OUT_OF_SCOPE = re.compile(
    r"不属于.{0,14}(?:范围|职责|职能|管辖|业务)|没有管辖权|无权|由上级.{0,8}负责|不归.{0,8}管"
)
_SEND_AWAY = re.compile(
    r"(?:或|可|请|建议)[^。；;\n]{0,12}?(?:向|到|与)[^。；;\n]{1,24}?(?:咨询|联系|反映|申请|办理|了解)|"
    r"请(?:您|你)?(?:参考|参照|查阅|登录|浏览|(?:密切)?关注)"
)
_DONE = re.compile(
    r"经查|经核实|经调查|经核查|据查|现场|实地|责令|约谈|受理|已(?:经)?(?:于)?[^。；]{0,8}?"
    r"(?:完成|拆除|整改|解决|安排|发放|修复|恢复|停止|取缔|下达|督促|联系|协调|召开|开展|核实|查处)"
)
_CONTACT = re.compile(
    r"(?:电话|热线|手机|联系方式|咨询电话)[：:（(]?\s*[\d\-—*]{5,}|https?://|www\.|网址|公众号|微信号|"
    r"\d{3,4}[-—]\d{7,8}|\d+楼\d+(?:室|办公室)|窗口"
)
_ASKS_DETAILS = re.compile(
    r"信息不清|要素不全|无法查实|无法核实|不掌握具体情况|没有说明具体|未说明具体|"
    r"请(?:您|你)?(?:将有关情况|提供|补充|详细说明|说明具体)|提供(?:必要的|具体的?)?线索"
)
_FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:元|万元|亿元|米|公里|平方米|平方|亩|户|人|名|个|辆|次|起|套|栋|%|％|天|"
    r"年|月|日|号|件|所|家|项|条|处|吨)"
)
_PROMISE = re.compile(r"将|会|正在|研究|考虑|争取|力争|进一步|加强|加大|努力|积极|逐步")
_FACT = re.compile(r"已|经查|经核实|经调查|据查|据了解|经了解|核实|现场|目前|现已|属实|根据|按照|依据|\d")


def check_completeness(ctx: AuditContext) -> list[Finding]:
    """Findings of the completeness check."""
    reply = ctx.reply.text
    if not _WORDS.search(reply):
        return [_finding(ctx, "empty_reply", MAJOR, "答复为空", "写明调查核实情况、处理结果和依据")]
    if not ctx.content_sentences:
        return [_finding(
            ctx, "formula_only", MAJOR,
            "答复只有“已收悉”“已转办”或客套话，没有处理结果",
            "写明承办单位调查核实的情况、处理结果及依据；仍在办理的写明办理时限",
        )]
    if _is_referral(ctx):
        return _referral_findings(ctx)
    major = _content_fault(ctx)
    return ([major] if major else []) + _notes(ctx)


def _is_referral(ctx: AuditContext) -> bool:
    content = ctx.content_text
    size = cjk_count(content)
    if _OUT_OF_SCOPE.search(content) and size <= OUT_OF_SCOPE_MAX_CJK:
        return True
    sends_away = bool(ctx.phrases.search("referrals", content) or _SEND_AWAY.search(content))
    return sends_away and size <= REFERRAL_MAX_CJK and not _DONE.search(content)


def _referral_findings(ctx: AuditContext) -> list[Finding]:
    content = ctx.content_text
    names_unit = bool(UNIT_NAME.search(_without_own_unit(content)))
    if names_unit and _has_contact(ctx):
        return []
    return [_finding(
        ctx, "referral_incomplete", MAJOR,
        "答复只建议另找渠道，没有写明有权处理的单位及其联系方式",
        "写明有权处理的单位、联系电话或地址，并说明本单位不能办理的理由和依据",
    )]


def _without_own_unit(content: str) -> str:
    # "不属于市长信箱受理范围" names the mailbox, not a unit the citizen can turn to.
    return content.replace("市长信箱", "")


def _content_fault(ctx: AuditContext) -> Finding | None:
    content = ctx.content_text
    phrases = ctx.phrases
    if _ASKS_DETAILS.search(content) and cjk_count(content) <= DETAILS_MAX_CJK:
        return _finding(ctx, "asks_for_details", MAJOR,
                        "答复只要求来信人补充材料，没有先行核查或答复",
                        "先根据已有信息调查核实并答复；确需补充的，写明需要什么、向谁提交、联系方式")
    has_result = any(phrases.search(key, content) for key in ("actions", "declines", "basis"))
    if not has_result and not _FIGURE.search(content):
        return _finding(ctx, "no_result", MAJOR, "答复没有写明处理结果或明确答复",
                        "写明调查核实情况和处理结果，或对咨询事项作出明确答复")
    if _promise_only(ctx):
        return _finding(ctx, "promise_only", MAJOR, "答复只有“将研究”“会加强”等表态，没有已办事实或结果",
                        "写明已经做了什么、结果如何；尚在办理的写明具体措施和时限")
    if not _has_basis(ctx) and cjk_count(content) < THIN_REPLY_CJK:
        return _finding(ctx, "thin_reply", MAJOR, "答复过于简单，没有依据或核查情况",
                        "补充所依据的法规政策条文或现场核查情况")
    return None


def _promise_only(ctx: AuditContext) -> bool:
    sentences = [ctx.reply.text[s:e] for s, e in ctx.content_sentences]
    promises = [s for s in sentences if _PROMISE.search(s)]
    return bool(promises) and not any(_FACT.search(s) for s in sentences)


def _has_basis(ctx: AuditContext) -> bool:
    content = ctx.content_text
    return bool(ctx.phrases.search("basis", content) or _FIGURE.search(content))


def _has_contact(ctx: AuditContext) -> bool:
    reply = ctx.reply.text
    return bool(_CONTACT.search(reply) or find_phones(reply))


def _notes(ctx: AuditContext) -> list[Finding]:
    content = ctx.content_text
    notes = []
    if not _has_basis(ctx):
        notes.append(_finding(ctx, "no_basis", MINOR, "答复没有写明依据（法规政策或核查情况）",
                              "补充所依据的法规政策条文或现场核查情况"))
    if not UNIT_NAME.search(ctx.reply.text):
        notes.append(_finding(ctx, "no_unit", MINOR, "答复没有写明承办单位",
                              "写明承办（责任）单位名称"))
    pending = ctx.phrases.search("pending", content)
    if pending and not ctx.phrases.search("time_frames", content):
        notes.append(_finding(ctx, "no_time_frame", MINOR, "事项仍在办理，但没有写明办理时限",
                              "写明预计完成的时间或期限", span=pending.span()))
    if pending and not _has_contact(ctx):
        notes.append(_finding(ctx, "no_contact", MINOR, "事项仍在办理，但没有留下联系方式",
                              "留下承办单位的联系电话，便于来信人跟进"))
    return notes


def _finding(
    ctx: AuditContext, code: str, severity: str, message: str, suggestion: str,
    span: tuple[int, int] | None = None,
) -> Finding:
    if span is not None:
        original = _content_span_in_reply(ctx, span)
    else:
        original = ctx.reply_span(0, len(ctx.reply.text)) if ctx.reply.text else None
    return Finding(check=CHECK, code=code, severity=severity, message=message,
                   suggestion=suggestion, target="reply", span=original)


def _content_span_in_reply(ctx: AuditContext, span: tuple[int, int]) -> tuple[int, int] | None:
    """Map a span of :attr:`AuditContext.content_text` to the caller's reply text."""
    offset = 0
    for start, end in ctx.content_sentences:
        length = end - start
        if span[0] < offset + length:
            local = span[0] - offset
            return ctx.reply_span(start + local, min(end, start + local + span[1] - span[0]))
        offset += length + 1  # the joining 。
    return None
