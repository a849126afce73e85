"""Sync to the city: export by cursor, push with interruption and resume, reconciliation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from civicgrid.ground.config import DEFAULTS, load_config
from civicgrid.ground.records import record_visit, save_enterprise
from civicgrid.ground.sync import export, push, reconcile
from tests.ground.city_stub import CityStub
from tests.ground.test_checks import VALID_CREDIT

pytestmark = pytest.mark.db
MAPPING = load_config(DEFAULTS)["sync_mapping"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def city():  # noqa: ANN201
    stub = CityStub()
    yield stub
    stub.close()


def _firms(session, n: int) -> list:  # noqa: ANN001
    return [save_enterprise(session=session, actor="t_grid", values={
        "name": f"企业{i}", "credit_code": VALID_CREDIT, "house_code": f"S{i}"}).record
        for i in range(n)]


def test_export_since_cursor_holds_only_later_changes(session, tmp_path) -> None:  # noqa: ANN001
    _firms(session, 3)
    first = export(session=session, since=0, out_dir=tmp_path / "a", mapping=MAPPING)
    record_visit(session=session, actor="t_grid", values={"house_code": "S1",
                                                          "findings": "正常"})
    second = export(session=session, since=first["cursor"], out_dir=tmp_path / "b",
                    mapping=MAPPING)
    assert {k: v for k, v in second["counts"].items() if v} == {"visit": 1}
    line = json.loads((tmp_path / "b" / "visit.jsonl").read_text(encoding="utf-8"))
    assert line["ZFQK"] == "正常" and line["BBH"] == 1


def test_push_interrupted_by_500_resumes_without_repeats(session, city) -> None:  # noqa: ANN001
    _firms(session, 12)
    city.fail_from = 2
    first = push(session=session, base_url=city.url, mapping=MAPPING, target="t500",
                 batch_size=4, retries=1, backoff=0.01)
    assert first["error"] and first["batches"] == 2
    city.fail_from = None
    second = push(session=session, base_url=city.url, mapping=MAPPING, target="t500",
                  batch_size=4, retries=1, backoff=0.01)
    assert second["error"] is None and second["from"] == first["acked"]
    assert len(city.receipts) == len(set(city.receipts))
    assert reconcile(session=session, base_url=city.url, mapping=MAPPING)["match"]


def test_push_after_timeout_loses_nothing(session, city) -> None:  # noqa: ANN001
    _firms(session, 6)
    city.fail_from, city.fail_mode = 1, "timeout"
    first = push(session=session, base_url=city.url, mapping=MAPPING, target="tto",
                 batch_size=3, retries=0, backoff=0.01, timeout=0.5)
    assert first["error"]
    city.fail_from = None
    push(session=session, base_url=city.url, mapping=MAPPING, target="tto", batch_size=3)
    assert len(city.receipts) == len(set(city.receipts))
    assert reconcile(session=session, base_url=city.url, mapping=MAPPING)["match"]


def test_export_cli_counts_equal_line_counts(tmp_path) -> None:  # noqa: ANN001
    from civicgrid.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'sync.db'}"
    upgrade(create_engine(url))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CIVICGRID_DATABASE_URL": url,
           "CIVICGRID_DATA_DIR": str(tmp_path)}
    answer = subprocess.run([sys.executable, "-m", "civicgrid", "sync", "export", "--since",
                             "0", "--out", str(tmp_path / "out"), "--json"], env=env,
                            capture_output=True, text=True, check=True)
    result = json.loads(answer.stdout)
    for name, count in result["counts"].items():
        lines = (tmp_path / "out" / f"{name}.jsonl").read_text().splitlines()
        assert len(lines) == count
    assert str(result["cursor"]) == "0"
