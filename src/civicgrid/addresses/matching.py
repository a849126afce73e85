"""Linking outside addresses (a gas company's customers, a register) to the address base.

An outside address is parsed (:func:`civicgrid.addresses.parser.parse`) into the parts a base
house has: place (estate, else road + number), road, road number, building, unit, floor and
room keys (:mod:`civicgrid.addresses.keys`). Then:

* **parts** — an estate written before its road (``XX小区福泰路9号``) is split back into
  estate and road; a shop number gives its floor when none is written (``L1-21`` → 1);
* **blocking** — candidates are the base houses under the same place key, the same road +
  number, an estate name one character away (a typo), or the same road number and room (an
  old road name), never the whole base;
* **comparison** — each part gives a level: agree, disagree or missing. House-level keys are
  compared *exactly*: ``18C10`` is not a typo of ``18C08``, ``L1-21A`` is not ``L1-21``,
  ``B1`` = ``地下一层`` = ``负一层`` (key ``-1``) and never ``1层``;
* **probability** — a Fellegi–Sunter sum of match weights (log2 Bayes factors, one per part
  and level, :data:`WEIGHTS`) plus a prior weight, turned into a probability. The weights are
  the defaults below; :func:`civicgrid.addresses.linkage.train_weights` re-estimates them
  with splink's EM on a real list, and ``bench/addresses_match.py`` reports their
  calibration on the generated truth set;
* **decision** — ``match`` at p ≥ :data:`AUTO_AT` with a clear lead over the runner-up,
  ``review`` for the uncertain middle (p ≥ :data:`REVIEW_AT`), else ``no_match``.

:class:`BaseIndex` holds the base in memory for single look-ups (geocoding a case, the API);
the batch path for large lists is :mod:`civicgrid.addresses.linkage` (splink on DuckDB).
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from civicgrid.addresses.keys import building_key, floor_key, room_key, unit_key
from civicgrid.addresses.normalise import basic_form
from civicgrid.addresses.parser import parse

log = logging.getLogger(__name__)

AUTO_AT = 0.9
REVIEW_AT = 0.5
LEAD = 2.0  # match weight the best candidate must lead the runner-up by to be automatic
PRIOR = -8.0
WEIGHTS: dict[str, dict[str, float]] = {
    "place": {"exact": 8.0, "typo": 5.0, "road": 5.0, "disagree": -6.0},
    "building": {"agree": 4.0, "disagree": -8.0},
    "unit": {"agree": 3.0, "disagree": -8.0},
    "floor": {"agree": 3.0, "disagree": -8.0},
    "room": {"agree": 8.0, "disagree": -12.0, "both_missing": 2.0, "outside_missing": -3.0},
}


@dataclass(frozen=True)
class AddressParts:
    """The comparable parts of one address (base house or outside record)."""

    ref: str
    place: str
    estate: str
    road: str
    road_number: str
    building: str | None
    unit: str | None
    floor: str | None
    room: str | None


@dataclass
class Candidate:
    """A base house scored against an outside address."""

    code: str
    probability: float
    weight: float
    levels: dict[str, str]


@dataclass
class MatchResult:
    """The decision for one outside address, with its best candidates."""

    ref: str
    decision: str  # match | review | no_match
    code: str | None
    probability: float
    candidates: list[Candidate] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready result."""
        return asdict(self)


def _clean(text: str | None) -> str:
    return basic_form(text or "").replace(" ", "").upper()


_ESTATE_THEN_ROAD = re.compile(
    r"^(?P<estate>[\u4e00-\u9fff]{2,}(?:小区|花园|公寓|家园|广场|大厦|园区|苑|城))"
    r"(?P<road>[\u4e00-\u9fff]{1,8}?(?:大道|路|街))(?P<number>\d+)号")
_ADMIN_ENDS = ("社区", "街道", "南山区", "深圳市", "广东省")
_SHOP_FLOOR = re.compile(r"^([LB])(\d+)-")


def _estate_before_road(normalised: str) -> tuple[str, str, str] | None:
    """(estate, road, number) when the estate is written before the road (小区X路9号)."""
    first_number = normalised.find("号")
    if first_number < 0:
        return None
    cut = 0
    for word in _ADMIN_ENDS:
        at = normalised.rfind(word, 0, first_number)
        if at >= 0:
            cut = max(cut, at + len(word))
    match = _ESTATE_THEN_ROAD.match(normalised[cut:])
    if match is None:
        return None
    return match.group("estate"), match.group("road"), match.group("number")


def parts_of_text(ref: str, text: str) -> AddressParts:
    """Parse an outside address into comparable parts (estate-before-road order repaired)."""
    parsed = parse(text)
    estate, road, number = parsed.poi, parsed.road, parsed.road_number
    swapped = _estate_before_road(parsed.normalised) if road else None
    if swapped is not None:
        estate, road, number = swapped
    return parts_of(ref, estate, road, number, parsed.building, parsed.unit, parsed.floor,
                    parsed.room)


