"""`civicgrid ground` commands: one JSON object on success, one line and non-zero on error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from civicgrid.db.migrate import upgrade

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[2]


def _civicgrid(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    if not (tmp_path / "cli.db").exists():
        upgrade(create_engine(url))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CIVICGRID_DATABASE_URL": url,
           "CIVICGRID_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "civicgrid", *args], env=env,
                          capture_output=True, text=True)


def test_usage_import_then_signals(tmp_path: Path) -> None:
    path = tmp_path / "power.csv"
    path.write_text("account,month,amount,house_code\nP1,2026-11,80,CLI-EMPTY\n",
                    encoding="utf-8")
    loaded = _civicgrid(tmp_path, "ground", "usage-import", str(path), "--utility", "power",
                        "--json")
    assert json.loads(loaded.stdout)["loaded"] == 1
    found = json.loads(_civicgrid(tmp_path, "ground", "signals", "--json").stdout)
    assert found["signals"][0]["signal"] == "usage_without_residents"


def test_usage_import_names_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "gas.csv"
    path.write_text("acct,month,amount\nG1,2026-11,1\n", encoding="utf-8")
    answer = _civicgrid(tmp_path, "ground", "usage-import", str(path), "--utility", "gas")
    assert answer.returncode != 0 and "account" in answer.stderr + answer.stdout


def test_purge_json_reports_count(tmp_path: Path) -> None:
    answer = _civicgrid(tmp_path, "ground", "purge", "--days", "30", "--json")
    assert json.loads(answer.stdout) == {"purged": 0, "retention_days": 30}


def test_sync_export_refuses_a_bad_cursor(tmp_path: Path) -> None:
    answer = _civicgrid(tmp_path, "sync", "export", "--since", "abc", "--out",
                        str(tmp_path / "o"))
    assert answer.returncode != 0 and "--since" in answer.stderr + answer.stdout
