"""Opening the configured database, creating and upgrading it, loading the district pack."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from civicgrid.db import migrate
from civicgrid.db.core import create_db_engine, make_session_factory
from civicgrid.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def open_database(settings: Settings) -> Database:
    """Engine and sessions for the configured database (nothing is created)."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url)
    return Database(engine=engine, sessions=make_session_factory(engine, settings))


def initialise(settings: Settings) -> dict:
    """Create or upgrade the data folder and database and load the district pack; harmless
    to run again. Returns what was done."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = open_database(settings)
    migrate.upgrade(db.engine)
    report: dict = {"data_dir": str(settings.data_dir.resolve()),
                    "database": db.engine.url.render_as_string(hide_password=True)}
    with db.sessions() as session:
        report["pack"] = ensure_pack(session, settings.district)
        report["admin"] = ensure_admin(session, settings)
        from civicgrid.grids.versions import lay_generated_base
        report["grids"] = lay_generated_base(session, data_dir=settings.data_dir)
        session.commit()
    db.engine.dispose()
    return report


def ensure_pack(session: Session, district: str) -> dict:
    """Load the district pack when the database has none (an existing pack is kept)."""
    from civicgrid.jurisdiction import service as jurisdiction
    from civicgrid.jurisdiction.models import Region
    from civicgrid.jurisdiction.pack import load_pack

    if session.scalar(select(func.count()).select_from(Region)):
        return {"loaded": False, "reason": "a pack is already loaded"}
    counts = jurisdiction.load_pack(session=session, pack=load_pack(district))
    return {"loaded": True, **counts}


def ensure_admin(session: Session, settings: Settings) -> dict:
    """Create the 'admin' account once, with a random password kept in the data folder."""
    from civicgrid.accounts import service as accounts

    if accounts.get_by_username(session=session, username="admin") is not None:
        return {"created": False}
    password = secrets.token_urlsafe(12)
    accounts.create(session=session, username="admin", display_name="系统管理员",
                    password=password, role="admin")
    path = settings.data_dir / "admin-password.txt"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return {"created": True, "password_file": str(path.resolve())}
