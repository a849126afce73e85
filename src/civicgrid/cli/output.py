"""Output conventions shared by every command.

* With ``--json`` standard output carries exactly one JSON object and nothing else.
* Logs and progress go to standard error.
* Exit status 0 whenever the result was computed; otherwise non-zero with one line that
  says why, on standard error (and, with ``--json``, an ``{"error": ...}`` object).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import typer

JsonOption = typer.Option(False, "--json", help="Print exactly one JSON object on standard output.")


def emit(
    result: dict[str, Any], as_json: bool, human: Callable[[dict[str, Any]], str] | None = None
) -> None:
    """Print a command's result: one JSON object, or a human summary."""
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    else:
        text = (
            human(result)
            if human
            else json.dumps(result, ensure_ascii=False, indent=2, default=str)
        )
        sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()


def fail(reason: str, as_json: bool = False, code: int = 1) -> NoReturn:
    """Stop a command with a one-line reason."""
    reason = " ".join(reason.split())
    if as_json:
        sys.stdout.write(json.dumps({"error": reason}, ensure_ascii=False) + "\n")
    sys.stderr.write(f"error: {reason}\n")
    raise typer.Exit(code)


def progress(message: str) -> None:
    """One progress line on standard error."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
