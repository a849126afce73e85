"""Entry point of the ``civicgrid`` command.

Each domain package that has commands exposes a Typer app named ``app`` in its ``cli``
module; :data:`COMMAND_GROUPS` lists them. Importing a group is deferred to keep start-up
fast and so that a command needing no database never touches one.
"""

from __future__ import annotations

import importlib
import os

import typer

from civicgrid.logs import configure_logging

# (sub-command name, module holding ``app``). Core commands live in civicgrid.cli.core.
COMMAND_GROUPS: list[tuple[str, str]] = [
    ("audit", "civicgrid.audit.cli"),
    ("risk", "civicgrid.risk.cli"),
    ("classes", "civicgrid.insights.cli"),
    ("grids", "civicgrid.grids.cli"),
    ("assistant", "civicgrid.assistant.cli"),
    ("places", "civicgrid.grids.places_cli"),
    ("report", "civicgrid.insights.report_cli"),
    ("nlp", "civicgrid.nlp.cli"),
    ("route", "civicgrid.nlp.routing_cli"),
    ("address", "civicgrid.addresses.cli"),
    ("intake", "civicgrid.intake.cli"),
    ("ground", "civicgrid.ground.cli"),
    ("sync", "civicgrid.ground.sync_cli"),
]

app = typer.Typer(
    name="civicgrid",
    help="CivicGrid: district platform for citizen requests (民生诉求), grids and risk warning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """CivicGrid command line. Data folder: ./civicgrid-data or $CIVICGRID_DATA_DIR."""


def _register() -> None:
    from civicgrid.cli import core

    core.register(app)
    from civicgrid.intake import cli as intake_cli

    intake_cli.register(app)
    for name, module in COMMAND_GROUPS:
        sub = importlib.import_module(module).app
        app.add_typer(sub, name=name)


_register()


def main() -> None:
    """Run the command line with logging on standard error."""
    configure_logging(os.environ.get("CIVICGRID_LOG_LEVEL", "INFO"))
    app()
