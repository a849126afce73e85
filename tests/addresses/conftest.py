"""Fixtures for the address tests that need the database: the generated base on the grids."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete


@pytest.fixture(scope="module")
def demo_base(engine: Engine) -> Iterator[dict]:
    """Grids laid and the generated base on them (one estate per grid), removed afterwards."""
    from civicgrid.addresses import base
    from civicgrid.addresses.models import AddressBuilding, AddressHouse, GasVerification
    from civicgrid.db.core import make_session_factory
    from civicgrid.grids import placing, versions

    with make_session_factory(engine)() as session:
        versions.lay_generated_base(session)
        report = base.generate_demo_base(session, estates_per_grid=1)
        session.commit()
    yield report
    with make_session_factory(engine)() as session:
        session.execute(delete(GasVerification))
        session.execute(delete(AddressHouse))
        session.execute(delete(AddressBuilding))
        session.commit()
    placing.forget_locators()
    versions.forget_layers()
