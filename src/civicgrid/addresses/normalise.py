"""Normalising address text before it is parsed or compared.

The steps, in order, each fixing a way real addresses break lookups:

1. zero-width and soft-hyphen characters are removed (pasted from chat apps);
2. NFKC: full-width digits and letters become ASCII (``１０８８`` → ``1088``, ``Ａ`` → ``A``),
   full-width brackets and dashes become ASCII ones;
3. traditional characters become simplified (zhconv, ``zh-hans``) *before* any lookup, so
   ``廣東省深圳市南山區`` reads like ``广东省深圳市南山区``;
4. dashes are unified and blanks dropped between Chinese characters;
5. bracketed text (``(深圳市人才研修院)``, ``【…】``) is taken out and kept as a note;
6. Chinese numerals that count something (``六号楼``, ``三楼``, ``一单元``, ``负一层``) become
   digits, while numerals inside names (``工业一路``, ``高新南九道``) are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_DASHES = re.compile("[\u2010-\u2015\u2212\uff0d~～]")
_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|【([^【】]*)】|〔([^〔〕]*)〕|「([^「」]*)」")
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")

CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8,
    "玖": 9,
}
CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_NUMERAL = "".join(CN_DIGITS) + "".join(CN_UNITS)
# A numeral counts something when one of these words follows it.
_COUNTED = re.compile(
    f"(?P<prefix>负|地下|第)?(?P<num>[{_NUMERAL}]+)"
    "(?=号楼|号院|号|栋|幢|座|单元|层|楼|室|期|组)"
)


def chinese_number(text: str) -> int:
    """The value of a Chinese numeral: ``一千零八十八`` → 1088, ``一五零一`` → 1501."""
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in text):
        raise ValueError(f"text {text!r}: not a Chinese numeral (use 零一二…十百千)")
    if not any(ch in CN_UNITS for ch in text):
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        else:
            total += (digit or 1) * CN_UNITS[ch]
            digit = 0
    return total + digit


@dataclass
class NormalisedText:
    """Normalised text and the bracketed notes taken out of it."""

    text: str
    notes: list[str] = field(default_factory=list)


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (character level, no regional word swaps)."""
    import zhconv

    return str(zhconv.convert(text, "zh-hans"))


def basic_form(text: str) -> str:
    """Steps 1-4: zero-width removal, NFKC, simplified characters, unified dashes and blanks."""
    text = _ZERO_WIDTH.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    text = _DASHES.sub("-", text)
    text = _HAN_GAP.sub("", text)
    return " ".join(text.split())


def counted_numerals(text: str) -> str:
    """Step 6: numerals before 号/栋/单元/层/室… become digits (``负一层`` → ``负1层``)."""

    def replace(match: re.Match[str]) -> str:
        prefix = match.group("prefix") or ""
        if prefix == "第":
            prefix = ""
        return prefix + str(chinese_number(match.group("num")))

    return _COUNTED.sub(replace, text)


def normalise(text: str) -> NormalisedText:
    """All steps; the result is what the parser and the address keys work on."""
    text = basic_form(text)
    notes: list[str] = []

    def take(match: re.Match[str]) -> str:
        inner = next(g for g in match.groups() if g is not None).strip()
        if inner:
            notes.append(inner)
        return ""

    previous = None
    while previous != text:
        previous, text = text, _BRACKETS.sub(take, text)
    text = text.replace("(", "").replace(")", "")
    return NormalisedText(counted_numerals(text), notes)
