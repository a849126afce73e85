"""Core commands: init, serve, demo, users, metrics, calendar, tick, worker, version."""

from __future__ import annotations

import datetime as dt
import errno
import json
import socket
from pathlib import Path

import typer

from civicgrid import __version__
from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.settings import get_settings

users_app = typer.Typer(help="Manage staff accounts (管理用户).", no_args_is_help=True)
calendar_app = typer.Typer(
    help="Working calendar: holiday notices and ICS export.", no_args_is_help=True
)


def _db():  # noqa: ANN202 (Database)
    from civicgrid.db.runtime import open_database

    return open_database(get_settings())


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def _serve(host: str, port: int) -> None:
    import uvicorn

    from civicgrid.web.app import create_app

    if not _port_free(host, port):
        fail(f"port {port} on {host} is already in use; stop the other server or pass --port")
    progress(f"CivicGrid 正在 http://{host}:{port}/ 提供服务（Ctrl+C 停止）")
    # log_config=None: uvicorn's loggers propagate to the root handler set up by
    # civicgrid.logs, whose filter masks phones and ID numbers (URLs in access lines too).
    uvicorn.run(create_app(), host=host, port=port, log_config=None)


def register(app: typer.Typer) -> None:
    """Add the core commands to the top-level app."""

    @app.command()
    def version() -> None:
        """Print the CivicGrid version."""
        typer.echo(__version__)

    @app.command()
    def init(as_json: bool = JsonOption) -> None:
        """Create or upgrade the data folder and database and load the district pack.
        Never prompts; running it again is harmless."""
        from civicgrid.db.runtime import initialise

        try:
            report = initialise(get_settings())
        except Exception as exc:  # any failure is reported as one line
            fail(f"init failed: {exc.__class__.__name__}: {exc}", as_json)
        emit(report, as_json, lambda r: f"数据目录 {r['data_dir']} 已就绪（{r['database']}）")

    @app.command()
    def serve(
        host: str = typer.Option(None, help="default from CIVICGRID_HOST"),
        port: int = typer.Option(None, help="default from CIVICGRID_PORT"),
    ) -> None:
        """Serve the API and console (run `civicgrid init` first)."""
        settings = get_settings()
        _serve(host or settings.host, port or settings.port)

    @app.command()
    def demo(
        host: str = typer.Option("127.0.0.1"),
        port: int = typer.Option(8000),
        cases: int = typer.Option(400, help="generated cases on first start"),
        no_serve: bool = typer.Option(False, "--no-serve", help="prepare only"),
    ) -> None:
        """Initialise, load the generated demo data (labelled as generated) and serve."""
        from civicgrid.db.runtime import initialise
        from civicgrid.demo.generator import DEMO_PASSWORD
        from civicgrid.demo.setup import prepare_demo

        if not no_serve and not _port_free(host, port):
            fail(f"port {port} on {host} is already in use; stop the other server or pass --port")
        settings = get_settings()
        initialise(settings)
        report = prepare_demo(settings, cases=cases)
        progress(f"演示数据：{report}；演示账号密码均为 {DEMO_PASSWORD}")
        if not no_serve:
            _serve(host, port)

    @app.command()
    def metrics(
        group_by: str = typer.Option("unit", help="unit|street|category|month|day"),
        start: str = typer.Option(None, help="local date YYYY-MM-DD (inclusive)"),
        end: str = typer.Option(None, help="local date YYYY-MM-DD (exclusive)"),
        as_json: bool = JsonOption,
    ) -> None:
        """Print the assessed figures (响应率, 按时办结率, 满意率, 办结率, 重办率, 办理天数)."""
        from civicgrid.cases import metrics as case_metrics
        from civicgrid.cases.api import _period
        from civicgrid.errors import CivicGridError

        db = _db()
        try:
            with db.sessions() as session:
                rows = case_metrics.compute(
                    session=session,
                    group_by=group_by,
                    start=_period(start, "start"),
                    end=_period(end, "end"),
                )
        except CivicGridError as exc:
            fail(exc.message, as_json)
        result = {"group_by": group_by, "rows": rows}
        if group_by == "unit":
            result["ranking"] = case_metrics.rank_units(rows)
        emit(result, as_json, _metrics_table)

    @app.command()
    def tick(as_json: bool = JsonOption) -> None:
        """Run one round of background work now (overdue flags, reminders, deliveries)."""
        from civicgrid.background import run_periodic

        emit(run_periodic(_db().sessions, get_settings()), as_json)

    @app.command()
    def worker(burst: bool = typer.Option(False, help="exit when the queue is empty")) -> None:
        """Process background jobs from Redis (production, CIVICGRID_QUEUE=rq)."""
        from redis import Redis
        from rq import Queue, Worker

        from civicgrid.background import QUEUE_NAME

        connection = Redis.from_url(get_settings().redis_url)
        Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=burst)

    app.add_typer(users_app, name="users")
    app.add_typer(calendar_app, name="calendar")


