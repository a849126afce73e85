"""``civicgrid nlp``: train and evaluate the request category model; try a text.

* ``civicgrid nlp train --data FILE --text-col NAME --label-col NAME [--model-out DIR]``
* ``civicgrid nlp eval --data FILE --text-col NAME --label-col NAME [--model DIR] [--json]
  [--predictions FILE] [--cv K]``
* ``civicgrid nlp suggest TEXT [--received-at ISO] [--model DIR] [--json]``

``--algorithm svm`` picks a plain linear SVM instead of NBSVM. ``--text-col`` may be
repeated (``--text-col 标题 --text-col 正文``): the columns are joined. Rows with an empty
label are skipped and counted. ``eval`` scores the saved model; with
``--cv K``, or when the file is the model's own training set, it cross-validates instead and
says so in ``method``. No command here needs a database.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.intake.files import TableError
from civicgrid.nlp.classifier import ModelFolderError, load_model, train_category_model
from civicgrid.nlp.datasets import LabelledRows, read_labelled
from civicgrid.nlp.evaluation import (
    NO_LABEL,
    EvaluationRun,
    classification_report,
    run_evaluation,
)
from civicgrid.nlp.textmodel import ALGORITHMS
from civicgrid.settings import get_settings

log = logging.getLogger(__name__)

app = typer.Typer(help="Request understanding: category model (诉求分类).", no_args_is_help=True)

DataOption = typer.Option(..., "--data", help="CSV or XLSX file with texts and labels.")
TextColOption = typer.Option(..., "--text-col", help="Text column (repeat to join several).")
LabelColOption = typer.Option(..., "--label-col", help="Column holding the category label.")


def _check_algorithm(value: str) -> str:
    if value not in ALGORITHMS:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(ALGORITHMS)}")
    return value


AlgorithmOption = typer.Option(
    "nbsvm",
    "--algorithm",
    callback=_check_algorithm,
    help="nbsvm (default) or svm (plain linear SVM, better with many tiny classes).",
)


def default_model_dir(name: str) -> Path:
    """``<data_dir>/models/<name>``."""
    return get_settings().data_dir / "models" / name


def load_rows(data: Path, text_cols: list[str], label_col: str, as_json: bool) -> LabelledRows:
    """Read a labelled file or stop the command with the reason."""
    try:
        rows = read_labelled(data, text_cols, label_col)
    except TableError as exc:
        fail(str(exc), as_json)
    if len(set(rows.labels)) < 2:
        fail(f"{data}: column {label_col!r} has fewer than 2 distinct non-empty labels", as_json)
    return rows


@app.command("train")
def train(
    data: Path = DataOption,
    text_col: list[str] = TextColOption,
    label_col: str = LabelColOption,
    model_out: Path | None = typer.Option(None, "--model-out", help="Folder for the model."),
    threshold: float = typer.Option(0.5, "--threshold", help="Below it: needs triage."),
    algorithm: str = AlgorithmOption,
    as_json: bool = JsonOption,
) -> None:
    """Train the category model on a labelled file."""
    rows = load_rows(data, text_col, label_col, as_json)
    progress(f"training on {len(rows.texts)} rows ({rows.skipped_empty_label} without label)")
    try:
        model = train_category_model(
            rows.texts, rows.labels, threshold=threshold, algorithm=algorithm
        )
    except ValueError as exc:
        fail(str(exc), as_json)
    folder = model.save(model_out or default_model_dir("category"))
    result = {
        **model.card(),
        "model_dir": str(folder),
        "rows": rows.total_rows,
        "skipped_empty_label": rows.skipped_empty_label,
    }
    emit(result, as_json, _train_summary)


def _train_summary(result: dict[str, Any]) -> str:
    return (
        f"model {result['version']} saved to {result['model_dir']}: "
        f"{result['examples']} examples, {len(result['labels'])} classes, "
        f"{result['seconds_to_train']} s; skipped {result['skipped_empty_label']} rows "
        "without label"
    )


@app.command("eval")
def evaluate(
    data: Path = DataOption,
    text_col: list[str] = TextColOption,
    label_col: str = LabelColOption,
    model: Path | None = typer.Option(None, "--model", help="Model folder to evaluate."),
    predictions: Path | None = typer.Option(None, "--predictions", help="Write row,label CSV."),
    cv: int | None = typer.Option(None, "--cv", min=2, help="Cross-validate with K folds."),
    seed: int = typer.Option(42, "--seed"),
    algorithm: str = AlgorithmOption,
    as_json: bool = JsonOption,
) -> None:
    """Accuracy, macro-F1, per-class figures and confusion of the category model."""
    rows = load_rows(data, text_col, label_col, as_json)
    run = evaluate_rows(
        rows,
        kind="category",
        model=model,
        cv=cv,
        seed=seed,
        as_json=as_json,
        train=lambda t, y: train_category_model(t, y, calibrate=False, algorithm=algorithm),
    )
    predicted = [r[0] if r else NO_LABEL for r in run.ranked]
    result: dict[str, Any] = {
        "method": run.method,
        "model_version": run.model_version,
        "rows": rows.total_rows,
        "scored": len(rows.labels),
        "skipped_empty_label": rows.skipped_empty_label,
        **classification_report(rows.labels, predicted),
    }
    if predictions is not None:
        write_predictions(predictions, rows.rows, predicted)
        result["predictions_file"] = str(predictions)
    emit(result, as_json, _eval_summary)


def evaluate_rows(
    rows: LabelledRows,
    *,
    kind: str,
    model: Path | None,
    cv: int | None,
    seed: int,
    train: Callable[[list[str | None], list[str]], Any],
    as_json: bool,
) -> EvaluationRun:
    """Score the saved ``kind`` model (``category`` or ``routing``) on the rows, or
    cross-validate with ``cv`` folds; stops the command with the reason when no model is
    saved and no folds are asked for. Shared by ``nlp eval`` and ``route eval``."""
    saved = None
    if cv is None:
        try:
            saved = load_model(model or default_model_dir(kind), kind)
        except ModelFolderError as exc:
            fail(f"{exc}; or pass --cv K to cross-validate on the file", as_json)
    return run_evaluation(
        list(rows.texts),
        rows.labels,
        model=saved,
        folds=cv,
        seed=seed,
        train=train,
        on_fold=lambda n, k: progress(f"fold {n}/{k}"),
    )


def write_predictions(
    path: Path, rows: list[int], labels: list[str], extra: dict[str, list[str]] | None = None
) -> None:
    """A CSV with ``row`` (1-based data row) and ``label``, plus any extra columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = extra or {}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "label", *extra])
        for i, (row, label) in enumerate(zip(rows, labels, strict=True)):
            writer.writerow(
                [row, "" if label == NO_LABEL else label, *(values[i] for values in extra.values())]
            )


