"""Normalised keys for the house-level parts of an address (栋/单元/层/室).

A matcher compares these keys *exactly*: in a unit identifier one character is the whole
identity, so string similarity must never treat ``L1-21A`` as a typo of ``L1-21`` or
``14A`` of ``14C``. What the keys do absorb is notation:

* building: ``3栋`` = ``3号楼`` = ``3幢`` = ``3座`` → ``3``; letters upper-cased (``a座`` → ``A``);
* unit: ``2单元`` → ``2``, ``c单元`` → ``C``;
* floor: ``B1`` = ``B1层`` = ``地下一层`` = ``负一层`` = ``-1层`` → ``-1``; ``1层`` = ``一楼`` =
  ``1F`` → ``1`` (never the same as ``-1``);
* room: full-width and case folded (``18c08`` → ``18C08``), a trailing 室/房/号 dropped;
  letter suffixes kept (``L1-21A`` ≠ ``L1-21``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civicgrid.addresses.normalise import basic_form, counted_numerals

_BUILDING_WORDS = re.compile(r"(号楼|栋|幢|座|楼)$")
_FLOOR_BELOW = re.compile(r"^(?:地下|负|-|B)(\d+)(?:层|楼|F)?$")
_FLOOR_ABOVE = re.compile(r"^(?:第)?(\d+)(?:层|楼|F)?$")
_ROOM_WORDS = re.compile(r"(室|房|号)$")


def _clean(text: str | None) -> str:
    if text is None:
        return ""
    return counted_numerals(basic_form(text)).replace(" ", "").upper()


def building_key(text: str | None) -> str | None:
    """``3号楼``/``3栋``/``3幢``/``3座`` → ``3``; ``a座`` → ``A``; None when empty."""
    value = _BUILDING_WORDS.sub("", _clean(text))
    return value or None


def unit_key(text: str | None) -> str | None:
    """``2单元`` → ``2``; ``c单元`` → ``C``."""
    value = _clean(text).removesuffix("单元")
    return value or None


def floor_key(text: str | None) -> str | None:
    """``B1``/``地下一层``/``负一层``/``-1层`` → ``-1``; ``1层``/``一楼``/``1F`` → ``1``."""
    value = _clean(text)
    if not value:
        return None
    below = _FLOOR_BELOW.match(value)
    if below:
        return f"-{int(below.group(1))}"
    above = _FLOOR_ABOVE.match(value)
    if above:
        return str(int(above.group(1)))
    return value


def room_key(text: str | None) -> str | None:
    """``18c08`` → ``18C08``; ``1501室`` → ``1501``; ``L1-21A`` kept whole."""
    value = _ROOM_WORDS.sub("", _clean(text))
    return value or None


@dataclass(frozen=True)
class HouseKey:
    """The house-level identity of an address: building, unit, floor and room keys."""

    building: str | None
    unit: str | None
    floor: str | None
    room: str | None

    @classmethod
    def of(
        cls,
        building: str | None = None,
        unit: str | None = None,
        floor: str | None = None,
        room: str | None = None,
    ) -> HouseKey:
        """Build a key from raw parts as a base or an outside list writes them."""
        return cls(building_key(building), unit_key(unit), floor_key(floor), room_key(room))

    def text(self) -> str:
        """One string, e.g. ``栋3|单元2|层15|室1501``; empty parts left out."""
        parts = (("栋", self.building), ("单元", self.unit), ("层", self.floor), ("室", self.room))
        return "|".join(f"{word}{value}" for word, value in parts if value)


def house_key_of(parsed: object) -> HouseKey:
    """The key of a :class:`~civicgrid.addresses.parser.ParsedAddress` (or any object with
    ``building``/``unit``/``floor``/``room`` attributes)."""
    return HouseKey.of(
        getattr(parsed, "building", None),
        getattr(parsed, "unit", None),
        getattr(parsed, "floor", None),
        getattr(parsed, "room", None),
    )


def place_key(parsed: object) -> str:
    """Estate or road + number, normalised: the part a house key hangs under."""
    poi = _clean(getattr(parsed, "poi", None))
    if poi:
        return poi
    road = _clean(getattr(parsed, "road", None))
    number = _clean(getattr(parsed, "road_number", None))
    return f"{road}{number}号" if number else road
