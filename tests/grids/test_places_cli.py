"""``civicgrid init`` lays the grids, and ``civicgrid places`` works on them (SQLite data
folder, run as a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CIVICGRID_DATA_DIR": str(data_dir),
                   "PYTHONPATH": str(ROOT / "src")}
    environment.pop("CIVICGRID_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "civicgrid", *args], capture_output=True,
                          text=True, env=environment, stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("places") / "d"
    result = run(["init", "--json"], folder)
    assert result.returncode == 0, result.stderr[-2000:]
    return folder, json.loads(result.stdout)


def test_init_lays_one_grid_per_pack_grid_region(initialised: tuple[Path, dict]) -> None:
    _folder, report = initialised
    assert report["grids"]["laid"] is True
    assert report["grids"]["grids"] == 180
    assert report["grids"]["version_id"] == 1


def test_places_locate_prints_the_grid_of_a_point_inside_the_district(
    initialised: tuple[Path, dict],
) -> None:
    folder, _report = initialised
    result = run(["places", "locate", "22.53", "113.93", "--json"], folder)
    assert result.returncode == 0, result.stderr
    place = json.loads(result.stdout)
    assert place["grid_code"].startswith(place["community_code"])


def test_places_import_of_a_self_intersecting_layer_fails_naming_the_grid(
    initialised: tuple[Path, dict], tmp_path: Path,
) -> None:
    folder, _report = initialised
    ring = [[113.90, 22.50], [113.91, 22.51], [113.91, 22.50], [113.90, 22.51], [113.90, 22.50]]
    layer = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"grid_code": "440305001901001"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(layer), encoding="utf-8")
    result = run(["places", "import", str(path), "--json"], folder)
    assert result.returncode == 1
    assert "invalid 440305001901001" in json.loads(result.stdout)["error"]
    versions = json.loads(run(["places", "versions", "--json"], folder).stdout)["versions"]
    assert [v["id"] for v in versions] == [1]
