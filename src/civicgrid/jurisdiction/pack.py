"""A jurisdiction pack: the files that describe one district, loaded and checked as a whole.

A pack is a folder (the 南山 one ships in ``packs/nanshan/``; see its README.md)::

    pack.json       district code, name, city, time zone, case-number prefix
    regions.csv     code,name,level,parent_code,generated   district > street > community > grid
    units.csv       code,name,kind,region_code              who handles cases
    taxonomy.csv    code,level1,level2,level3,response_hours,completion_days,default_unit
                    [,urgent,source]                        the three-level request taxonomy
    routing.csv     category_code,region_code,unit_code     exceptions to the default unit
    calendar/*.json one State Council holiday notice per file

:func:`load_pack` reads everything, checks every file against the others, and raises one
:class:`PackError` that lists *all* problems (file, row, field, value, fix) so a pack editor
fixes them in one pass. Row numbers are 1-based data rows, the header excluded.

:func:`route` answers "which unit gets a case of this category in this region": a routing
rule for the category in the region or any region above it, else the category's default
unit, and if it has none, the same questions for its parent category.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from civicgrid.intake.files import TableError, decode_bytes

log = logging.getLogger(__name__)

PACKS_DIR = Path(__file__).resolve().parent / "packs"
REGION_LEVELS = ("district", "street", "community", "grid")
UNIT_KINDS = ("department", "street_office", "community_station", "utility", "dispatch_center")
# A child region's code is its parent's code plus this many digits.
CHILD_CODE_DIGITS = 3
META_KEYS = (
    "code", "name", "city", "city_code", "province", "timezone", "case_prefix", "generated_note"
)
REGION_COLUMNS = ("code", "name", "level", "parent_code", "generated")
UNIT_COLUMNS = ("code", "name", "kind", "region_code")
TAXONOMY_COLUMNS = (
    "code", "level1", "level2", "level3", "response_hours", "completion_days", "default_unit"
)
ROUTING_COLUMNS = ("category_code", "region_code", "unit_code")


@dataclass(frozen=True)
class PackMeta:
    """The district a pack describes (pack.json)."""

    code: str
    name: str
    city: str
    city_code: str
    province: str
    timezone: str
    case_prefix: str
    generated_note: str = ""


@dataclass(frozen=True)
class Region:
    """A district, street (街道), community (社区) or grid (网格)."""

    code: str
    name: str
    level: str
    parent_code: str | None
    generated: bool


@dataclass(frozen=True)
class Unit:
    """A unit that handles cases; ``region_code`` is the area it serves."""

    code: str
    name: str
    kind: str
    region_code: str | None


@dataclass(frozen=True)
class Category:
    """A node of the request taxonomy; level2/level3 are empty on upper nodes.

    ``response_hours`` are working hours (clock hours when ``urgent``), ``completion_days``
    working days.
    """

    code: str
    level1: str
    level2: str
    level3: str
    response_hours: int
    completion_days: int
    default_unit: str | None
    urgent: bool = False
    source: str = ""

    @property
    def levels(self) -> tuple[str, ...]:
        """The non-empty level names, top first."""
        return tuple(name for name in (self.level1, self.level2, self.level3) if name)

    @property
    def name(self) -> str:
        """The most specific level's name."""
        return self.levels[-1]

    @property
    def path(self) -> str:
        """``一级/二级/三级`` (as deep as the node goes)."""
        return "/".join(self.levels)

    @property
    def level(self) -> int:
        """1, 2 or 3."""
        return len(self.levels)

    @property
    def parent_code(self) -> str | None:
        """The code of the category one level up, None at level 1."""
        return self.code[:-2] or None


@dataclass(frozen=True)
class RoutingRule:
    """Cases of ``category_code`` in ``region_code`` (and the regions below it) go to a unit."""

    category_code: str
    region_code: str
    unit_code: str


