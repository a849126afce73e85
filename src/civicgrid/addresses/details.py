"""Parsing the part of an address below the administrative levels.

Input is normalised text (see :mod:`civicgrid.addresses.normalise`) after the 省/市/区/街道
chain, e.g. ``科苑路15号XX花园3号楼2单元1501室北侧``. Output: community, road, road
number, estate or POI, building, unit, floor, room and the unparsed remainder.

Rules, each from a way real addresses fool simpler parsers:

* 栋/幢/座/号楼 and a letter + 楼 (``B楼``) all mark a building; a bare number + 楼 (``3楼``)
  is a floor, as are ``15层``, ``18F``; ``B1``/``地下1层``/``负1层``/``-1层`` are floor -1;
* ``N号`` right after a road is the road number, but ``N号楼`` is a building and ``N号院``
  a courtyard number (kept as the road number); a number inside a known estate name
  (``深圳湾1号``) stays in the name;
* a road name may follow a locality (``华侨城深南大道``, ``科技园科苑路``): the road starts after
  the last estate word (城/园/苑…) when at least two characters are left, so ``中山园路``
  stays one road;
* a room like ``1501`` implies floor 15 and ``18C08`` floor 18 when no floor is written;
* words like 附近/旁边/对面/东侧 end the place name; what follows is the remainder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civicgrid.addresses.normalise import basic_form, counted_numerals

_ROAD_SUFFIXES = ("大道", "大街", "胡同", "路", "街", "巷", "弄", "道")
_NOT_ROAD_BEFORE_DAO = set("通隧轨步车行街渠频知管栈索坡廊")
_ROAD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_LOCALITY_ENDS = set("城园苑庭湾厦场心村院校")
_ROAD_NUMBER = re.compile(
    r"^(\d+(?:-\d+)?)(?:(号院|号(?!楼)|弄)|(?![\d号栋幢座单元层楼室FfA-Za-z]))"
)
_BUILDING = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{0,2}\d+[A-Za-z]?|[A-Za-z]{1,2})(号楼|栋|幢|座)"
    r"|(?<![A-Za-z0-9])([A-Za-z]{1,2}\d*)楼"
)
_UNIT = re.compile(r"(?<![A-Za-z0-9])([A-Za-z0-9]{1,3})单元")
_FLOOR = re.compile(
    r"(?:(地下|负)(\d+)(?:层|楼)?|(?<![A-Za-z0-9])-(\d+)(?:层|楼)"
    r"|(?<![A-Za-z0-9])[Bb](\d+)(?:层|F|f|(?![0-9A-Za-z栋座幢楼-]))"
    r"|(?<![A-Za-z0-9-])(\d+(?:-\d+)?)(?:层|楼(?!栋|座|幢)|[Ff](?![A-Za-z0-9])))"
)
_ROOM = re.compile(
    r"(?<![A-Za-z0-9-])([A-Za-z]{0,2}\d+(?:[A-Za-z]\d+|-\d+)?[A-Za-z]?)(室|房|号)?"
    r"(?![0-9A-Za-z]|号楼|栋|幢|座|单元|层|楼)"
)
_COMMUNITY = re.compile(r"([\u4e00-\u9fff]{2,4})社区")
_NOISE = re.compile(
    r"附近|旁边|旁|对面|门口|周边|一带|路口|交叉口|[东南西北]侧|[东南西北]面|往[东南西北]|以[东南西北]"
)
_POI_ENDS = (
    "大厦", "花园", "小区", "公寓", "中心", "广场", "大楼", "园区", "校区", "大学", "学院",
    "学校", "医院", "酒店", "公司", "宾馆", "商场", "市场", "超市", "餐厅", "体育馆", "家园",
    "站", "馆", "园", "苑", "城", "庭", "府", "湾", "阁", "居", "轩", "邸", "村", "院", "楼",
    "期", "座", "号", "厦", "港", "所", "局", "天地", "广场", "谷", "峰", "岸", "山庄",
)


@dataclass
class Details:
    """Elements below the administrative levels (all None when absent)."""

    community: str | None = None
    road: str | None = None
    road_number: str | None = None
    poi: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None
    remainder: str | None = None


def _road_spans(text: str, start: int, protected: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Start and end of the first road name at or after ``start``."""
    for index in range(start, len(text)):
        if any(a <= index < b for a, b in protected):
            continue
        for suffix in _ROAD_SUFFIXES:
            if not text.startswith(suffix, index):
                continue
            if suffix == "街" and text.startswith("街道", index):
                continue
            if suffix == "道" and index > 0 and text[index - 1] in _NOT_ROAD_BEFORE_DAO:
                continue
            begin = _road_begin(text, start, index)
            if begin is not None:
                return begin, index + len(suffix)
    return None


def _road_begin(text: str, start: int, suffix_at: int) -> int | None:
    begin = suffix_at
    while begin > start and _ROAD_CHAR.match(text[begin - 1]) and suffix_at - begin < 12:
        begin -= 1
    if begin == suffix_at:
        return None
    # cut after a locality word (华侨城|深南大道) when two or more characters remain
    for cut in range(suffix_at - 2, begin, -1):
        if text[cut - 1] in _LOCALITY_ENDS or text[cut - 1] == "号":
            return cut
    return begin