def parts_of(ref: str, estate: str | None, road: str | None, road_number: str | None,
             building: str | None, unit: str | None, floor: str | None,
             room: str | None) -> AddressParts:
    """Comparable parts from raw fields (keys normalised here)."""
    number = _clean(road_number).removesuffix("号")
    place = _clean(estate) or (f"{_clean(road)}{number}号" if number else _clean(road))
    room_text, floor_text = room_key(room), floor_key(floor)
    shop = _SHOP_FLOOR.match(room_text or "")
    if floor_text is None and shop:  # L1-21 lies on floor 1, B1-05 on floor -1
        floor_text = ("-" if shop.group(1) == "B" else "") + str(int(shop.group(2)))
    return AddressParts(ref, place, _clean(estate), _clean(road), number,
                        building_key(building), unit_key(unit), floor_text, room_text)


def _one_off(a: str, b: str) -> bool:
    if not a or not b or abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def compare(outside: AddressParts, house: AddressParts) -> dict[str, str]:
    """The comparison level of each part."""
    if outside.place and outside.place == house.place:
        place = "exact"
    elif _one_off(outside.estate, house.estate):
        place = "typo"
    elif (outside.road and outside.road == house.road
          and outside.road_number == house.road_number
          and not (outside.estate and house.estate)):  # two named estates at one gate differ
        place = "road"
    else:
        place = "disagree"
    levels = {"place": place}
    for name in ("building", "unit", "floor"):
        a, b = getattr(outside, name), getattr(house, name)
        levels[name] = "missing" if a is None or b is None else (
            "agree" if a == b else "disagree")
    if outside.room is None:
        levels["room"] = "both_missing" if house.room is None else "outside_missing"
    elif house.room is None:
        levels["room"] = "missing"
    else:
        levels["room"] = "agree" if outside.room == house.room else "disagree"
    return levels


def score(levels: dict[str, str], weights: dict[str, dict[str, float]] | None = None,
          prior: float = PRIOR) -> tuple[float, float]:
    """(match weight, probability) of a comparison."""
    table = weights or WEIGHTS
    total = prior + sum(table[part].get(level, 0.0) for part, level in levels.items())
    return total, 1.0 / (1.0 + math.pow(2.0, -total))


def decide(ref: str, candidates: list[Candidate]) -> MatchResult:
    """Match, review or no match from scored candidates (best first)."""
    ranked = sorted(candidates, key=lambda c: -c.weight)[:3]
    if not ranked or ranked[0].probability < REVIEW_AT:
        best = ranked[0].probability if ranked else 0.0
        return MatchResult(ref, "no_match", None, best, ranked)
    top = ranked[0]
    clear = len(ranked) == 1 or top.weight - ranked[1].weight >= LEAD
    decision = "match" if top.probability >= AUTO_AT and clear else "review"
    return MatchResult(ref, decision, top.code, top.probability, ranked)


class BaseIndex:
    """The base in memory, blocked by place, road + number and one-character estate variants."""

    def __init__(self, houses: Iterable[AddressParts]) -> None:
        self.houses: dict[str, AddressParts] = {}
        self._by_place: dict[str, list[str]] = defaultdict(list)
        self._by_road: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._by_variant: dict[str, set[str]] = defaultdict(set)
        self._by_number_room: dict[tuple[str, str], list[str]] = defaultdict(list)
        for house in houses:
            self.houses[house.ref] = house
            self._by_place[house.place].append(house.ref)
            if house.road:
                self._by_road[(house.road, house.road_number)].append(house.ref)
            if house.road_number and house.room:
                self._by_number_room[(house.road_number, house.room)].append(house.ref)
            for variant in _variants(house.estate):
                self._by_variant[variant].add(house.place)

    def block(self, outside: AddressParts) -> list[AddressParts]:
        """Candidate houses for an outside address."""
        refs: set[str] = set(self._by_place.get(outside.place, ()))
        if outside.road:
            refs.update(self._by_road.get((outside.road, outside.road_number), ()))
        if not refs and outside.estate:
            places = set().union(*(self._by_variant.get(v, set())
                                   for v in _variants(outside.estate)))
            for place in places:
                refs.update(self._by_place[place])
        if not refs and outside.road_number and outside.room:
            refs.update(self._by_number_room.get((outside.road_number, outside.room), ()))
        return [self.houses[r] for r in refs]

    def match(self, outside: AddressParts) -> MatchResult:
        """Score every blocked candidate and decide."""
        scored = []
        for house in self.block(outside):
            levels = compare(outside, house)
            weight, probability = score(levels)
            scored.append(Candidate(house.ref, round(probability, 6), weight, levels))
        return decide(outside.ref, scored)

    def match_text(self, ref: str, text: str) -> MatchResult:
        """Parse and match one outside address."""
        return self.match(parts_of_text(ref, text))


def _variants(estate: str) -> list[str]:
    """The estate with each character masked in turn (a one-substitution neighbourhood)."""
    if not estate:
        return []
    return [estate[:i] + "?" + estate[i + 1:] for i in range(len(estate))]


def report(results: list[MatchResult]) -> dict[str, object]:
    """Counts per decision and the review queue (uncertain middle), for a matching run."""
    counts: dict[str, int] = defaultdict(int)
    for result in results:
        counts[result.decision] += 1
    queue = [r.to_dict() for r in results if r.decision == "review"]
    return {"total": len(results), "decisions": dict(counts), "review_queue": queue}