@dataclass(frozen=True)
class HolidayNotice:
    """A published holiday schedule (放假安排通知).

    An annual notice (no scope) governs its whole year plus any dates it lists outside it
    (the New Year days of late December); a revision governs only ``scope_start`` to
    ``scope_end``. ``in_lieu`` holds the rest days given in exchange for a worked weekend day
    (调休), as opposed to the statutory holidays themselves.
    """

    notice_id: str
    year: int
    title: str
    published: dt.date
    holidays: dict[dt.date, str]
    workdays: dict[dt.date, str]
    scope_start: dt.date | None = None
    scope_end: dt.date | None = None
    in_lieu: frozenset[dt.date] = frozenset()
    source: str = ""

    @property
    def is_revision(self) -> bool:
        """True for a notice that changes part of a year only."""
        return self.scope_start is not None

    def scope(self) -> tuple[dt.date, dt.date]:
        """First and last date this notice governs."""
        if self.scope_start is not None and self.scope_end is not None:
            return self.scope_start, self.scope_end
        dates = [*self.holidays, *self.workdays]
        first = min([dt.date(self.year, 1, 1), *dates])
        last = max([dt.date(self.year, 12, 31), *dates])
        return first, last

    def to_json(self) -> dict:
        """The notice as its JSON file's body."""
        body: dict = {
            "notice_id": self.notice_id,
            "year": self.year,
            "title": self.title,
            "published": self.published.isoformat(),
        }
        if self.source:
            body["source"] = self.source
        if self.scope_start and self.scope_end:
            body["scope"] = {
                "start": self.scope_start.isoformat(),
                "end": self.scope_end.isoformat(),
            }
        body["holidays"] = [self._holiday_entry(day) for day in sorted(self.holidays)]
        body["workdays"] = [
            {"date": day.isoformat(), "name": name} for day, name in sorted(self.workdays.items())
        ]
        return body

    def _holiday_entry(self, day: dt.date) -> dict:
        entry: dict = {"date": day.isoformat(), "name": self.holidays[day]}
        if day in self.in_lieu:
            entry["in_lieu"] = True
        return entry

    @classmethod
    def from_json(cls, body: dict, *, file: str = "<notice>") -> HolidayNotice:
        """Parse a notice body; raises PackError listing every problem in it."""
        problems = Problems()
        notice = parse_notice(body, file, problems)
        problems.raise_if_any()
        assert notice is not None
        return notice


@dataclass(frozen=True)
class PackProblem:
    """One thing wrong in a pack, and how to fix it."""

    file: str
    row: int | None
    field: str
    value: object
    fix: str

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row is not None else self.file
        return f"{where}, field {self.field!r}, value {self.value!r}: {self.fix}"


