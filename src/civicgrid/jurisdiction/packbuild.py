"""Rebuild the files of the 南山 pack from their sources (a maintainer's tool, not run at start-up).

Where each part of ``packs/nanshan/`` comes from:

* district and streets: transcribed from the 2023 statistical division codes (国家统计局
  统计用区划代码) in ``shared/data/shenzhen-boundaries/shenzhen_streets_codes_2023.csv``;
* communities (社区) and grids (网格): no public list was available, so they are generated
  here: 4-6 per street and 3-5 per community, marked ``generated=1``. Community codes are the
  street code plus ``9NN`` (901, 902, ...), a range the statistics office does not use for
  neighbourhood committees, so a generated code can never be mistaken for a real one;
* units: public names of Nanshan's departments, street offices and utilities, plus one
  generated workstation per generated community;
* taxonomy: the 517 categories of the TipDM 2020 taxonomy (attachment 1) with their names kept
  exactly, plus a few categories common in Shenzhen that it lacks (``source=nanshan``);
  deadlines and default units are this project's defaults, not a published schedule;
* calendar: one JSON file per State Council holiday notice, built from the data of the
  ``chinese_calendar`` package; the original 2019 notice and its 2019-03-22 May Day revision,
  and the 2020 notice and its 2020-01-27 Spring Festival extension, are kept as separate files.

Run ``python -m civicgrid.jurisdiction.packbuild [DATA_DIR] [OUT_DIR]``; the output is
deterministic, and a test checks that the committed files equal a rebuild.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

PACK_DIR = Path(__file__).resolve().parent / "packs" / "nanshan"
STREETS_FILE = Path("shenzhen-boundaries") / "shenzhen_streets_codes_2023.csv"
TAXONOMY_FILE = Path("tipdm2020c") / "attachment1_label_taxonomy.csv"
DISTRICT_CODE = "440305"
CHINESE_DIGITS = "一二三四五六七八九十"

PACK_META = {
    "code": DISTRICT_CODE,
    "name": "南山区",
    "city": "深圳市",
    "city_code": "440300",
    "province": "广东省",
    "timezone": "Asia/Shanghai",
    "case_prefix": "NS",
    "generated_note": (
        "District and street codes and names are the official 2023 statistical division codes; "
        "department, street office and utility names are public. Communities, grids and "
        "community workstations are GENERATED (generated=1): no public list was available. "
        "Category deadlines, default units and routing rules are this project's defaults."
    ),
}

# (code, name, kind); all sit at the district level unless the kind says otherwise.
DISTRICT_UNITS: list[tuple[str, str, str]] = [
    ("MSSQ", "南山区民生诉求服务中心", "dispatch_center"),
    ("CGJ", "南山区城市管理和综合执法局", "department"),
    ("ZJJ", "南山区住房和建设局", "department"),
    ("STHJ", "深圳市生态环境局南山管理局", "department"),
    ("JYJ", "南山区教育局", "department"),
    ("WJJ", "南山区卫生健康局", "department"),
    ("RLZYJ", "南山区人力资源局", "department"),
    ("SCJG", "深圳市市场监督管理局南山监管局", "department"),
    ("GAFJ", "深圳市公安局南山分局", "department"),
    ("JGDD", "深圳市公安局交通警察局南山大队", "department"),
    ("XFJY", "南山区消防救援大队", "department"),
    ("JTJ", "深圳市交通运输局南山管理局", "department"),
    ("MZJ", "南山区民政局", "department"),
    ("SWJ", "南山区水务局", "department"),
    ("YJGLJ", "南山区应急管理局", "department"),
    ("ZSJ", "南山区政务服务和数据管理局", "department"),
    ("SFJ", "南山区司法局", "department"),
    ("WGLT", "南山区文化广电旅游体育局", "department"),
    ("GHZY", "深圳市规划和自然资源局南山管理局", "department"),
    ("FGJ", "南山区发展和改革局", "department"),
    ("CZJ", "南山区财政局", "department"),
    ("KCJ", "南山区科技创新局", "department"),
    ("GXJ", "南山区工业和信息化局", "department"),
    ("TYJR", "南山区退役军人事务局", "department"),
    ("CSGX", "南山区城市更新和土地整备局", "department"),
    ("GZJ", "南山区国有资产监督管理局", "department"),
    ("TAX", "国家税务总局深圳市南山区税务局", "department"),
    ("XFANG", "南山区信访局", "department"),
    ("JWJ", "南山区纪委监委", "department"),
    ("ZZB", "中共深圳市南山区委组织部", "department"),
    ("XCB", "中共深圳市南山区委宣传部", "department"),
    ("TZB", "中共深圳市南山区委统战部", "department"),
    ("ZGH", "南山区总工会", "department"),
    ("TQW", "共青团深圳市南山区委员会", "department"),
    ("FL", "南山区妇女联合会", "department"),
    ("FY", "深圳市南山区人民法院", "department"),
    ("GAS", "深圳市燃气集团", "utility"),
    ("POWER", "深圳供电局南山供电局", "utility"),
    ("WATER", "深圳市水务集团", "utility"),
]

# 前海合作区 has no 街道办事处; its administration takes the street office's role in routing.
QIANHAI_CODE = "440305400"
QIANHAI_UNIT = ("QHJ", "深圳市前海深港现代服务业合作区管理局")

# Default unit by taxonomy path prefix; the longest matching prefix wins.
DEFAULT_UNITS: dict[tuple[str, ...], str] = {
    ("城乡建设",): "ZJJ",
    ("城乡建设", "安全生产"): "YJGLJ",
    ("城乡建设", "城市建设和市政管理"): "CGJ",
    ("城乡建设", "城市建设和市政管理", "公共汽车"): "JTJ",
    ("城乡建设", "城市建设和市政管理", "地铁城铁"): "JTJ",
    ("城乡建设", "城市建设和市政管理", "燃气供应"): "GAS",
    ("城乡建设", "城市建设和市政管理", "电力供应"): "POWER",
    ("城乡建设", "城市建设和市政管理", "自来水供应"): "WATER",
    ("城乡建设", "城市建设和市政管理", "小区管理"): "ZJJ",
    ("城乡建设", "城市建设和市政管理", "冬季采暖"): "ZJJ",
    ("城乡建设", "城乡规划"): "GHZY",
    ("城乡建设", "城乡规划", "违章建筑"): "CGJ",
    ("城乡建设", "村镇建设"): "CSGX",
    ("城乡建设", "国有土地上房屋征收与补偿"): "CSGX",
    ("城乡建设", "集体土地上房屋拆迁与补偿"): "CSGX",
    ("党务政务",): "MSSQ",
    ("党务政务", "党的建设"): "ZZB",
    ("党务政务", "港澳台侨"): "TZB",
    ("党务政务", "民族宗教"): "TZB",
    ("党务政务", "群众团体"): "ZZB",
    ("党务政务", "群众团体", "工会工作"): "ZGH",
    ("党务政务", "群众团体", "共青团工作"): "TQW",
    ("党务政务", "群众团体", "妇联工作"): "FL",
    ("党务政务", "宣传舆论"): "XCB",
    ("党务政务", "政治体制", "统战工作"): "TZB",
    ("国土资源",): "GHZY",
    ("国土资源", "海洋气象地震", "地震"): "YJGLJ",
    ("国土资源", "海洋气象地震", "气象"): "YJGLJ",
    ("国土资源", "土地征收"): "CSGX",
    ("环境保护",): "STHJ",
    ("纪检监察",): "JWJ",
    ("交通运输",): "JTJ",
    ("经济管理",): "FGJ",
    ("经济管理", "安全生产"): "YJGLJ",
    ("经济管理", "国资监管"): "GZJ",
    ("经济管理", "金融财税"): "CZJ",
    ("经济管理", "金融财税", "税收征管"): "TAX",
    ("经济管理", "金融财税", "非法经济活动"): "GAFJ",
    ("经济管理", "金融财税", "集资融资"): "GAFJ",
    ("科技与信息产业",): "KCJ",
    ("科技与信息产业", "电信"): "GXJ",
    ("科技与信息产业", "信息化建设"): "ZSJ",
    ("科技与信息产业", "知识产权"): "SCJG",
    ("民政",): "MZJ",
    ("民政", "复退安置"): "TYJR",
    ("民政", "优抚"): "TYJR",
    ("农村农业",): "MSSQ",
    ("农村农业", "林业管理"): "CGJ",
    ("农村农业", "野生资源管理"): "CGJ",
    ("农村农业", "水利水电"): "SWJ",
    ("农村农业", "土地承包经营"): "GHZY",
    ("商贸旅游",): "SCJG",
    ("商贸旅游", "旅游管理"): "WGLT",
    ("商贸旅游", "商业贸易"): "FGJ",
    ("卫生计生",): "WJJ",
    ("卫生计生", "食品药品监管"): "SCJG",
    ("政法",): "GAFJ",
    ("政法", "法律服务"): "SFJ",
    ("政法", "法制建设"): "SFJ",
    ("政法", "行政复议"): "SFJ",
    ("政法", "交通管理"): "JGDD",
    ("政法", "社会治安", "消防安全"): "XFJY",
    ("政法", "诉讼"): "FY",
    ("政法", "刑罚执行"): "SFJ",
    ("政法", "仲裁与调解"): "SFJ",
    ("政法", "仲裁与调解", "劳动仲裁"): "RLZYJ",
    ("政法", "仲裁与调解", "人事仲裁"): "RLZYJ",
    ("教育文体",): "JYJ",
    ("教育文体", "体育"): "WGLT",
    ("教育文体", "文化"): "WGLT",
    ("教育文体", "文物管理"): "WGLT",
    ("劳动和社会保障",): "RLZYJ",
    ("劳动和社会保障", "工资福利", "住房公积金"): "ZJJ",
}

# Categories common in Shenzhen requests that the TipDM taxonomy lacks (checked: it has
# 噪音污染 and 大气污染 but nothing for neighbourhood noise, kitchen fumes or street vending).
ADDED_CATEGORIES: list[tuple[str, str, str, str]] = [
    ("城乡建设", "城市建设和市政管理", "占道经营", "CGJ"),
    ("城乡建设", "城市建设和市政管理", "乱摆卖", "CGJ"),
    ("城乡建设", "城市建设和市政管理", "垃圾分类", "CGJ"),
    ("环境保护", "环境污染", "噪音扰民", "STHJ"),
    ("环境保护", "环境污染", "餐饮油烟", "STHJ"),
]

# (response working hours, completion working days, urgent) by path prefix; longest wins.
# urgent=1: the response limit is in clock hours, round the clock (a gas leak cannot wait
# for office hours).
LIMITS: dict[tuple[str, ...], tuple[int, int, int]] = {
    (): (24, 10, 0),
    ("城乡建设", "安全生产", "安全隐患"): (2, 1, 1),
    ("城乡建设", "安全生产", "事故处理"): (2, 1, 1),
    ("经济管理", "安全生产", "安全隐患"): (2, 1, 1),
    ("经济管理", "安全生产", "事故处理"): (2, 1, 1),
    ("城乡建设", "城市建设和市政管理"): (24, 5, 0),
    ("城乡建设", "城市建设和市政管理", "燃气供应"): (2, 1, 1),
    ("城乡建设", "城市建设和市政管理", "电力供应"): (4, 3, 0),
    ("城乡建设", "城市建设和市政管理", "自来水供应"): (4, 3, 0),
    ("城乡建设", "工程质量", "施工安全"): (2, 3, 1),
    ("城乡建设", "城乡规划", "规划方案"): (24, 15, 0),
    ("城乡建设", "城乡规划", "规划设计"): (24, 15, 0),
    ("环境保护", "环境污染"): (24, 5, 0),
    ("环境保护", "环境污染", "危险化学品污染"): (2, 1, 1),
    ("卫生计生", "公共卫生", "突发公共卫生事件处理"): (2, 1, 1),
    ("卫生计生", "食品药品监管", "食品安全"): (24, 5, 0),
    ("政法", "社会治安", "消防安全"): (2, 1, 1),
    ("政法", "交通管理", "交通事故"): (2, 3, 1),
    ("党务政务", "政治体制"): (24, 15, 0),
    ("经济管理", "宏观调控"): (24, 15, 0),
    ("政法", "法制建设", "立法规划"): (24, 15, 0),
}

# Categories handled by the street office of the case's street (街道综合行政执法队 and the
# street's own services), not by the district department of the category.
STREET_CATEGORIES: list[tuple[str, ...]] = [
    ("城乡建设", "城市建设和市政管理", "城管执法"),
    ("城乡建设", "城市建设和市政管理", "占道经营"),
    ("城乡建设", "城市建设和市政管理", "乱摆卖"),
    ("城乡建设", "城市建设和市政管理", "环境卫生"),
    ("城乡建设", "城乡规划", "违章建筑"),
    ("环境保护", "环境污染", "噪音扰民"),
    ("民政", "基层选举和社区建设"),
    ("农村农业", "村务管理"),
]

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

# Publication dates of the State Council's annual notices (国务院办公厅关于YYYY年部分节假日
# 安排的通知), as published on www.gov.cn.
ANNUAL_PUBLISHED = {
    2019: "2018-12-06",
    2020: "2019-11-21",
    2021: "2020-11-25",
    2022: "2021-10-25",
    2023: "2022-12-08",
    2024: "2023-10-25",
    2025: "2024-11-12",
    2026: "2025-11-04",
}

# Revisions published after the annual notice: (year, id, title, published, scope start,
# scope end). The annual file holds the schedule as first published; the revision file holds
# the revised schedule for the dates in its scope.
REVISIONS = [
    (
        2019,
        "cn-2019-r1",
        "国务院办公厅关于调整2019年劳动节假期安排的通知",
        "2019-03-22",
        "2019-04-28",
        "2019-05-05",
    ),
    (
        2020,
        "cn-2020-r1",
        "国务院办公厅关于延长2020年春节假期的通知",
        "2020-01-27",
        "2020-01-31",
        "2020-02-02",
    ),
]

# What the original notices said inside a later revision's scope: (holidays, workdays).
ORIGINAL_IN_SCOPE = {
    # 2019 as first published: 劳动节 5月1日放假, no make-up days.
    "cn-2019-r1": ([("2019-05-01", "劳动节")], []),
    # 2020 as first published: 春节 1月24日至30日, 2月1日（星期六）上班.
    "cn-2020-r1": ([], [("2020-02-01", "春节补班")]),
}


def chinese_digit(n: int) -> str:
    """一 to 十 for 1..10."""
    return CHINESE_DIGITS[n - 1]


def read_streets(data_dir: Path) -> list[tuple[str, str]]:
    """(code, name) of Nanshan's streets from the statistical division codes file."""
    with open(data_dir / STREETS_FILE, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return sorted(
        (row["code"], row["name"]) for row in rows if row["areaCode"] == DISTRICT_CODE
    )


def street_stem(name: str) -> str:
    """南头街道 -> 南头, 前海合作区 -> 前海."""
    for suffix in ("街道", "合作区"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def build_regions(streets: list[tuple[str, str]]) -> list[list[str]]:
    """District, real streets, generated communities and grids, as CSV rows."""
    rows = [[DISTRICT_CODE, "南山区", "district", "", "0"]]
    for street_index, (street_code, street_name) in enumerate(streets):
        rows.append([street_code, street_name, "street", DISTRICT_CODE, "0"])
        for community_index in range(4 + street_index % 3):
            community_code = f"{street_code}9{community_index + 1:02d}"
            community_name = f"{street_stem(street_name)}第{chinese_digit(community_index + 1)}社区"
            rows.append([community_code, community_name, "community", street_code, "1"])
            for grid_index in range(3 + (street_index + community_index) % 3):
                grid_code = f"{community_code}{grid_index + 1:03d}"
                grid_name = f"{community_name}第{grid_index + 1}网格"
                rows.append([grid_code, grid_name, "grid", community_code, "1"])
    return rows


def build_units(regions: list[list[str]]) -> list[list[str]]:
    """District units, street offices and generated community workstations, as CSV rows."""
    rows = [[code, name, kind, DISTRICT_CODE] for code, name, kind in DISTRICT_UNITS]
    for code, name, level, _parent, _generated in regions:
        if level == "street" and code == QIANHAI_CODE:
            rows.append([QIANHAI_UNIT[0], QIANHAI_UNIT[1], "street_office", code])
        elif level == "street":
            rows.append([street_office(code), f"{name}办事处", "street_office", code])
        elif level == "community":
            rows.append([f"SQ-{code}", f"{name}工作站", "community_station", code])
    return rows


def street_office(street_code: str) -> str:
    """The unit code of a street's office."""
    return QIANHAI_UNIT[0] if street_code == QIANHAI_CODE else f"JD-{street_code}"


def longest_prefix(table: dict[tuple[str, ...], object], path: tuple[str, ...]) -> object:
    """The value of the longest key of ``table`` that ``path`` starts with."""
    for length in range(len(path), -1, -1):
        if path[:length] in table:
            return table[path[:length]]
    raise KeyError(path)


def read_taxonomy(data_dir: Path) -> list[tuple[str, str, str]]:
    """The TipDM taxonomy's (一级, 二级, 三级) rows in file order."""
    with open(data_dir / TAXONOMY_FILE, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [(a.strip(), b.strip(), c.strip()) for a, b, c in reader]


def build_taxonomy(source_rows: list[tuple[str, str, str]]) -> list[list[str]]:
    """Hierarchical codes for every level, limits and default units, as CSV rows."""
    added = {(a, b, c): unit for a, b, c, unit in ADDED_CATEGORIES}
    leaves = [(row, "tipdm2020c") for row in source_rows]
    leaves += [(path, "nanshan") for path in added]
    codes: dict[tuple[str, ...], str] = {}
    rows: list[list[str]] = []
    for path, source in leaves:
        for depth in (1, 2, 3):
            prefix = path[:depth]
            if prefix in codes:
                continue
            siblings = sum(1 for k in codes if len(k) == depth and k[:-1] == prefix[:-1])
            parent_code = codes.get(prefix[:-1], "")
            codes[prefix] = f"{parent_code}{siblings + 1:02d}"
            rows.append(category_row(codes[prefix], prefix, source, added))
    return sorted(rows, key=lambda row: row[0])


def category_row(
    code: str, path: tuple[str, ...], source: str, added: dict[tuple[str, ...], str]
) -> list[str]:
    """One taxonomy row: code, the three levels, limits, default unit, urgent, source."""
    hours, days, urgent = longest_prefix(LIMITS, path)  # type: ignore[misc]
    unit = added.get(path) or longest_prefix(DEFAULT_UNITS, path)
    levels = list(path) + [""] * (3 - len(path))
    return [code, *levels, str(hours), str(days), str(unit), str(urgent), source]


def build_routing(regions: list[list[str]], taxonomy: list[list[str]]) -> list[list[str]]:
    """Street-handled categories sent to each street's office, as CSV rows.

    A rule matches its exact category code only (a category's own default unit comes before
    its parent's rules), so a rule on a level-2 category is written for each category below
    it too.
    """
    by_path = {tuple(x for x in row[1:4] if x): row[0] for row in taxonomy}
    streets = [row[0] for row in regions if row[2] == "street"]
    codes = [
        code
        for path in STREET_CATEGORIES
        for known, code in by_path.items()
        if known[: len(path)] == path
    ]
    return [
        [code, street, street_office(street)]
        for code in sorted(set(codes))
        for street in streets
    ]


def notice_year(day: dt.date, name: str) -> int:
    """The notice a date belongs to: New Year days in December belong to the next year's."""
    if name == "New Year's Day" and day.month == 12:
        return day.year + 1
    return day.year


def build_notices() -> list[dict]:
    """One dict per holiday notice, 2019-2026, from the chinese_calendar package's data."""
    from chinese_calendar import constants

    notices = []
    for year, published in ANNUAL_PUBLISHED.items():
        holidays = entries(constants.holidays, year, "")
        workdays = entries(constants.workdays, year, "补班")
        in_lieu = {day.isoformat() for day in constants.in_lieu_days}
        notice = annual_notice(year, published, holidays, workdays, in_lieu)
        for revision in (r for r in REVISIONS if r[0] == year):
            notices.append(revision_notice(revision, holidays, workdays, in_lieu))
            revert_to_original(notice, revision)
        notices.append(notice)
    return sorted(notices, key=lambda n: (n["published"], n["notice_id"]))


def entries(table: dict, year: int, suffix: str) -> list[tuple[str, str]]:
    """(ISO date, Chinese name + suffix) of one notice year's dates in a chinese_calendar table."""
    return sorted(
        (day.isoformat(), HOLIDAY_NAMES[name] + suffix)
        for day, name in table.items()
        if notice_year(day, name) == year
    )


def annual_notice(
    year: int,
    published: str,
    holidays: list[tuple[str, str]],
    workdays: list[tuple[str, str]],
    in_lieu: set[str],
) -> dict:
    """The annual notice of a year, as its JSON body."""
    return {
        "notice_id": f"cn-{year}",
        "year": year,
        "title": f"国务院办公厅关于{year}年部分节假日安排的通知",
        "published": published,
        "source": "chinese_calendar 1.11.0 data (State Council notice as first published)",
        "holidays": [day_entry(day, name, in_lieu) for day, name in holidays],
        "workdays": [{"date": day, "name": name} for day, name in workdays],
    }


def day_entry(day: str, name: str, in_lieu: set[str]) -> dict:
    """A holiday entry; ``in_lieu`` marks a rest day given in exchange (调休) for a workday."""
    entry: dict = {"date": day, "name": name}
    if day in in_lieu:
        entry["in_lieu"] = True
    return entry


def revision_notice(
    revision: tuple, holidays: list, workdays: list, in_lieu: set[str]
) -> dict:
    """A revision notice: the final schedule of the dates inside its scope."""
    year, notice_id, title, published, start, end = revision
    return {
        "notice_id": notice_id,
        "year": year,
        "title": title,
        "published": published,
        "source": "chinese_calendar 1.11.0 data (the revised schedule)",
        "scope": {"start": start, "end": end},
        "holidays": [day_entry(d, n, in_lieu) for d, n in holidays if start <= d <= end],
        "workdays": [{"date": d, "name": n} for d, n in workdays if start <= d <= end],
    }


def revert_to_original(notice: dict, revision: tuple) -> None:
    """Put back, inside a revision's scope, what the annual notice said when first published."""
    _year, notice_id, _title, _published, start, end = revision
    holidays, workdays = ORIGINAL_IN_SCOPE[notice_id]
    for key, originals in (("holidays", holidays), ("workdays", workdays)):
        kept = [e for e in notice[key] if not start <= e["date"] <= end]
        kept += [{"date": day, "name": name} for day, name in originals]
        notice[key] = sorted(kept, key=lambda e: e["date"])


def csv_text(header: list[str], rows: Iterable[list[str]]) -> str:
    """UTF-8 CSV text with a header and LF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def build_files(data_dir: Path) -> dict[str, str]:
    """Every file of the pack as {relative path: text}."""
    regions = build_regions(read_streets(data_dir))
    taxonomy = build_taxonomy(read_taxonomy(data_dir))
    files = {
        "pack.json": json.dumps(PACK_META, ensure_ascii=False, indent=2) + "\n",
        "regions.csv": csv_text(["code", "name", "level", "parent_code", "generated"], regions),
        "units.csv": csv_text(["code", "name", "kind", "region_code"], build_units(regions)),
        "taxonomy.csv": csv_text(
            [
                "code", "level1", "level2", "level3", "response_hours", "completion_days",
                "default_unit", "urgent", "source",
            ],
            taxonomy,
        ),
        "routing.csv": csv_text(
            ["category_code", "region_code", "unit_code"], build_routing(regions, taxonomy)
        ),
    }
    for notice in build_notices():
        text = json.dumps(notice, ensure_ascii=False, indent=2) + "\n"
        files[f"calendar/{notice['notice_id']}.json"] = text
    return files


def write_pack(data_dir: Path, out_dir: Path = PACK_DIR) -> list[Path]:
    """Write the pack's files under ``out_dir``; returns the paths written."""
    written = []
    for relative, text in build_files(data_dir).items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    log.info("wrote %s pack files under %s", len(written), out_dir)
    return written


def main(argv: list[str]) -> None:
    """``packbuild [DATA_DIR] [OUT_DIR]``; DATA_DIR defaults to ../shared/data of the repo."""
    root = Path(__file__).resolve().parents[3]
    data_dir = Path(argv[0]) if argv else root / ".." / "shared" / "data"
    out_dir = Path(argv[1]) if len(argv) > 1 else PACK_DIR
    for path in write_pack(data_dir.resolve(), out_dir):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
