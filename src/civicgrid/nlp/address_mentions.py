"""Where a request mentions an address: a pattern-based span finder.

This module only *finds* address-like spans (``南山区桂庙路XX号``, ``XX花园3栋2单元1501``);
it does not parse them into levels or match them to the standard address base, which is the
job of the address package (``civicgrid.addresses``). The finder is pluggable: anything with
the :data:`AddressFinder` signature (normalised text in, list of ``(start, end)`` spans out)
can replace :func:`find_address_spans`, e.g. the address parser once it exists::

    facts = extract_facts(text, received_at, address_finder=my_parser_spans)

A span is a run of address components, each a short name plus a level word: region levels
(省/市/区/县/街道/镇/社区/村), a road (路/街/大道/巷) with an optional house number
(``108号``, ``XX号``), an estate or building (小区/花园/大厦/广场/苑...), and building,
unit, floor and room numbers. A span needs a road with a number, or an estate, or two
levels, so that a lone ``区`` in ordinary words is not taken. Leading words such as
``地址``, ``位于``, ``住在`` are trimmed. Offsets are code points of the text given.
"""

from __future__ import annotations

import re
from collections.abc import Callable

AddressFinder = Callable[[str], list[tuple[int, int]]]

# A name character: CJK, Latin or digit, but not a function word that glues sentences
# (的/了/我/在...), so that 我们小区门口的路 is not read as a road name. The class is built
# as explicit ranges (Python's re has no class subtraction), which keeps matching fast.
_FUNCTION_CHARS = (
    "的了们是和有我你他她这那个到去说把被让给从向对就也都还很要会能可没不与及或为什么请求但所以吗呢吧啊"
    "呀哦走进期待满怀统一管理部分包括作为"
)


def _name_class(excluded: str) -> str:
    ranges, low = [], 0x4E00
    for code in sorted(ord(c) for c in set(excluded)):
        if code > low:
            ranges.append(f"\\u{low:04x}-\\u{code - 1:04x}")
        low = code + 1
    ranges.append(f"\\u{low:04x}-\\u9fa5")
    return "[" + "".join(ranges) + "A-Za-z0-9]"


_NAME = _name_class(_FUNCTION_CHARS)
_NUMBER = r"(?:\d+|[XxＸ]{1,4}|[一二三四五六七八九十百]+)"
# 楼 that begins a word of place (楼下, 楼上, 楼道, 楼梯, 楼顶) is not a building or a floor:
# in "1单元201楼下烧烤店" the address ends at the room 201.
_NOT_A_FLOOR = "(?!下|上|道|梯|顶)"
# Region levels, any number of them in a row (省, 市, 区/县, 街道/镇, 社区/村).
_LEVELS = rf"(?:{_NAME}{{1,5}}?(?:自治区|省|市|区|县|旗|街道|镇|乡|社区|村|居委会))*"
# 道 ends a road name, but not in 楼道, 通道, 过道, 走道, 隧道, 车道 or 人行道. A road name
# may end in a Chinese numeral (工业一路) though 一 is not otherwise a name character.
_ROAD = (
    rf"(?P<road>{_NAME}{{1,6}}?[一二三四五六七八九十]{{0,2}}"
    r"(?:大道|路|街|巷|(?<![楼通过走隧车行])道|胡同|公路)"
    rf"(?:{_NUMBER}号(?:院)?)?)"
)
_ESTATE = (
    rf"(?P<estate>{_NAME}{{1,6}}?(?:小区|花园|大厦|广场|公寓|苑|家园|新村|大楼|中心|"
    r"商场|市场|工业园|科技园|园区|城|湾|府|庭|阁|山庄|宿舍))"
)
_BUILDING = (
    rf"(?P<building>(?:{_NUMBER}|[A-Za-z]{{1,2}}\d*)(?:栋|号楼|幢|座|楼{_NOT_A_FLOOR}))?"
    rf"(?:{_NUMBER}单元)?(?:{_NUMBER}(?:层|楼{_NOT_A_FLOOR}))?"
    r"(?:(?<=[栋幢座楼元层])\d{3,5}(?:室|房|号房)?|\d{3,5}(?:室|房|号房))?"
)
# Every component ends in one of these characters, and the first one ends within 12
# characters of the start (names are at most 6 characters, level words 3): the look-ahead
# lets the regex engine skip, at C speed, the positions where no address can start.
_COMPONENT_END = "省市区县旗道镇乡村会路街巷同号院园厦场寓苑楼心城湾府庭阁庄舍栋幢座元层室房"
_ADDRESS = re.compile(
    rf"(?=[^{_COMPONENT_END}]{{0,11}}[{_COMPONENT_END}])"
    rf"(?:{_LEVELS}(?:{_ROAD})?(?:{_ESTATE})?{_BUILDING})"
)
# Words before an address that are not part of it: everything up to the last of them is cut
# (为什么在K市K1区 -> K市K1区), provided enough is left.
_LEADING = re.compile(
    r".*(?:详细地址|地址|地点|位置|位于|住址|家住|住在|就在|居住在|我家在|我家|在|于|到|至|系|是|往|从|"
    r"楼下|对面|附近|反映|投诉|举报)"
)
_LEVEL_WORD = re.compile(r"(?:省|市|区|县|街道|镇|乡|社区|村|路|街|大道|巷|号|栋|单元|室)")


# Addresses never cross these; the text is cut into clauses at them first, and only clauses
# holding a level word are searched (fast on long texts).
_CLAUSE = re.compile(r"[^，。！？；：、,!?;:\s()（）【】\[\]“”\"'《》<>|]+")
_ANCHOR = re.compile(
    r"省|市|区|县|旗|街道|镇|乡|社区|村|路|街|巷|道|胡同|号|小区|花园|大厦|广场|公寓|苑|园|"
    r"中心|商场|市场|城|湾|府|庭|阁|山庄|宿舍|栋|幢|座|单元|室|楼"
)


def find_address_spans(text: str) -> list[tuple[int, int]]:
    """Address-like spans ``(start, end)`` in a normalised text, in text order."""
    spans: list[tuple[int, int]] = []
    for clause in _CLAUSE.finditer(text):
        if clause.end() - clause.start() >= 3 and _ANCHOR.search(clause.group()):
            spans += _spans_in(text, clause.start(), clause.end())
    return spans


def _spans_in(text: str, begin: int, stop: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _ADDRESS.finditer(text, begin, stop):
        if m.end() - m.start() < 3:
            continue
        span = _trim(text, m.start(), m.end())
        if span and _looks_like_address(text[span[0] : span[1]], m):
            spans.append(span)
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    lead = _LEADING.match(text, start, end)
    if lead and end - lead.end() >= 3:
        start = lead.end()
    return (start, end) if end - start >= 3 else None


def _looks_like_address(candidate: str, m: re.Match[str]) -> bool:
    road = m.group("road") or ""
    if road and "号" in road:
        return True
    if m.group("estate") and (m.group("building") or len(_LEVEL_WORD.findall(candidate)) >= 1):
        return len(candidate) >= 4
    return len(_LEVEL_WORD.findall(candidate)) >= 2 and len(candidate) >= 5
