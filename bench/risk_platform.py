"""Bench: the incremental risk check per new case through the case-event subscriber.

Builds a database with a generated history (labelled generated; nothing real), then creates
new cases and times :func:`civicgrid.risk.incoming.on_case_event` on each: the related-case
query, the case-level detectors, the surge monitor load/check/save and the alert store.
The daily run's monitor rebuild runs first, as it would overnight; a case whose series has
no stored monitor yet builds one from the table ("cold"), the others reuse it ("warm").

    PYTHONPATH=src python bench/risk_platform.py [--database-url URL] [--history 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.orm import Session

from civicgrid.cases import service
from civicgrid.cases.deadlines import local_date
from civicgrid.cases.events import CaseHappening
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import CaseCreate
from civicgrid.db import migrate
from civicgrid.db.core import create_db_engine, make_session_factory
from civicgrid.db.runtime import ensure_pack
from civicgrid.jurisdiction.models import Category, Region
from civicgrid.risk.incoming import on_case_event, rebuild_monitors
from civicgrid.risk.models import RiskAlert, RiskMonitor

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
TEXTS = ["{p}垃圾没人清运", "{p}夜间施工噪音扰民", "{p}路灯不亮", "{p}占道经营"]
HAZARDS = ["{p}楼道闻到煤气味", "{p}外墙脱落"]  # about 2 % of cases, as in a real stream


def _text(rng: random.Random, place: str) -> str:
    pool = HAZARDS if rng.random() < 0.02 else TEXTS
    return rng.choice(pool).format(p=place)


def _engine(url: str | None) -> tuple:
    if url is None:
        path = Path(tempfile.mkdtemp()) / "bench.db"
        return create_db_engine(f"sqlite:///{path}"), None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(url).begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    return create_db_engine(url, schema=schema), schema


def _history(session: Session, rng: random.Random, n: int, grids: list[Region],
             cats: list[str]) -> None:
    parents = {r.code: r.parent_code for r in session.scalars(select(Region))}
    rows = []
    for i in range(n):
        at = NOW - dt.timedelta(days=rng.uniform(0, 60))
        grid = rng.choice(grids)
        place = f"南山区测试路{rng.randint(1, 3000)}号"
        rows.append(dict(
            number=f"BH{i:012d}", channel="import", title="生成历史", imported=True,
            generated=True, text=_text(rng, place), location_text=place,
            reporter_phone=f"139{rng.randint(0, 99999999):08d}", grid_code=grid.code,
            community_code=parents[grid.code], street_code=parents[parents[grid.code]],
            category_code=rng.choice(cats),
            priority="normal", status="closed", received_at=at, received_on=local_date(at),
        ))
    session.execute(insert(Case), rows)
    session.commit()
    if session.bind.dialect.name == "postgresql":
        session.execute(text("ANALYZE cases"))  # as autovacuum would have by now
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--history", type=int, default=20000)
    parser.add_argument("--cases", type=int, default=300)
    args = parser.parse_args()
    engine, schema = _engine(args.database_url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    rng = random.Random(7)
    with factory() as session:
        ensure_pack(session, "nanshan")
        session.commit()
        grids = list(session.scalars(select(Region).where(Region.level == "grid")))
        cats = list(session.scalars(select(Category.code).where(Category.level == 3)))
        started = time.perf_counter()
        _history(session, rng, args.history, grids, cats)
        print(f"history: {args.history} cases in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        built = rebuild_monitors(session=session, today=local_date(NOW))
        session.commit()
        print(f"daily monitor rebuild: {built} series in {time.perf_counter() - started:.1f} s")
        cold, warm, raising = [], [], []
        for i in range(args.cases):
            at = NOW + dt.timedelta(minutes=3 * i)
            place = f"南山区测试路{rng.randint(1, 3000)}号"
            data = CaseCreate(text=_text(rng, place), location_text=place,
                              reporter_phone=f"139{rng.randint(0, 99999999):08d}",
                              category_code=rng.choice(cats), region_code=rng.choice(grids).code,
                              received_at=at)
            case = service.create(session=session, data=data, channel="hotline", now=at,
                                  live=False)
            event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
            key = f"{case.street_code}|{(case.category_code or '')[:4]}"
            had_state = session.get(RiskMonitor, key) is not None
            alerts_before = session.scalar(select(func.count()).select_from(RiskAlert))
            t0 = time.perf_counter()
            on_case_event(session, CaseHappening(case=case, event=event, live=True))
            session.flush()
            took = (time.perf_counter() - t0) * 1000
            raised = session.scalar(select(func.count()).select_from(RiskAlert)) > alerts_before
            (raising if raised else warm if had_state else cold).append(took)
            session.commit()
    for name, values in (("warm, no new alert", warm), ("cold (monitor built)", cold),
                         ("raised a new alert", raising)):
        if values:
            values.sort()
            print(f"{name}: n={len(values)} median {statistics.median(values):.2f} ms, "
                  f"mean {statistics.mean(values):.2f} ms, "
                  f"p90 {values[int(0.9 * (len(values) - 1))]:.2f} ms, max {values[-1]:.2f} ms")
    both = sorted(warm + cold + raising)
    print(f"all: n={len(both)} median {statistics.median(both):.2f} ms, "
          f"p90 {both[int(0.9 * (len(both) - 1))]:.2f} ms")
    engine.dispose()
    if schema:
        with create_engine(args.database_url).begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
