"""``civicgrid places``: grid versions in the configured database (the ``grids`` group works
on files without one). Lay the generated grids, list versions, import a layer as a draft,
locate a point, and re-place open cases once a future-dated version has come into force."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

from civicgrid.cli.output import JsonOption, emit, fail
from civicgrid.errors import CivicGridError
from civicgrid.settings import get_settings

log = logging.getLogger(__name__)

app = typer.Typer(help="Grid versions in the database: lay, list, import, locate, place cases.",
                  no_args_is_help=True)


def _sessions():  # noqa: ANN202 (a sessionmaker)
    from civicgrid.db.runtime import open_database

    return open_database(get_settings()).sessions


@app.command("lay")
def lay_command(as_json: bool = JsonOption) -> None:
    """Lay the generated grids as version 1 (nothing happens when a version exists)."""
    from civicgrid.grids.versions import lay_generated_base

    with _sessions()() as session:
        report = lay_generated_base(session, data_dir=get_settings().data_dir)
        session.commit()
    emit(report, as_json)


@app.command("versions")
def versions_command(as_json: bool = JsonOption) -> None:
    """Every grid version, newest first, and which is in force."""
    from civicgrid.grids.versions import list_versions

    with _sessions()() as session:
        emit({"versions": list_versions(session)}, as_json)


@app.command("import")
def import_command(file: Path, note: str | None = typer.Option(None, help="Why this layer."),
                   as_json: bool = JsonOption) -> None:
    """Validate a GeoJSON grid layer and store it as a draft version."""
    from civicgrid.grids.versions import import_version

    try:
        collection = json.loads(file.read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"cannot read {file}: {exc}", as_json)
    with _sessions()() as session:
        try:
            report = import_version(session, collection, created_by="cli", note=note)
        except CivicGridError as exc:
            problems = "; ".join(f"{e['kind']} {','.join(e['grid_ids'][:5])}"
                                 for e in exc.errors or [])
            fail(f"{exc.message}: {problems}", as_json)
        session.commit()
    emit(report, as_json)


@app.command("locate")
def locate_command(lat: float, lon: float, as_json: bool = JsonOption) -> None:
    """The grid, community and street of a WGS-84 point."""
    from civicgrid.grids.placing import locate

    with _sessions()() as session:
        place = locate(session, lat, lon)
    if place is None:
        fail(f"the point ({lat}, {lon}) lies in no grid of the version in force", as_json)
    emit(place.to_dict(), as_json)


@app.command("place-cases")
def place_cases_command(as_json: bool = JsonOption) -> None:
    """Re-place open cases onto the version in force (run daily for future-dated versions)."""
    from civicgrid.grids.placing import catch_up_cases

    with _sessions()() as session:
        moved = catch_up_cases(session)
        session.commit()
    emit({"cases_moved": moved}, as_json)
