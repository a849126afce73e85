"""Public entry point of the reply audit: :func:`audit` one reply against its request.

Usage::

    from civicgrid.audit import audit

    verdict = audit(request_text, reply_text, replied_at="2026-12-04 10:00",
                    deadline="2026-12-10", reporter={"name": "王小明", "phone": "13800000000"})
    verdict.verdict        # "pass" | "pass_with_notes" | "return"
    verdict.score          # 0-100
    verdict.reasons        # what to tell the unit when it goes back
    verdict.findings       # every finding with its check, span and suggested correction

The offline checks always run: relevance, completeness, contradiction, tone and form,
privacy, timeliness (see each module). Input is never refused: an empty reply, a reply that
only quotes the request, or one full of HTML and Word markup is judged and explained.
With an LLM client the verdict also carries the LLM's second opinion and, when asked, a
rewrite; every LLM failure is recorded as a fallback (:mod:`civicgrid.audit.llm_judge`).

Spans are code-point offsets into the texts exactly as passed in (see
:mod:`civicgrid.audit.verdict`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from civicgrid.audit.completeness import check_completeness
from civicgrid.audit.context import AuditContext, Reporter
from civicgrid.audit.phrases import PhraseOverride, PhraseSet, load_phrases
from civicgrid.audit.privacy import check_privacy
from civicgrid.audit.relevance import check_relevance
from civicgrid.audit.text import clean_text
from civicgrid.audit.timing import check_contradiction, check_timeliness
from civicgrid.audit.tone import check_tone
from civicgrid.audit.verdict import Finding, Verdict, build_verdict
from civicgrid.audit.when import When, parse_when

if TYPE_CHECKING:
    from civicgrid.llm.client import ChatClient

log = logging.getLogger(__name__)

Check = Callable[[AuditContext], list[Finding]]

# Every offline check, in the order findings are reported.
CHECK_FUNCTIONS: tuple[tuple[str, Check], ...] = (
    ("relevance", check_relevance),
    ("completeness", check_completeness),
    ("contradiction", check_contradiction),
    ("tone", check_tone),
    ("privacy", check_privacy),
    ("timeliness", check_timeliness),
)


def audit(
    request_text: str | None,
    reply_text: str | None,
    *,
    received_at: When = None,
    replied_at: When = None,
    deadline: When = None,
    reporter: Reporter | dict[str, Any] | None = None,
    phrases: PhraseSet | PhraseOverride = None,
    title: str | None = None,
    llm: ChatClient | None = None,
    rewrite: bool = False,
) -> Verdict:
    """Audit one reply against its request and return the verdict with every finding."""
    ctx = make_context(
        request_text, reply_text, received_at=received_at, replied_at=replied_at,
        deadline=deadline, reporter=reporter, phrases=phrases, title=title,
    )
    findings: list[Finding] = []
    for _name, check in CHECK_FUNCTIONS:
        findings.extend(check(ctx))
    verdict = build_verdict(findings)
    if llm is not None or rewrite:
        from civicgrid.audit.llm_judge import add_llm_opinion

        verdict = add_llm_opinion(verdict, ctx, llm, rewrite=rewrite)
    return verdict


def make_context(
    request_text: str | None,
    reply_text: str | None,
    *,
    received_at: When = None,
    replied_at: When = None,
    deadline: When = None,
    reporter: Reporter | dict[str, Any] | None = None,
    phrases: PhraseSet | PhraseOverride = None,
    title: str | None = None,
) -> AuditContext:
    """The cleaned inputs of an audit; raises ValueError naming a bad argument."""
    phrase_set = phrases if isinstance(phrases, PhraseSet) else load_phrases(phrases)
    return AuditContext(
        request=clean_text(_as_text(request_text, "request_text")),
        reply=clean_text(_as_text(reply_text, "reply_text")),
        phrases=phrase_set,
        title=clean_text(_as_text(title, "title")),
        received_at=parse_when(received_at, name="received_at"),
        replied_at=parse_when(replied_at, name="replied_at"),
        deadline=parse_when(deadline, name="deadline", end_of_day=True),
        reporter=Reporter.coerce(reporter),
    )


def _as_text(value: object, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:  # NaN from a spreadsheet's empty cell
        return ""
    raise TypeError(f"{name} must be text or None, got {type(value).__name__}")
