"""Core commands: version (more are registered as the platform grows)."""

from __future__ import annotations

import typer

from civicgrid import __version__


def register(app: typer.Typer) -> None:
    """Add the core commands to the top-level app."""

    @app.command()
    def version() -> None:
        """Print the CivicGrid version."""
        typer.echo(__version__)
