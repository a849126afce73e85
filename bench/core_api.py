"""Cost of the case API against a bare endpoint of the same application, over real HTTP.

Starts `civicgrid serve` (one uvicorn process) on 127.0.0.1 with a fresh database, then
drives it with a bounded asyncio load generator (httpx, CONCURRENCY connections, REQUESTS
requests per measurement) and reports requests per second for:

* bare:      GET /healthz (a constant answer, no database)
* create:    POST /api/cases (validated, numbered, committed, event written)
* transition: POST /api/cases/{n}/actions/dispatch (version check, deadlines, event)

and the cost ratios create/bare and transition/bare. Run on SQLite (default) and on
PostgreSQL with --postgres URL (a fresh schema is created and dropped).

    python bench/core_api.py [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 16
REQUESTS = 1500


async def _drive(base: str, make_request, count: int) -> float:  # noqa: ANN001
    """Requests per second for ``count`` requests made by ``make_request(client, i)``."""
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        queue = iter(range(count))
        failures = 0

        async def worker() -> None:
            nonlocal failures
            for i in queue:
                response = await make_request(client, i)
                if response.status_code >= 400:
                    failures += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{failures} requests failed")
    return count / elapsed


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "civicgrid", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("server did not start")


def measure(database_url: str | None, port: int, suggestions: bool = True) -> dict:
    data_dir = tempfile.mkdtemp(prefix="cg-bench-")
    env = {
        **os.environ,
        "CIVICGRID_DATA_DIR": data_dir,
        "CIVICGRID_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
        "CIVICGRID_INTAKE_SUGGESTIONS": "true" if suggestions else "false",
    }
    if database_url:
        env["CIVICGRID_DATABASE_URL"] = database_url
    subprocess.run(
        [sys.executable, "-m", "civicgrid", "init"], env=env, check=True, capture_output=True
    )
    password = (Path(data_dir) / "admin-password.txt").read_text().strip()
    server = _start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        token = httpx.post(
            f"{base}/api/auth/login", json={"username": "admin", "password": password}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        unit = next(
            u["code"]
            for u in httpx.get(f"{base}/api/jurisdiction/units", headers=headers).json()
            if u["kind"] == "department"
        )
        created: list[dict] = []

        async def bare(client, i):  # noqa: ANN001, ANN202
            return await client.get("/healthz")

        async def create(client, i):  # noqa: ANN001, ANN202
            response = await client.post(
                "/api/cases",
                headers=headers,
                json={
                    "text": f"第{i}号测试诉求：小区路灯不亮，晚上出行不便",
                    "reporter_phone": f"138{i:08d}",
                },
            )
            created.append(response.json())
            return response

        async def dispatch(client, i):  # noqa: ANN001, ANN202
            case = created[i]
            return await client.post(
                f"/api/cases/{case['number']}/actions/dispatch",
                headers=headers,
                json={"version": case["version"], "unit_code": unit},
            )

        asyncio.run(_drive(base, bare, 300))  # warm-up
        rates = {
            "bare": asyncio.run(_drive(base, bare, REQUESTS)),
            "create": asyncio.run(_drive(base, create, REQUESTS)),
            "transition": asyncio.run(_drive(base, dispatch, REQUESTS)),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "rps": {k: round(v, 1) for k, v in rates.items()},
        "ratio_create": round(rates["bare"] / rates["create"], 2),
        "ratio_transition": round(rates["bare"] / rates["transition"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="PostgreSQL URL; a fresh schema is used")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    results = {
        "sqlite": measure(None, args.port),
        "sqlite_without_suggestions": measure(None, args.port + 2, suggestions=False),
    }
    if args.postgres:
        import psycopg

        schema = f"cg_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = (
                args.postgres
                + ("&" if "?" in args.postgres else "?")
                + f"options=-csearch_path%3D{schema}"
            )
            results["postgresql"] = measure(url, args.port + 1)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    print(json.dumps({"concurrency": CONCURRENCY, "requests": REQUESTS, **results}, indent=2))


if __name__ == "__main__":
    main()
