"""Database engine, sessions and the declarative base shared by every domain package."""

from civicgrid.db.core import Base, create_db_engine, make_session_factory, session_scope

__all__ = ["Base", "create_db_engine", "make_session_factory", "session_scope"]
