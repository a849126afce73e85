"""Finding and resolving the administrative part of an address (省/市/区/街道/社区).

Substring matching over a national gazetteer fires on names hidden in roads and words
(中山园路 → 中山市, 南海大道 → 南海区, 合作处理 → 合作市). Here an administrative name is
accepted only as part of a *chain* that reads from the top level down:

* a full name with its suffix (``南山区``, ``深圳市``, ``粤海街道``) is accepted anywhere,
  unless the next character makes it another word (``沙河市场``);
* a short name (``广东``, ``深圳``) only when the next element of the chain follows at once
  (``广东深圳南山区``);
* the short name of a district of the jurisdiction's own city (``南山``, ``罗湖``) also at the
  start of a clause, when no road suffix follows (``南山科技园`` yes, ``南山大道`` no);
* ``XX街道``/``XX镇`` and ``XX社区`` not in the gazetteer are kept by name, without a code.

A duplicated name (南山区: 深圳 440305 and 鹤岗 230404) is resolved by the higher levels the
text gives, then by the jurisdiction (the platform's own district), never by the first hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from civicgrid.addresses.gazetteer import HK_PLACES, LEVELS, SPECIAL_REGIONS, Division, Gazetteer

_RANK = {level: rank for rank, level in enumerate(LEVELS)} | {"community": 4}
_ROAD_AFTER = re.compile(r"^[东南西北中]?(?:大道|大街|路|街(?!道)|道|巷|弄)")
_BAD_AFTER_CITY = re.compile(r"^(?:场|民|政府|委|长|级|内)")
_GENERIC_STREET = re.compile(r"^([\u4e00-\u9fff]{2,5}?)(街道|镇|乡)")
_GENERIC_COMMUNITY = re.compile(r"^([\u4e00-\u9fff]{2,5}?)社区")
_GENERIC_CITY = re.compile(r"^([\u4e00-\u9fff]{2,3})(市|州|盟)(?!场|民|政府|委|长|级|内)")
_GENERIC_DISTRICT = re.compile(r"^([\u4e00-\u9fff]{1,4}?)(区|县|市|旗)(?!场|民|政府|委|长|级|内)")
_UNKNOWN_DISTRICT = re.compile(r"^([\u4e00-\u9fff]{1,3})区")
_NOT_DISTRICT_WORDS = (
    "园区", "校区", "小区", "社区", "片区", "景区", "新区", "厂区", "街区", "城区", "市区",
    "辖区", "商区", "保税区", "合作区", "开发区", "工业区", "住宅区", "管理区", "功能区",
)
_CLAUSE_START_BEFORE = set("在于到去从至和与及、 ")
MAX_NAME = 14


@dataclass
class AdminElement:
    """One matched element of an administrative chain."""

    level: str
    name: str
    start: int
    end: int
    candidates: list[Division] = field(default_factory=list)
    short: bool = False


@dataclass
class AdminChain:
    """Consecutive administrative elements read top-down, with their span in the text."""

    elements: list[AdminElement]

    @property
    def start(self) -> int:
        return self.elements[0].start

    @property
    def end(self) -> int:
        return self.elements[-1].end

    @property
    def deepest(self) -> str:
        return self.elements[-1].level


def _full_matches(gaz: Gazetteer, text: str, pos: int, above: int) -> list[AdminElement]:
    found: list[AdminElement] = []
    for length in range(min(MAX_NAME, len(text) - pos), 1, -1):
        name = text[pos : pos + length]
        divisions = [d for d in gaz.lookup(name) if _RANK[d.level] > above]
        if not divisions:
            continue
        after = text[pos + length :]
        if name.endswith("市") and _BAD_AFTER_CITY.match(after):
            continue
        level = min(divisions, key=lambda d: _RANK[d.level]).level
        found.append(AdminElement(level, name, pos, pos + length, divisions))
    return found


def _short_matches(gaz: Gazetteer, text: str, pos: int, above: int) -> list[AdminElement]:
    found: list[AdminElement] = []
    for length in (4, 3, 2):
        name = text[pos : pos + length]
        if len(name) < length:
            continue
        divisions = [
            d for d in gaz.short_index().get(name, []) if _RANK[d.level] > above
        ]
        if divisions and not _ROAD_AFTER.match(text[pos + length :]):
            level = min(divisions, key=lambda d: _RANK[d.level]).level
            found.append(AdminElement(level, name, pos, pos + length, divisions, short=True))
    return found


def _generic_match(text: str, pos: int, above: int) -> AdminElement | None:
    rest = text[pos:]
    if above >= _RANK["district"] and above < _RANK["street"]:
        match = _GENERIC_STREET.match(rest)
        if match:
            return AdminElement("street", match.group(0), pos, pos + match.end())
    if above >= _RANK["district"] and above < _RANK["community"]:
        match = _GENERIC_COMMUNITY.match(rest)
        if match:
            return AdminElement("community", match.group(0), pos, pos + match.end())
    return None


def _hk_place(text: str, pos: int, previous: AdminElement | None) -> AdminElement | None:
    if previous is None or not any(d.code in SPECIAL_REGIONS for d in previous.candidates):
        return None
    for place in HK_PLACES:
        if text.startswith(place, pos):
            return AdminElement("district", place, pos, pos + len(place))
    return None


class ChainFinder:
    """Finds administrative chains in normalised text with one gazetteer and home city."""

    def __init__(self, gazetteer: Gazetteer, home_city: str) -> None:
        self.gaz = gazetteer
        self.home_city = home_city
        self.home_districts = {
            d.short for d in gazetteer.children(home_city, "district") if d.short != d.name
        }

    def chains(self, text: str) -> list[AdminChain]:
        """Every chain in the text, left to right, none overlapping."""
        found: list[AdminChain] = []
        pos = 0
        while pos < len(text):
            chain = self._chain_at(text, pos)
            if chain:
                found.append(chain)
                pos = chain.end
            else:
                pos += 1
        return found

    def _chain_at(self, text: str, pos: int) -> AdminChain | None:
        elements: list[AdminElement] = []
        while pos < len(text):
            element = self._next(text, pos, elements)
            if element is None:
                break
            elements.append(element)
            pos = element.end
        return AdminChain(elements) if elements else None

    def _next(self, text: str, pos: int, elements: list[AdminElement]) -> AdminElement | None:
        previous = elements[-1] if elements else None
        above = _RANK[previous.level] if previous else -1
        hk = _hk_place(text, pos, previous)
        if hk:
            return hk
        full = _full_matches(self.gaz, text, pos, above)
        if full:
            return full[0]
        for short in _short_matches(self.gaz, text, pos, above):
            if self._short_allowed(text, short, elements):
                return short
        if previous is not None and previous.level in ("province", "city"):
            unnamed = self._unnamed_division(text, pos, previous)
            if unnamed:
                return unnamed
        return _generic_match(text, pos, above) if elements else None

    def _unnamed_division(
        self, text: str, pos: int, previous: AdminElement
    ) -> AdminElement | None:
        """A city or district missing from the gazetteer, below a division that is not ours.

        The gazetteer is complete for the home city, so there an unknown ``X区`` is a typo
        (see :func:`unknown_district`); elsewhere it is a real division we hold no code for.
        """
        if any(d.code in SPECIAL_REGIONS or d.code == self.home_city for d in previous.candidates):
            return None
        if previous.level == "province" and any(
            d.code[:2] == self.home_city[:2] for d in previous.candidates
        ):
            return None
        rest = text[pos:]
        if previous.level == "province":
            match = _GENERIC_CITY.match(rest)
            if match:
                return AdminElement("city", match.group(0), pos, pos + match.end())
        match = _GENERIC_DISTRICT.match(rest)
        if match and not any(match.group(0).endswith(w) for w in _NOT_DISTRICT_WORDS):
            return AdminElement("district", match.group(0), pos, pos + match.end())
        return None

    def _short_allowed(self, text: str, short: AdminElement, elements: list[AdminElement]) -> bool:
        if any(d.code in SPECIAL_REGIONS for d in short.candidates):
            return True
        if self._next(text, short.end, elements + [short]) is not None:
            return True
        if short.level != "district" or short.name not in self.home_districts:
            return False
        at_clause_start = short.start == 0 or text[short.start - 1] in _CLAUSE_START_BEFORE
        after_home_city = bool(elements) and any(
            d.code == self.home_city for d in elements[-1].candidates
        )
        return at_clause_start or after_home_city


def unknown_district(text: str) -> str | None:
    """A ``X区`` at the start of ``text`` that is no known word (a typo like 深圳市南区)."""
    match = _UNKNOWN_DISTRICT.match(text)
    if not match:
        return None
    word = match.group(0)
    if any(word.endswith(w) for w in _NOT_DISTRICT_WORDS) or len(word) < 2:
        return None
    return word
