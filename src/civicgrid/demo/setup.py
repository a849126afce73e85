"""Preparing the demo database once: accounts, the generated case stream, the handbook,
the risk detectors' replay of the stream and a first monthly class run."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from civicgrid.cases.models import Case
from civicgrid.db.runtime import open_database
from civicgrid.settings import Settings

log = logging.getLogger(__name__)


def prepare_demo(settings: Settings, *, cases: int = 400) -> dict:
    """Generate the demo stream unless generated cases already exist."""
    from civicgrid.assistant.embeddings import embedder_from_settings
    from civicgrid.assistant.handbook import load_demo_handbook
    from civicgrid.demo.generator import ensure_users, generate
    from civicgrid.ground.demo import prepare_demo_ground
    from civicgrid.insights.register import prepare_demo_classes
    from civicgrid.nlp.intake import classify_backlog, retrain
    from civicgrid.risk.daily import run_demo_history
    from civicgrid.web.app import load_reactions

    load_reactions()
    db = open_database(settings)
    # 南小格's handbook, labelled as generated (embedded too when dense retrieval is on)
    load_demo_handbook(db.sessions, embedder_from_settings(settings))
    _generate_address_base(db.sessions)  # 标准地址库 on the grids, labelled as generated
    prepare_demo_ground(db.sessions, secret=settings.pii_secret())  # people, firms, visits
    with db.sessions() as session:
        existing = session.scalar(select(func.count()).select_from(Case).where(Case.generated))
        if existing:
            ensure_users(session)
            session.commit()
            db.engine.dispose()
            return {"generated_cases": existing, "created": 0}
        report = generate(session, count=cases)
        session.commit()
        run_demo_history(session=session)  # the detectors explain the stream's risks (commits)
        # With no labelled data at hand the demo trains its models on its own generated,
        # labelled stream, and says so; `civicgrid nlp train` trains on real data.
        models = retrain(session, settings, min_rows=50)
        log.warning("demo models trained on the generated demo stream: %s",
                    {k: v.get("rows") for k, v in models.items()})
        classify_backlog(session, settings)
        session.commit()
    db.engine.dispose()
    classes = prepare_demo_classes(settings)  # one monthly run so 一类事 has classes
    return {"generated_cases": report.cases, "created": report.cases, "users": report.users,
            **classes}


def _generate_address_base(sessions) -> None:  # noqa: ANN001 (a sessionmaker)
    """The generated standard address base, laid inside the grids in force (once)."""
    from civicgrid.addresses.base import generate_demo_base

    with sessions() as session:
        log.info("address base: %s", {k: v for k, v in generate_demo_base(session).items()
                                      if k != "errors"})
        session.commit()
