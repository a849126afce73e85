"""``civicgrid report weekly|monthly|quarterly [--period P] --out FILE``: reports from the database.

The period is written 2026-W48 (ISO week), 2026-11 (month) or 2026-Q4 (quarter); by default
the last complete one. The file type follows the suffix of ``--out``: .docx (with charts) or
.xlsx (tables with native charts).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer

from civicgrid.cli.output import JsonOption, emit, fail

log = logging.getLogger(__name__)

app = typer.Typer(help="Weekly (每周一议), monthly and quarterly reports from the database.",
                  no_args_is_help=True)

PeriodOption = typer.Option(
    None, "--period", help="2026-W48 | 2026-11 | 2026-Q4 (default: the last complete one)."
)
OutOption = typer.Option(..., "--out", help="Output file, .docx or .xlsx.")


def write_report(kind: str, period: str | None, out: Path) -> dict[str, Any]:
    """Build the report of ``kind`` for ``period`` from the configured database into ``out``."""
    from civicgrid.db.runtime import open_database
    from civicgrid.insights.analytics import report_data
    from civicgrid.insights.reports import write_docx, write_xlsx
    from civicgrid.settings import get_settings

    writers = {".docx": write_docx, ".xlsx": write_xlsx}
    if out.suffix.lower() not in writers:
        raise ValueError(f"--out must end in .docx or .xlsx, got {out.name!r}")
    db = open_database(get_settings())
    try:
        with db.sessions() as session:
            data = report_data(session=session, kind=kind, period=period)
    finally:
        db.engine.dispose()
    writers[out.suffix.lower()](data, out)
    return {"out": str(out), "kind": kind, "period": data["period_code"],
            "received": data["totals"]["受理"], "notes": data["notes"]}


def _command(kind: str, period: str | None, out: Path, as_json: bool) -> None:
    from civicgrid.errors import CivicGridError
    from civicgrid.insights.report_data import ReportDataError

    try:
        result = write_report(kind, period, out)
    except CivicGridError as exc:
        fail(f"{exc.message}" + (f"; {exc.fix}" if exc.fix else ""), as_json)
    except (OSError, ValueError, ReportDataError) as exc:
        fail(str(exc), as_json)
    emit(result, as_json, lambda r: f"{r['kind']} report {r['period']} written: {r['out']} "
                                    f"({r['received']} cases)")


@app.command("weekly")
def weekly(period: str = PeriodOption, out: Path = OutOption, as_json: bool = JsonOption) -> None:
    """The weekly report for 每周一议."""
    _command("weekly", period, out, as_json)


@app.command("monthly")
def monthly(period: str = PeriodOption, out: Path = OutOption, as_json: bool = JsonOption) -> None:
    """The monthly report."""
    _command("monthly", period, out, as_json)


@app.command("quarterly")
def quarterly(
    period: str = PeriodOption, out: Path = OutOption, as_json: bool = JsonOption
) -> None:
    """The quarterly report."""
    _command("quarterly", period, out, as_json)
