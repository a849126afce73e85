"""``civicgrid grids``: balance (re-cut) grids, validate and overlay grid polygons, locate
points, estimate workload and generate the 南山 demo base. No database is needed."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import typer

from civicgrid.cli.output import JsonOption, emit, fail, progress

log = logging.getLogger(__name__)

app = typer.Typer(
    help="Grids (网格): re-cut for even workload, validate, overlay, locate, workload.",
    no_args_is_help=True,
)

BALANCE_HELP = "\n\n".join([
    "Re-cut atomic units into contiguous grids of even workload.",
    "Reads a GeoJSON FeatureCollection of unit polygons with a `workload` property (optional "
    "`community`, `fixed`, `keep_with`). Neighbours share an edge (rook contiguity, tiny gaps "
    "tolerated). The target load is total / N; --tolerance is a fraction of it.",
    "With --current-col the units' current grids are the 'before' plan and units move as "
    "little as the mode allows (--max-moves: small adjustment with a move budget; without it: "
    "medium adjustment, free within communities).",
    "Without --current-col, 'before' is the seeded start plan: N contiguous grids grown from "
    "k-means++ seeds over the unit centroids, lightest grid first, ignoring the tolerance; "
    "moved_units then counts changes from that start.",
    "Bad input (islands, overlaps, missing workloads, target > units, a community that cannot "
    "meet the tolerance) is reported in `problems` with feasible=false and the best plan "
    "found; the run stops at --time-budget seconds.",
])


@app.command("balance", help=BALANCE_HELP)
def balance_command(
    units: Path = typer.Option(..., "--units", help="GeoJSON of unit polygons."),
    current_col: str | None = typer.Option(
        None, "--current-col", help="Property holding each unit's current grid."
    ),
    target_count: int = typer.Option(..., "--target-count", help="Number of grids wanted."),
    tolerance: float = typer.Option(
        ..., "--tolerance", help="Allowed deviation as a fraction of total/N, e.g. 0.05."
    ),
    max_moves: int | None = typer.Option(
        None, "--max-moves", help="Move budget in units (small adjustment)."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same plan."),
    time_budget: float = typer.Option(60.0, "--time-budget", help="Stop after this many seconds."),
    workload_col: str = typer.Option("workload", "--workload-col", help="Load property."),
    community_col: str = typer.Option("community", "--community-col", help="Community property."),
    out: Path | None = typer.Option(
        None, "--out", help="Write every input feature back with a `new_grid` property."
    ),
    as_json: bool = JsonOption,
) -> None:
    from civicgrid.grids.balance import BalanceOptions, balance_units
    from civicgrid.grids.units import UnitFileError, read_units_geojson

    try:
        unit_set = read_units_geojson(
            units, workload_col=workload_col, current_col=current_col,
            community_col=community_col,
        )
        options = BalanceOptions(
            target_count=target_count, tolerance=tolerance, max_moves=max_moves, seed=seed,
            time_budget_seconds=time_budget,
        )
        options.check()
    except (UnitFileError, ValueError) as exc:
        fail(str(exc), as_json)
    progress(f"balancing {len(unit_set)} units into {target_count} grids")
    result = balance_units(unit_set, options)
    if out is not None:
        _write_features(out, unit_set.features, {"new_grid": result.new_grid})
    emit(result.to_dict(with_grids=False), as_json, _balance_text)


def _balance_text(result: dict[str, Any]) -> str:
    before, after = result["before"], result["after"]
    lines = [
        result["message"],
        f"grids: {result['grid_count']} (target {result['target_count']}), "
        f"target load {result['target_load']}, moved units: {result['moved_units']}",
        f"before: cv {before['cv']}, max/min {before['max_min_ratio']}, gini {before['gini']}, "
        f"within tolerance {before['within_tolerance']}/{before['grid_count']}",
        f"after:  cv {after['cv']}, max/min {after['max_min_ratio']}, gini {after['gini']}, "
        f"within tolerance {after['within_tolerance']}/{after['grid_count']}, "
        f"contiguous {result['contiguous']}",
    ]
    lines += [f"problem [{p['kind']}]: {p['message']}" for p in result["problems"]]
    return "\n".join(lines)


def _write_features(path: Path, features: list[dict[str, Any]], columns: dict[str, list]) -> None:
    written = []
    for i, feature in enumerate(features):
        props = dict(feature.get("properties") or {})
        for name, values in columns.items():
            props[name] = values[i]
        written.append({**feature, "properties": props})
    collection = {"type": "FeatureCollection", "features": written}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    progress(f"wrote {len(written)} features to {path}")