class PackError(ValueError):
    """A pack that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[PackProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"the jurisdiction pack has {len(problems)} problem(s):\n{lines}")


class Problems:
    """Collects problems while a pack is read, so they can be raised all at once."""

    def __init__(self) -> None:
        self.items: list[PackProblem] = []

    def add(self, file: str, row: int | None, field: str, value: object, fix: str) -> None:
        """Record one problem."""
        self.items.append(PackProblem(file, row, field, value, fix))

    def raise_if_any(self) -> None:
        """Raise a PackError listing everything recorded, if anything was."""
        if self.items:
            raise PackError(list(self.items))


@dataclass(frozen=True)
class Pack:
    """A loaded, checked jurisdiction pack with lookups by code.

    >>> pack = load_pack("nanshan")
    >>> pack.region("440305007").name
    '粤海街道'
    >>> route(pack, pack.category_by_path("城乡建设/城市建设和市政管理/燃气供应").code, None)
    'GAS'
    """

    meta: PackMeta
    regions: list[Region]
    units: list[Unit]
    categories: list[Category]
    routing: list[RoutingRule]
    notices: list[HolidayNotice]
    folder: Path | None = field(default=None, compare=False)

    @functools.cached_property
    def _regions(self) -> dict[str, Region]:
        return {region.code: region for region in self.regions}

    @functools.cached_property
    def _units(self) -> dict[str, Unit]:
        return {unit.code: unit for unit in self.units}

    @functools.cached_property
    def _categories(self) -> dict[str, Category]:
        return {category.code: category for category in self.categories}

    @functools.cached_property
    def _paths(self) -> dict[str, Category]:
        return {category.path: category for category in self.categories}

    @functools.cached_property
    def _rules(self) -> dict[tuple[str, str], str]:
        return {(rule.category_code, rule.region_code): rule.unit_code for rule in self.routing}

    def region(self, code: str) -> Region | None:
        """The region with this code, or None."""
        return self._regions.get(code)

    def unit(self, code: str) -> Unit | None:
        """The unit with this code, or None."""
        return self._units.get(code)

    def category(self, code: str) -> Category | None:
        """The category with this code, or None."""
        return self._categories.get(code)

    def category_by_path(self, path: str | Iterable[str]) -> Category | None:
        """The category named ``一级/二级/三级`` (or a prefix of it), or None."""
        key = path if isinstance(path, str) else "/".join(name for name in path if name)
        return self._paths.get(key.strip("/"))

    def children(self, region_code: str) -> list[Region]:
        """The regions directly below a region."""
        return [region for region in self.regions if region.parent_code == region_code]

    def ancestors(self, region_code: str) -> list[Region]:
        """The region itself, then each region above it up to the district."""
        chain: list[Region] = []
        region = self.region(region_code)
        while region is not None and len(chain) < len(REGION_LEVELS):
            chain.append(region)
            region = self.region(region.parent_code) if region.parent_code else None
        return chain

    def street_of(self, region_code: str) -> Region | None:
        """The street (街道) a region lies in, or None for the district or an unknown code."""
        return next((r for r in self.ancestors(region_code) if r.level == "street"), None)

    def rule(self, category_code: str, region_code: str) -> str | None:
        """The unit a routing rule names for exactly this category and region, or None."""
        return self._rules.get((category_code, region_code))


@dataclass(frozen=True)
class RouteDecision:
    """Which unit a case goes to and why (``reason`` is ``rule`` or ``default``)."""

    unit_code: str
    category_code: str
    region_code: str | None
    reason: str


def explain_route(
    pack: Pack, category_code: str, region_code: str | None
) -> RouteDecision | None:
    """The unit for a category in a region, with the rule or default that chose it."""
    category = pack.category(category_code)
    if category is None:
        log.info("no route: category %s is not in the pack", category_code)
        return None
    regions = [region.code for region in pack.ancestors(region_code)] if region_code else []
    while category is not None:
        for code in regions:
            unit = pack.rule(category.code, code)
            if unit:
                return RouteDecision(unit, category.code, code, "rule")
        if category.default_unit:
            return RouteDecision(category.default_unit, category.code, None, "default")
        category = pack.category(category.parent_code) if category.parent_code else None
    return None


def route(pack: Pack, category_code: str, region_code: str | None) -> str | None:
    """The unit code for a case of a category in a region, or None if nothing applies."""
    decision = explain_route(pack, category_code, region_code)
    return decision.unit_code if decision else None


def available_packs() -> list[str]:
    """Names of the packs shipped with CivicGrid."""
    return sorted(path.name for path in PACKS_DIR.iterdir() if (path / "pack.json").is_file())


def pack_folder(name_or_path: str | Path) -> Path:
    """The folder of a shipped pack by name, or the given folder."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    shipped = PACKS_DIR / str(name_or_path)
    if shipped.is_dir():
        return shipped
    raise PackError(
        [
            PackProblem(
                str(name_or_path), None, "name_or_path", str(name_or_path),
                f"give a shipped pack name ({', '.join(available_packs())}) or a pack folder",
            )
        ]
    )


def load_pack(name_or_path: str | Path = "nanshan") -> Pack:
    """Read and check a pack by shipped name or folder; raises PackError listing all problems."""
    folder = pack_folder(name_or_path)
    problems = Problems()
    meta = read_meta(folder, problems)
    regions = read_regions(folder, problems)
    units = read_units(folder, problems)
    categories = read_categories(folder, problems)
    routing = read_routing(folder, problems)
    notices = read_notices(folder, problems)
    pack = Pack(meta or _EMPTY_META, regions, units, categories, routing, notices, folder)
    check_pack(pack, problems, has_meta=meta is not None)
    problems.raise_if_any()
    log.info(
        "loaded pack %s: %s regions, %s units, %s categories, %s rules, %s notices",
        folder.name, len(regions), len(units), len(categories), len(routing), len(notices),
    )
    return pack


