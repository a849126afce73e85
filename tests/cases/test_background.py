"""Background rounds: overdue flags and reminders, in process and through an RQ worker."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civicgrid.background import periodic_job, run_periodic
from civicgrid.cases import service
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.cases.workflow import Actor, perform
from civicgrid.db.core import make_session_factory
from civicgrid.jurisdiction.models import Unit
from civicgrid.settings import Settings

pytestmark = pytest.mark.db


def _open_case(engine, received: dt.datetime) -> str:  # noqa: ANN001
    with make_session_factory(engine)() as session:
        case = service.create(session=session, data=CaseCreate(text="路灯不亮", received_at=received),
                              channel="hotline", now=received)
        unit = session.scalar(select(Unit.code).where(Unit.kind == "department"))
        perform(session=session, case=case, action="dispatch",
                actor=Actor(id=None, name="派单员", role="dispatcher"),
                data=ActionIn(version=case.version, unit_code=unit), now=received)
        session.commit()
        return case.number


def test_round_flags_overdue_once(engine) -> None:  # noqa: ANN001
    number = _open_case(engine, dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC))
    factory = make_session_factory(engine)
    run_periodic(factory, Settings())
    run_periodic(factory, Settings())
    with factory() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        overdue = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                          CaseEvent.kind == "overdue")).all()
        assert case.overdue is True and len(overdue) == 1


def test_rq_worker_runs_the_periodic_job(engine, database_url, monkeypatch) -> None:  # noqa: ANN001
    redis = pytest.importorskip("redis")
    rq = pytest.importorskip("rq")
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    url, schema = database_url
    if schema:  # the worker builds its own engine: point it at this run's schema
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    number = _open_case(engine, dt.datetime(2026, 2, 2, 2, tzinfo=dt.UTC))
    monkeypatch.setenv("CIVICGRID_DATABASE_URL", url)
    from civicgrid.settings import reset_settings

    reset_settings()
    queue = rq.Queue("civicgrid-test", connection=connection)
    queue.empty()
    job = queue.enqueue(periodic_job)
    rq.SimpleWorker([queue], connection=connection).work(burst=True)
    reset_settings()
    assert job.get_status(refresh=True) == "finished", job.latest_result()
    assert job.return_value()["overdue"] >= 1
    with make_session_factory(engine)() as session:
        assert session.scalar(select(Case.overdue).where(Case.number == number)) is True
