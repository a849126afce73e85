"""``civicgrid audit``: audit one reply, or evaluate the audit on a file of pairs.

* ``civicgrid audit check --request TEXT --reply TEXT [--json]`` audits one reply (texts may
  also be read from files with ``--request-file``/``--reply-file``);
* ``civicgrid audit eval --data FILE --request-col NAME --reply-col NAME [--label-col NAME]
  [--json] [--predictions FILE]`` audits every row of a CSV or XLSX file and prints the
  score distribution, the fault counts and, with labels, agreement and Cohen's kappa of the
  completeness and relevance verdict. Neither needs a database.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from civicgrid.audit.evaluation import Columns, EvaluationError, evaluate_table, write_predictions
from civicgrid.audit.phrases import PhraseError
from civicgrid.audit.service import audit
from civicgrid.audit.verdict import LLMRecord
from civicgrid.audit.when import WhenError
from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.intake.files import TableError, read_table

app = typer.Typer(help="Reply audit (智能审核答复): check replies before the citizen sees them.",
                  no_args_is_help=True)


@app.command("check")
def check_command(
    request: str = typer.Option(None, "--request", help="The citizen's request text."),
    reply: str = typer.Option(None, "--reply", help="The official reply text."),
    request_file: Path = typer.Option(None, "--request-file", help="Read the request from a file."),
    reply_file: Path = typer.Option(None, "--reply-file", help="Read the reply from a file."),
    title: str = typer.Option(None, "--title", help="The request's title (its main ask)."),
    received_at: str = typer.Option(None, "--received-at", help="When the request came in."),
    replied_at: str = typer.Option(None, "--replied-at", help="When the reply was written."),
    deadline: str = typer.Option(None, "--deadline", help="The reply deadline."),
    phrases: Path = typer.Option(None, "--phrases", help="JSON file overriding phrase lists."),
    use_llm: bool = typer.Option(False, "--llm",
                                 help="Ask the configured LLM for a second opinion."),
    rewrite: bool = typer.Option(False, "--rewrite", help="Add a rewrite suggestion."),
    as_json: bool = JsonOption,
) -> None:
    """Audit one reply against its request."""
    request_text = _text(request, request_file, "--request", as_json)
    reply_text = _text(reply, reply_file, "--reply", as_json)
    client = _llm_client() if use_llm else None
    try:
        verdict = audit(
            request_text, reply_text, title=title, received_at=received_at,
            replied_at=replied_at, deadline=deadline, phrases=phrases, llm=client,
            rewrite=rewrite,
        )
    except (PhraseError, WhenError, ValueError) as exc:
        fail(str(exc), as_json)
    if use_llm and client is None:
        verdict = replace(verdict, llm=LLMRecord(
            used=False, fallback="no LLM endpoint configured; set CIVICGRID_LLM_BASE_URL"))
    emit(verdict.to_dict(), as_json, _human_check)


def _text(value: str | None, path: Path | None, option: str, as_json: bool) -> str:
    if value is not None and path is not None:
        fail(f"give {option} or {option}-file, not both", as_json)
    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"{option}-file {str(path)!r} cannot be read: {exc.strerror}", as_json)
    if value is None:
        fail(f"{option} (or {option}-file) is required", as_json)
    return value


def _llm_client() -> Any:
    from civicgrid.llm.client import client_from_settings
    from civicgrid.settings import get_settings

    return client_from_settings(get_settings())


def _human_check(result: dict[str, Any]) -> str:
    lines = [f"verdict: {result['verdict']}  score: {result['score']}  "
             f"(completeness+relevance: {result['core_verdict']})"]
    for finding in result["findings"]:
        span = finding["span"]
        where = f" {finding['target']}[{span[0]}:{span[1]}]" if span else ""
        lines.append(f"- {finding['severity']} {finding['check']}/{finding['code']}{where}: "
                     f"{finding['message']} → {finding['suggestion']}")
    if result.get("llm"):
        lines.append(f"LLM: {result['llm']}")
    if result.get("rewrite"):
        lines.append(result["rewrite"])
    return "\n".join(lines)


@app.command("eval")
def eval_command(
    data: Path = typer.Option(..., "--data", help="CSV or XLSX file of request-reply pairs."),
    request_col: str = typer.Option(..., "--request-col", help="Column holding the request."),
    reply_col: str = typer.Option(..., "--reply-col", help="Column holding the reply."),
    label_col: str = typer.Option(None, "--label-col", help="Column of 1/0 labels (acceptable)."),
    title_col: str = typer.Option(None, "--title-col", help="Column of request titles."),
    received_col: str = typer.Option(None, "--received-col", help="Column of request times."),
    replied_col: str = typer.Option(None, "--replied-col", help="Column of reply times."),
    deadline_col: str = typer.Option(None, "--deadline-col", help="Column of reply deadlines."),
    sheet: str = typer.Option(None, "--sheet", help="Sheet of an XLSX file."),
    phrases: Path = typer.Option(None, "--phrases", help="JSON file overriding phrase lists."),
    predictions: Path = typer.Option(None, "--predictions",
                                     help="Write row,verdict (1/0) for every row here."),
    as_json: bool = JsonOption,
) -> None:
    """Audit every row of a file; print scores, faults and agreement with labels."""
    columns = Columns(request=request_col, reply=reply_col, label=label_col, title=title_col,
                      received=received_col, replied=replied_col, deadline=deadline_col)
    try:
        table = read_table(data, sheet=sheet)
        evaluation = evaluate_table(table, columns, phrases=phrases, progress=_report)
    except (TableError, EvaluationError, PhraseError) as exc:
        fail(str(exc), as_json)
    result = dict(evaluation.summary)
    if predictions is not None:
        try:
            result["predictions"] = {"path": str(predictions),
                                     "rows": write_predictions(evaluation, predictions)}
        except OSError as exc:
            fail(f"--predictions {str(predictions)!r} cannot be written: {exc.strerror}", as_json)
    emit(result, as_json, _human_eval)


def _report(done: int, total: int) -> None:
    progress(f"audited {done}/{total}")


def _human_eval(result: dict[str, Any]) -> str:
    scores = result["scores"]
    lines = [
        f"rows: {result['rows']}",
        f"score mean {scores.get('mean')} median {scores.get('median')} "
        f"verdicts {scores['verdicts']}",
        "faults: " + ", ".join(f"{k} {v}" for k, v in result["faults"].items()),
    ]
    if "kappa" in result:
        lines.append(f"labelled {result['labelled']}: agreement {result['agreement']} "
                     f"kappa {result['kappa']}")
    if "predictions" in result:
        lines.append(f"predictions: {result['predictions']['path']}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
