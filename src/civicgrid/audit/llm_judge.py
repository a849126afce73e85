"""Optional LLM second opinion and rewrite suggestion for an audited reply.

The offline verdict always stands first. The LLM (any OpenAI-compatible endpoint, through
:class:`civicgrid.llm.client.ChatClient`) is asked for one JSON object::

    {"verdict": "pass" | "pass_with_notes" | "return",
     "reasons": ["...", ...],
     "rewrite": "a corrected reply, or an empty string"}

How its answer is used:

* it may add a note: when the LLM would return a reply the offline checks passed, a minor
  ``llm_judge`` finding with the LLM's first reason is added (so the reply is passed with
  notes, never silently returned or silently passed);
* it never clears an offline finding;
* its rewrite, when asked for, replaces the offline rewrite (a list of corrections).

Every failure — no endpoint, timeout, HTTP error, text that is not the JSON asked for, a
verdict outside the three allowed — is recorded in :class:`LLMRecord.fallback` with the
reason, and the offline result is returned unchanged apart from that record.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from civicgrid.audit.context import AuditContext
from civicgrid.audit.verdict import MINOR, VERDICTS, Finding, LLMRecord, Verdict, build_verdict
from civicgrid.llm.client import ChatClient, LLMUnavailable
from civicgrid.privacy.masking import redact_text

log = logging.getLogger(__name__)

MAX_CHARS = 4000

_SYSTEM = (
    "你是政府答复质量审核员。判断答复是否回应了来信的每一项诉求、是否写明处理结果、依据、"
    "承办单位和时限、语气是否得体、是否泄露个人信息。只输出一个JSON对象，键为 verdict"
    "（pass、pass_with_notes 或 return）、reasons（字符串列表）和 rewrite（改写后的答复，"
    "不需要改写时为空字符串）。"
)


def add_llm_opinion(
    verdict: Verdict, ctx: AuditContext, client: ChatClient | None, *, rewrite: bool = False
) -> Verdict:
    """The verdict with the LLM's opinion added, or with the fallback recorded."""
    offline_rewrite = suggest_rewrite(verdict) if rewrite else None
    if client is None:
        record = LLMRecord(used=False, fallback="no LLM endpoint configured")
        return replace(verdict, llm=record, rewrite=offline_rewrite)
    try:
        answer = ask_llm(client, ctx, with_rewrite=rewrite)
    except LLMUnavailable as exc:
        log.info("LLM judge unavailable, offline verdict kept: %s", exc)
        record = LLMRecord(used=False, fallback=str(exc))
        return replace(verdict, llm=record, rewrite=offline_rewrite)
    return _merge(verdict, answer, offline_rewrite if rewrite else None, rewrite)


def ask_llm(client: ChatClient, ctx: AuditContext, *, with_rewrite: bool) -> dict[str, Any]:
    """Ask the LLM for its verdict; raises LLMUnavailable for any unusable answer."""
    request = redact_text((ctx.title.text + "\n" + ctx.request.text).strip())[:MAX_CHARS]
    reply = redact_text(ctx.reply.text)[:MAX_CHARS]
    ask_rewrite = "请同时给出改写后的答复。" if with_rewrite else "rewrite 留空。"
    messages = [
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": f"来信：\n{request}\n\n答复：\n{reply}\n\n{ask_rewrite}"},
    ]
    data = client.chat_json(messages, required=("verdict", "reasons"))
    if data.get("verdict") not in VERDICTS:
        raise LLMUnavailable(
            f"the model's verdict {data.get('verdict')!r} is not one of {VERDICTS}"
        )
    reasons = data.get("reasons")
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise LLMUnavailable("the model's reasons are not a list of strings")
    return data


def _merge(verdict: Verdict, answer: dict[str, Any], offline_rewrite: str | None,
           rewrite: bool) -> Verdict:
    llm_rewrite = answer.get("rewrite") if isinstance(answer.get("rewrite"), str) else None
    record = LLMRecord(
        used=True,
        verdict=answer["verdict"],
        reasons=tuple(answer["reasons"]),
        rewrite=llm_rewrite or None,
    )
    findings = list(verdict.findings)
    if answer["verdict"] == "return" and verdict.verdict == "pass":
        reason = answer["reasons"][0] if answer["reasons"] else "LLM 认为答复需要退回"
        findings.append(Finding(
            check="llm_judge", code="llm_would_return", severity=MINOR,
            message=f"LLM 复核意见：{reason}", suggestion="人工复核该答复",
        ))
    merged = build_verdict(findings)
    chosen = (llm_rewrite or offline_rewrite) if rewrite else None
    return replace(merged, llm=record, rewrite=chosen)


def suggest_rewrite(verdict: Verdict) -> str:
    """An offline rewrite suggestion: the corrections the unit should make, in order."""
    if not verdict.findings:
        return "答复符合要求，无需修改。"
    lines = ["请按以下意见修改答复："]
    seen: set[str] = set()
    for finding in sorted(verdict.findings, key=lambda f: f.severity != "major"):
        if finding.suggestion in seen:
            continue
        seen.add(finding.suggestion)
        lines.append(f"{len(seen)}. {finding.suggestion}（{finding.message}）")
    return "\n".join(lines)
