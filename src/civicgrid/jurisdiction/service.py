"""Lookups on the district pack in the database, the working calendar, and loading packs
and holiday notices (a notice that changes working days recomputes open deadlines)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from civicgrid.jurisdiction.calendar import WorkCalendar
from civicgrid.jurisdiction.models import Category, HolidayNotice, Region, RoutingRule, Unit
from civicgrid.jurisdiction.pack import HolidayNotice as NoticeData
from civicgrid.jurisdiction.pack import Pack

log = logging.getLogger(__name__)

DEFAULT_RESPONSE_HOURS = 24
DEFAULT_COMPLETION_DAYS = 10

_calendar_cache: dict[tuple, WorkCalendar] = {}
_names_cache: dict[str, tuple[dict[str, str], dict[str, str]]] = {}


def names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """(unit code → name, category code → name), cached per database until a pack loads."""
    key = str(session.get_bind().url)
    cached = _names_cache.get(key)
    if cached is None:
        units = {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
        cats = {code: name for code, name in session.execute(select(Category.code, Category.name))}
        cached = _names_cache[key] = (units, cats)
    return cached


def get_unit(*, session: Session, code: str) -> Unit | None:
    """The unit with this code."""
    return session.get(Unit, code)


def get_region(*, session: Session, code: str) -> Region | None:
    """The region (district, street, community or grid) with this code."""
    return session.get(Region, code)


def get_category(*, session: Session, code: str) -> Category | None:
    """The category with this code."""
    return session.get(Category, code)


def get_all_units(*, session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.code)))


def get_all_regions(*, session: Session, level: str | None = None) -> list[Region]:
    query = select(Region).order_by(Region.code)
    if level:
        query = query.where(Region.level == level)
    return list(session.scalars(query))


def get_all_categories(*, session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.code)))


def find_unit_by_name(*, session: Session, name: str) -> Unit | None:
    """A unit whose name is exactly ``name`` (imports map source names this way)."""
    return session.scalar(select(Unit).where(Unit.name == name.strip()))


def find_category_by_name(*, session: Session, name: str) -> Category | None:
    """The most specific category named ``name`` or with path ``name``."""
    name = name.strip()
    found = session.scalar(select(Category).where(Category.path == name))
    if found:
        return found
    return session.scalar(
        select(Category).where(Category.name == name).order_by(Category.level.desc())
    )


def region_chain(*, session: Session, code: str | None) -> dict[str, str]:
    """``{"grid": ..., "community": ..., "street": ..., "district": ...}`` above a region."""
    chain: dict[str, str] = {}
    while code:
        region = session.get(Region, code)
        if region is None:
            break
        chain[region.level] = region.code
        code = region.parent_code
    return chain


def route(*, session: Session, category_code: str | None, region_code: str | None) -> str | None:
    """The unit for a category in a region: a routing rule up the region tree, then the
    category's default unit, then its parents' defaults.

    Only the rules of the category's ancestors in the region's chain are read (one query), so
    the cost does not grow with the size of the routing table.
    """
    if not category_code:
        return None
    categories: list[Category | None] = []
    code: str | None = category_code
    while code:
        category = session.get(Category, code)
        categories.append(category)
        code = category.parent_code if category is not None else None
    regions = list(region_chain(session=session, code=region_code).values())
    known = [c.code for c in categories if c is not None]
    rules = {
        (r.category_code, r.region_code): r.unit_code
        for r in session.scalars(select(RoutingRule).where(
            RoutingRule.category_code.in_(known), RoutingRule.region_code.in_(regions)))
    } if regions and known else {}
    for category in categories:
        if category is None:
            return None
        for region in regions:
            if (category.code, region) in rules:
                return rules[(category.code, region)]
        if category.default_unit:
            return category.default_unit
    return None


def limits_for_case(*, session: Session, case: object):
    """The response and completion limits of a case from its category and priority."""
    from civicgrid.cases.deadlines import limits_for

    category = session.get(Category, case.category_code) if case.category_code else None
    hours = category.response_hours if category else DEFAULT_RESPONSE_HOURS
    days = category.completion_days if category else DEFAULT_COMPLETION_DAYS
    return limits_for(hours, days, case.priority)


def notice_from_row(row: HolidayNotice) -> NoticeData:
    """The pack's notice value from its stored JSON body."""
    return NoticeData.from_json(row.body, file=f"notice {row.notice_id}")


def get_calendar(session: Session) -> WorkCalendar:
    """The working calendar built from every stored notice (cached until one changes)."""
    signature = session.execute(
        select(func.count(HolidayNotice.notice_id), func.max(HolidayNotice.loaded_at))
    ).one()
    key = (str(session.get_bind().url), signature[0], signature[1])
    cached = _calendar_cache.get(key)
    if cached is not None:
        return cached
    rows = session.scalars(
        select(HolidayNotice).order_by(
            HolidayNotice.year, HolidayNotice.published, HolidayNotice.loaded_at
        )
    )
    calendar = WorkCalendar([notice_from_row(row) for row in rows])
    _calendar_cache.clear()
    _calendar_cache[key] = calendar
    return calendar


def store_notice(*, session: Session, notice: NoticeData) -> bool:
    """Store a holiday notice; False when the same notice id is already stored."""
    if session.get(HolidayNotice, notice.notice_id) is not None:
        return False
    session.add(
        HolidayNotice(
            notice_id=notice.notice_id,
            year=notice.year,
            title=notice.title,
            published=notice.published,
            body=notice.to_json(),
            loaded_at=dt.datetime.now(dt.UTC),
        )
    )
    session.flush()
    return True


def load_pack(*, session: Session, pack: Pack) -> dict[str, int]:
    """Replace the pack tables with ``pack`` (cases keep their codes) and add its notices."""
    _names_cache.clear()
    for model in (RoutingRule, Category, Unit, Region):
        session.execute(delete(model))
    for region in pack.regions:
        session.add(Region(**asdict(region)))
    for unit in pack.units:
        session.add(Unit(**asdict(unit)))
    for category in pack.categories:
        session.add(
            Category(
                code=category.code,
                name=category.name,
                path=category.path,
                level=category.level,
                parent_code=category.parent_code,
                response_hours=category.response_hours,
                completion_days=category.completion_days,
                default_unit=category.default_unit,
            )
        )
    for rule in pack.routing:
        session.add(RoutingRule(**asdict(rule)))
    added = sum(store_notice(session=session, notice=n) for n in pack.notices)
    session.flush()
    log.info("pack %s (%s) loaded", pack.meta.code, pack.meta.name)
    return {
        "regions": len(pack.regions),
        "units": len(pack.units),
        "categories": len(pack.categories),
        "routing_rules": len(pack.routing),
        "notices_added": added,
    }
