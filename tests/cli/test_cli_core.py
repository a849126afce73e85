"""The command line's conventions: init never prompts and is idempotent, --json prints
exactly one object, failures exit non-zero with one line, a taken port is refused."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CIVICGRID_DATA_DIR": str(data_dir),
                   "PYTHONPATH": str(ROOT / "src"), **env}
    environment.pop("CIVICGRID_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "civicgrid", *args], capture_output=True,
                          text=True, env=environment, stdin=subprocess.DEVNULL, timeout=300)


def test_init_twice_is_harmless_and_json_is_one_object(tmp_path: Path) -> None:
    first = run(["init", "--json"], tmp_path / "d")
    second = run(["init", "--json"], tmp_path / "d")
    assert first.returncode == second.returncode == 0, first.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["pack"]["loaded"] is True and two["pack"]["loaded"] is False
    assert one["admin"]["created"] is True and two["admin"]["created"] is False
    assert (tmp_path / "d" / "civicgrid.db").exists()


def test_metrics_json_after_demo_has_the_three_rates(tmp_path: Path) -> None:
    demo = run(["demo", "--no-serve", "--cases", "60"], tmp_path / "d")
    assert demo.returncode == 0, demo.stderr[-2000:]
    result = run(["metrics", "--group-by", "street", "--json"], tmp_path / "d")
    body = json.loads(result.stdout)
    assert result.returncode == 0 and body["rows"]
    assert sum(r["received"] for r in body["rows"]) == 60
    assert {"response_rate", "on_time_rate", "satisfaction_rate"} <= set(body["rows"][0])


def test_bad_argument_exits_non_zero_with_one_line(initialised: Path) -> None:
    result = run(["metrics", "--group-by", "planet", "--json"], initialised)
    assert result.returncode != 0
    assert json.loads(result.stdout)["error"].startswith("cannot group by 'planet'")


def test_serve_refuses_a_taken_port(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run(["serve", "--port", str(port)], tmp_path / "d")
    assert result.returncode != 0 and f"port {port}" in result.stderr


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "d"
    assert run(["init"], folder).returncode == 0
    return folder


@pytest.mark.parametrize(("day", "workday"), [("2026-05-09", True), ("2026-10-08", True),
                                              ("2026-05-04", False)])
def test_calendar_day(initialised: Path, day: str, workday: bool) -> None:
    result = run(["calendar", "day", day, "--json"], initialised)
    assert json.loads(result.stdout)["workday"] is workday
