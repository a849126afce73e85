"""Intake with every suggestion on: requests per second and the API cost ratio, over real HTTP.

Unlike ``bench/core_api.py`` (a fresh ``civicgrid init`` folder: no trained model, no address
base, so the category model and the place lookup never run), this prepares one folder the way
``civicgrid demo`` does — models trained, the generated standard address base, the risk
detectors' history — and copies it for each measurement, so every reaction on a new case does
real work: category and unit models, key facts, place (house → grid → community → street),
repeat search, priority, risk checks (concentration). Request texts name houses of the base,
40 houses for 600 requests, so repeats and concentration alerts happen as they would.

For each setting it starts ``civicgrid serve`` (one uvicorn process, pinned to ``--server-cpu``)
on 127.0.0.1 and reports requests per second for GET /healthz (bare) and POST /api/cases
(create), the ratio bare/create, the server's CPU milliseconds per bare request and per
created case and their ratio (from /proc/<pid>/stat, so these hold on a shared machine), and
what the created cases carry (share with a category, a unit, a house-level place, a repeat;
concentration alerts raised).

    PYTHONPATH=src:bench python bench/e2e_intake.py [--requests 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from core_api import CONCURRENCY, _drive

ROOT = Path(__file__).resolve().parents[1]
PROBLEMS = [
    "楼下烧烤店油烟太大，每天开到凌晨2点",
    "门口路灯坏了一周，晚上很黑",
    "附近工地夜间施工噪音太大，11点后还在打桩",
    "小区垃圾桶满了三天没人清运，气味很大",
    "楼道里闻到煤气味，担心泄漏",
]


def prepare(folder: Path) -> list[str]:
    """A demo-prepared data folder; returns 40 house addresses of its address base."""
    env = _env(folder, suggestions=True)
    subprocess.run(
        [sys.executable, "-m", "civicgrid", "demo", "--no-serve", "--cases", "200"],
        env=env,
        check=True,
        capture_output=True,
    )
    code = (
        "from civicgrid.db.runtime import open_database;"
        "from civicgrid.settings import get_settings;"
        "from civicgrid.addresses.models import AddressHouse as H;"
        "from sqlalchemy import select;"
        "db=open_database(get_settings());"
        "s=db.sessions();"
        "print('\\n'.join(s.scalars(select(H.full_text).order_by(H.id).limit(4000))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.split("\n")
    return [a for a in out if a][::100][:40]


def _env(folder: Path, *, suggestions: bool) -> dict[str, str]:
    return {
        **os.environ,
        "CIVICGRID_DATA_DIR": str(folder),
        "CIVICGRID_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
        "CIVICGRID_INTAKE_SUGGESTIONS": "true" if suggestions else "false",
    }


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    prepared: Path, addresses: list[str], *, suggestions: bool, port: int, requests: int, cpu: str
) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="cg-e2e-bench-"))
    shutil.copytree(prepared, folder, dirs_exist_ok=True)
    env = _env(folder, suggestions=suggestions)
    server = subprocess.Popen(
        ["taskset", "-c", cpu, sys.executable, "-m", "civicgrid", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base)
        headers = _login(base)
        numbers: list[str] = []

        async def bare(client, i):
            return await client.get("/healthz")

        async def create(client, i):
            place = addresses[i % len(addresses)]
            text = f"{place}{PROBLEMS[(i // len(addresses)) % len(PROBLEMS)]}"
            response = await client.post(
                "/api/cases",
                headers=headers,
                json={"text": text, "location_text": place, "reporter_phone": f"139{i:08d}"},
            )
            if response.status_code < 400:
                numbers.append(response.json()["number"])
            return response

        asyncio.run(_drive(base, bare, 300))  # warm-up
        before = _cpu_seconds(server.pid)
        bare_rps = asyncio.run(_drive(base, bare, requests))
        cpu_per_bare = (_cpu_seconds(server.pid) - before) / requests
        before = _cpu_seconds(server.pid)
        create_rps = asyncio.run(_drive(base, create, requests))
        cpu_per_case = (_cpu_seconds(server.pid) - before) / requests
        carried = _carried(base, headers, numbers)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "bare_rps": round(bare_rps, 1),
        "create_rps": round(create_rps, 1),
        "ratio": round(bare_rps / create_rps, 2),
        "server_cpu_ms_per_bare": round(cpu_per_bare * 1000, 2),
        "server_cpu_ms_per_case": round(cpu_per_case * 1000, 1),
        "cpu_ratio": round(cpu_per_case / cpu_per_bare, 2),
        **carried,
    }


def _wait(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _login(base: str) -> dict[str, str]:
    from civicgrid.demo.generator import DEMO_PASSWORD

    answer = httpx.post(
        f"{base}/api/auth/login", json={"username": "dispatcher", "password": DEMO_PASSWORD}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _carried(base: str, headers: dict[str, str], numbers: list[str]) -> dict:
    """What the created cases carry: a sample of 60 read back, and the alerts raised."""
    sample = numbers[:: max(1, len(numbers) // 60)]
    counts = {"category": 0, "unit": 0, "house": 0, "repeat": 0}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for number in sample:
            case = client.get(f"/api/cases/{number}").json()
            s = case.get("suggestions") or {}
            counts["category"] += bool(s.get("category_code"))
            counts["unit"] += bool(s.get("unit_code") or s.get("unit_name"))
            counts["repeat"] += bool(s.get("repeats"))
            events = client.get(f"/api/cases/{number}/timeline").json()
            placed = [e for e in events if e["kind"] == "geocoded"]
            counts["house"] += bool(placed and placed[-1]["payload"].get("level") == "house")
        alerts = client.get("/api/risk/alerts", params={"type": "concentration"}).json()
    share = {f"share_{k}": round(v / max(len(sample), 1), 2) for k, v in counts.items()}
    return {"sampled": len(sample), **share, "concentration_alerts": alerts["total"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--server-cpu", default="1", help="taskset CPU list for the server")
    args = parser.parse_args()
    prepared = Path(tempfile.mkdtemp(prefix="cg-e2e-demo-"))
    try:
        began = time.monotonic()
        addresses = prepare(prepared)
        print(f"prepared demo folder in {time.monotonic() - began:.0f} s", file=sys.stderr)
        results = {
            setting: measure(
                prepared,
                addresses,
                suggestions=on,
                port=args.port + n,
                requests=args.requests,
                cpu=args.server_cpu,
            )
            for n, (setting, on) in enumerate([("all_on", True), ("suggestions_off", False)])
        }
    finally:
        shutil.rmtree(prepared, ignore_errors=True)
    print(
        json.dumps(
            {
                "concurrency": CONCURRENCY,
                "requests": args.requests,
                "load_average": os.getloadavg(),
                **results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
