"""The metrics query over N generated cases on PostgreSQL (default 1,000,000).

Creates a fresh schema, migrates it, loads the 南山 pack, bulk-loads generated cases with
COPY (statuses, flags and satisfaction drawn from fixed proportions, seed 20261204), runs
ANALYZE, then times ``cases.metrics.compute`` for each grouping (best and median of 3).

    python bench/core_metrics.py --postgres postgresql://postgres@127.0.0.1:5432/test [--cases N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time
import uuid

import psycopg
from sqlalchemy import select

from civicgrid.cases import metrics
from civicgrid.db import migrate
from civicgrid.db.core import create_db_engine, make_session_factory
from civicgrid.db.runtime import ensure_pack
from civicgrid.jurisdiction.models import Category, Region, Unit

COLUMNS = (
    "number",
    "channel",
    "imported",
    "generated",
    "anonymous",
    "title",
    "text",
    "street_code",
    "category_code",
    "priority",
    "status",
    "lead_unit",
    "received_at",
    "received_on",
    "dispatched_at",
    "closed_at",
    "deadline_provisional",
    "responded_on_time",
    "closed_on_time",
    "overdue",
    "handling_days",
    "satisfaction",
    "reopen_count",
    "supervised",
    "extended_days",
    "created_at",
    "updated_at",
    "version",
)


def rows(n: int, units: list[str], streets: list[str], cats: list[str]):  # noqa: ANN201
    rng = random.Random(20261204)
    start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    for i in range(n):
        received = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
        closed = rng.random() < 0.85
        rated = closed and rng.random() < 0.8
        satisfaction = (
            rng.choice(["satisfied", "satisfied", "basic", "dissatisfied"]) if rated else None
        )
        days = round(rng.uniform(0.5, 15), 3)
        yield (
            f"B{i:015d}",
            "hotline",
            True,
            True,
            False,
            "生成工单",
            "生成的测试诉求",
            rng.choice(streets),
            rng.choice(cats),
            "normal",
            "closed" if closed else "in_progress",
            rng.choice(units),
            received,
            (received + dt.timedelta(hours=8)).date(),
            received + dt.timedelta(hours=1),
            received + dt.timedelta(days=days) if closed else None,
            False,
            rng.random() < 0.93,
            closed and rng.random() < 0.9,
            (not closed) and rng.random() < 0.2,
            days if closed else None,
            satisfaction,
            1 if rng.random() < 0.05 else 0,
            False,
            0,
            received,
            received,
            1,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    schema = f"cg_metrics_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        engine = create_db_engine(
            args.postgres.replace("postgresql://", "postgresql+psycopg://"), schema=schema
        )
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with factory() as session:
            ensure_pack(session, "nanshan")
            session.commit()
            units = list(session.scalars(select(Unit.code)))
            streets = list(session.scalars(select(Region.code).where(Region.level == "street")))
            cats = list(session.scalars(select(Category.code).where(Category.level == 3)))
        load_start = time.perf_counter()
        with psycopg.connect(args.postgres, options=f"-csearch_path={schema}") as conn:
            with conn.cursor().copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows(args.cases, units, streets, cats):
                    copy.write_row(row)
            conn.execute("ANALYZE cases")
        load_seconds = time.perf_counter() - load_start
        timings = {}
        with factory() as session:
            for group_by in ("unit", "street", "category", "month", "none"):
                runs = []
                for _ in range(3):
                    begin = time.perf_counter()
                    result = metrics.compute(session=session, group_by=group_by)
                    runs.append(time.perf_counter() - begin)
                assert sum(r["received"] for r in result) == args.cases
                timings[group_by] = {
                    "best_s": round(min(runs), 3),
                    "median_s": round(statistics.median(runs), 3),
                    "groups": len(result),
                }
        print(
            json.dumps(
                {"cases": args.cases, "load_seconds": round(load_seconds, 1), "metrics": timings},
                indent=2,
            )
        )
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
