"""``civicgrid risk``: risk early-warning commands: the daily run over the case database
(``risk run``), the backtest of the detectors on any file, and the daily report from JSON."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import typer

from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.intake.files import TableError, read_table

log = logging.getLogger(__name__)

app = typer.Typer(help="Risk early warning (风险预警): detectors, backtests, daily report.",
                  no_args_is_help=True)


@app.command()
def backtest(
    data: Path = typer.Option(..., "--data", help="CSV or XLSX case history."),
    time_col: str = typer.Option(..., "--time-col", help="Column with the case time."),
    category_col: str = typer.Option(..., "--category-col", help="Column with the category."),
    region_col: str | None = typer.Option(None, "--region-col", help="Column with the region."),
    lat_col: str | None = typer.Option(None, "--lat-col", help="Latitude column (grid cells)."),
    lon_col: str | None = typer.Option(None, "--lon-col", help="Longitude column."),
    inject: int = typer.Option(0, "--inject", min=0, help="Number of seeded bursts to add."),
    seed: int = typer.Option(0, "--seed", help="Seed of the injected bursts."),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX sheet name."),
    as_of: str | None = typer.Option(None, "--as-of", help="Rows after this date are "
                                     "future-dated (default: today)."),
    scan: bool = typer.Option(True, "--scan/--no-scan", help="Run the space-time scan."),
    as_json: bool = JsonOption,
) -> None:
    """Replay a case history day by day and score every detector against injected bursts."""
    from civicgrid.risk.backtest import run_backtest
    from civicgrid.risk.events import events_from_table

    if (lat_col is None) != (lon_col is None):
        fail("--lat-col and --lon-col go together; give both or neither", as_json)
    try:
        cutoff = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date; write it as YYYY-MM-DD", as_json)
    try:
        table = read_table(data, sheet=sheet)
        events, report = events_from_table(
            table, time_col=time_col, category_col=category_col, region_col=region_col,
            lat_col=lat_col, lon_col=lon_col, as_of=cutoff,
        )
    except TableError as exc:
        fail(str(exc), as_json)
    progress(f"read {report.rows} rows, using {report.used}")
    try:
        result = run_backtest(events, report, inject=inject, seed=seed, scan=scan)
    except ValueError as exc:
        fail(str(exc), as_json)
    emit(result, as_json, _human)


def _human(result: dict[str, Any]) -> str:
    data = result["data"]
    lines = [
        f"rows {data['rows']}, used {data['used']}, series {data['series']}, "
        f"replayed {data['replayed_days']} days ({data['months']} months), "
        f"bursts {result['injected']} (seed {result['seed']})",
        f"{'detector':<16}{'sensitivity':>12}{'median delay':>14}{'false/month':>13}",
    ]
    for name, s in result["detectors"].items():
        sens = "-" if s["sensitivity"] is None else f"{s['sensitivity']:.2f}"
        delay = "-" if s["median_delay_days"] is None else f"{s['median_delay_days']:.1f}"
        lines.append(f"{name:<16}{sens:>12}{delay:>14}{s['false_alarms_per_month']:>13.2f}")
    lines += [f"not judged: {note}" for note in result["not_judged"]]
    return "\n".join(lines)


@app.command()
def report(
    day: str = typer.Option(..., "--day", help="Report date, YYYY-MM-DD."),
    alerts: Path | None = typer.Option(None, "--alerts", help="JSON file: {\"today\": [...], "
                                       "\"changed\": [...], \"overdue\": [...]} of alert "
                                       "objects; without it the alerts come from the database."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the files (default: "
                                    "<data_dir>/reports/risk)."),
    as_json: bool = JsonOption,
) -> None:
    """Write the daily risk report (日研判日报告) as XLSX and DOCX, from the alert store or
    from a JSON file of alerts."""
    from civicgrid.risk.report import build_daily_report
    from civicgrid.settings import get_settings

    try:
        report_day = dt.date.fromisoformat(day)
    except ValueError:
        fail(f"--day {day!r} is not a date; write it as YYYY-MM-DD", as_json)
    folder = out or get_settings().data_dir / "reports" / "risk"
    if alerts is None:
        files = _report_from_database(report_day, folder, as_json)
    else:
        payload = _read_alerts(alerts, as_json)
        files = build_daily_report(report_day, payload.get("today", []),
                                   payload.get("changed", []), payload.get("overdue", []),
                                   folder)
    emit({"xlsx": str(files.xlsx), "docx": str(files.docx)}, as_json)


def _read_alerts(path: Path, as_json: bool) -> dict[str, Any]:
    import json

    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"--alerts {str(path)!r} could not be read as JSON: {exc}", as_json)
    if not isinstance(payload, dict):
        fail("--alerts must hold one JSON object with lists under today/changed/overdue",
             as_json)
    return payload


def _report_from_database(day: dt.date, folder: Path, as_json: bool) -> Any:
    from civicgrid.db.runtime import open_database
    from civicgrid.risk.daily import write_report
    from civicgrid.settings import get_settings

    db = open_database(get_settings())
    try:
        with db.sessions() as session:
            return write_report(session=session, day=day, out_dir=folder)
    except Exception as exc:  # a missing or old database is reported as one line
        fail(f"risk report failed: {exc.__class__.__name__}: {exc}; run `civicgrid init` "
             "first if the database is new", as_json)
    finally:
        db.engine.dispose()


@app.command("run")
def run_detectors(
    day: str | None = typer.Option(None, "--day", help="Local day to judge, YYYY-MM-DD "
                                   "(default: today in Asia/Shanghai)."),
    days: int = typer.Option(1, "--days", min=1, max=366, help="Judge this many days ending "
                             "on --day, in order (a replay over recent history)."),
    scan: bool = typer.Option(True, "--scan/--no-scan", help="Run the space-time scan."),
    as_json: bool = JsonOption,
) -> None:
    """Run every detector over the case database for a day and store the alerts."""
    from civicgrid.cases.deadlines import local_date
    from civicgrid.db.runtime import open_database
    from civicgrid.risk.daily import run_days
    from civicgrid.settings import get_settings

    try:
        last = dt.date.fromisoformat(day) if day else local_date(dt.datetime.now(dt.UTC))
    except ValueError:
        fail(f"--day {day!r} is not a date; write it as YYYY-MM-DD", as_json)
    db = open_database(get_settings())
    try:
        with db.sessions() as session:
            runs = run_days(session=session, last=last, days=days, scan=scan)
            session.commit()
    except Exception as exc:  # a missing or old database is reported as one line
        fail(f"risk run failed: {exc.__class__.__name__}: {exc}; run `civicgrid init` first "
             "if the database is new", as_json)
    finally:
        db.engine.dispose()
    result = runs[0] if days == 1 else {
        "first_day": runs[0]["day"], "last_day": runs[-1]["day"], "days": days,
        "raised": sum(r["raised"] for r in runs), "runs": runs}
    emit(result, as_json, _human_run)


def _human_run(result: dict[str, Any]) -> str:
    runs = result.get("runs", [result])
    lines = [f"{r['day']}: {r['cases_of_day']} cases, {r['candidates']} candidates, "
             f"{r['raised']} new alerts {r['raised_by_type']}; {r['scan']}" for r in runs]
    return "\n".join(lines)