_EMPTY_META = PackMeta("", "", "", "", "", "Asia/Shanghai", "")


# Reading -------------------------------------------------------------------------------------


def read_meta(folder: Path, problems: Problems) -> PackMeta | None:
    """pack.json as PackMeta, or None (with problems recorded)."""
    body = read_json(folder / "pack.json", "pack.json", problems)
    if body is None:
        return None
    missing = [key for key in META_KEYS[:-1] if not str(body.get(key) or "").strip()]
    for key in missing:
        problems.add("pack.json", None, key, body.get(key), f"set {key!r} in pack.json")
    if missing:
        return None
    return PackMeta(**{key: str(body.get(key) or "") for key in META_KEYS})


def read_json(path: Path, name: str, problems: Problems) -> dict | None:
    """A JSON object from a file, or None (with the problem recorded)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        problems.add(name, None, "(file)", str(path), "create the file")
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.add(name, None, "(file)", str(exc), "fix the JSON syntax; save it as UTF-8")
        return None
    if not isinstance(body, dict):
        problems.add(name, None, "(file)", type(body).__name__, "the file must hold one object")
        return None
    return body


def read_rows(
    folder: Path, name: str, columns: tuple[str, ...], problems: Problems
) -> list[dict[str, str]]:
    """Data rows of a pack CSV as dicts of stripped strings ('' for empty cells).

    Read strictly (no title or total rows skipped, unlike office imports), so that row N
    of a problem is the N-th line after the header. UTF-8, with or without BOM, or GBK.
    """
    try:
        text, _encoding = decode_bytes((folder / name).read_bytes())
    except FileNotFoundError:
        problems.add(name, None, "(file)", str(folder / name), "create the file")
        return []
    except TableError as exc:
        problems.add(name, None, "(file)", str(folder / name), str(exc))
        return []
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header = [cell.strip() for cell in lines[0]] if lines else []
    missing = [column for column in columns if column not in header]
    for column in missing:
        problems.add(name, None, column, None, f"add the column; the header must hold {columns}")
    if missing:
        return []
    rows = []
    for number, line in enumerate(lines[1:], 1):
        if not any(cell.strip() for cell in line):
            problems.add(name, number, "(row)", "", "remove the empty row")
        cells = [cell.strip() for cell in line] + [""] * (len(header) - len(line))
        rows.append(dict(zip(header, cells, strict=False)))
    return rows


def read_regions(folder: Path, problems: Problems) -> list[Region]:
    """regions.csv, with each row's own fields checked."""
    regions = []
    name = "regions.csv"
    for row_number, row in enumerate(read_rows(folder, name, REGION_COLUMNS, problems), 1):
        if row["level"] not in REGION_LEVELS:
            problems.add(name, row_number, "level", row["level"], f"use one of {REGION_LEVELS}")
        if not row["code"].isdigit():
            problems.add(name, row_number, "code", row["code"], "use digits only")
        if not row["name"]:
            problems.add(name, row_number, "name", row["name"], "give the region a name")
        generated = parse_flag(row.get("generated", ""), name, row_number, "generated", problems)
        regions.append(
            Region(row["code"], row["name"], row["level"], row["parent_code"] or None, generated)
        )
    return regions


def read_units(folder: Path, problems: Problems) -> list[Unit]:
    """units.csv, with each row's own fields checked."""
    units = []
    for row_number, row in enumerate(read_rows(folder, "units.csv", UNIT_COLUMNS, problems), 1):
        if row["kind"] not in UNIT_KINDS:
            problems.add("units.csv", row_number, "kind", row["kind"], f"use one of {UNIT_KINDS}")
        if not row["code"] or not row["name"]:
            problems.add("units.csv", row_number, "code/name", row["code"], "give both")
        units.append(Unit(row["code"], row["name"], row["kind"], row["region_code"] or None))
    return units


