"""The other ``grids`` commands: validate, overlay, locate, workload, fit-workload."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from civicgrid.cli.main import app

from .shapes import collection, feature, square

runner = CliRunner()


def invoke(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["grids", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_validate_names_a_planted_overlap(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    path = write_geojson(collection([feature({"grid_id": "A"}, square(0, 0)),
                                     feature({"grid_id": "B"}, square(0.5, 0))]), "g.geojson")
    data = invoke("validate", "--grids", str(path))
    assert data["valid"] is False and data["issues"][0]["grid_ids"] == ["A", "B"]


def test_overlay_command_gives_shares(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    basic = write_geojson(collection([feature({"grid_id": "b"}, square(0, 0, 2))]), "b.geojson")
    gas = write_geojson(collection([feature({"grid_id": "g1"}, square(0, 0)),
                                    feature({"grid_id": "g2"}, square(1, 0))]), "p.geojson")
    data = invoke("overlay", "--professional", str(gas), "--basic", str(basic))
    assert sorted(s["share_of_basic"] for s in data["shares"]) == [0.25, 0.25]
    assert data["uncovered_basic"]["b"] == 0.5


def test_locate_command_puts_an_edge_point_in_one_grid(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    path = write_geojson(collection([feature({"grid_id": "B"}, square(1, 0)),
                                     feature({"grid_id": "A"}, square(0, 0))]), "g.geojson")
    data = invoke("locate", "--grids", str(path), "--point", "1,0.5", "--point", "9,9")
    assert [p["grid"] for p in data["points"]] == ["A", None]


def test_workload_command_explains_parts_and_flags(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.json"
    profiles.write_text(json.dumps([
        {"grid_id": "g1", "area_km2": 0.5, "houses": 800, "cases_by_category": {"噪音扰民": 20}},
        {"grid_id": "g2", "area_km2": 0.5, "houses": 800, "cases_by_category": {"噪音扰民": 20}},
        {"grid_id": "g3", "area_km2": 2.0, "houses": 3000, "key_groups": {"独居老人": 30}},
    ], ensure_ascii=False), encoding="utf-8")
    data = invoke("workload", "--profiles", str(profiles))
    first = data["grids"][0]
    assert abs(sum(first["by_part"].values()) - first["total_hours"]) < 0.01
    assert [f["key"] for f in data["flags"] if f["flag"] == "overloaded"] == ["g3"]


def test_fit_workload_command_writes_weights(tmp_path: Path) -> None:
    rows = [{"grid_id": f"g{i}", "area_km2": 0.2 + i / 10, "road_km": 2 + i % 5,
             "houses": 100 * (i + 1), "enterprises": 3 * i,
             "cases_by_category": {"噪音扰民": float(i % 7)},
             "key_groups": {"独居老人": i % 4}, "recorded_hours": 40 + 3 * i}
            for i in range(20)]
    path = tmp_path / "obs.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "weights.json"
    data = invoke("fit-workload", "--observations", str(path), "--weights-out", str(out))
    assert data["observations"] == 20 and "r2" in data
    assert "visit_hours" in json.loads(out.read_text(encoding="utf-8"))


def test_fit_workload_without_recorded_hours_fails_with_the_row(tmp_path: Path) -> None:
    path = tmp_path / "obs.json"
    path.write_text(json.dumps([{"grid_id": "g"}, {"grid_id": "h"}]), encoding="utf-8")
    result = runner.invoke(app, ["grids", "fit-workload", "--observations", str(path), "--json"])
    assert result.exit_code != 0 and "profile 1" in json.loads(result.stdout)["error"]


def test_cover_command_spreads_tasks_by_spare_capacity(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"task_id": f"t{i}", "hours": 3} for i in range(3)]))
    helpers = tmp_path / "helpers.json"
    helpers.write_text(json.dumps([
        {"helper_id": "east", "capacity_hours": 160, "load_hours": 150},
        {"helper_id": "west", "capacity_hours": 160, "load_hours": 157},
    ]))
    data = invoke("cover", "--tasks", str(tasks), "--helpers", str(helpers))
    assert data["added_hours"] == {"east": 9.0, "west": 0.0}
    assert data["uncovered"] == []


def test_cover_command_names_a_missing_field(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.json"
    tasks.write_text(json.dumps([{"task_id": "t1"}]))
    helpers = tmp_path / "helpers.json"
    helpers.write_text(json.dumps([{"helper_id": "h", "capacity_hours": 1, "load_hours": 0}]))
    result = runner.invoke(app, ["grids", "cover", "--tasks", str(tasks), "--helpers",
                                 str(helpers), "--json"])
    assert result.exit_code != 0 and "hours" in json.loads(result.stdout)["error"]
