"""``civicgrid ground``: retention purge, key-group tag evaluation and duplicate listing."""

from __future__ import annotations

import logging
from pathlib import Path

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

    def step(session):
        count = purge_departed(session=session, retention_days=keep)
        session.commit()
        return {"purged": count, "retention_days": keep}

    emit(_run(as_json, step, "purge"), as_json, lambda r: f"purged {r['purged']} people")


@app.command("tags")
def tags(as_json: bool = JsonOption) -> None:
    """Evaluate the configured key-group rules over every live person."""
    from civicgrid.ground.config import load_config
    from civicgrid.ground.tags import evaluate

    def step(session):
        counts = evaluate(session=session, rules=load_config()["tag_rules"])
        session.commit()
        return counts

    emit(_run(as_json, step, "tags"), as_json,
         lambda r: ", ".join(f"{k} {v}" for k, v in r.items()))


@app.command("duplicates")
def duplicates(as_json: bool = JsonOption) -> None:
    """List people with one ID number in two houses and reused credit codes."""
    from civicgrid.ground.records import duplicates as find

    emit(_run(as_json, lambda s: {"groups": find(session=s)}, "duplicates"), as_json,
         lambda r: "\n".join(f"{g['record_type']} {g['field']}: {g['ids']}"
                             for g in r["groups"]) or "no duplicates")


@app.command("usage-import")
def usage_import(
    path: Path = typer.Argument(..., help="CSV or XLSX with account, month, amount and "
                                "address (matched to the address base) or house_code."),
    utility: str = typer.Option(..., "--utility", help="gas or power."),
    as_json: bool = JsonOption,
) -> None:
    """Import a company's monthly usage file (same account and month replaced)."""
    from civicgrid.ground.utility import import_usage

    def step(session):
        result = import_usage(session=session, path=path, utility=utility)
        session.commit()
        return result

    result = _run(as_json, step, "usage import")
    emit(result, as_json, lambda r: f"loaded {r['loaded']} rows, {len(r['problems'])} problems, "
         f"{len(r['unmatched'])} rows not linked to a house\n" + "\n".join(
             f"row {u['row']} {u['account']} {u['address']}: {u['match_reason']}"
             for u in r["unmatched"][:50]))


@app.command("signals")
def usage_signals(as_json: bool = JsonOption) -> None:
    """Usage without registered residents and long-zero usage in occupied houses."""
    from civicgrid.ground.config import load_config
    from civicgrid.ground.utility import signals

    config = load_config()["utility"]
    emit(_run(as_json, lambda s: {"signals": signals(
        session=s, long_zero_months=int(config["long_zero_months"]),
        min_usage=config["min_usage_without_residents"])}), as_json,
        lambda r: "\n".join(f"{x['signal']} {x['utility']} {x['house_code']}"
                            for x in r["signals"]) or "no signals")
