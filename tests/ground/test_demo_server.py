"""`civicgrid demo` on a free port: the ground data (people, enterprises, visits, building
heads, tags, utility usage linked by address and its signals) answers once the port opens."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-pass-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    port, data = _free_port(), tmp_path_factory.mktemp("ground-demo")
    env = {**os.environ, "CIVICGRID_DATA_DIR": str(data), "PYTHONPATH": str(ROOT / "src")}
    env.pop("CIVICGRID_DATABASE_URL", None)
    log = (data / "demo.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "civicgrid", "demo", "--port", str(port), "--cases", "40"],
        env=env,
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
    )
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 400
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        assert process.poll() is None, (data / "demo.log").read_text()[-3000:]
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _client(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    token = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def test_demo_answers_with_generated_ground_data(demo: tuple[str, dict]) -> None:
    client = _client(demo[0], "dispatcher")
    try:
        people = client.get("/api/ground/people").json()
        assert people["items"] and all(p["generated"] for p in people["items"])
        assert client.get("/api/ground/enterprises").json()["items"]
        assert client.get("/api/ground/visits").json()["items"]
        assert client.get("/api/ground/tags").json()["items"]
        board = client.get("/api/ground/heads/board").json()
        assert board["items"] and board["items"][0]["points"] > 0
        signals = client.get("/api/ground/utility/signals").json()["items"]
        kinds = {(s["signal"], s["utility"]) for s in signals}
        assert {("usage_without_residents", "gas"), ("long_zero_usage", "power")} <= kinds
        unmatched = client.get("/api/ground/utility/unmatched").json()["items"]
        assert unmatched and all(u["reason"] for u in unmatched)
        assert client.get("/console/ground").status_code == 200
    finally:
        client.close()


def test_demo_gas_check_reads_the_demo_usage(demo: tuple[str, dict]) -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "civicgrid", "address", "base", "gas-link", "--demo", "--json"],
        check=False,
        env=demo[1],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert answer.returncode == 0, answer.stderr[-2000:]
    report = json.loads(answer.stdout)
    assert report["source"] == "ground_utility" and report["tasks_created"] > 0
    assert report["no_match"] == 0 and report["review"] == 0
