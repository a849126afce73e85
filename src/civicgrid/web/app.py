"""Assembling the FastAPI application: settings, database, routers, pages, background."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from civicgrid import __version__
from civicgrid.db.core import create_db_engine, make_session_factory
from civicgrid.settings import Settings, get_settings
from civicgrid.web import errors

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")


def vendor_dir() -> Path | None:
    """node_modules installed at setup (front-end libraries come from the npm registry)."""
    for base in (Path.cwd(), *Path(__file__).resolve().parents):
        candidate = base / "node_modules"
        if (candidate / "echarts" / "dist").is_dir():
            return candidate
    return None


def load_reactions() -> None:
    """Import the packages that subscribe to case events."""
    import civicgrid.addresses.placing  # noqa: F401
    import civicgrid.grids.placing  # noqa: F401
    import civicgrid.nlp.intake  # noqa: F401
    import civicgrid.intake.exchange  # noqa: F401  (city results on close/reopen)
    import civicgrid.notifications.service  # noqa: F401
    import civicgrid.risk.incoming  # noqa: F401


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, background: bool = True
) -> FastAPI:
    """The CivicGrid web application on ``engine`` (or the configured database)."""
    settings = settings or get_settings()
    engine = engine or create_db_engine(settings.resolved_database_url)
    load_reactions()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if background:
            from civicgrid.assistant.questions import start_warm_up
            from civicgrid.background import start_scheduler

            worker = start_scheduler(app.state.session_factory, settings)
            # jieba's dictionary and the knowledge index load beside start-up, not in the
            # first question.
            start_warm_up(app.state.session_factory, settings)
        yield
        if worker is not None:
            worker.stop()

    app = FastAPI(title="CivicGrid", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine, settings)
    errors.install(app)
    _mount_routers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    vendor = vendor_dir()
    if vendor is not None:
        app.mount("/vendor", StaticFiles(directory=vendor), name="vendor")

    @app.get("/healthz", response_class=PlainTextResponse, include_in_schema=False)
    def healthz() -> str:
        return "ok"

    return app


def _mount_routers(app: FastAPI) -> None:
    from civicgrid.accounts.api import router as accounts_router
    from civicgrid.addresses.api import router as addresses_router
    from civicgrid.assistant.api import router as assistant_router
    from civicgrid.audit.api import router as audit_router
    from civicgrid.cases.api import router as cases_router
    from civicgrid.grids.api import router as grids_router
    from civicgrid.ground.api import router as ground_router
    from civicgrid.insights.api import router as insights_router
    from civicgrid.intake.api import router as intake_router
    from civicgrid.intake.open311_api import router as open311_router
    from civicgrid.intake.pages import router as intake_pages_router
    from civicgrid.intake.public_api import router as public_router
    from civicgrid.jurisdiction.api import router as jurisdiction_router
    from civicgrid.notifications.api import router as inbox_router
    from civicgrid.risk.api import router as risk_router
    from civicgrid.web.pages import router as pages_router

    for router in (accounts_router, cases_router, jurisdiction_router, inbox_router,
                   audit_router, grids_router, insights_router, risk_router,
                   assistant_router, intake_router, open311_router, public_router,
                   intake_pages_router, ground_router, pages_router):
        app.include_router(router)
    app.include_router(addresses_router)
