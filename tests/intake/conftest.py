"""Fixtures of the intake tests.

Imports fill a database with thousands of cases, so they run on a database of their own
(a fresh SQLite file, or a fresh PostgreSQL schema when CIVICGRID_TEST_DATABASE_URL is
set), leaving the shared ``engine`` of the other tests untouched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker


def _fresh_engine(tmp: Path) -> Iterator[Engine]:
    from civicgrid.db import migrate
    from civicgrid.db.core import create_db_engine, make_session_factory
    from civicgrid.db.runtime import ensure_pack
    from tests.conftest import _postgres_url

    url = _postgres_url()
    schema = None
    if url is None:
        url = f"sqlite:///{tmp / 'import.db'}"
    else:
        schema = f"cg_imp_{uuid.uuid4().hex[:10]}"
        with create_engine(url).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_db_engine(url, schema=schema)
    migrate.upgrade(engine)
    with make_session_factory(engine)() as session:
        ensure_pack(session, "nanshan")
        session.commit()
    yield engine
    engine.dispose()
    if schema:
        admin = create_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def import_db(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on an empty, migrated database with the 南山 pack, per test."""
    from civicgrid.db.core import make_session_factory

    for engine in _fresh_engine(tmp_path):
        yield make_session_factory(engine)


@pytest.fixture(scope="module")
def module_import_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """Like ``import_db``, shared by the tests of one module."""
    from civicgrid.db.core import make_session_factory

    for engine in _fresh_engine(tmp_path_factory.mktemp("imports")):
        yield make_session_factory(engine)