def read_categories(folder: Path, problems: Problems) -> list[Category]:
    """taxonomy.csv, with each row's own fields checked."""
    name = "taxonomy.csv"
    categories = []
    for row_number, row in enumerate(read_rows(folder, name, TAXONOMY_COLUMNS, problems), 1):
        hours = parse_positive(row["response_hours"], name, row_number, "response_hours", problems)
        days = parse_positive(row["completion_days"], name, row_number, "completion_days", problems)
        urgent = parse_flag(row.get("urgent", ""), name, row_number, "urgent", problems)
        category = Category(
            row["code"], row["level1"], row["level2"], row["level3"], hours, days,
            row["default_unit"] or None, urgent, row.get("source", ""),
        )
        check_category_shape(category, row_number, problems)
        categories.append(category)
    return categories


def check_category_shape(category: Category, row: int, problems: Problems) -> None:
    """A category code has 2, 4 or 6 digits and exactly that many levels named, in order."""
    code = category.code
    if not code.isdigit() or len(code) not in (2, 4, 6):
        problems.add("taxonomy.csv", row, "code", code, "use 2, 4 or 6 digits (01, 0101, 010101)")
        return
    names = (category.level1, category.level2, category.level3)
    depth = len(code) // 2
    if not all(names[:depth]) or any(names[depth:]):
        problems.add(
            "taxonomy.csv", row, "level1..level3", "/".join(names),
            f"a {len(code)}-digit code needs exactly levels 1..{depth} filled in",
        )


def read_routing(folder: Path, problems: Problems) -> list[RoutingRule]:
    """routing.csv as rules (cross-checked later)."""
    rows = read_rows(folder, "routing.csv", ROUTING_COLUMNS, problems)
    return [RoutingRule(row["category_code"], row["region_code"], row["unit_code"]) for row in rows]


def read_notices(folder: Path, problems: Problems) -> list[HolidayNotice]:
    """Every calendar/*.json notice, in publication order."""
    notices = []
    for path in sorted((folder / "calendar").glob("*.json")):
        name = f"calendar/{path.name}"
        body = read_json(path, name, problems)
        notice = parse_notice(body, name, problems) if body is not None else None
        if notice is not None:
            notices.append(notice)
    return sorted(notices, key=lambda notice: (notice.published, notice.notice_id))


def parse_notice(body: dict, file: str, problems: Problems) -> HolidayNotice | None:
    """A notice from its JSON body, or None (with every problem recorded)."""
    before = len(problems.items)
    year = body.get("year")
    if not isinstance(year, int) or not 1949 <= year <= 2200:
        problems.add(file, None, "year", year, "give the year as a number, e.g. 2026")
        year = 0
    for key in ("notice_id", "title"):
        if not str(body.get(key) or "").strip():
            problems.add(file, None, key, body.get(key), f"give the notice a {key}")
    published = parse_date(body.get("published"), file, None, "published", problems)
    scope = body.get("scope") or {}
    start = parse_date(scope.get("start"), file, None, "scope.start", problems) if scope else None
    end = parse_date(scope.get("end"), file, None, "scope.end", problems) if scope else None
    holidays, in_lieu = parse_days(body, "holidays", file, problems)
    workdays, _ = parse_days(body, "workdays", file, problems)
    check_notice_days(file, holidays, workdays, (start, end) if scope else None, problems)
    if len(problems.items) > before or published is None:
        return None
    return HolidayNotice(
        str(body["notice_id"]), year, str(body["title"]), published, holidays, workdays,
        start, end, frozenset(in_lieu), str(body.get("source") or ""),
    )


def parse_days(
    body: dict, key: str, file: str, problems: Problems
) -> tuple[dict[dt.date, str], set[dt.date]]:
    """The dated entries of a notice's ``holidays`` or ``workdays`` list."""
    entries = body.get(key)
    if not isinstance(entries, list):
        problems.add(file, None, key, entries, f"give {key!r} as a list of {{date, name}}")
        return {}, set()
    days: dict[dt.date, str] = {}
    in_lieu: set[dt.date] = set()
    for index, entry in enumerate(entries):
        label = f"{key}[{index}]"
        entry = entry if isinstance(entry, dict) else {}
        day = parse_date(entry.get("date"), file, index + 1, f"{label}.date", problems)
        if not str(entry.get("name") or "").strip():
            problems.add(file, index + 1, f"{label}.name", entry.get("name"), "name the day")
        if day is not None and day in days:
            problems.add(file, index + 1, f"{label}.date", day.isoformat(), "list each date once")
        if day is not None:
            days[day] = str(entry.get("name") or "")
            if entry.get("in_lieu"):
                in_lieu.add(day)
    return days, in_lieu


