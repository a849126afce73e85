"""A small built-in gazetteer of administrative divisions with their official codes.

It holds what a Shenzhen district platform needs to place an address and to notice one that
belongs elsewhere:

* all 34 provincial-level divisions (incl. 香港/澳门/台湾, which are recognised, not routed);
* all 21 prefecture cities of Guangdong and the provincial capitals plus a few large cities,
  so that "another city" is recognised rather than guessed;
* the 9 districts of Shenzhen and a handful of districts elsewhere whose names collide with
  Shenzhen's or with words in road names (鹤岗 南山区 230404, 汕头 潮南区, 佛山 南海区,
  甘肃 合作市, 四川 九龙县, 河北 沙河市...), so that tests prove the parser resists them;
* the 79 Shenzhen streets (街道) with the 2023 statistical division codes (国家统计局
  统计用区划代码, public administrative codes), read from ``data/shenzhen_streets_2023.csv``;
* estates whose names contain a house number (``深圳湾1号``), which must not be read as a
  road number.

Names are keyed by their full form (``南山区``); :meth:`Gazetteer.lookup` returns every
division of that name, so a duplicated name is resolved by the caller with the higher
levels it has, never by taking the first hit.
"""

from __future__ import annotations

import csv
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

log = logging.getLogger(__name__)

LEVELS = ("province", "city", "district", "street")

# (code, full name). Short names are derived by stripping the administrative suffix.
PROVINCES: tuple[tuple[str, str], ...] = (
    ("110000", "北京市"), ("120000", "天津市"), ("130000", "河北省"), ("140000", "山西省"),
    ("150000", "内蒙古自治区"), ("210000", "辽宁省"), ("220000", "吉林省"),
    ("230000", "黑龙江省"), ("310000", "上海市"), ("320000", "江苏省"), ("330000", "浙江省"),
    ("340000", "安徽省"), ("350000", "福建省"), ("360000", "江西省"), ("370000", "山东省"),
    ("410000", "河南省"), ("420000", "湖北省"), ("430000", "湖南省"), ("440000", "广东省"),
    ("450000", "广西壮族自治区"), ("460000", "海南省"), ("500000", "重庆市"),
    ("510000", "四川省"), ("520000", "贵州省"), ("530000", "云南省"),
    ("540000", "西藏自治区"), ("610000", "陕西省"), ("620000", "甘肃省"), ("630000", "青海省"),
    ("640000", "宁夏回族自治区"), ("650000", "新疆维吾尔自治区"), ("710000", "台湾省"),
    ("810000", "香港特别行政区"), ("820000", "澳门特别行政区"),
)

# Municipalities appear as a province and as their own city (code xx0100).
CITIES: tuple[tuple[str, str], ...] = (
    ("110100", "北京市"), ("120100", "天津市"), ("310100", "上海市"), ("500100", "重庆市"),
    ("440100", "广州市"), ("440200", "韶关市"), ("440300", "深圳市"), ("440400", "珠海市"),
    ("440500", "汕头市"), ("440600", "佛山市"), ("440700", "江门市"), ("440800", "湛江市"),
    ("440900", "茂名市"), ("441200", "肇庆市"), ("441300", "惠州市"), ("441400", "梅州市"),
    ("441500", "汕尾市"), ("441600", "河源市"), ("441700", "阳江市"), ("441800", "清远市"),
    ("441900", "东莞市"), ("442000", "中山市"), ("445100", "潮州市"), ("445200", "揭阳市"),
    ("445300", "云浮市"),
    ("130100", "石家庄市"), ("130500", "邢台市"), ("140100", "太原市"),
    ("150100", "呼和浩特市"), ("210100", "沈阳市"), ("210200", "大连市"),
    ("220100", "长春市"), ("230100", "哈尔滨市"), ("230400", "鹤岗市"),
    ("320100", "南京市"), ("320500", "苏州市"), ("330100", "杭州市"), ("330200", "宁波市"),
    ("330300", "温州市"), ("330400", "嘉兴市"), ("330500", "湖州市"), ("330600", "绍兴市"),
    ("330700", "金华市"), ("331000", "台州市"), ("340100", "合肥市"), ("350100", "福州市"),
    ("350200", "厦门市"), ("360100", "南昌市"), ("370100", "济南市"), ("370200", "青岛市"),
    ("410100", "郑州市"), ("420100", "武汉市"), ("430100", "长沙市"), ("450100", "南宁市"),
    ("450500", "北海市"), ("460100", "海口市"), ("460200", "三亚市"), ("510100", "成都市"),
    ("513300", "甘孜藏族自治州"), ("520100", "贵阳市"), ("530100", "昆明市"),
    ("540100", "拉萨市"), ("610100", "西安市"), ("620100", "兰州市"),
    ("623000", "甘南藏族自治州"), ("630100", "西宁市"), ("640100", "银川市"),
    ("650100", "乌鲁木齐市"),
)

