"""Background work: deadline checks, reminders, outbound deliveries and risk warning.

On the embedded default (``queue = inprocess``) a daemon thread in the server runs
:func:`run_periodic` every ``scheduler_seconds``. In production (``queue = rq``) the same
thread only enqueues :func:`periodic_job` on Redis, and ``civicgrid worker`` processes run
it, so several servers never do the work twice at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from civicgrid.settings import Settings, get_settings

log = logging.getLogger(__name__)

QUEUE_NAME = "civicgrid"
REMINDER_WINDOW = dt.timedelta(hours=24)


def run_periodic(factory: sessionmaker[Session], settings: Settings,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    """One round of grid catch-up, deadline checks, reminders, deliveries and risk, committed."""
    from civicgrid.cases import service as cases
    from civicgrid.grids.placing import catch_up_cases
    from civicgrid.ground.privacy import retention_round
    from civicgrid.insights.register import monthly_round
    from civicgrid.intake import exchange
    from civicgrid.notifications import service as notifications
    from civicgrid.risk.daily import background_round as risk_round
    from civicgrid.web.app import load_reactions

    load_reactions()
    now = now or dt.datetime.now(dt.UTC)
    with factory() as session:
        # A grid version applied with a future date takes effect here: open cases move.
        regridded = catch_up_cases(session, now)
        overdue = cases.mark_overdue(session=session, now=now)
        near = cases.due_soon(session=session, now=now, within=REMINDER_WINDOW)
        session.commit()
        deliveries = notifications.deliver_pending(session=session, settings=settings, now=now)
        session.commit()
        city = exchange.deliver_pending(session=session, settings=settings, now=now)
        session.commit()
        risk = risk_round(session=session, now=now)
        session.commit()
        classes = monthly_round(session=session, today=now.date())
        session.commit()
        purged = retention_round(session=session, today=now.date())  # people who left
        session.commit()
        embedded = _embed_passages(session, settings)
    return {"overdue": len(overdue), "deadline_near": len(near), "regridded": regridded,
            "deliveries": deliveries, "city": city, "risk": risk, "classes": classes,
            "ground_purged": purged, "passages_embedded": embedded}


# Passages of the knowledge base embedded per background round (about 0.3 CPU-s each).
EMBED_PER_ROUND = 200


def _embed_passages(session: Session, settings: Settings) -> int:
    """Embed a slice of the knowledge passages still without vectors, when dense retrieval
    is on; committed. Large uploads are stored without vectors and wait for this."""
    from civicgrid.assistant.embeddings import embedder_from_settings
    from civicgrid.assistant.store import embed_stored

    embedder = embedder_from_settings(settings)
    if embedder is None:
        return 0
    count = embed_stored(session=session, embedder=embedder, limit=EMBED_PER_ROUND)
    session.commit()
    return count


def periodic_job() -> dict[str, Any]:
    """The RQ job: builds its own engine from the settings and runs one round."""
    from civicgrid.db.core import create_db_engine, make_session_factory

    settings = get_settings()
    engine = create_db_engine(settings.resolved_database_url)
    try:
        return run_periodic(make_session_factory(engine, settings), settings)
    finally:
        engine.dispose()


class Scheduler:
    """A daemon thread that runs (or enqueues) the periodic round until stopped."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="civicgrid-scheduler", daemon=True)

    def _tick(self) -> None:
        if self.settings.queue == "rq":
            from redis import Redis
            from rq import Queue

            Queue(QUEUE_NAME, connection=Redis.from_url(self.settings.redis_url)).enqueue(
                periodic_job, job_timeout=600
            )
        else:
            run_periodic(self.factory, self.settings)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.scheduler_seconds):
            try:
                self._tick()
            except Exception:  # the loop must survive a bad round; the next one retries
                log.exception("background round failed; retrying in %s s",
                              self.settings.scheduler_seconds)

    def stop(self) -> None:
        self._stop.set()


def start_scheduler(factory: sessionmaker[Session], settings: Settings) -> Scheduler:
    """Start the background thread for this server process."""
    scheduler = Scheduler(factory, settings)
    scheduler.thread.start()
    return scheduler
