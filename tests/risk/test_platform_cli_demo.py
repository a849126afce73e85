"""`civicgrid risk run` on a fresh data folder, the demo's explained alerts, console pages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _civicgrid(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CIVICGRID_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src")}
    env.pop("CIVICGRID_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "civicgrid", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_risk_run_json_prints_one_object(tmp_path: Path) -> None:
    assert _civicgrid(tmp_path, "init", "--json").returncode == 0
    done = _civicgrid(tmp_path, "risk", "run", "--day", "2026-12-04", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["day"] == "2026-12-04" and result["raised"] == 0


def test_risk_report_from_the_database_writes_both_files(tmp_path: Path) -> None:
    assert _civicgrid(tmp_path, "init", "--json").returncode == 0
    done = _civicgrid(tmp_path, "risk", "report", "--day", "2026-12-04", "--json")
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)
    assert Path(files["xlsx"]).stat().st_size > 0 and Path(files["docx"]).stat().st_size > 0


def test_risk_run_refuses_a_bad_day(tmp_path: Path) -> None:
    done = _civicgrid(tmp_path, "risk", "run", "--day", "12/04/2026", "--json")
    assert done.returncode != 0 and "YYYY-MM-DD" in done.stdout + done.stderr


def test_demo_stream_raises_explained_concentration_and_hazard_alerts(tmp_path: Path) -> None:
    from sqlalchemy import select

    from civicgrid.db.runtime import initialise, open_database
    from civicgrid.demo.generator import CLUSTER_PLACE
    from civicgrid.demo.setup import prepare_demo
    from civicgrid.risk.incoming import place_key
    from civicgrid.risk.models import RiskAlert
    from civicgrid.settings import Settings

    settings = Settings(data_dir=tmp_path, database_url=None)
    initialise(settings)
    prepare_demo(settings, cases=40)
    db = open_database(settings)
    with db.sessions() as session:
        alerts = session.scalars(select(RiskAlert)).all()
        places = [a.subject.get("place") for a in alerts if a.type == "concentration"]
        gas = [a for a in alerts if a.type == "hazard" and a.subject["hazard"] == "gas_smell"]
    db.engine.dispose()
    assert place_key(CLUSTER_PLACE) in places
    assert gas and all(a.evidence["case_ids"] and a.status == "notified" for a in gas)


@pytest.mark.db
@pytest.mark.parametrize("path", ["/console/risk", "/console/risk/alerts/1",
                                  "/console/risk/report"])
def test_console_risk_pages_render_with_nav_link(server: str, path: str) -> None:
    import httpx

    page = httpx.get(server + path)
    assert page.status_code == 200
    assert 'href="/console/risk">风险预警</a>' in page.text and "/static/risk.js" in page.text
