"""Intake commands: ``civicgrid import FILE`` (top level) and ``civicgrid intake ...``.

``civicgrid import FILE [--sheet NAME] [--mapping NAME] [--map FIELD=COLUMN ...] [--json]``
imports a hotline export; with ``--json`` standard output holds one object with ``added``,
``duplicates`` and ``rejected`` (row numbers, columns and reasons), and progress goes to
standard error. ``civicgrid intake mappings`` lists saved mappings and presets.
"""

from __future__ import annotations

from pathlib import Path

import typer

from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.settings import get_settings

app = typer.Typer(help="Intake: import mappings and the city exchange (受理渠道).",
                  no_args_is_help=True)


def _database():  # noqa: ANN202 (Database)
    from civicgrid.db.migrate import current_tables
    from civicgrid.db.runtime import open_database

    db = open_database(get_settings())
    if "import_mappings" not in current_tables(db.engine):
        fail("the database is not initialised or not upgraded; run `civicgrid init` first")
    return db


def _summary(result: dict) -> str:
    lines = [
        f"{result['file']} ({result['encoding']}"
        f"{', ' + result['sheet'] if result['sheet'] else ''})",
        f"新增 added: {result['added']}  重复 duplicates: {result['duplicates']}  "
        f"拒绝 rejected: {len(result['rejected'])}  行数 rows: {result['rows']}",
    ]
    for item in result["rejected"][:20]:
        lines.append(f"  第 {item['row']} 行 [{item['column']}] {item['reason']}")
    if len(result["rejected"]) > 20:
        lines.append(f"  … 另有 {len(result['rejected']) - 20} 行被拒绝（--json 看全部）")
    for item in result["skipped"]:
        lines.append(f"  跳过 第 {item['row']} 行（文件行）: {item['reason']}")
    for kind, counts in result["queued"].items():
        if counts:
            lines.append(f"  待映射 {kind}: {len(counts)} 个来源值（见控制台导入页）")
    return "\n".join(lines)


def import_command(
    file: Path = typer.Argument(..., help="CSV or XLSX export to import"),
    sheet: str | None = typer.Option(None, "--sheet", help="worksheet name (XLSX)"),
    mapping: str | None = typer.Option(None, "--mapping", help="saved mapping or preset name"),
    map_: list[str] = typer.Option([], "--map", help="FIELD=COLUMN, repeatable"),
    timezone: str | None = typer.Option(None, "--timezone", help="zone of times without one"),
    save_as: str | None = typer.Option(None, "--save-as", help="save the mapping under a name"),
    batch_size: int = typer.Option(1000, "--batch-size", min=1, max=50_000),
    as_json: bool = JsonOption,
) -> None:
    """Import historical requests from a hotline export (历史工单导入)."""
    from civicgrid.errors import CivicGridError
    from civicgrid.intake import importer
    from civicgrid.intake.files import TableError
    from civicgrid.intake.mapping import ColumnMapping, get_mapping, parse_map_options, save_mapping

    db = _database()
    try:
        with db.sessions() as session:
            chosen = get_mapping(session=session, name=mapping) if mapping else ColumnMapping({})
            chosen.fields.update(parse_map_options(map_))
            if timezone:
                chosen.timezone = timezone
            if save_as:
                chosen.name = save_as
                save_mapping(session=session, mapping=chosen)
                session.commit()
        report = importer.import_file(factory=db.sessions, path=file, mapping=chosen,
                                      sheet=sheet, batch_size=batch_size, progress=progress)
    except TableError as exc:
        fail(str(exc), as_json)
    except CivicGridError as exc:
        allowed = f" (allowed: {', '.join(map(str, exc.allowed))})" if exc.allowed else ""
        fail(f"{exc.message}{allowed}" + (f"; {exc.fix}" if exc.fix else ""), as_json)
    finally:
        db.engine.dispose()
    emit(report.to_dict(), as_json, _summary)


@app.command("mappings")
def list_mappings(as_json: bool = JsonOption) -> None:
    """List saved column mappings and the built-in presets."""
    from civicgrid.intake.mapping import all_mappings

    db = _database()
    with db.sessions() as session:
        items = [{"name": m.name, "timezone": m.timezone, "fields": m.fields}
                 for m in all_mappings(session=session)]
    emit({"mappings": items}, as_json)


@app.command("deliver")
def deliver(as_json: bool = JsonOption) -> None:
    """Send results still owed to the city platform now (the background job does it too)."""
    from civicgrid.intake import exchange

    db = _database()
    with db.sessions() as session:
        result = exchange.deliver_pending(session=session, settings=get_settings())
        session.commit()
    emit(result, as_json)


def register(root: typer.Typer) -> None:
    """Add ``civicgrid import`` to the top-level command."""
    root.command("import")(import_command)
