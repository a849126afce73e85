"""Engine and session handling for SQLite (embedded default) and PostgreSQL (production).

All times are stored as timezone-aware UTC. SQLite has no time zone type, so
:class:`UTCDateTime` stores naive UTC and hands back aware values on both engines, which
keeps every comparison in the code the same whatever the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every CivicGrid table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on every engine; naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given; CivicGrid stores aware UTC times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def create_db_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``; ``schema`` puts every table of a PostgreSQL database in it."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        # The server's thread pool runs up to 40 requests at once; SQLite serialises the
        # writes itself, so the pool must not be the narrower queue.
        kwargs["pool_size"] = 20
        kwargs["max_overflow"] = 20
    elif url.startswith("postgresql"):
        # No server-side prepared statements: psycopg prepares a query after five runs, and
        # a plan made while a table was still empty would then scan it forever after.
        kwargs["connect_args"] = {"prepare_threshold": None}
        if schema:
            kwargs["connect_args"]["options"] = f"-csearch_path={schema}"
        kwargs["pool_size"] = 10
        kwargs["max_overflow"] = 20
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine, settings: Any = None) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit.

    ``settings`` (a :class:`civicgrid.settings.Settings`) rides along in ``session.info`` so
    that reactions to case events use the settings of the app that opened the session, not
    whatever the process environment says (see :func:`civicgrid.settings.settings_of`).
    """
    info = {"settings": settings} if settings is not None else {}
    return sessionmaker(bind=engine, expire_on_commit=False, future=True, info=info)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
