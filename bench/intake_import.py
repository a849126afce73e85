"""Import throughput (rows/s) and peak memory of ``civicgrid import``.

Runs each import in its own process on a fresh database (an SQLite file, or a fresh
PostgreSQL schema) so that the peak resident memory (ru_maxrss) belongs to that import
alone. Inputs: the largest real file by rows (us311 San Francisco, 10,000 rows) and
200,000 generated hotline rows (clearly labelled generated), as CSV and as XLSX.

    PYTHONPATH=src python bench/intake_import.py                    # SQLite only
    PYTHONPATH=src python bench/intake_import.py \
        --postgres postgresql://postgres@127.0.0.1:5432/test
    PYTHONPATH=src python bench/intake_import.py --rows 20000       # a quicker look

Prints one line per run and a Markdown table at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / ".." / "shared" / "data" / "us311" / "sf311_sample_10k_2008_2018.csv"
GENERATED_MAP = {
    "source_id": "工单编号", "time": "受理时间", "text": "诉求内容", "phone": "来电号码",
    "address": "地址", "category": "诉求分类", "unit": "承办单位", "status": "状态",
    "reply": "答复内容", "reply_time": "答复时间", "closed_time": "办结时间",
}
WORDS = ["噪音", "扰民", "路灯", "不亮", "垃圾", "清运", "占道", "经营", "施工", "夜间", "漏水",
         "物业", "停车", "井盖", "油烟", "小区", "门口", "道路", "破损", "积水", "投诉", "请求", "处理"]
CATEGORIES = ["城乡建设", "环境保护", "交通运输", "商贸旅游", "某自定义分类", "其他"]
UNITS = ["南山区城市管理和综合执法局", "南山区住房和建设局", "某物业公司", "南山区交通运输局"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` generated hotline rows as CSV or XLSX (by the suffix)."""
    rng = random.Random(seed)
    header = list(GENERATED_MAP.values())

    start = dt.datetime(2025, 1, 1, 8, 0)
    step = dt.timedelta(days=365) / rows

    def row(i: int) -> list[str]:
        # Rows in time order over one year, as hotline exports are sorted.
        received = start + i * step
        text = "".join(rng.choice(WORDS) for _ in range(30))
        closed = rng.random() < 0.7
        done = received + dt.timedelta(days=rng.randint(1, 12))
        return [f"GEN{i:08d}", f"{received:%Y-%m-%d %H:%M}", text, f"138{i % 100000000:08d}",
                f"南山区生成路{i % 500}号", rng.choice(CATEGORIES), rng.choice(UNITS),
                "已办结" if closed else "办理中", "已处理完毕" if closed else "",
                f"{done:%Y-%m-%d %H:%M}" if closed else "",
                f"{done + dt.timedelta(hours=1):%Y-%m-%d %H:%M}" if closed else ""]

    if path.suffix == ".csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for i in range(rows):
                writer.writerow(row(i))
        return
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("工单")
    sheet.write_row(0, 0, header)
    for i in range(rows):
        sheet.write_row(i + 1, 0, row(i))
    book.close()


def run_one(url: str, schema: str | None, path: Path, mapping: str | None) -> dict:
    """Migrate a fresh database, import ``path``, and report time and peak memory."""
    sys.path.insert(0, str(ROOT / "src"))
    from civicgrid.db import migrate
    from civicgrid.db.core import create_db_engine, make_session_factory
    from civicgrid.db.runtime import ensure_pack
    from civicgrid.intake.importer import import_file
    from civicgrid.intake.mapping import PRESETS, ColumnMapping

    engine = create_db_engine(url, schema=schema)
    migrate.upgrade(engine)
    backends: set[int] = set()
    if engine.dialect.name == "postgresql":
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _remember(dbapi_connection, _record) -> None:  # noqa: ANN001
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])

        engine.dispose()  # reconnect so every pooled connection is seen
    factory = make_session_factory(engine)
    with factory() as session:
        ensure_pack(session, "nanshan")
        session.commit()
    chosen = PRESETS[mapping] if mapping else ColumnMapping(fields=dict(GENERATED_MAP))
    start = time.perf_counter()
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    server_start = {pid: _process_cpu(pid) for pid in backends}
    report = import_file(factory=factory, path=path, mapping=chosen)
    seconds = time.perf_counter() - start
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime)
    server_cpu = sum(_process_cpu(pid) - server_start.get(pid, 0.0) for pid in backends)
    engine.dispose()
    return {"rows": report.rows, "added": report.added, "rejected": len(report.rejected),
            "seconds": round(seconds, 1), "rows_per_s": round(report.rows / seconds),
            "cpu_seconds": round(cpu, 1),
            "server_cpu_seconds": round(server_cpu, 1) if backends else None,
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local process, 0 when it cannot be read."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _subprocess(engine: str, url: str, path: Path, mapping: str | None) -> dict:
    schema = None
    if engine == "postgresql":
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        command = [sys.executable, __file__, "--one", url, "--schema", schema or "",
                   "--file", str(path), "--mapping", mapping or ""]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        if schema:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--postgres", help="PostgreSQL URL (a fresh schema per run)")
    parser.add_argument("--only", choices=["csv", "xlsx", "real"], action="append")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL runs only")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--mapping", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        result = run_one(args.one, args.schema or None, Path(args.file), args.mapping or None)
        print(json.dumps(result))
        return
    from civicgrid.settings import normalise_database_url

    engines = []
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_sqlite:
            engines.append(("sqlite",
                            lambda: f"sqlite:///{Path(folder) / uuid.uuid4().hex}.db"))
        if args.postgres:
            pg = normalise_database_url(args.postgres)
            engines.append(("postgresql", lambda: pg))
        inputs = []
        kinds = args.only or ["real", "csv", "xlsx"]
        if "real" in kinds and REAL.exists():
            inputs.append(("sf311 real CSV", REAL.resolve(), "sf311"))
        for kind in ("csv", "xlsx"):
            if kind in kinds:
                path = Path(folder) / f"generated-{args.rows}.{kind}"
                started = time.perf_counter()
                generate(path, args.rows)
                print(f"generated {path.name} in {time.perf_counter() - started:.1f} s",
                      file=sys.stderr)
                inputs.append((f"{args.rows:,} generated {kind.upper()}", path, None))
        lines = ["| input | engine | rows | added | wall s | rows/s | importer CPU s "
                 "| PostgreSQL backend CPU s | peak MiB |",
                 "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for label, path, mapping in inputs:
            for engine, url in engines:
                result = _subprocess(engine, url(), path, mapping)
                print(label, engine, result, file=sys.stderr)
                lines.append(f"| {label} | {engine} | {result['rows']:,} | {result['added']:,} | "
                             f"{result['seconds']} | {result['rows_per_s']:,} | "
                             f"{result['cpu_seconds']} | "
                             f"{result['server_cpu_seconds'] or '—'} | "
                             f"{result['peak_mib']} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
