"""Placing points and cases in grids: locate, the new-case subscriber, moving open cases.

:func:`locate` answers which grid, community and street hold a WGS-84 point, through a
:class:`~civicgrid.grids.locator.GridLocator` over the version in force, built once per
database and version and kept in memory (a point on an edge shared by two grids belongs to
exactly one of them: the locator's documented tie-break).

:func:`place_new_case` is subscribed to case events: a live case created with coordinates
and no grid gets its grid, community and street, and a ``placed`` event on its timeline.
Imported history is left as it came.

:func:`catch_up_cases` re-places open cases with coordinates when the version in force has
changed since cases were last placed (after an adjustment or an imported layer is applied);
each case that changes grid gets a ``grid_changed`` event.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import asdict, dataclass

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.cases import service as cases
from civicgrid.cases import states
from civicgrid.cases.events import CaseHappening, subscribe
from civicgrid.cases.models import Case
from civicgrid.grids.geometry import GridPolygon
from civicgrid.grids.locator import GridLocator
from civicgrid.grids.models import GridVersion
from civicgrid.grids.versions import current_version, geometry_of, shapes_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where a point lies: its grid, community and street, in which grid version."""

    grid_code: str
    community_code: str | None
    street_code: str | None
    version_id: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready place."""
        return asdict(self)


@dataclass(frozen=True)
class _Grid:
    community_code: str | None
    street_code: str | None
    geometry: str


@dataclass
class _Index:
    locator: GridLocator
    rows: dict[str, _Grid]


_indexes: dict[tuple[str, int], _Index] = {}


def forget_locators() -> None:
    """Drop cached locators (after a version changes)."""
    _indexes.clear()


def _index(session: Session, version: GridVersion) -> _Index | None:
    key = (str(session.get_bind().url), version.id)
    if key not in _indexes:
        rows = shapes_of(session, version.id)
        if not rows:
            return None
        polygons = [GridPolygon(r.grid_code, geometry_of(r.geometry)) for r in rows]
        grids = {r.grid_code: _Grid(r.community_code, r.street_code, r.geometry) for r in rows}
        _indexes[key] = _Index(GridLocator(polygons), grids)
    return _indexes[key]


def locate(
    session: Session, lat: float, lon: float, *, on: dt.date | None = None
) -> Place | None:
    """The grid, community and street holding (lat, lon) in the version in force, or None."""
    version = current_version(session, on)
    if version is None:
        return None
    index = _index(session, version)
    if index is None:
        return None
    code = index.locator.locate(lon, lat)
    if code is None:
        return None
    row = index.rows[code]
    return Place(code, row.community_code, row.street_code, version.id)


def point_in_grid(
    session: Session, grid_code: str, rng: random.Random
) -> tuple[float, float] | None:
    """A random (lat, lon) inside a grid of the version in force, or None without one."""
    version = current_version(session)
    index = _index(session, version) if version else None
    row = index.rows.get(grid_code) if index else None
    if row is None:
        return None
    geom = geometry_of(row.geometry)
    xmin, ymin, xmax, ymax = geom.bounds
    for _ in range(200):
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if shapely.contains_xy(geom, x, y) and index.locator.locate(x, y) == grid_code:
            return round(y, 6), round(x, 6)
    point = geom.representative_point()
    return round(point.y, 6), round(point.x, 6)


@subscribe(kinds={"create"}, live_only=True)
def place_new_case(session: Session, happening: CaseHappening) -> None:
    """Fill grid, community and street of a new live case that has coordinates only."""
    case, event = happening.case, happening.event
    if not happening.live or event.kind != "create" or case.grid_code:
        return
    if case.lat is None or case.lon is None:
        return
    place = locate(session, case.lat, case.lon)
    if place is None:
        log.info("case %s: its point lies in no grid", case.number)
        return
    _set_place(case, place)
    cases.record_event(session=session, case=case, kind="placed", payload=place.to_dict())


def _set_place(case: Case, place: Place) -> None:
    case.grid_code = place.grid_code
    case.community_code = place.community_code
    case.street_code = place.street_code


def catch_up_cases(session: Session, now: dt.datetime | None = None) -> int:
    """Re-place open cases with coordinates onto the version in force, once per version;
    returns how many changed grid."""
    version = current_version(session)
    if version is None or version.cases_moved_at is not None:
        return 0
    changed = _changed_grids(session, version)
    moved = 0
    query = select(Case).where(Case.status.in_(states.OPEN_STATUSES),
                               Case.lat.is_not(None), Case.lon.is_not(None))
    if changed is not None:
        query = query.where(Case.grid_code.in_(changed))
    for case in session.scalars(query):
        place = locate(session, case.lat, case.lon)
        if place is None or place.grid_code == case.grid_code:
            continue
        before = case.grid_code
        _set_place(case, place)
        cases.record_event(session=session, case=case, kind="grid_changed",
                           payload={"from": before, **place.to_dict()})
        moved += 1
    version.cases_moved_at = now or dt.datetime.now(dt.UTC)
    session.flush()
    log.info("grid version %s in force: %s open case(s) moved", version.id, moved)
    return moved


def _changed_grids(session: Session, version: GridVersion) -> list[str] | None:
    """Grid codes whose polygon differs from the parent version (None: compare all)."""
    if version.parent_id is None:
        return None
    old = {s.grid_code: s.geometry for s in shapes_of(session, version.parent_id)}
    new = {s.grid_code: s.geometry for s in shapes_of(session, version.id)}
    return sorted(code for code in set(old) | set(new) if old.get(code) != new.get(code))
