"""Text normalisation for request understanding, with a map back to the original text.

Requests arrive from WeChat, web forms, phone-call notes and spreadsheets, so the same words
come in many shapes: full-width digits (``１０８８``), zero-width spaces, emoji, traditional
characters (``南山區``). Every model in :mod:`civicgrid.nlp` reads the *normalised* text, and
every span it reports is mapped back to the *original* text before it leaves the package.

Normalisation, character by character:

1. Unicode NFKC (full-width letters and digits become ASCII, ``㈠`` becomes ``(一)``);
2. invisible format characters are dropped: zero-width space/joiners (U+200B..U+200D),
   direction marks, word joiner (U+2060), BOM (U+FEFF), soft hyphen, emoji tag characters;
3. traditional characters become simplified ones (zhconv's ``zh-cn`` table, one character
   for one character, so the length never changes).

**Offsets are Unicode code points** (Python ``str`` indices), never UTF-16 units or bytes.
A browser that highlights a span must convert (one astral emoji counts 1 here and 2 in
JavaScript); :func:`utf16_offset` does it for the console.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

# Invisible format characters (Unicode category Cf) that turn up in pasted text: soft
# hyphen, Arabic/Syriac marks, Mongolian vowel separator, zero-width space/joiners and
# direction marks, word joiner and invisible operators, BOM, interlinear annotation marks,
# and the tag characters of flag emoji.
_INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)
# Characters that NFKC may change (everything outside CJK ideographs and printable ASCII):
# only these are looked at one by one.
_UNSTABLE = re.compile(r"[^\u4e00-\u9fff\u0020-\u007e\n\t]")


@dataclass(frozen=True)
class NormalisedText:
    """A normalised text and, for each of its characters, the original index it came from.

    ``origin[i]`` is the code point index in ``original`` that produced ``text[i]``;
    ``origin`` is None when nothing was removed or expanded (the indices are the same).
    """

    original: str
    text: str
    origin: tuple[int, ...] | None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span ``[start, end)`` of the normalised text to the original text."""
        if self.origin is None:
            return start, end
        if not self.text or start >= end:
            anchor = self.origin[start] if start < len(self.origin) else len(self.original)
            return anchor, anchor
        first = self.origin[start]
        last = self.origin[min(end, len(self.origin)) - 1]
        return first, last + 1


@lru_cache(maxsize=1024)
def normalise(original: str) -> NormalisedText:
    """Normalise a request text (NFKC, invisible characters removed, simplified Chinese).

    Cached: the key facts and both text models read the same request one after the other.
    """
    quick = original.translate(_ONE_FOR_ONE)
    if _IRREGULAR not in quick:
        return NormalisedText(original, quick, None)
    table, traditional = _simplified_table()
    replaced = [(m.start(), _nfkc_visible(m.group())) for m in _UNSTABLE.finditer(original)]
    return _with_origin(original, replaced, table, traditional)


class _OneForOne(dict):  # type: ignore[type-arg]
    """``str.translate`` table filled on first use: a character -> its NFKC form, simplified,
    when that is exactly one character; otherwise (removed or expanded characters) the
    marker :data:`_IRREGULAR`, which sends the text down the path that keeps an origin map.

    NFKC is applied character by character, which is what the origin-keeping path does too.
    """

    def __missing__(self, code: int) -> str:
        piece = _nfkc_visible(chr(code))
        if len(piece) != 1 or piece == _IRREGULAR:
            value = _IRREGULAR
        else:
            value = piece.translate(_simplified_table()[0])
        self[code] = value
        return value


_IRREGULAR = "\uffff"
_ONE_FOR_ONE = _OneForOne()


def _nfkc_visible(char: str) -> str:
    if _INVISIBLE.match(char):
        return ""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", char))


def _simplify(text: str, table: dict[int, str], traditional: re.Pattern[str]) -> str:
    # str.translate looks up every character; most requests hold no traditional character
    # at all, and one regex search tells that at C speed.
    return text.translate(table) if traditional.search(text) else text


def _with_origin(
    original: str,
    replaced: list[tuple[int, str]],
    table: dict[int, str],
    traditional: re.Pattern[str],
) -> NormalisedText:
    """Build the text and its origin map when some characters vanished or expanded."""
    pieces: list[str] = []
    origin: list[int] = []
    position = 0
    for index, piece in replaced:
        pieces.append(original[position:index])
        origin.extend(range(position, index))
        pieces.append(piece)
        origin.extend([index] * len(piece))
        position = index + 1
    pieces.append(original[position:])
    origin.extend(range(position, len(original)))
    return NormalisedText(original, _simplify("".join(pieces), table, traditional), tuple(origin))


@lru_cache(maxsize=1)
def _simplified_table() -> tuple[dict[int, str], re.Pattern[str]]:
    """zhconv's one-character traditional-to-simplified (zh-cn) mappings, and a pattern
    matching any character they change.

    Only one-to-one characters are used, so offsets never move; zhconv's phrase rules (which
    may change length) are left out, at the cost of a few rare context-dependent characters.
    """
    from zhconv import zhconv as tables

    tables.getdict("zh-cn")
    mapping = {k: v for k, v in tables.dict_zhcn.items() if len(k) == 1 and len(v) == 1 and k != v}
    # Only BMP characters go into the class: with one astral character in it, Python's re
    # stops using its bitmap and scans the whole list for every character of the text. Any
    # astral character at all (rare: emoji, CJK extension B) just selects the translation.
    bmp = "".join(re.escape(k) for k in sorted(mapping) if ord(k) <= 0xFFFF)
    traditional = re.compile(f"[{bmp}\U00010000-\U0010ffff]")
    return str.maketrans(mapping), traditional


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 code unit offset (JavaScript string index) of code point ``index``."""
    return index + sum(1 for c in text[:index] if ord(c) > 0xFFFF)


_LETTER = re.compile(r"[^\W\d_]")


def meaningful_length(text: str) -> int:
    """How many letters/CJK characters the text holds (digits, emoji, punctuation excluded)."""
    return len(_LETTER.findall(text))


def has_letters(text: str, count: int) -> bool:
    """Whether the text holds at least ``count`` letters/CJK characters (stops early)."""
    for seen, _ in enumerate(_LETTER.finditer(text), start=1):
        if seen >= count:
            return True
    return False
