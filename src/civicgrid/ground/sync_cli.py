"""``civicgrid sync``: the outbound feed to the city's data base, without a login.

``export`` writes the changes since a cursor to JSON Lines files; ``push`` sends them to the
city's endpoint, resuming after the last acknowledged cursor; ``reconcile`` compares counts
and checksums on both sides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.orm import Session

from civicgrid.cli.output import JsonOption, emit, fail

log = logging.getLogger(__name__)

app = typer.Typer(help="Sync to the city (市区数据底座共享): export, push, reconcile.",
                  no_args_is_help=True)


@contextmanager
def _session(as_json: bool) -> Iterator[Session]:
    from civicgrid.db.runtime import open_database
    from civicgrid.settings import get_settings

    db = open_database(get_settings())
    try:
        with db.sessions() as session:
            yield session
    except ValueError as exc:
        fail(str(exc), as_json)
    finally:
        db.engine.dispose()


def _mapping() -> dict[str, Any]:
    from civicgrid.ground.config import load_config

    return load_config()["sync_mapping"]


def _vault():  # noqa: ANN202 (a Vault; imported lazily like the rest of the command)
    from civicgrid.ground.vault import vault_from_settings

    return vault_from_settings()


def _run(as_json: bool, step: Callable[[Session], dict[str, Any]],
         what: str = "sync") -> dict[str, Any]:
    """Run ``step`` in a session; any failure becomes one line naming ``what`` failed."""
    try:
        with _session(as_json) as session:
            return step(session)
    except Exception as exc:  # a missing or old database is reported as one line
        fail(f"{what} failed: {exc.__class__.__name__}: {exc}; run `civicgrid init` first "
             "if the database is new", as_json)


@app.command("export")
def export_changes(
    since: str = typer.Option(..., "--since", help="Cursor of a previous export; 0 = all."),
    out: Path = typer.Option(..., "--out", help="Folder for <record type>.jsonl files."),
    as_json: bool = JsonOption,
) -> None:
    """Write every record changed after --since and print the new cursor and counts."""
    from civicgrid.ground.sync import export, parse_cursor

    try:
        cursor = parse_cursor(since)
    except ValueError as exc:
        fail(str(exc), as_json)
    result = _run(as_json, lambda s: export(session=s, since=cursor, out_dir=out,
                                            mapping=_mapping(), vault=_vault()))
    emit({"cursor": result["cursor"], "counts": result["counts"]}, as_json,
         lambda r: f"cursor {r['cursor']}\n" + "\n".join(
             f"{k}: {v}" for k, v in r["counts"].items()))


@app.command("push")
def push_changes(
    url: str = typer.Option(..., "--url", help="Base URL of the city's sync endpoint."),
    target: str = typer.Option("city", "--target", help="Name under which acks are kept."),
    batch: int = typer.Option(500, "--batch", min=1, help="Records per request."),
    as_json: bool = JsonOption,
) -> None:
    """Send changes after the last acknowledged cursor, with retries; resumable."""
    from civicgrid.ground.sync import push

    result = _run(as_json, lambda s: push(session=s, base_url=url, mapping=_mapping(),
                                          target=target, batch_size=batch, vault=_vault()))
    if result["error"]:
        fail(f"push stopped at acknowledged cursor {result['acked']} after "
             f"{result['sent']} records: {result['error']}; run again to resume", as_json)
    emit(result, as_json, lambda r: f"sent {r['sent']} records, acknowledged {r['acked']}")


@app.command("reconcile")
def reconcile_counts(
    url: str = typer.Option(..., "--url", help="Base URL of the city's sync endpoint."),
    as_json: bool = JsonOption,
) -> None:
    """Compare counts and checksums per record type with the city's side."""
    from civicgrid.ground.sync import reconcile

    result = _run(as_json, lambda s: reconcile(session=s, base_url=url, mapping=_mapping()))
    emit(result, as_json, lambda r: "\n".join(
        f"{t['record_type']}: local {t['local']} city {t['city']} "
        f"{'OK' if t['match'] else 'MISMATCH'}" for t in r["types"]))
