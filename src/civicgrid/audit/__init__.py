"""Reply audit (智能审核答复): check an official reply against its request before release.

Public surface: :func:`audit` returns a :class:`Verdict`; :func:`load_phrases` builds a
district's phrase set; :mod:`civicgrid.audit.statistics` summarises verdicts per unit and
month; :mod:`civicgrid.audit.evaluation` measures the checks on a labelled file.
"""

from __future__ import annotations

from civicgrid.audit.context import Reporter
from civicgrid.audit.phrases import PhraseError, PhraseSet, load_phrases
from civicgrid.audit.service import audit
from civicgrid.audit.verdict import CHECKS, Finding, LLMRecord, Verdict

__all__ = [
    "CHECKS",
    "Finding",
    "LLMRecord",
    "PhraseError",
    "PhraseSet",
    "Reporter",
    "Verdict",
    "audit",
    "load_phrases",
]
