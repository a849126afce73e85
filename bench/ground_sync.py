"""Bench: `civicgrid sync export --since 0` over N changed records of every synced type
(default 1,000,000), then an export after 1% of the houses changed.

Run: PYTHONPATH=src /work/venv/bin/python bench/ground_sync.py [N] [WORKDIR]
Builds an SQLite database in WORKDIR (default /tmp/ground-sync-bench) holding, all generated:
enterprises, visits and building heads with one revision each, and buildings, houses and grid
workers (with their accounts and sealed work phones) as the address base and grids leave
them, without versions, so the export first captures them (:mod:`civicgrid.ground.feed`).
Then runs the export command in a child process and prints its wall time, peak resident
memory, the counts and the file line counts; then changes 1% of the houses and exports again
from the printed cursor.
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

from sqlalchemy import create_engine, insert, text

from civicgrid.accounts.models import User
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.db.migrate import upgrade
from civicgrid.grids.models import GridWorker
from civicgrid.ground.models import BuildingHead, Enterprise, Revision, Visit, WorkerContact
from civicgrid.ground.vault import Vault

SHARES = {"enterprise": 0.30, "visit": 0.20, "building_head": 0.02, "building": 0.03,
          "house": 0.44, "grid_worker": 0.01}
NOW = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
CHUNK = 50_000


def sizes(n: int) -> dict[str, int]:
    """Records per type, summing to ``n``."""
    out = {t: int(n * share) for t, share in SHARES.items()}
    out["house"] += n - sum(out.values())
    return out


def _versioned(i: int) -> dict:
    return {"id": i, "version": 1, "updated_at": NOW, "updated_by": "bench", "problems": [],
            "generated": True}


def _ground_rows(kind: str, ids: range) -> list[dict]:
    if kind == "enterprise":
        return [_versioned(i) | {"credit_code": f"9144030{i:010d}X", "name": f"生成企业{i}",
                                 "house_code": f"H{i % 200000}", "grid_code": f"G{i % 800}",
                                 "staff": i % 50} for i in ids]
    if kind == "visit":
        return [_versioned(i) | {"visitor": "生成网格员", "visited_at": NOW,
                                 "house_code": f"H{i % 200000}", "grid_code": f"G{i % 800}",
                                 "findings": "生成走访记录"} for i in ids]
    return [_versioned(i) | {"building_code": f"B{i}", "street_code": "S1", "name": f"楼长{i}",
                             "duties": [], "active": True} for i in ids]


def _build_ground(conn, counts: dict[str, int]) -> None:
    tables = {"enterprise": Enterprise, "visit": Visit, "building_head": BuildingHead}
    revision = 0
    for kind, table in tables.items():
        for start in range(0, counts[kind], CHUNK):
            ids = range(start + 1, min(counts[kind], start + CHUNK) + 1)
            conn.execute(insert(table), _ground_rows(kind, ids))
            conn.execute(insert(Revision), [
                {"id": revision + k + 1, "record_type": kind, "record_id": i, "version": 1,
                 "action": "create", "changed_by": "bench", "changed_at": NOW, "changes": {}}
                for k, i in enumerate(ids)])
            revision += len(ids)


def _build_base(conn, counts: dict[str, int]) -> None:
    buildings = counts["building"]
    for start in range(0, buildings, CHUNK):
        conn.execute(insert(AddressBuilding), [
            {"id": i, "code": f"B{i:08d}", "road": "生成路", "road_number": str(i),
             "estate": f"生成花园{i // 10}", "place_key": f"生成花园{i // 10}",
             "building": f"{i % 10}栋", "building_key": str(i % 10), "grid_code": f"G{i % 800}",
             "generated": True, "source": "bench", "created_at": NOW}
            for i in range(start + 1, min(buildings, start + CHUNK) + 1)])
    for start in range(0, counts["house"], CHUNK):
        conn.execute(insert(AddressHouse), [
            {"id": i, "code": f"H{i:010d}", "building_id": i % buildings + 1, "unit": "1单元",
             "floor": f"{i % 30 + 1}层", "room": f"{i % 30 + 1}{i % 8 + 1:02d}",
             "full_text": f"生成路{i % buildings + 1}号{i}", "grid_code": f"G{i % 800}",
             "generated": True, "created_at": NOW}
            for i in range(start + 1, min(counts["house"], start + CHUNK) + 1)])


def _build_workers(conn, counts: dict[str, int]) -> None:
    vault = Vault("bench-key")
    workers = range(1, counts["grid_worker"] + 1)
    conn.execute(insert(User), [
        {"id": 100 + i, "username": f"bench_grid_{i}", "display_name": f"网格员{i}",
         "password_hash": "x", "role": "grid_worker", "active": True, "created_at": NOW}
        for i in workers])
    conn.execute(insert(GridWorker), [
        {"id": i, "user_id": 100 + i, "grid_code": f"G{i % 800}", "since": dt.date(2026, 1, 1)}
        for i in workers])
    conn.execute(insert(WorkerContact), [
        {"user_id": 100 + i, "phone_cipher": vault.seal(f"139{i:08d}"),
         "phone_hash": vault.digest(f"139{i:08d}"), "updated_at": NOW, "updated_by": "bench"}
        for i in workers])


def build(url: str, n: int) -> dict[str, int]:
    """The bench database with ``n`` records to sync; returns the count per type."""
    engine = create_engine(url)
    upgrade(engine)
    counts = sizes(n)
    with engine.begin() as conn:
        _build_ground(conn, counts)
        _build_base(conn, counts)
        _build_workers(conn, counts)
    engine.dispose()
    return counts


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def export(url: str, work: Path, since: int, out: str) -> tuple[dict, float, float, float]:
    """Run the export command; (its answer, wall seconds, peak RSS MiB of the children, CPU
    seconds of the command)."""
    env = {**os.environ, "CIVICGRID_DATABASE_URL": url, "CIVICGRID_DATA_DIR": str(work),
           "CIVICGRID_PII_KEY": "bench-key"}
    started, cpu = time.perf_counter(), _cpu()
    answer = subprocess.run([sys.executable, "-m", "civicgrid", "sync", "export", "--since",
                             str(since), "--out", str(work / out), "--json"], env=env,
                            capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return json.loads(answer.stdout), wall, peak, _cpu() - cpu


def _line_counts(folder: Path) -> dict[str, int]:
    return {p.stem: sum(1 for _ in p.open(encoding="utf-8")) for p in folder.glob("*.jsonl")}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    work = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/ground-sync-bench")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    url = f"sqlite:///{work / 'bench.db'}"
    started = time.perf_counter()
    counts = build(url, n)
    print(f"built {n} records {counts} in {time.perf_counter() - started:.1f} s", flush=True)
    result, wall, peak, cpu = export(url, work, 0, "out")
    lines = _line_counts(work / "out")
    print(f"export since 0: records={n} wall_s={wall:.1f} cpu_s={cpu:.1f} "
          f"peak_rss_mib={peak:.0f} load={os.getloadavg()[0]:.2f} "
          f"cursor={result['cursor']} counts={result['counts']} lines={lines} "
          f"total={sum(lines.values())}", flush=True)
    changed = counts["house"] // 100
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE address_houses SET room = room || 'X' WHERE id % 100 = 0"))
    engine.dispose()
    again, wall, _, cpu = export(url, work, result["cursor"], "again")
    print(f"export after {changed} houses changed: wall_s={wall:.1f} cpu_s={cpu:.1f} "
          f"cursor={again['cursor']} counts={again['counts']} "
          f"lines={_line_counts(work / 'again')}")


if __name__ == "__main__":
    main()