def _eval_summary(result: dict[str, Any]) -> str:
    lines = [
        f"method: {result['method']}",
        f"rows scored: {result['scored']} (skipped {result['skipped_empty_label']} without label)",
        f"accuracy: {result['accuracy']:.4f}   macro-F1: {result['macro_f1']:.4f}",
    ]
    for label, figures in result["per_class"].items():
        lines.append(
            f"  {label}: P {figures['precision']:.3f} R {figures['recall']:.3f} "
            f"F1 {figures['f1']:.3f} n={figures['support']}"
        )
    return "\n".join(lines)


@app.command("suggest")
def suggest_command(
    text: str = typer.Argument(..., help="The request text."),
    received_at: str | None = typer.Option(None, "--received-at", help="ISO time received."),
    model: Path | None = typer.Option(None, "--model", help="Category model folder."),
    router: Path | None = typer.Option(None, "--router", help="Routing model folder."),
    as_json: bool = JsonOption,
) -> None:
    """Suggestions for one text: category, key facts (masked), unit."""
    from civicgrid.nlp.service import SuggestionModels, suggest

    try:
        when = dt.datetime.fromisoformat(received_at) if received_at else dt.datetime.now()
    except ValueError:
        fail(
            f"--received-at {received_at!r} is not an ISO date-time like 2026-12-04T10:30", as_json
        )
    models = SuggestionModels.from_folders(
        category=model or default_model_dir("category"),
        router=router or default_model_dir("routing"),
    )
    emit(suggest(text, when, models=models).as_dict(), as_json)


@app.command("retrain")
def retrain_command(
    min_rows: int = typer.Option(50, help="fewest usable rows to train a model"),
    as_json: bool = JsonOption,
) -> None:
    """Train the installation's category model and unit router from the cases in the
    database (dispatchers' corrections included) and save them in the data folder."""
    from civicgrid.db.runtime import open_database
    from civicgrid.nlp.intake import retrain

    settings = get_settings()
    db = open_database(settings)
    with db.sessions() as session:
        report = retrain(session, settings, min_rows=min_rows)
    emit(report, as_json)
