"""Key facts of a request, each with its span in the ORIGINAL text.

:func:`extract_facts` normalises the text (:mod:`civicgrid.nlp.normalise`), runs the finders
on the normalised text, and maps every span back. **Spans are Unicode code point offsets
(Python ``str`` indices) into the text exactly as received**, ``start`` inclusive and
``end`` exclusive; a browser converts them with
:func:`civicgrid.nlp.normalise.utf16_offset`.

Kinds of fact (``Fact.kind``):

=============  ==============================================  =========================
kind           value                                           display
=============  ==============================================  =========================
address        the normalised address text                     the same
time           ISO interval ``start/end`` (local time)         the original words
phone          the digits (``19900000001``, ``0755-20000000``) masked (``199****0001``)
id_number      the ID number                                   ``110105********002X``
plate          licence plate without separators (``粤B12345``)  ``粤B1***5``
person         the name or title                               ``王**``
organisation   the organisation name                           the same
people_count   the (minimum) number of people affected         the original words
hazard         the signal id (``gas_leak``...)                 its Chinese label
=============  ==============================================  =========================

Phones and ID numbers come from :mod:`civicgrid.privacy.masking`, the one place their
patterns live. Nothing personal is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from civicgrid.nlp import hazards as hazard_lexicon
from civicgrid.nlp.address_mentions import AddressFinder, find_address_spans
from civicgrid.nlp.entities import find_entities
from civicgrid.nlp.normalise import NormalisedText, normalise
from civicgrid.nlp.times import find_times
from civicgrid.privacy.masking import (
    find_id_numbers,
    find_phones,
    mask_id_number,
    mask_name,
    mask_phone,
)

log = logging.getLogger(__name__)

SENSITIVE_KINDS = frozenset({"phone", "id_number", "plate", "person"})

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Plates: province + letter, optional separator, then 5 characters (ordinary) or 6 for
# new-energy plates (D/F + 5 digits for small cars, 5 digits + D/F for large ones).
_PLATE = re.compile(
    rf"(?<![A-Za-z0-9])(?P<plate>[{_PROVINCES}][A-HJ-NP-Z][·•\s-]?"
    r"(?:[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]))"
    r"(?![A-Za-z0-9])"
)
_COUNT_NUM = r"(?:\d+|[一二两三四五六七八九十百千几]+)"
_PEOPLE_COUNT = re.compile(
    rf"(?P<num>{_COUNT_NUM}|上百|上千|数十|数百|近百)(?P<approx>多|余|来)?(?:个|名|位|户|家)?"
    r"(?P<who>人|居民|业主|住户|村民|工人|学生|老人|小孩|儿童|孩子|员工|家庭|户)"
    r"(?!民币|员|口普查|行道|工智能|大)"
)


@dataclass(frozen=True)
class Fact:
    """One key fact: its kind, value, a display text safe to show, and its original span."""

    kind: str
    value: str
    display: str
    start: int
    end: int
    detail: dict[str, str | int | bool] = field(default_factory=dict)

    @property
    def sensitive(self) -> bool:
        """Whether the fact is personal data that must be shown masked."""
        return self.kind in SENSITIVE_KINDS


@dataclass(frozen=True)
class KeyFacts:
    """All facts of one request and the priority its hazard signals give."""

    facts: list[Fact]
    priority: str
    normalised_text: str

    def of_kind(self, kind: str) -> list[Fact]:
        """Facts of one kind, in text order."""
        return [f for f in self.facts if f.kind == kind]


def extract_facts(
    text: str,
    received_at: dt.datetime,
    *,
    address_finder: AddressFinder | None = None,
    entity_backend: str = "rules",
) -> KeyFacts:
    """Key facts of a request text, spans in code points of the original ``text``."""
    norm = normalise(text or "")
    body = norm.text
    raw: list[Fact] = []
    raw += _personal_numbers(body)
    raw += _plates(body)
    raw += _addresses(body, address_finder or find_address_spans)
    raw += _times(body, received_at)
    raw += _entities(body, entity_backend)
    raw += _people_counts(body)
    signals = hazard_lexicon.find_hazards(body)
    raw += [
        Fact("hazard", s.signal, s.label, s.start, s.end, {"level": s.level, "phrase": s.phrase})
        for s in signals
    ]
    facts = _drop_overlaps(sorted(raw, key=lambda f: (f.start, -(f.end - f.start))))
    mapped = [_to_original(f, norm) for f in facts]
    log.debug("facts found: %s", {k: len([f for f in mapped if f.kind == k]) for k in
                                  {f.kind for f in mapped}})
    return KeyFacts(mapped, hazard_lexicon.priority_of(signals), body)


def _personal_numbers(body: str) -> list[Fact]:
    facts = [
        Fact("phone", p.value, mask_phone(p.value) or "", p.start, p.end, {"type": p.kind})
        for p in find_phones(body)
    ]
    facts += [
        Fact("id_number", i.value, mask_id_number(i.value) or "", i.start, i.end)
        for i in find_id_numbers(body)
    ]
    return facts


def _plates(body: str) -> list[Fact]:
    facts = []
    for m in _PLATE.finditer(body):
        value = re.sub(r"[·•\s-]", "", m.group("plate")).upper()
        display = value[:3] + "*" * (len(value) - 4) + value[-1]
        kind = "new_energy" if len(value) == 8 else "ordinary"
        facts.append(Fact("plate", value, display, m.start("plate"), m.end("plate"),
                          {"type": kind}))
    return facts


def _addresses(body: str, finder: AddressFinder) -> list[Fact]:
    return [Fact("address", body[s:e], body[s:e], s, e) for s, e in finder(body)]


def _times(body: str, received_at: dt.datetime) -> list[Fact]:
    return [
        Fact("time", f"{t.value_start.isoformat()}/{t.value_end.isoformat()}", t.text,
             t.start, t.end, {"granularity": t.granularity, "recurring": t.recurring})
        for t in find_times(body, received_at)
    ]


def _entities(body: str, backend: str) -> list[Fact]:
    facts = []
    for e in find_entities(body, backend):
        display = mask_name(e.text) or "" if e.kind == "person" else e.text
        facts.append(Fact(e.kind, e.text, display, e.start, e.end))
    return facts


def _people_counts(body: str) -> list[Fact]:
    from civicgrid.nlp.times import _number

    facts = []
    for m in _PEOPLE_COUNT.finditer(body):
        words = m.group("num")
        value = {"上百": 100, "上千": 1000, "数十": 20, "数百": 200, "近百": 90}.get(words)
        if value is None:
            value = int(words) if words.isdigit() else _chinese_count(words, _number)
        if value is None or value <= 0:
            continue
        facts.append(Fact("people_count", str(value), m.group(), m.start(), m.end(),
                          {"approximate": bool(m.group("approx")) or words in "几上百上千数十数百近百",
                           "who": m.group("who")}))
    return facts


def _chinese_count(words: str, number: object) -> int | None:
    if words.startswith("几"):
        return 3 * (10 if "十" in words else 100 if "百" in words else 1)
    if words.endswith("百") or words.endswith("千"):
        unit = 100 if words.endswith("百") else 1000
        head = number(words[:-1]) if len(words) > 1 else 1  # type: ignore[operator]
        return head * unit if head else None
    return number(words)  # type: ignore[operator]


def _drop_overlaps(facts: list[Fact]) -> list[Fact]:
    """Keep the first, longest fact where two overlap; hazards and times may overlap others."""
    kept: list[Fact] = []
    for fact in facts:
        clash = any(
            k.start < fact.end and fact.start < k.end and fact.kind not in ("hazard",)
            and k.kind not in ("hazard",) for k in kept
        )
        if not clash:
            kept.append(fact)
    return kept


def _to_original(fact: Fact, norm: NormalisedText) -> Fact:
    start, end = norm.original_span(fact.start, fact.end)
    return Fact(fact.kind, fact.value, fact.display, start, end, fact.detail)
