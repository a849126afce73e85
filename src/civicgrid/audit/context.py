"""What every check reads: the cleaned texts, the phrase set, the dates and the reporter.

:class:`AuditContext` also works out, once, which sentences of the reply carry content.
A sentence carries content when something is left after its receipt formulas (已收悉),
forwarding formulas (已转...阅处), courtesy, evasions, unit names, dates and punctuation
are taken out: at least :data:`CONTENT_MIN_CJK` CJK characters. A reply of receipts and
courtesy alone therefore has no content sentence, whatever its length.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from civicgrid.audit.phrases import PhraseSet
from civicgrid.audit.text import CleanText, clean_text, cjk_count, sentence_spans, shingles

CONTENT_MIN_CJK = 8

# A unit of government or a company, as replies name them (市住建局, 商州区人民政府办公室).
UNIT_NAME = re.compile(
    r"[\u4e00-\u9fffA-Z0-9]{1,16}?(?:人民政府办公室|人民政府|政府办公室|政府|办公室|办事处|委员会|"
    r"管理局|分局|局|委|中心|大队|中队|支队|总队|派出所|街道|社区|村委会|居委会|管理处|管理所|"
    r"服务站|卫生院|医院|公司|法院|检察院|红十字会|纪委|督查室|网宣办|物管办|社会事务办|股|科|所|站)"
)
_DATE_TEXT = re.compile(
    r"(?:\d{4}|[二〇一二三四五六七八九零]{4})\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|"
    r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}月\d{1,2}日"
)
_QUOTE = re.compile(r"[“\"「『《]([^”\"」』》]{4,200})[”\"」』》]")
_RESTATE_SHINGLE = 4
_RESTATE_SHARE = 0.6


@dataclass(frozen=True)
class Reporter:
    """The person who wrote the request, for the privacy check (any field may be None)."""

    name: str | None = None
    phone: str | None = None
    id_number: str | None = None
    address: str | None = None

    @classmethod
    def coerce(cls, value: Reporter | dict[str, Any] | None) -> Reporter | None:
        """A Reporter from a Reporter, a dict with the same keys, or None."""
        if value is None or isinstance(value, Reporter):
            return value
        if isinstance(value, dict):
            unknown = set(value) - {"name", "phone", "id_number", "address"}
            if unknown:
                raise ValueError(
                    f"reporter has unknown keys {sorted(unknown)}; allowed: name, phone, "
                    "id_number, address"
                )
            return cls(**{k: (str(v) if v is not None else None) for k, v in value.items()})
        raise TypeError(f"reporter must be a Reporter, a dict or None, got {type(value).__name__}")


@dataclass
class AuditContext:
    """The inputs of one audit, cleaned, with derived facts computed on first use."""

    request: CleanText
    reply: CleanText
    phrases: PhraseSet
    title: CleanText = field(default_factory=lambda: clean_text(""))
    received_at: dt.datetime | None = None
    replied_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    reporter: Reporter | None = None

    @cached_property
    def reply_sentences(self) -> list[tuple[int, int]]:
        """Sentence spans of the cleaned reply."""
        return sentence_spans(self.reply.text)

    @cached_property
    def content_sentences(self) -> list[tuple[int, int]]:
        """Reply sentences that carry content (see the module docstring)."""
        return [s for s in self.reply_sentences if self._has_content(self.reply.text[s[0] : s[1]])]

    @cached_property
    def content_text(self) -> str:
        """The content sentences of the reply joined by 。."""
        return "。".join(self.reply.text[s:e] for s, e in self.content_sentences)

    @cached_property
    def request_shingles(self) -> set[str]:
        """4-character shingles of the request (and title), to spot restatements."""
        return shingles(self.title.text + self.request.text, _RESTATE_SHINGLE)

    @cached_property
    def answer_text(self) -> str:
        """Content of the reply with quotations and restatements of the request removed."""
        kept = [self._drop_quotes(self.reply.text[s:e]) for s, e in self.content_sentences]
        return "。".join(part for part in kept if not self.is_restatement(part))

    def reply_span(self, start: int, end: int) -> tuple[int, int]:
        """A cleaned-reply span as a span of the reply text the caller gave."""
        return self.reply.to_original(start, end)

    def request_span(self, start: int, end: int) -> tuple[int, int]:
        """A cleaned-request span as a span of the request text the caller gave."""
        return self.request.to_original(start, end)

    def is_restatement(self, sentence: str) -> bool:
        """Whether a reply sentence mostly repeats the request's own words."""
        grams = shingles(sentence, _RESTATE_SHINGLE)
        if len(grams) < 3:
            return False
        return len(grams & self.request_shingles) / len(grams) >= _RESTATE_SHARE

    def _drop_quotes(self, sentence: str) -> str:
        def replace(match: re.Match[str]) -> str:
            return "" if self.is_restatement(match.group(1)) else match.group(0)

        return _QUOTE.sub(replace, sentence)

    def _has_content(self, sentence: str) -> bool:
        if cjk_count(sentence) < CONTENT_MIN_CJK:
            return False
        rest = self.phrases.patterns["formulas"].sub("", sentence)
        rest = UNIT_NAME.sub("", _DATE_TEXT.sub("", rest))
        return cjk_count(rest) >= CONTENT_MIN_CJK


def whole(text: str) -> tuple[int, int] | None:
    """The span of a whole text, or None when it is empty."""
    return (0, len(text)) if text else None


def date_spans(text: str) -> list[re.Match[str]]:
    """Written dates in a text (2021年8月9日, 2021-08-09, 8月9日)."""
    return list(_DATE_TEXT.finditer(text))
