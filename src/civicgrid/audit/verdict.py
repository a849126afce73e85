"""Findings, the score and the verdict of one audited reply.

A :class:`Finding` names its check, a short code, a severity, a message saying what is
wrong, a suggested correction and the span it refers to. ``target`` says which text the
span indexes: ``"reply"`` or ``"request"``, exactly as the caller passed them to
:func:`civicgrid.audit.service.audit` (code-point offsets, end exclusive, into the
original text before any HTML or Word markup was stripped). A span of ``None`` means the
finding concerns the whole text or something missing from it.

Scoring: every reply starts at 100; a major finding costs 30 and a minor one 8 (a tone or
form note 4), at most 60 per check. The verdict is

* ``return`` (to the unit) when there is a major finding or the score is under 60;
* ``pass_with_notes`` when there are only minor findings;
* ``pass`` when there are none.

``core_verdict`` is the same rule applied to the relevance and completeness findings
alone: the content verdict that the evaluation compares with hand labels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CHECKS = ("relevance", "completeness", "contradiction", "tone", "privacy", "timeliness")
CORE_CHECKS = ("relevance", "completeness")
VERDICTS = ("pass", "pass_with_notes", "return")

MAJOR, MINOR = "major", "minor"
_MAJOR_COST = 30
_MINOR_COST = {"tone": 4}
_DEFAULT_MINOR_COST = 8
_CHECK_CAP = 60
_RETURN_BELOW = 60


@dataclass(frozen=True)
class Finding:
    """One fault found in a reply."""

    check: str
    code: str
    severity: str
    message: str
    suggestion: str
    target: str = "reply"
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON-ready data."""
        data = asdict(self)
        data["span"] = list(self.span) if self.span else None
        return data


@dataclass(frozen=True)
class LLMRecord:
    """What the optional LLM judge said, or why it could not be used."""

    used: bool
    verdict: str | None = None
    reasons: tuple[str, ...] = ()
    rewrite: str | None = None
    fallback: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data."""
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        return data


@dataclass
class Verdict:
    """The audit of one reply: score, verdict, reasons and every finding."""

    verdict: str
    score: int
    reasons: list[str]
    findings: list[Finding]
    core_verdict: str
    llm: LLMRecord | None = None
    rewrite: str | None = None

    @property
    def faults(self) -> list[str]:
        """The names of the checks that found something, in check order."""
        found = {f.check for f in self.findings}
        return [name for name in (*CHECKS, "llm_judge") if name in found]

    def to_dict(self) -> dict[str, Any]:
        """The verdict as plain JSON-ready data (what the API and the console show)."""
        return {
            "verdict": self.verdict,
            "score": self.score,
            "core_verdict": self.core_verdict,
            "reasons": self.reasons,
            "faults": self.faults,
            "findings": [f.to_dict() for f in self.findings],
            "llm": self.llm.to_dict() if self.llm else None,
            "rewrite": self.rewrite,
        }


def score_findings(findings: list[Finding]) -> int:
    """The 0-100 score of a reply with these findings."""
    per_check: dict[str, int] = {}
    for finding in findings:
        cost = _MAJOR_COST if finding.severity == MAJOR else _minor_cost(finding.check)
        per_check[finding.check] = per_check.get(finding.check, 0) + cost
    penalty = sum(min(cost, _CHECK_CAP) for cost in per_check.values())
    return max(0, 100 - penalty)


def _minor_cost(check: str) -> int:
    return _MINOR_COST.get(check, _DEFAULT_MINOR_COST)


def verdict_of(findings: list[Finding], score: int | None = None) -> str:
    """pass, pass_with_notes or return for these findings."""
    score = score_findings(findings) if score is None else score
    if any(f.severity == MAJOR for f in findings) or score < _RETURN_BELOW:
        return "return"
    return "pass_with_notes" if findings else "pass"


def build_verdict(findings: list[Finding]) -> Verdict:
    """Score the findings and give the verdict with its reasons."""
    score = score_findings(findings)
    core = [f for f in findings if f.check in CORE_CHECKS]
    return Verdict(
        verdict=verdict_of(findings, score),
        score=score,
        reasons=reasons_of(findings),
        findings=findings,
        core_verdict=verdict_of(core),
    )


def reasons_of(findings: list[Finding]) -> list[str]:
    """The reasons to show a unit: major findings first, each once."""
    ordered = sorted(findings, key=lambda f: (f.severity != MAJOR, CHECKS.index(f.check)
                                              if f.check in CHECKS else len(CHECKS)))
    reasons: list[str] = []
    for finding in ordered:
        text = f"[{finding.check}] {finding.message}"
        if text not in reasons:
            reasons.append(text)
    return reasons
