"""Routing in the database: rules up the region tree, then the category's defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.jurisdiction import service
from civicgrid.jurisdiction.models import Category, Region, RoutingRule

pytestmark = pytest.mark.db


def _leaf_and_grid(session: Session) -> tuple[Category, Region]:
    leaf = session.scalar(select(Category).where(Category.level == 3, Category.parent_code
                                                 .is_not(None)).order_by(Category.code))
    grid = session.scalar(select(Region).where(Region.level == "grid").order_by(Region.code))
    return leaf, grid


def test_rule_on_the_nearest_region_wins_then_parent_category_then_default(
    session: Session,
) -> None:
    leaf, grid = _leaf_and_grid(session)
    chain = service.region_chain(session=session, code=grid.code)
    parent = session.get(Category, leaf.parent_code)
    before = service.route(session=session, category_code=leaf.code, region_code=grid.code)
    assert before is not None  # the pack routes every leaf somewhere

    session.add(RoutingRule(category_code=parent.code, region_code=chain["street"],
                            unit_code="U_PARENT_STREET"))
    session.flush()
    assert service.route(session=session, category_code=leaf.code,
                         region_code=grid.code) in {before, "U_PARENT_STREET"}
    session.add(RoutingRule(category_code=leaf.code, region_code=chain["street"],
                            unit_code="U_LEAF_STREET"))
    session.add(RoutingRule(category_code=leaf.code, region_code=grid.code,
                            unit_code="U_LEAF_GRID"))
    session.flush()
    assert service.route(session=session, category_code=leaf.code,
                         region_code=grid.code) == "U_LEAF_GRID"
    # Another grid of the same street: the street rule of the leaf.
    sibling = session.scalar(select(Region).where(
        Region.level == "grid", Region.code != grid.code,
        Region.parent_code == grid.parent_code))
    if sibling is not None:
        assert service.route(session=session, category_code=leaf.code,
                             region_code=sibling.code) == "U_LEAF_STREET"
    assert service.route(session=session, category_code="NO-SUCH", region_code=grid.code) is None
    assert service.route(session=session, category_code=None, region_code=grid.code) is None
    session.rollback()
