"""Shared test configuration.

Database tests (marked ``db``) run on SQLite by default and on PostgreSQL when
``CIVICGRID_TEST_DATABASE_URL`` names one; each run gets its own PostgreSQL schema, made
and dropped here. The API is served by a real uvicorn server on 127.0.0.1 and exercised
with a real HTTP client.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()
PASSWORD = "test-pass-2026"

sys.path.insert(0, str(ROOT))


@pytest.fixture
def shared_data() -> Path:
    """The real evaluation data folder; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real evaluation data not found at {SHARED_DATA} (see README, 'Data')")
    return SHARED_DATA


def _postgres_url() -> str | None:
    from civicgrid.settings import normalise_database_url

    url = os.environ.get("CIVICGRID_TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of the database this test run uses."""
    url = _postgres_url()
    if url is None:
        path = tmp_path_factory.mktemp("db") / "civicgrid-test.db"
        yield f"sqlite:///{path}", None
        return
    schema = f"cg_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield url, schema
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: tuple[str, str | None]) -> Iterator[Engine]:
    """The migrated test database with the 南山 pack and one account per role."""
    from civicgrid.db import migrate
    from civicgrid.db.core import create_db_engine, make_session_factory
    from civicgrid.db.runtime import ensure_pack
    from civicgrid.web.app import load_reactions

    url, schema = database_url
    engine = create_db_engine(url, schema=schema)
    migrate.upgrade(engine)
    load_reactions()
    with make_session_factory(engine)() as session:
        ensure_pack(session, "nanshan")
        _seed_users(session)
        session.commit()
    yield engine
    engine.dispose()


def _seed_users(session) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from civicgrid.accounts import service as accounts
    from civicgrid.jurisdiction.models import Region, Unit

    departments = list(
        session.scalars(select(Unit).where(Unit.kind == "department").order_by(Unit.code))
    )
    office = session.scalar(select(Unit).where(Unit.kind == "street_office").order_by(Unit.code))
    grid = session.scalar(select(Region).where(Region.level == "grid").order_by(Region.code))
    for username, role, unit, region in [
        ("t_admin", "admin", None, None),
        ("t_dispatcher", "dispatcher", None, None),
        ("t_handler", "handler", departments[0].code, None),
        ("t_handler_b", "handler", departments[1].code, None),
        ("t_handler_c", "handler", departments[2].code, None),
        ("t_street", "handler", office.code, office.region_code),
        ("t_grid", "grid_worker", None, grid.code),
        ("t_leader", "leader", None, None),
        ("t_viewer", "viewer", None, None),
    ]:
        accounts.create(
            session=session,
            username=username,
            display_name=username,
            password=PASSWORD,
            role=role,
            unit_code=unit,
            region_code=region,
        )


@pytest.fixture
def session(engine: Engine):  # noqa: ANN201
    """A session on the test database; uncommitted work is rolled back afterwards."""
    from civicgrid.db.core import make_session_factory

    with make_session_factory(engine)() as session:
        yield session
        session.rollback()


@pytest.fixture(scope="session")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real uvicorn server running the app on the test database."""
    import uvicorn

    from civicgrid.settings import Settings
    from civicgrid.web.app import create_app

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"), secret_key="test-secret-key-0123456789abcdef"
    )
    app = create_app(settings, engine=engine, background=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def login(server: str):  # noqa: ANN201
    """``login(username)`` gives an httpx client carrying that user's token."""
    clients: dict[str, httpx.Client] = {}

    def make(username: str) -> httpx.Client:
        if username not in clients:
            client = httpx.Client(base_url=server, timeout=30)
            answer = client.post(
                "/api/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert answer.status_code == 200, answer.text
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            client.cookies.clear()
            clients[username] = client
        return clients[username]

    yield make
    for client in clients.values():
        client.close()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium():  # noqa: ANN201
    """Debian's headless Chromium driven by Playwright; skips when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (`make test` installs it as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot():  # noqa: ANN201
    """``screenshot(page, name)`` saves a PNG under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:  # noqa: ANN001
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
