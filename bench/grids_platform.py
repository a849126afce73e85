"""Grids in the running platform: laying the generated base, locating points through the
service (cached locator), building the GeoJSON layers, and a small adjustment of every street.

Run: PYTHONPATH=src python bench/grids_platform.py  (a fresh SQLite database in a temp folder;
real street polygons are used when ../shared/data/shenzhen-boundaries is present).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select


def main() -> None:
    from civicgrid.db import migrate
    from civicgrid.db.core import create_db_engine, make_session_factory
    from civicgrid.db.runtime import ensure_pack
    from civicgrid.grids import adjustment, placing, versions
    from civicgrid.jurisdiction.models import Region
    from civicgrid.web.app import load_reactions

    folder = Path(tempfile.mkdtemp())
    engine = create_db_engine(f"sqlite:///{folder / 'bench.db'}")
    migrate.upgrade(engine)
    load_reactions()
    with make_session_factory(engine)() as session:
        ensure_pack(session, "nanshan")
        started = time.perf_counter()
        report = versions.lay_generated_base(session)
        session.commit()
        print(
            f"lay generated base: {time.perf_counter() - started:.2f} s, {report['grids']} grids, "
            f"{report['units']} units, {report['gas_grids']} gas grids; {report['street_shapes']}"
        )
        _locate(session, placing, versions)
        for level in ("grid", "community", "street"):
            started = time.perf_counter()
            layer = versions.region_layer(session, level)
            print(
                f"layer {level}: {len(layer['features'])} features, "
                f"{time.perf_counter() - started:.3f} s (first build)"
            )
        streets = session.scalars(select(Region.code).where(Region.level == "street"))
        for street in list(streets):
            started = time.perf_counter()
            plan = adjustment.run_plan(
                session, street_code=street, created_by="bench", time_budget_seconds=20
            )
            print(
                f"plan {street}: {time.perf_counter() - started:.2f} s, "
                f"{plan.parameters['units']} units, {len(plan.moved_units)} moved, "
                f"cv {plan.before['cv']:.3f} -> {plan.after['cv']:.3f}, "
                f"feasible={plan.feasible}"
            )
        session.rollback()
    engine.dispose()


def _locate(session, placing, versions) -> None:  # noqa: ANN001
    layer = versions.region_layer(session, "street")
    xs = [c[0] for f in layer["features"] for c in _coords(f["geometry"])]
    ys = [c[1] for f in layer["features"] for c in _coords(f["geometry"])]
    rng = random.Random(20261204)
    points = [(rng.uniform(min(ys), max(ys)), rng.uniform(min(xs), max(xs))) for _ in range(2000)]
    placing.locate(session, *points[0])  # builds the cached locator
    timings, hits = [], 0
    for lat, lon in points:
        started = time.perf_counter()
        hits += placing.locate(session, lat, lon) is not None
        timings.append(time.perf_counter() - started)
    print(
        f"locate (service, cached, incl. version query): median "
        f"{statistics.median(timings) * 1e3:.2f} ms, p95 "
        f"{sorted(timings)[int(0.95 * len(timings))] * 1e3:.2f} ms; {hits}/2000 in a grid"
    )


def _coords(geometry: dict) -> list:
    rings = (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [ring for polygon in geometry["coordinates"] for ring in polygon]
    )
    return [point for ring in rings for point in ring]


if __name__ == "__main__":
    main()
