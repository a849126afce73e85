"""Truth set for the address-matching benchmark: a generated base and outside list.

Generated with seed 20261204 (issue 5). The base holds residential estates (buildings 1–2
with units 1–2 and rooms like 1201; building A with unit C and rooms like 18C08) and
commercial plazas (floors 1层/2层, shops L1-01…, some with 负一层). Outside addresses name a
base house (90%) or a house left out of the base while its neighbour stays in it (10%: the
next room, another unit, floor B1 against 1, L1-21A against L1-21) whose right answer is
"no match". Each outside address then, independently: 30% drops city and district, 20% swaps
the building word (栋/座/幢/号楼), 10% one wrong character in road or estate, 10% drops the
community, 5% an old road name, 10% full-width digits, 5% estate and road in the other order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 20261204
STREETS = ("南头街道", "南山街道", "沙河街道", "蛇口街道", "招商街道", "粤海街道", "桃源街道",
           "西丽街道")
_HAN = "海桃荔松榕丽华锦星翠碧金银云月阳光东西湾岸源林苑景庭湖山城港园轩峰都泰康宁安福瑞祥和"
_ROAD_END = ("路", "大道", "街")
_KINDS = ("花园", "小区", "苑", "家园", "公寓")
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_WRONG = "甲乙丙丁戊己庚辛壬癸"


@dataclass
class House:
    code: str
    street: str
    community: str
    road: str
    old_road: str
    number: str
    estate: str
    building: str | None
    unit: str | None
    floor: str | None
    room: str | None


def _name(rng: random.Random, used: set[str], length: int, end: str) -> str:
    while True:
        name = "".join(rng.choice(_HAN) for _ in range(length)) + end
        if name not in used:
            used.add(name)
            return name


def _estate_houses(rng: random.Random, where: dict[str, str], index: int) -> tuple[
        list[House], list[House]]:
    """(base houses, held-out neighbours) of one estate."""
    base: list[House] = []
    held: list[House] = []

    def add(target: list[House], building: str | None, unit: str | None, floor: str | None,
            room: str | None) -> None:
        code = f"H{index:06d}-{len(base) + len(held):04d}"
        target.append(House(code, **where, building=building, unit=unit, floor=floor, room=room))

    if where["estate"].endswith("广场"):
        for floor in ("1层", "2层"):
            add(base, "1", None, floor, None)
        if index % 2:
            add(base, "1", None, "负一层", None)
        else:
            add(held, "1", None, "负一层", None)
        for n in range(1, 25):
            add(base, "1", None, "1层", f"L1-{n:02d}")
        add(held, "1", None, "1层", "L1-21A")
        return base, held
    floors = rng.randint(8, 20)
    for building, units in (("1", ("1", "2")), ("2", ("1", "2")), ("A", ("C",))):
        for unit in units:
            for floor in range(1, floors + 1):
                for r in ("01", "02", "03") if unit != "C" else ("C08", "C09", "C80"):
                    room = f"{floor}{r}"
                    add(base, building, unit, f"{floor}层", room)
    floor = rng.randint(1, floors)
    add(held, "1", "1", f"{floor}层", f"{floor}04")          # the next room
    add(held, "A", "C", f"{floor}层", f"{floor}C10")          # next letter room (18C10)
    add(held, "2", "3", f"{floor}层", f"{floor}01")          # another unit
    return base, held


def generate_base(size: int, seed: int = SEED) -> tuple[list[House], list[House]]:
    """About ``size`` base houses and their held-out neighbours."""
    rng = random.Random(seed)
    used: set[str] = set()
    roads = [(_name(rng, used, 2, rng.choice(_ROAD_END))) for _ in range(max(size // 2000, 20))]
    old = {road: _name(rng, used, 2, "路") for road in roads}
    communities = [_name(rng, used, 2, "社区") for _ in range(max(size // 3000, 10))]
    base: list[House] = []
    held: list[House] = []
    index = 0
    while len(base) < size:
        road = rng.choice(roads)
        kind = "广场" if index % 5 == 4 else rng.choice(_KINDS)
        where = {"street": rng.choice(STREETS), "community": rng.choice(communities),
                 "road": road, "old_road": old[road], "number": str(rng.randint(1, 3999)),
                 "estate": _name(rng, used, 3, kind)}
        houses, neighbours = _estate_houses(rng, where, index)
        base.extend(houses)
        held.extend(neighbours)
        index += 1
    return base[:size], held


def base_text(house: House) -> str:
    """The base's standard text of a house."""
    return _text(house, building_word="栋", city=True, community=True, road=house.road,
                 swap=False)


def _text(house: House, *, building_word: str, city: bool, community: bool, road: str,
          swap: bool, floor_word: str | None = None) -> str:
    head = ("广东省深圳市南山区" if city else "") + house.street + (
        house.community if community else "")
    place = [f"{road}{house.number}号", house.estate]
    if swap:
        place.reverse()
    tail = ""
    if house.building:
        tail += f"{house.building}{building_word}"
    if house.unit:
        tail += f"{house.unit}单元"
    if house.room:
        tail += house.room
    elif house.floor:
        tail += floor_word or house.floor
    return head + "".join(place) + tail


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(len(text) - 1)  # never the final 路/街/花园 word's last character
    return text[:i] + rng.choice(_WRONG) + text[i + 1:]


def outside_record(house: House, rng: random.Random) -> str:
    """One outside address naming ``house``, perturbed with the issue's shares."""
    road = house.old_road if rng.random() < 0.05 else house.road
    city = rng.random() >= 0.30
    word = rng.choice(("座", "幢", "号楼")) if rng.random() < 0.20 else "栋"
    community = rng.random() >= 0.10
    swap = rng.random() < 0.05
    typo = rng.random() < 0.10
    full_width = rng.random() < 0.10
    floor_word = None
    if house.floor == "负一层":
        floor_word = rng.choice(("B1层", "地下一层", "负一层"))
    copy = House(**vars(house))
    if typo:
        if rng.random() < 0.5:
            road = _typo(road, rng)
        else:
            copy.estate = _typo(copy.estate, rng)
    text = _text(copy, building_word=word, city=city, community=community, road=road,
                 swap=swap, floor_word=floor_word)
    if house.room and rng.random() < 0.3:
        text = text[: -len(house.room)] + house.room.lower()
    return text.translate(_FULL) if full_width else text


def generate_outside(base: list[House], held: list[House], size: int,
                     seed: int = SEED) -> list[tuple[str, str, str | None]]:
    """``size`` outside records (ref, text, right house code or None)."""
    rng = random.Random(seed + 1)
    records = []
    for n in range(size):
        if rng.random() < 0.10:
            house, truth = rng.choice(held), None
        else:
            house = rng.choice(base)
            truth = house.code
        records.append((f"O{n:07d}", outside_record(house, rng), truth))
    return records
