"""Dashboard, heat map and report generation over N generated cases on PostgreSQL (default 1M).

Creates a fresh schema, migrates it, loads the 南山 pack, bulk-loads GENERATED cases with COPY
(a year from 2025-12-01, streets, communities, categories, statuses and satisfaction drawn
with seed 20261204), 60 problem classes with about 40% of the cases as members (the miner
itself is measured in bench/insights_classes_bench.py), runs ANALYZE, then times (best and
median of 3): the dashboard data, the heat map by street/community/grid, the report data of a
week, a month and a quarter, and writing the weekly DOCX and the quarterly XLSX.

    python bench/insights_analytics.py --postgres postgresql://postgres@127.0.0.1:5432/test \
        [--cases N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import select

from civicgrid.db import migrate
from civicgrid.db.core import create_db_engine, make_session_factory
from civicgrid.db.runtime import ensure_pack
from civicgrid.insights import analytics
from civicgrid.insights.models import ClassRun, ProblemClass
from civicgrid.insights.reports import write_docx, write_xlsx
from civicgrid.jurisdiction.models import Category, Region, Unit

COLUMNS = ("number", "channel", "imported", "generated", "anonymous", "title", "text",
           "street_code", "community_code", "category_code", "priority", "status", "lead_unit",
           "received_at", "received_on", "dispatched_at", "closed_at", "deadline_provisional",
           "responded_on_time", "closed_on_time", "overdue", "handling_days", "satisfaction",
           "reopen_count", "supervised", "extended_days", "created_at", "updated_at", "version")
CLASSES = 60
TODAY = dt.date(2026, 11, 20)


def case_rows(n: int, units: list[str], communities: list[tuple[str, str]], cats: list[str]
              ) -> Iterator[tuple[Any, ...]]:
    """Generated cases; about 5% have no place at all."""
    rng = random.Random(20261204)
    start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    for i in range(n):
        received = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
        closed = rng.random() < 0.85
        rated = closed and rng.random() < 0.8
        community, street = rng.choice(communities) if rng.random() > 0.05 else (None, None)
        days = round(rng.uniform(0.5, 15), 3)
        yield (f"B{i:015d}", "hotline", True, True, False, "生成工单", "生成的测试诉求",
               street, community, rng.choice(cats), "normal",
               "closed" if closed else "in_progress", rng.choice(units), received,
               (received + dt.timedelta(hours=8)).date(), received + dt.timedelta(hours=1),
               received + dt.timedelta(days=days) if closed else None, False,
               rng.random() < 0.93, closed and rng.random() < 0.9,
               (not closed) and rng.random() < 0.2, days if closed else None,
               rng.choice(["satisfied", "satisfied", "basic", "dissatisfied"]) if rated else None,
               1 if rng.random() < 0.05 else 0, False, 0, received, received, 1)


def load(url: str, schema: str, n: int, factory: Any) -> float:
    """COPY the cases and the class memberships; returns seconds."""
    with factory() as session:
        units = list(session.scalars(select(Unit.code)))
        communities = list(session.execute(
            select(Region.code, Region.parent_code).where(Region.level == "community")))
        cats = list(session.scalars(select(Category.code).where(Category.level == 3)))
        session.add_all(ProblemClass(id=f"C{k:04d}", label=f"生成问题类{k}", terms={})
                        for k in range(1, CLASSES + 1))
        session.add(ClassRun(month="2026-11", window_start=dt.date(2025, 12, 1),
                             window_end=dt.date(2026, 12, 1)))
        session.commit()
    began = time.perf_counter()
    with psycopg.connect(url, options=f"-csearch_path={schema}") as conn:
        with conn.cursor().copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in case_rows(n, units, communities, cats):
                copy.write_row(row)
        run_id = conn.execute("SELECT max(id) FROM class_runs").fetchone()[0]
        conn.execute(
            "INSERT INTO class_memberships (case_id, class_id, run_id) "
            f"SELECT id, 'C' || lpad((1 + id % {CLASSES})::text, 4, '0'), {run_id} FROM cases "
            "WHERE id % 5 < 2")
        conn.execute(f"UPDATE problem_classes SET size = (SELECT count(*) FROM class_memberships m"
                     " WHERE m.class_id = problem_classes.id)")
        conn.execute("ANALYZE")
    return time.perf_counter() - began


def timed(action: Callable[[], Any]) -> tuple[dict[str, float], Any]:
    """Best and median seconds of 3 runs, and the last result."""
    runs, result = [], None
    for _ in range(3):
        begin = time.perf_counter()
        result = action()
        runs.append(time.perf_counter() - begin)
    return {"best_s": round(min(runs), 3), "median_s": round(statistics.median(runs), 3)}, result


def measure(factory: Any) -> dict[str, Any]:
    """Time each analytics call on the loaded database."""
    now = dt.datetime.combine(TODAY, dt.time(10), tzinfo=dt.UTC)
    figures: dict[str, Any] = {}
    with factory() as session:
        figures["dashboard"], board = timed(lambda: analytics.dashboard(session=session, now=now))
        figures["dashboard"]["rates"] = board["rates"]
        for level in ("street", "community", "grid"):
            figures[f"heatmap_{level}"], _ = timed(lambda level=level: analytics.heat_map(
                session=session, level=level, start=dt.date(2026, 9, 1), end=dt.date(2026, 12, 1)))
        reports = {}
        for kind in ("weekly", "monthly", "quarterly"):
            figures[f"report_data_{kind}"], reports[kind] = timed(
                lambda kind=kind: analytics.report_data(session=session, kind=kind, today=TODAY))
            figures[f"report_data_{kind}"]["received"] = reports[kind]["totals"]["受理"]
    with tempfile.TemporaryDirectory() as folder:
        figures["write_weekly_docx"], _ = timed(
            lambda: write_docx(reports["weekly"], Path(folder) / "w.docx"))
        figures["write_quarterly_xlsx"], _ = timed(
            lambda: write_xlsx(reports["quarterly"], Path(folder) / "q.xlsx"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    schema = f"cg_insights_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        engine = create_db_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://"),
                                  schema=schema)
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            ensure_pack(session, "nanshan")
            session.commit()
        load_seconds = load(args.postgres, schema, args.cases, factory)
        figures = measure(factory)
        print(json.dumps({"cases": args.cases, "load_seconds": round(load_seconds, 1),
                          "figures": figures}, ensure_ascii=False, indent=2))
        engine.dispose()
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
