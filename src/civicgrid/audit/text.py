"""Cleaning reply and request texts, and the small text measures the checks share.

Replies are often pasted from Word or a web editor and arrive with HTML tags, entities
(``&nbsp;``), Word's ``mso-`` styles, ``_x000D_`` carriage-return markers from Excel or
zero-width characters. :func:`clean_text` removes them and keeps, for every character of
the cleaned text, the index of the character it came from in the original, so that a span
found in the cleaned text can be reported in the text the caller gave
(:meth:`CleanText.to_original`). Spans everywhere in this package are Python string
indices (Unicode code points), end exclusive.

The other helpers split a text into sentences (with spans) and into CJK character bigrams,
the unit of the relevance check's overlap measure. Bigrams need no word segmenter, which
keeps an audit well under a millisecond per reply.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

# What a Word or web paste leaves behind, most specific first.
_LEFTOVER = re.compile(
    r"<!--\[if.*?<!\[endif\]-->"  # Word conditional comments
    r"|<!--.*?-->"
    r"|<(style|script|xml)\b[^>]*>.*?</\1\s*>"
    r"|/\*\s*Style Definitions\s*\*/.*?\}"  # Word's inline style sheet
    r"|Normal\s+0\s+[\d.]+\s*(?:磅|pt)\s.*?X-NONE"  # Word's document settings line
    r"|[\w.#-]+\s*\{[^{}]{0,2000}mso-[^{}]{0,2000}\}"  # a CSS rule holding mso- styles
    r"|mso-[a-z-]+\s*:\s*[^;\"'<>\n]{0,80};?"
    r"|</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]{0,500})?/?>|<!DOCTYPE[^<>]*>"  # any other tag
    r"|&(?:[A-Za-z]{2,8}|#\d{1,7}|#x[0-9A-Fa-f]{1,6});"
    r"|_x000[DA]_"
    r"|[\u200b-\u200f\u2060\ufeff]",
    re.S | re.I,
)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:br|p|div|li|tr|h[1-6])\b", re.I)
_QUICK_MARKERS = ("<", "&", "mso-", "_x000", "Normal", "Style Definitions")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


@dataclass(frozen=True)
class Leftover:
    """One piece of HTML or Word markup removed from a text (span in the original)."""

    kind: str
    start: int
    end: int


@dataclass
class CleanText:
    """A text with markup removed and a map back to the original's indices."""

    original: str
    text: str
    # origin[i] is the index in ``original`` of cleaned character i; one extra entry at the end.
    origin: list[int] | None = None
    leftovers: list[Leftover] = field(default_factory=list)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span of the cleaned span ``[start, end)``."""
        if self.origin is None:
            return start, end
        if end <= start:
            point = self.origin[min(start, len(self.origin) - 1)]
            return point, point
        return self.origin[start], self.origin[end - 1] + 1


def clean_text(original: str | None) -> CleanText:
    """Strip HTML tags, entities, Word styles and invisible characters from a text."""
    original = original or ""
    if not any(marker in original for marker in _QUICK_MARKERS) and not _INVISIBLE.search(original):
        return CleanText(original=original, text=original)
    pieces: list[str] = []
    origin: list[int] = []
    leftovers: list[Leftover] = []
    position = 0
    for match in _LEFTOVER.finditer(original):
        _copy(original, position, match.start(), pieces, origin)
        replacement = _replacement(match.group(0))
        pieces.append(replacement)
        origin.extend([match.start()] * len(replacement))
        leftovers.append(Leftover(_leftover_kind(match.group(0)), match.start(), match.end()))
        position = match.end()
    _copy(original, position, len(original), pieces, origin)
    origin.append(len(original))
    return CleanText(original=original, text="".join(pieces), origin=origin, leftovers=leftovers)


def _copy(text: str, start: int, end: int, pieces: list[str], origin: list[int]) -> None:
    pieces.append(text[start:end])
    origin.extend(range(start, end))


def _replacement(markup: str) -> str:
    if markup.startswith("&"):
        value = html.unescape(markup)
        return " " if value in ("\xa0", "\u3000") else value
    if markup.lower().startswith("_x000"):
        return "\n"
    if _BLOCK_TAG.match(markup):
        return "\n"
    return ""


def _leftover_kind(markup: str) -> str:
    lowered = markup.lower()
    if lowered.startswith("&"):
        return "entity"
    if "mso-" in lowered or lowered.startswith(("normal", "/*", "<!--[if")):
        return "word_style"
    if lowered.startswith("_x000"):
        return "excel_newline"
    if lowered.startswith("<"):
        return "html_tag"
    return "invisible"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` (split at 。！？；, ASCII ?!; and newlines)."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            spans.append(_strip_span(text, start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append(_strip_span(text, start, len(text)))
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def cjk_count(text: str) -> int:
    """Number of CJK characters in ``text``."""
    return len(_CJK.findall(text))


def cjk_bigrams(text: str) -> set[str]:
    """The set of adjacent CJK character pairs in ``text`` (pairs never cross punctuation)."""
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def shingles(text: str, size: int) -> set[str]:
    """Character n-grams of the text with whitespace removed."""
    squeezed = re.sub(r"\s+", "", text)
    return {squeezed[i : i + size] for i in range(max(0, len(squeezed) - size + 1))}
