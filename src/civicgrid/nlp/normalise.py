"""Text normalisation for request understanding, with a map back to the original text.

Requests arrive from WeChat, web forms, phone-call notes and spreadsheets, so the same words
come in many shapes: full-width digits (``１０８８``), zero-width spaces, emoji, traditional
characters (``南山區``). Every model in :mod:`civicgrid.nlp` reads the *normalised* text, and
every span it reports is mapped back to the *original* text before it leaves the package.

Normalisation, character by character:

1. Unicode NFKC (full-width letters and digits become ASCII, ``㈠`` becomes ``(一)``);
2. invisible characters are dropped: zero-width space/joiners (U+200B..U+200D), word joiner
   (U+2060), BOM (U+FEFF), soft hyphen and the other format (``Cf``) characters, except the
   emoji joiner inside an emoji sequence, which is harmless and also dropped;
3. traditional characters become simplified ones (zhconv, ``zh-cn``), phrase by phrase when
   that keeps the length, else character by character.

**Offsets are Unicode code points** (Python ``str`` indices), never UTF-16 units or bytes.
A browser that highlights a span must convert (one astral emoji counts 1 here and 2 in
JavaScript); :func:`utf16_offset` does it for the console.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Characters removed outright: zero-width and other invisible format characters.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"}


@dataclass(frozen=True)
class NormalisedText:
    """A normalised text and, for each of its characters, the original index it came from.

    ``origin[i]`` is the code point index in ``original`` that produced ``text[i]``.
    """

    original: str
    text: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span ``[start, end)`` of the normalised text to the original text."""
        if not self.text or start >= end:
            anchor = self.origin[start] if start < len(self.origin) else len(self.original)
            return anchor, anchor
        first = self.origin[start]
        last = self.origin[min(end, len(self.origin)) - 1]
        return first, last + 1


def normalise(original: str) -> NormalisedText:
    """Normalise a request text (NFKC, invisible characters removed, simplified Chinese)."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(original):
        if char in _INVISIBLE or (unicodedata.category(char) == "Cf" and char != "\n"):
            continue
        for piece in unicodedata.normalize("NFKC", char):
            if piece in _INVISIBLE:
                continue
            chars.append(piece)
            origin.append(index)
    text = _to_simplified("".join(chars))
    return NormalisedText(original=original, text=text, origin=tuple(origin))


def _to_simplified(text: str) -> str:
    """Traditional to simplified Chinese, keeping one output character per input character."""
    if not text or text.isascii():
        return text
    from zhconv import convert

    whole = convert(text, "zh-cn")
    if len(whole) == len(text):
        return whole
    # A phrase rule changed the length; fall back to one character at a time.
    return "".join(_one_char(c, convert) for c in text)


def _one_char(char: str, convert: object) -> str:
    converted = convert(char, "zh-cn")  # type: ignore[operator]
    return converted if len(converted) == 1 else char


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code unit offset (JavaScript string index) of code point ``index``."""
    return index + sum(1 for c in text[:index] if ord(c) > 0xFFFF)


def meaningful_length(text: str) -> int:
    """How many letters/CJK characters the text holds (digits, emoji, punctuation excluded)."""
    return sum(1 for c in text if c.isalpha())