def _estate_spans(text: str, estates: tuple[str, ...]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for estate in estates:
        name = counted_numerals(basic_form(estate))
        for match in re.finditer(re.escape(name), text):
            spans.append((match.start(), match.end()))
    return spans


def _clean_poi(text: str) -> tuple[str | None, str]:
    """A place name from ``text`` cut at the first noise word; returns (poi, rest)."""
    noise = _NOISE.search(text)
    head, rest = (text[: noise.start()], text[noise.start() :]) if noise else (text, "")
    head = head.strip(" ,-")
    if not head:
        return None, rest
    last = max((head.rfind(end) + len(end) for end in _POI_ENDS if end in head), default=-1)
    if last <= 1:
        return None, head + rest
    return head[:last], head[last:] + rest


def _floor_value(match: re.Match[str]) -> str:
    basement, number, dash_number, b_number, plain = match.groups()
    below = number or dash_number or b_number
    if basement or below:
        return f"-{int(below)}"
    return plain


def floor_from_room(room: str) -> str | None:
    """The floor a room number implies: 1501 → 15, 18C08 → 18, 15A → 15, 301 → 3."""
    match = re.fullmatch(r"(\d{1,2})(\d{2})", room)
    if match:
        return str(int(match.group(1)))
    match = re.fullmatch(r"(\d{1,2})[A-Z]\d*", room)
    return str(int(match.group(1))) if match else None


def parse_details(text: str, estates: tuple[str, ...] = ()) -> Details:
    """Split the text after the administrative chain into its elements."""
    details = Details()
    community = _COMMUNITY.search(text)
    if community:
        details.community = community.group(0)
        text = text[: community.start()] + "\u0000" + text[community.end() :]

    protected = _estate_spans(text, estates)
    cursor = 0
    road = _road_spans(text, 0, protected)
    poi_parts: list[str] = []
    if road:
        begin, end = road
        poi_parts.append(text[:begin])
        details.road = text[begin:end]
        cursor = end
        number = _ROAD_NUMBER.match(text[end:])
        if number:
            details.road_number = number.group(1)
            cursor = end + number.end()

    tail = text[cursor:]
    _parse_designators(tail, details, poi_parts, estates)
    return details


def _parse_designators(
    tail: str, details: Details, poi_parts: list[str], estates: tuple[str, ...]
) -> None:
    """Building, unit, floor and room in ``tail``; the text before them is the place name."""
    protected = _estate_spans(tail, estates)
    found = _find_designators(tail, details, protected)
    first = min((a for a, _ in found), default=len(tail))
    head = "".join(poi_parts) + tail[:first]
    poi, rest = _clean_poi(head.replace("\u0000", ""))
    if protected and not poi:
        a, b = protected[0]
        poi = tail[a:b]
    details.poi = poi
    leftovers = [rest] + _gaps(tail, sorted(found), first)
    remainder = "".join(leftovers).replace("\u0000", "").strip(" ,-")
    details.remainder = remainder or None


def _find_designators(
    tail: str, details: Details, protected: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Fill building/unit/floor/room from ``tail``; returns the spans they took."""
    taken: list[tuple[int, int]] = list(protected)

    def first_free(pattern: re.Pattern[str], start: int = 0) -> re.Match[str] | None:
        for match in pattern.finditer(tail, start):
            if not any(a < match.end() and match.start() < b for a, b in taken):
                taken.append(match.span())
                return match
        return None

    building = first_free(_BUILDING)
    if building:
        details.building = (building.group(1) or building.group(3)).upper()
    unit = first_free(_UNIT)
    if unit:
        details.unit = unit.group(1).upper()
    floor = first_free(_FLOOR)
    if floor:
        details.floor = _floor_value(floor)
    anchors = [m.end() for m in (building, unit, floor) if m]
    room_from = max(anchors) if anchors else _poi_end(tail, protected)
    room = first_free(_ROOM, room_from)
    if room and not anchors and room.start() != room_from:
        taken.remove(room.span())
        room = None
    if room:
        details.room = room.group(1).upper()
        details.floor = details.floor or floor_from_room(details.room)
    return [span for span in taken if span not in protected]


def _gaps(tail: str, spans: list[tuple[int, int]], start: int) -> list[str]:
    """The text between and after the designator spans (``学院`` in ``B1栋学院1楼``)."""
    pieces: list[str] = []
    cursor = start
    for a, b in spans:
        if a > cursor:
            pieces.append(tail[cursor:a])
        cursor = max(cursor, b)
    pieces.append(tail[cursor:])
    return pieces


def _poi_end(tail: str, protected: list[tuple[int, int]]) -> int:
    """Where a bare room number may start: after a known estate, or after a place word."""
    if protected:
        return max(b for _, b in protected)
    poi, _ = _clean_poi(tail)
    return len(poi) if poi and tail.startswith(poi) else len(tail)