DISTRICTS: tuple[tuple[str, str], ...] = (
    ("440303", "罗湖区"), ("440304", "福田区"), ("440305", "南山区"), ("440306", "宝安区"),
    ("440307", "龙岗区"), ("440308", "盐田区"), ("440309", "龙华区"), ("440310", "坪山区"),
    ("440311", "光明区"),
    ("440103", "荔湾区"), ("440104", "越秀区"), ("440105", "海珠区"), ("440106", "天河区"),
    ("440111", "白云区"), ("440112", "黄埔区"), ("440113", "番禺区"), ("440114", "花都区"),
    ("440115", "南沙区"), ("440402", "香洲区"), ("440514", "潮南区"), ("440604", "禅城区"),
    ("440605", "南海区"), ("440606", "顺德区"),
    ("230404", "南山区"), ("110105", "朝阳区"), ("220104", "朝阳区"), ("130582", "沙河市"),
    ("330102", "上城区"), ("330105", "拱墅区"), ("330106", "西湖区"), ("330108", "滨江区"),
    ("330109", "萧山区"), ("330110", "余杭区"), ("330111", "富阳区"), ("330112", "临安区"),
    ("330113", "临平区"), ("330114", "钱塘区"), ("330122", "桐庐县"), ("330127", "淳安县"),
    ("330182", "建德市"), ("513324", "九龙县"), ("623001", "合作市"),
)

# Other names of streets and zones that addresses use.
STREET_ALIASES: dict[str, str] = {
    "前海深港合作区": "440305400",
    "前海深港现代服务业合作区": "440305400",
    "前海合作区": "440305400",
}

# Estates and POIs whose names end in a number + 号; the number is part of the name.
NUMBERED_ESTATES: tuple[str, ...] = ("深圳湾1号", "创业壹号", "华润城润府1号", "汉京九榕台1号")

SPECIAL_REGIONS = {"810000": "香港", "820000": "澳门", "710000": "台湾"}
HK_PLACES = ("九龙", "新界", "香港岛", "尖沙咀", "旺角", "铜锣湾", "中环", "元朗", "屯门")

_SUFFIXES = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "藏族自治州", "自治区",
    "街道", "省", "市", "区", "县",
)


def short_name(name: str) -> str:
    """The name without its administrative suffix (``南山区`` → ``南山``); never shorter than 2."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Division:
    """An administrative division: official code, full name, level and parent code."""

    code: str
    name: str
    level: str
    parent: str | None

    @property
    def short(self) -> str:
        return short_name(self.name)

    def is_within(self, code: str) -> bool:
        """Whether this division lies inside (or is) the division with ``code``."""
        return self.code.startswith(_code_prefix(code))


def _code_prefix(code: str) -> str:
    if len(code) > 6:
        return code
    stripped = code.rstrip("0")
    if len(stripped) % 2:
        stripped += "0"
    return stripped or code


def _parent_code(code: str, level: str) -> str | None:
    if level == "province":
        return None
    if level == "city":
        return code[:2] + "0000"
    if level == "district":
        return code[:4] + "00"
    return code[:6]


@dataclass
class Gazetteer:
    """Divisions indexed by full name and by code, plus numbered estates."""

    divisions: list[Division]
    aliases: dict[str, str] = field(default_factory=dict)
    estates: tuple[str, ...] = NUMBERED_ESTATES
    by_name: dict[str, list[Division]] = field(init=False)
    by_code: dict[str, Division] = field(init=False)
    _short: dict[str, list[Division]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name = defaultdict(list)
        self.by_code = {}
        for division in self.divisions:
            self.by_name[division.name].append(division)
            self.by_code.setdefault(division.code + division.level, division)
        for alias, code in self.aliases.items():
            self.by_name[alias].append(self.get(code, "street"))

    def get(self, code: str, level: str) -> Division:
        """The division with ``code`` at ``level`` (municipalities have two levels)."""
        try:
            return self.by_code[code + level]
        except KeyError:
            raise KeyError(f"code {code!r} at level {level!r} is not in the gazetteer") from None

    def find(self, code: str) -> Division | None:
        """The lowest-level division with ``code``, or None."""
        for level in reversed(LEVELS):
            found = self.by_code.get(code + level)
            if found:
                return found
        return None

    def lookup(self, name: str) -> list[Division]:
        """Every division whose full name (or alias) is ``name``."""
        return list(self.by_name.get(name, ()))

    def children(self, code: str, level: str) -> list[Division]:
        """Divisions at ``level`` lying inside the division ``code``."""
        prefix = _code_prefix(code)
        return [d for d in self.divisions if d.level == level and d.code.startswith(prefix)]

    def short_index(self) -> dict[str, list[Division]]:
        """Short name (``南山``) → provinces, cities and districts that carry it."""
        if self._short is None:
            self._short = {}
            for division in self.divisions:
                if division.level != "street" and division.short != division.name:
                    self._short.setdefault(division.short, []).append(division)
        return self._short

    def names(self) -> dict[str, str]:
        """Full name (and alias) → level, for dictionary features of the sequence model."""
        table = {d.name: d.level for d in self.divisions}
        table.update({alias: "street" for alias in self.aliases})
        return table

    def with_estates(self, extra: tuple[str, ...]) -> Gazetteer:
        """A copy that also knows the estates ``extra`` (e.g. from a standard address base)."""
        return Gazetteer(self.divisions, dict(self.aliases), self.estates + tuple(extra))


def _read_streets() -> list[Division]:
    source = resources.files("civicgrid.addresses").joinpath("data/shenzhen_streets_2023.csv")
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [Division(r["code"], r["name"], "street", r["district_code"]) for r in rows]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The built-in gazetteer (cached)."""
    divisions = [Division(c, n, "province", None) for c, n in PROVINCES]
    divisions += [Division(c, n, "city", _parent_code(c, "city")) for c, n in CITIES]
    divisions += [Division(c, n, "district", _parent_code(c, "district")) for c, n in DISTRICTS]
    divisions += _read_streets()
    return Gazetteer(divisions, dict(STREET_ALIASES))