def _metrics_table(result: dict) -> str:
    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    lines = [
        f"{'分组':<14}{'受理':>6}{'响应率':>8}{'按时办结':>9}{'满意率':>8}{'办结率':>8}{'重办率':>8}{'天数':>7}"
    ]
    for row in result.get("ranking") or result["rows"]:
        lines.append(
            f"{str(row['key']):<14}{row['received']:>6}{pct(row['response_rate']):>8}"
            f"{pct(row['on_time_rate']):>9}{pct(row['satisfaction_rate']):>8}"
            f"{pct(row['closure_rate']):>8}{pct(row['reopen_rate']):>8}"
            f"{row['avg_handling_days'] if row['avg_handling_days'] is not None else '—':>7}"
        )
    return "\n".join(lines)


@users_app.command("list")
def users_list(as_json: bool = JsonOption) -> None:
    """List accounts."""
    from civicgrid.accounts import service

    with _db().sessions() as session:
        rows = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role,
                "unit_code": u.unit_code,
                "region_code": u.region_code,
                "active": u.active,
            }
            for u in service.get_all(session=session)
        ]
    emit(
        {"users": rows},
        as_json,
        lambda r: "\n".join(
            f"{u['username']}\t{u['role']}\t{u['unit_code'] or ''}\t{u['display_name']}"
            for u in r["users"]
        ),
    )


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option(..., help="admin|dispatcher|handler|grid_worker|leader|viewer"),
    name: str = typer.Option(..., "--name", help="display name"),
    password_file: Path = typer.Option(
        ..., help="file holding the password (never on the command line)"
    ),
    unit: str = typer.Option(None),
    region: str = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Create an account; the password is read from a file so it never appears in history."""
    from civicgrid.accounts import service
    from civicgrid.errors import CivicGridError

    password = password_file.read_text(encoding="utf-8").strip()
    with _db().sessions() as session:
        try:
            user = service.create(
                session=session,
                username=username,
                display_name=name,
                password=password,
                role=role,
                unit_code=unit,
                region_code=region,
            )
            session.commit()
        except CivicGridError as exc:
            fail(
                f"{exc.message}: {json.dumps(exc.to_dict()['error'], ensure_ascii=False)}", as_json
            )
        emit({"id": user.id, "username": user.username, "role": user.role}, as_json)


@users_app.command("disable")
def users_disable(username: str, as_json: bool = JsonOption) -> None:
    """Disable an account (its tokens stop working at once)."""
    from civicgrid.accounts import service

    with _db().sessions() as session:
        user = service.get_by_username(session=session, username=username)
        if user is None:
            fail(f"user {username!r} does not exist; see `civicgrid users list`", as_json)
        user.active = False
        session.commit()
    emit({"username": username, "active": False}, as_json)


@calendar_app.command("load")
def calendar_load(file: Path, as_json: bool = JsonOption) -> None:
    """Load a holiday notice (JSON); open cases' deadlines are recomputed and audited."""
    from civicgrid.jurisdiction.notices import apply_notice_file

    with _db().sessions() as session:
        try:
            result = apply_notice_file(session=session, path=file)
        except ValueError as exc:
            fail(str(exc), as_json)
        session.commit()
    emit(result, as_json)


@calendar_app.command("ics")
def calendar_ics(year: int, out: Path = typer.Option(..., "--out")) -> None:
    """Write the year's holidays and make-up working days as an ICS file."""
    from civicgrid.jurisdiction import service

    with _db().sessions() as session:
        out.write_text(service.get_calendar(session).to_ics(year), encoding="utf-8", newline="")
    progress(f"wrote {out}")


@calendar_app.command("day")
def calendar_day(date: str, as_json: bool = JsonOption) -> None:
    """Say whether a date is a working day and what kind of day it is."""
    from civicgrid.jurisdiction import service

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        fail(f"{date!r} is not a date; write YYYY-MM-DD", as_json)
    with _db().sessions() as session:
        calendar = service.get_calendar(session)
        emit(
            {
                "date": date,
                "workday": calendar.is_workday(day),
                "kind": calendar.day_kind(day),
                "known": calendar.covers(day),
            },
            as_json,
        )
