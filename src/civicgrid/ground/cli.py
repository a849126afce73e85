"""``civicgrid ground``: retention purge, key-group tag evaluation and duplicate listing."""

from __future__ import annotations

import logging

import typer

from civicgrid.cli.output import JsonOption, emit
from civicgrid.ground.sync_cli import _run

log = logging.getLogger(__name__)

app = typer.Typer(help="Ground data (实有人口, 法人, 走访): purge, tags, duplicates.",
                  no_args_is_help=True)


@app.command("purge")
def purge(
    days: int | None = typer.Option(None, "--days", min=0, help="Keep people who left within "
                                    "this many days (default: the configured retention)."),
    as_json: bool = JsonOption,
) -> None:
    """Delete records of people who left longer ago than the retention."""
    from civicgrid.ground.config import load_config
    from civicgrid.ground.privacy import purge_departed

    keep = days if days is not None else int(load_config()["retention_days_after_leaving"])

    def step(session):  # noqa: ANN001, ANN202
        count = purge_departed(session=session, retention_days=keep)
        session.commit()
        return {"purged": count, "retention_days": keep}

    emit(_run(as_json, step), as_json, lambda r: f"purged {r['purged']} people")


@app.command("tags")
def tags(as_json: bool = JsonOption) -> None:
    """Evaluate the configured key-group rules over every live person."""
    from civicgrid.ground.config import load_config
    from civicgrid.ground.tags import evaluate

    def step(session):  # noqa: ANN001, ANN202
        counts = evaluate(session=session, rules=load_config()["tag_rules"])
        session.commit()
        return counts

    emit(_run(as_json, step), as_json, lambda r: ", ".join(f"{k} {v}" for k, v in r.items()))


@app.command("duplicates")
def duplicates(as_json: bool = JsonOption) -> None:
    """List people with one ID number in two houses and reused credit codes."""
    from civicgrid.ground.records import duplicates as find

    emit(_run(as_json, lambda s: {"groups": find(session=s)}), as_json,
         lambda r: "\n".join(f"{g['record_type']} {g['field']}: {g['ids']}"
                             for g in r["groups"]) or "no duplicates")
