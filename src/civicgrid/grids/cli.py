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
    snap: float | None = typer.Option(
        None, "--snap", help="Gap bridged between neighbours, in the data's units "
        "(default 0.1% of the median unit size)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write every input feature back with a `new_grid` property."
    ),
    plan_out: Path | None = typer.Option(
        None, "--plan-out", help="Write the full plan as JSON: per-grid figures before and "
        "after, and every unit that changes grid."
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
            time_budget_seconds=time_budget, snap=snap,
        )
        options.check()
    except (UnitFileError, ValueError) as exc:
        fail(str(exc), as_json)
    progress(f"balancing {len(unit_set)} units into {target_count} grids")
    result = balance_units(unit_set, options)
    if out is not None:
        _write_features(out, unit_set.features, {"new_grid": result.new_grid})
    if plan_out is not None:
        plan = {**result.to_dict(with_grids=True), "before_grids": result.before.grids,
                "changes": result.changes()}
        plan_out.parent.mkdir(parents=True, exist_ok=True)
        plan_out.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
        progress(f"wrote the plan to {plan_out}")
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


@app.command("validate")
def validate_command(
    grids: Path = typer.Option(..., "--grids", help="Grid polygons: GeoJSON or Shapefile."),
    id_field: str | None = typer.Option(None, "--id-field", help="Property holding grid ids."),
    planar: bool = typer.Option(False, "--planar", help="Coordinates are planar, not lon/lat."),
    min_area: float | None = typer.Option(
        None, "--min-area",
        help="Ignore gaps/overlaps this small, in m² for lon/lat layers (default 1e-5 of the "
        "median grid area)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Report overlaps, gaps, invalid rings, holes and duplicate ids, each with grid ids."""
    from civicgrid.grids.geometry import (
        GridFileError,
        read_grid_polygons,
        area_unit,
        validate_grids,
    )

    try:
        layer = read_grid_polygons(grids, id_field)
    except GridFileError as exc:
        fail(str(exc), as_json)
    geographic = False if planar else None
    issues = validate_grids(layer, min_area, geographic)
    counts: dict[str, int] = {}
    for issue in issues:
        counts[issue.kind] = counts.get(issue.kind, 0) + 1
    result = {"grids": len(layer), "valid": not issues, "counts": counts,
              "area_unit": area_unit(layer, geographic), "issues": [i.to_dict() for i in issues]}
    emit(result, as_json, lambda r: "\n".join(
        [f"{r['grids']} grids, {len(r['issues'])} issue(s)"]
        + [f"[{i['kind']}] {', '.join(i['grid_ids'])}: {i['message']}" for i in r["issues"]]
    ))


@app.command("overlay")
def overlay_command(
    professional: Path = typer.Option(..., "--professional", help="Gas, police ... grids."),
    basic: Path = typer.Option(..., "--basic", help="Basic grids."),
    professional_id: str | None = typer.Option(None, "--professional-id-field"),
    basic_id: str | None = typer.Option(None, "--basic-id-field"),
    planar: bool = typer.Option(False, "--planar", help="Coordinates are planar, not lon/lat."),
    as_json: bool = JsonOption,
) -> None:
    """Share of each basic grid's area in each professional grid (and the reverse)."""
    from civicgrid.grids.geometry import GridFileError, overlay_grids, read_grid_polygons

    try:
        pro_layer = read_grid_polygons(professional, professional_id)
        basic_layer = read_grid_polygons(basic, basic_id)
    except GridFileError as exc:
        fail(str(exc), as_json)
    result = overlay_grids(pro_layer, basic_layer, False if planar else None).to_dict()
    emit(result, as_json, lambda r: "\n".join(
        f"{s['basic_id']} in {s['professional_id']}: {s['share_of_basic']:.1%} of the basic "
        f"grid, {s['share_of_professional']:.1%} of the professional grid"
        for s in r["shares"]
    ))


@app.command("locate")
def locate_command(
    grids: Path = typer.Option(..., "--grids", help="Grid polygons: GeoJSON or Shapefile."),
    points: list[str] = typer.Option(..., "--point", help="x,y (longitude,latitude); repeat."),
    id_field: str | None = typer.Option(None, "--id-field", help="Property holding grid ids."),
    as_json: bool = JsonOption,
) -> None:
    """The one grid holding each point (a point on a shared edge goes to the smallest id)."""
    from civicgrid.grids.geometry import GridFileError, read_grid_polygons
    from civicgrid.grids.locator import GridLocator

    try:
        locator = GridLocator(read_grid_polygons(grids, id_field))
        parsed = [_xy(p) for p in points]
    except (GridFileError, ValueError) as exc:
        fail(str(exc), as_json)
    found = [{"x": x, "y": y, "grid": locator.locate(x, y)} for x, y in parsed]
    emit({"points": found}, as_json, lambda r: "\n".join(
        f"{p['x']},{p['y']}: {p['grid'] or '(no grid)'}" for p in r["points"]
    ))


def _xy(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--point {text!r} is not 'x,y' (e.g. 113.93,22.52)") from None
    return x, y


@app.command("workload")
def workload_command(
    profiles: Path = typer.Option(..., "--profiles", help="JSON list of grid profiles."),
    weights: Path | None = typer.Option(None, "--weights", help="JSON of weight overrides."),
    band: float = typer.Option(0.2, "--band", help="Flag grids this far from the mean."),
    as_json: bool = JsonOption,
) -> None:
    """Expected hours per month of each grid as explained parts, with balance and flags."""
    from civicgrid.grids.metrics import balance_metrics, load_flags
    from civicgrid.grids.workload import estimate_workload, load_weights

    try:
        rates = load_weights(weights)
        grid_profiles = [p for p, _ in _read_profiles(profiles, need_hours=False)]
    except ValueError as exc:
        fail(str(exc), as_json)
    estimates = [estimate_workload(p, rates) for p in grid_profiles]
    totals = {e.grid_id: e.total_hours for e in estimates}
    result = {
        "grids": [e.to_dict() for e in estimates],
        "balance": balance_metrics(list(totals.values())).to_dict(),
        "flags": [f.__dict__ for f in load_flags(totals, band)],
    }
    emit(result, as_json, lambda r: "\n".join(
        [f"{g['grid_id']}: {g['total_hours']} h/month {g['by_part']}" for g in r["grids"]]
        + [f"cv {r['balance']['cv']}, gini {r['balance']['gini']}"]
        + [f"{f['key']}: {f['flag']}" for f in r["flags"]]
    ))


@app.command("fit-workload")
def fit_workload_command(
    observations: Path = typer.Option(
        ..., "--observations", help="JSON list of grid profiles, each with recorded_hours."
    ),
    weights: Path | None = typer.Option(None, "--weights", help="JSON of weight overrides."),
    weights_out: Path | None = typer.Option(None, "--weights-out", help="Write fitted weights."),
    as_json: bool = JsonOption,
) -> None:
    """Fit hour rates to recorded monthly hours (non-negative least squares); report the fit."""
    from civicgrid.grids.workload import fit_weights, load_weights

    try:
        rows = _read_profiles(observations, need_hours=True)
        fit = fit_weights(rows, load_weights(weights))
    except ValueError as exc:
        fail(str(exc), as_json)
    if weights_out is not None:
        weights_out.write_text(json.dumps(fit.weights.to_dict(), ensure_ascii=False, indent=2),
                               encoding="utf-8")
    emit(fit.to_dict(), as_json, lambda r: (
        f"{r['observations']} observations: R² {r['r2']}, RMSE {r['rmse_hours']} h, "
        f"MAE {r['mae_hours']} h, cross-validated RMSE {r['cv_rmse_hours']} h\n"
        + "\n".join(f"{k}: {v}" for k, v in r["fitted"].items())
    ))


def _read_profiles(path: Path, need_hours: bool) -> list[tuple[Any, float]]:
    from civicgrid.grids.workload import GridProfile

    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise ValueError(f"profiles file {str(path)!r} cannot be read as JSON: {exc}") from exc
    if not isinstance(rows, list):
        raise ValueError(f"profiles file {str(path)!r} must hold a JSON list of grid profiles")
    result = []
    for number, row in enumerate(rows, start=1):
        row = dict(row)
        hours = row.pop("recorded_hours", None)
        if need_hours and hours is None:
            raise ValueError(f"profile {number} has no recorded_hours; each row needs one")
        try:
            result.append((GridProfile(**row), float(hours or 0.0)))
        except TypeError as exc:
            raise ValueError(f"profile {number}: {exc}") from exc
    return result


@app.command("generate-nanshan")
def generate_nanshan_command(
    out_dir: Path | None = typer.Option(
        None, "--out-dir", help="Folder for the layers (default <data_dir>/grids/nanshan-demo)."
    ),
    streets: Path | None = typer.Option(
        None, "--streets", help="Street polygons (default: ../shared/data when present)."
    ),
    street: str | None = typer.Option(None, "--street", help="Only this street, e.g. 粤海街道."),
    seed: int = typer.Option(20261204, "--seed"),
    communities_per_street: int = typer.Option(12, "--communities-per-street"),
    grids_per_community: int = typer.Option(19, "--grids-per-community"),
    units_per_grid: int = typer.Option(6, "--units-per-grid"),
    as_json: bool = JsonOption,
) -> None:
    """Generate a labelled demo base (communities, grids, units) for 南山."""
    from civicgrid.grids.nanshan import find_streets_file, generate_nanshan
    from civicgrid.settings import get_settings

    if streets is not None and not streets.is_file():
        fail(f"--streets {str(streets)!r} does not exist; leave it out to use generated shapes",
             as_json)
    streets = streets or find_streets_file(_data_roots())
    folder = out_dir or get_settings().data_dir / "grids" / "nanshan-demo"
    try:
        base = generate_nanshan(
            streets, seed=seed, street=street, communities_per_street=communities_per_street,
            grids_per_community=grids_per_community, units_per_grid=units_per_grid,
        )
    except ValueError as exc:
        fail(str(exc), as_json)
    paths = base.write(folder)
    result = {"street_shapes": base.street_shapes, "communities": len(base.communities),
              "grids": len(base.grids), "units": len(base.units), "files": paths,
              "generated": True}
    emit(result, as_json, lambda r: (
        f"generated {r['communities']} communities, {r['grids']} grids, {r['units']} units "
        f"({r['street_shapes']}); files in {folder}"
    ))


def _data_roots() -> list[Path]:
    repo = Path(__file__).resolve().parents[3]
    return [Path.cwd() / ".." / "shared" / "data", repo / ".." / "shared" / "data"]


@app.command("cover")
def cover_command(
    tasks: Path = typer.Option(..., "--tasks", help="JSON list of {task_id, hours}."),
    helpers: Path = typer.Option(
        ..., "--helpers", help="JSON list of {helper_id, capacity_hours, load_hours}."
    ),
    allow_overload: bool = typer.Option(
        False, "--allow-overload", help="Place tasks nobody has room for on the least loaded."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Temporary cover: spread an absent worker's tasks over neighbours by spare capacity."""
    from civicgrid.grids.cover import CoverHelper, CoverTask, spread_cover

    try:
        task_list = [CoverTask(str(t["task_id"]), float(t["hours"]))
                     for t in _json_list(tasks, "--tasks")]
        helper_list = [
            CoverHelper(str(h["helper_id"]), float(h["capacity_hours"]), float(h["load_hours"]))
            for h in _json_list(helpers, "--helpers")
        ]
        plan = spread_cover(task_list, helper_list, allow_overload)
    except (KeyError, TypeError) as exc:
        fail(f"a row lacks the field {exc}; see --help for the fields each row needs", as_json)
    except ValueError as exc:
        fail(str(exc), as_json)
    emit(plan.to_dict(), as_json, lambda r: "\n".join(
        [f"{a['task_id']} -> {a['helper_id']} ({a['hours']} h)" for a in r["assignments"]]
        + [f"uncovered: {', '.join(r['uncovered']) or 'none'}"]
    ))


def _json_list(path: Path, option: str) -> list[dict[str, Any]]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise ValueError(f"{option} {str(path)!r} cannot be read as JSON: {exc}") from exc
    if not isinstance(rows, list):
        raise ValueError(f"{option} {str(path)!r} must hold a JSON list")
    return rows