def check_notice_days(
    file: str,
    holidays: dict[dt.date, str],
    workdays: dict[dt.date, str],
    scope: tuple[dt.date | None, dt.date | None] | None,
    problems: Problems,
) -> None:
    """No date both off and worked; make-up days on weekends; dates inside a revision's scope."""
    for day in sorted(set(holidays) & set(workdays)):
        problems.add(file, None, "date", day.isoformat(), "a date is off or worked, not both")
    for day in sorted(workdays):
        if day.weekday() < 5:
            problems.add(
                file, None, "workdays.date", day.isoformat(),
                "a make-up workday (补班) falls on a Saturday or Sunday; remove weekday entries",
            )
    if scope and scope[0] and scope[1]:
        for day in sorted([*holidays, *workdays]):
            if not scope[0] <= day <= scope[1]:
                problems.add(file, None, "date", day.isoformat(), "keep dates inside the scope")


def parse_date(
    value: object, file: str, row: int | None, name: str, problems: Problems
) -> dt.date | None:
    """An ISO date (YYYY-MM-DD), or None (with the problem recorded)."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(file, row, name, value, "write the date as YYYY-MM-DD")
        return None


def parse_positive(value: str, file: str, row: int, name: str, problems: Problems) -> int:
    """A whole number above zero, or 0 (with the problem recorded)."""
    if value.isdigit() and int(value) > 0:
        return int(value)
    problems.add(file, row, name, value, "give a whole number above 0")
    return 0


def parse_flag(value: str, file: str, row: int, name: str, problems: Problems) -> bool:
    """0/1 (empty means 0)."""
    if value in ("", "0", "1"):
        return value == "1"
    problems.add(file, row, name, value, "write 0 or 1")
    return False


# Cross-file checks ---------------------------------------------------------------------------


def check_pack(pack: Pack, problems: Problems, *, has_meta: bool) -> None:
    """Everything that needs more than one row or file to check."""
    if has_meta:
        check_meta(pack.meta, problems)
    check_regions(pack, problems)
    check_units(pack, problems)
    check_categories(pack, problems)
    check_routing(pack, problems)
    check_notice_ids(pack.notices, problems)


def check_meta(meta: PackMeta, problems: Problems) -> None:
    """A time zone that exists and a district code like 440305."""
    try:
        ZoneInfo(meta.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.add("pack.json", None, "timezone", meta.timezone, "use Asia/Shanghai")
    if not (meta.code.isdigit() and len(meta.code) == 6):
        problems.add("pack.json", None, "code", meta.code, "use the 6-digit division code")


def duplicates(codes: list[str]) -> dict[int, str]:
    """{1-based row: code} of every row whose code appeared on an earlier row."""
    seen: set[str] = set()
    repeated = {}
    for row, code in enumerate(codes, 1):
        if code in seen:
            repeated[row] = code
        seen.add(code)
    return repeated


def check_regions(pack: Pack, problems: Problems) -> None:
    """Unique codes, one district (the pack's), parents one level up, codes extending theirs."""
    for row, code in duplicates([r.code for r in pack.regions]).items():
        problems.add("regions.csv", row, "code", code, "give every region its own code")
    districts = [r for r in pack.regions if r.level == "district"]
    if len(districts) != 1:
        problems.add(
            "regions.csv", None, "level", f"{len(districts)} districts", "list exactly one district"
        )
    for row, region in enumerate(pack.regions, 1):
        check_region_parent(pack, region, row, problems)


def check_region_parent(pack: Pack, region: Region, row: int, problems: Problems) -> None:
    """A region's parent exists, sits one level up, and prefixes the region's code."""
    if region.level == "district":
        if region.parent_code:
            problems.add("regions.csv", row, "parent_code", region.parent_code, "leave it empty")
        if pack.meta.code and region.code != pack.meta.code:
            problems.add("regions.csv", row, "code", region.code, f"use {pack.meta.code}")
        return
    if region.level not in REGION_LEVELS:
        return
    parent = pack.region(region.parent_code or "")
    expected = REGION_LEVELS[REGION_LEVELS.index(region.level) - 1]
    if parent is None:
        problems.add(
            "regions.csv", row, "parent_code", region.parent_code,
            f"name an existing {expected} region's code",
        )
        return
    if parent.level != expected:
        problems.add(
            "regions.csv", row, "parent_code", region.parent_code,
            f"a {region.level}'s parent must be a {expected}, not a {parent.level}",
        )
    wanted = len(parent.code) + CHILD_CODE_DIGITS
    if not region.code.startswith(parent.code) or len(region.code) != wanted:
        problems.add(
            "regions.csv", row, "code", region.code,
            f"use the parent's code {parent.code} followed by {CHILD_CODE_DIGITS} digits",
        )


UNIT_REGION_LEVEL = {"street_office": "street", "community_station": "community"}


def check_units(pack: Pack, problems: Problems) -> None:
    """Unique codes; regions that exist; street offices at streets, stations at communities."""
    for row, code in duplicates([u.code for u in pack.units]).items():
        problems.add("units.csv", row, "code", code, "give every unit its own code")
    for row, unit in enumerate(pack.units, 1):
        region = pack.region(unit.region_code) if unit.region_code else None
        if unit.region_code and region is None:
            problems.add("units.csv", row, "region_code", unit.region_code, "use a region code")
        wanted = UNIT_REGION_LEVEL.get(unit.kind)
        if wanted and (region is None or region.level != wanted):
            problems.add(
                "units.csv", row, "region_code", unit.region_code,
                f"a {unit.kind} serves a {wanted}; give that {wanted}'s code",
            )


def check_categories(pack: Pack, problems: Problems) -> None:
    """Unique codes and paths, parents present and named alike, default units that exist."""
    for row, code in duplicates([c.code for c in pack.categories]).items():
        problems.add("taxonomy.csv", row, "code", code, "give every category its own code")
    for row, path in duplicates([c.path for c in pack.categories]).items():
        problems.add("taxonomy.csv", row, "level1..level3", path, "list each category path once")
    for row, category in enumerate(pack.categories, 1):
        parent = pack.category(category.parent_code) if category.parent_code else None
        if category.parent_code and parent is None:
            problems.add(
                "taxonomy.csv", row, "code", category.code,
                f"add the parent category {category.parent_code} first",
            )
        elif parent and category.levels[: parent.level] != parent.levels:
            problems.add(
                "taxonomy.csv", row, "level1..level3", category.path,
                f"start with the parent's names {parent.path!r} (code {parent.code})",
            )
        if category.default_unit and pack.unit(category.default_unit) is None:
            problems.add(
                "taxonomy.csv", row, "default_unit", category.default_unit,
                "name a unit code from units.csv",
            )


def check_routing(pack: Pack, problems: Problems) -> None:
    """Rules name a known category, region and unit, once per (category, region)."""
    pairs = [f"{rule.category_code}@{rule.region_code}" for rule in pack.routing]
    for row, pair in duplicates(pairs).items():
        problems.add("routing.csv", row, "category_code+region_code", pair, "keep one rule")
    for row, rule in enumerate(pack.routing, 1):
        lookups = (
            ("category_code", rule.category_code, pack.category, "taxonomy.csv"),
            ("region_code", rule.region_code, pack.region, "regions.csv"),
            ("unit_code", rule.unit_code, pack.unit, "units.csv"),
        )
        for name, value, lookup, source in lookups:
            if lookup(value) is None:
                problems.add("routing.csv", row, name, value, f"use a code from {source}")


def check_notice_ids(notices: list[HolidayNotice], problems: Problems) -> None:
    """Every notice has its own id."""
    for _row, notice_id in duplicates([n.notice_id for n in notices]).items():
        problems.add("calendar/", None, "notice_id", notice_id, "give every notice its own id")
