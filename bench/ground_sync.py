"""Bench: `civicgrid sync export --since 0` over N changed enterprises (default 1,000,000).

Run: PYTHONPATH=src /work/venv/bin/python bench/ground_sync.py [N] [WORKDIR]
Builds an SQLite database in WORKDIR (default /tmp/ground-sync-bench) with N enterprises and
one revision each (generated), then runs the export command in a child process and prints its
wall time, peak resident memory and the counts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, insert

from civicgrid.db.migrate import upgrade
from civicgrid.ground.models import Enterprise, Revision


def build(url: str, n: int) -> None:
    engine = create_engine(url)
    upgrade(engine)
    now = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    chunk = 50_000
    with engine.begin() as conn:
        for start in range(0, n, chunk):
            ids = range(start + 1, min(n, start + chunk) + 1)
            conn.execute(insert(Enterprise), [
                {"id": i, "credit_code": f"9144030{i:010d}X", "name": f"生成企业{i}",
                 "house_code": f"H{i % 200000}", "grid_code": f"G{i % 800}", "staff": i % 50,
                 "version": 1, "updated_at": now, "updated_by": "bench", "problems": [],
                 "generated": True} for i in ids])
            conn.execute(insert(Revision), [
                {"id": i, "record_type": "enterprise", "record_id": i, "version": 1,
                 "action": "create", "changed_by": "bench", "changed_at": now, "changes": {}}
                for i in ids])
    engine.dispose()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    work = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/ground-sync-bench")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    url = f"sqlite:///{work / 'bench.db'}"
    started = time.perf_counter()
    build(url, n)
    print(f"built {n} records in {time.perf_counter() - started:.1f} s", flush=True)
    env = {**os.environ, "CIVICGRID_DATABASE_URL": url, "CIVICGRID_DATA_DIR": str(work)}
    started = time.perf_counter()
    answer = subprocess.run([sys.executable, "-m", "civicgrid", "sync", "export", "--since",
                             "0", "--out", str(work / "out"), "--json"], env=env,
                            capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(answer.stdout)
    lines = sum(1 for _ in (work / "out" / "legal_person.jsonl").open(encoding="utf-8"))
    print(f"export records={n} wall_s={wall:.1f} peak_rss_mib={peak:.0f} "
          f"cursor={result['cursor']} counts={result['counts']} lines={lines}")


if __name__ == "__main__":
    main()
