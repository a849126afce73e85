"""Preparing the demo database: accounts and the generated case stream, once."""

from __future__ import annotations

from sqlalchemy import func, select

from civicgrid.cases.models import Case
from civicgrid.db.runtime import open_database
from civicgrid.settings import Settings


def prepare_demo(settings: Settings, *, cases: int = 400) -> dict:
    """Generate the demo stream unless generated cases already exist."""
    from civicgrid.assistant.handbook import load_demo_handbook
    from civicgrid.demo.generator import ensure_users, generate
    from civicgrid.web.app import load_reactions

    load_reactions()
    db = open_database(settings)
    load_demo_handbook(db.sessions)  # 南小格's demo handbook (civicgrid.assistant.handbook)
    with db.sessions() as session:
        existing = session.scalar(select(func.count()).select_from(Case).where(Case.generated))
        if existing:
            ensure_users(session)
            session.commit()
            return {"generated_cases": existing, "created": 0}
        report = generate(session, count=cases)
        session.commit()
        from civicgrid.risk.daily import run_demo_history

        run_demo_history(session=session)  # the detectors explain the demo stream's risks
    db.engine.dispose()
    from civicgrid.insights.register import prepare_demo_classes; prepare_demo_classes(settings)  # noqa: E702,I001
    return {"generated_cases": report.cases, "created": report.cases, "users": report.users}
