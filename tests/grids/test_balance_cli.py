"""The ``grids balance`` command on small generated lattices and on bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from civicgrid.cli.main import app
from civicgrid.grids.synthetic import lattice_units

from .shapes import collection, feature, square

runner = CliRunner()


def run_balance(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["grids", "balance", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_has_before_after_metrics_moves_and_flags(lattice_file: Path) -> None:
    data = run_balance("--units", str(lattice_file), "--current-col", "grid",
                       "--target-count", "10", "--tolerance", "0.05")
    for side in ("before", "after"):
        assert {"cv", "max_min_ratio", "gini"} <= set(data[side])
    assert isinstance(data["moved_units"], int)
    assert isinstance(data["contiguous"], bool) and isinstance(data["feasible"], bool)


def test_every_new_grid_is_contiguous(lattice_file: Path) -> None:
    data = run_balance("--units", str(lattice_file), "--current-col", "grid",
                       "--target-count", "10", "--tolerance", "0.05")
    assert data["contiguous"] is True


def test_balancing_lowers_the_coefficient_of_variation(lattice_file: Path) -> None:
    data = run_balance("--units", str(lattice_file), "--current-col", "grid",
                       "--target-count", "10", "--tolerance", "0.05")
    assert data["after"]["cv"] < data["before"]["cv"]


def test_plan_meets_a_reachable_tolerance(lattice_file: Path) -> None:
    data = run_balance("--units", str(lattice_file), "--target-count", "10",
                       "--tolerance", "0.05", "--seed", "3")
    assert data["feasible"] is True
    assert data["after"]["within_tolerance"] == 10


def test_out_file_has_new_grid_for_every_feature(lattice_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.geojson"
    run_balance("--units", str(lattice_file), "--current-col", "grid", "--target-count", "10",
                "--tolerance", "0.05", "--out", str(out))
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) == 100
    assert all(f["properties"].get("new_grid") for f in features)


def test_move_budget_is_respected(lattice_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.geojson"
    data = run_balance("--units", str(lattice_file), "--current-col", "grid", "--target-count",
                       "10", "--tolerance", "0.02", "--max-moves", "3", "--out", str(out))
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    changed = sum(1 for f in features if f["properties"]["new_grid"] != f["properties"]["grid"])
    assert data["moved_units"] == changed
    assert changed <= 3


def test_same_seed_gives_the_same_plan(lattice_file: Path, tmp_path: Path) -> None:
    plans = []
    for name in ("a.geojson", "b.geojson"):
        out = tmp_path / name
        run_balance("--units", str(lattice_file), "--target-count", "10", "--tolerance", "0.05",
                    "--seed", "11", "--out", str(out))
        features = json.loads(out.read_text(encoding="utf-8"))["features"]
        plans.append([f["properties"]["new_grid"] for f in features])
    assert plans[0] == plans[1]


def test_island_makes_the_plan_infeasible_and_is_named(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    units = lattice_units(4, 4, seed=1)
    units["features"].append(feature({"id": "far", "workload": 10}, square(50, 50)))
    data = run_balance("--units", str(write_geojson(units, "island.geojson")),
                       "--target-count", "4", "--tolerance", "0.1", "--time-budget", "5")
    island = [p for p in data["problems"] if p["kind"] == "island"]
    assert data["feasible"] is False
    assert island and island[0]["units"] == ["far"]
    assert "island" in data["message"]


def test_target_above_unit_count_is_infeasible_with_best_plan(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    path = write_geojson(lattice_units(3, 3, seed=1), "small.geojson")
    data = run_balance("--units", str(path), "--target-count", "20", "--tolerance", "0.05",
                       "--time-budget", "5")
    assert data["feasible"] is False
    assert any(p["kind"] == "target_exceeds_units" for p in data["problems"])
    assert data["grid_count"] == 9
    assert data["after"]["cv"] is not None


def test_unit_without_workload_is_reported(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    units = lattice_units(4, 4, seed=1)
    del units["features"][5]["properties"]["workload"]
    data = run_balance("--units", str(write_geojson(units, "blank.geojson")),
                       "--target-count", "4", "--tolerance", "0.2")
    missing = [p for p in data["problems"] if p["kind"] == "missing_workload"]
    assert data["feasible"] is False
    assert missing[0]["units"] == [units["features"][5]["properties"]["id"]]


def test_overlapping_polygons_are_reported(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    units = lattice_units(4, 4, seed=1)
    units["features"].append(feature({"id": "dup", "workload": 5}, square(0.5, 0.5)))
    data = run_balance("--units", str(write_geojson(units, "overlap.geojson")),
                       "--target-count", "4", "--tolerance", "0.2")
    overlap = [p for p in data["problems"] if p["kind"] == "overlap"]
    assert data["feasible"] is False
    assert "dup" in overlap[0]["units"]


def test_community_that_cannot_meet_tolerance_is_named(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    features = [feature({"id": f"a{i}", "workload": 10, "community": "A"}, square(i, 0))
                for i in range(3)]
    features += [feature({"id": f"b{i}", "workload": 10, "community": "B"}, square(i, 1))
                 for i in range(5)]
    data = run_balance("--units", str(write_geojson(collection(features), "comm.geojson")),
                       "--target-count", "2", "--tolerance", "0.05")
    problems = [p for p in data["problems"] if p["kind"] == "community_tolerance"]
    assert data["feasible"] is False
    assert {"'A'" in p["message"] or "'B'" in p["message"] for p in problems} == {True}


def test_unreadable_units_file_fails_with_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Feature"}', encoding="utf-8")
    result = runner.invoke(app, ["grids", "balance", "--units", str(bad), "--target-count", "2",
                                 "--tolerance", "0.05", "--json"])
    assert result.exit_code != 0
    assert "FeatureCollection" in json.loads(result.stdout)["error"]


def test_wider_snap_joins_units_across_a_visible_gap(
    write_geojson: Callable[[dict[str, Any], str], Path],
) -> None:
    features = [feature({"id": "a", "workload": 5}, square(0, 0)),
                feature({"id": "b", "workload": 5}, square(1.05, 0))]
    path = write_geojson(collection(features), "gap.geojson")
    strict = run_balance("--units", str(path), "--target-count", "1", "--tolerance", "0.1")
    bridged = run_balance("--units", str(path), "--target-count", "1", "--tolerance", "0.1",
                          "--snap", "0.06")
    assert strict["contiguous"] is False and bridged["contiguous"] is True


def test_plan_out_lists_grids_and_changes(lattice_file: Path, tmp_path: Path) -> None:
    plan_path = tmp_path / "plan.json"
    data = run_balance("--units", str(lattice_file), "--current-col", "grid", "--target-count",
                       "10", "--tolerance", "0.05", "--plan-out", str(plan_path))
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    assert len(plan["grids"]) == 10 and len(plan["before_grids"]) == 10
    assert len(plan["changes"]) == data["moved_units"]
