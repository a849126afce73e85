"""``civicgrid route``: train and evaluate the unit router learned from past assignments.

* ``civicgrid route train --data FILE --text-col NAME --unit-col NAME [--model-out DIR]``
* ``civicgrid route eval --data FILE --text-col NAME --unit-col NAME [--model DIR] [--json]
  [--predictions FILE] [--cv K]`` prints ``top1`` and ``top3`` accuracy.

Evaluation also reports how many units occur only once in the file (``units_seen_once``) and
the accuracy on the rows whose unit occurs at least twice: under cross-validation a unit seen
once can never be predicted for its own row. As with ``nlp eval``, a file that is the
model's training set is cross-validated, and ``method`` says what was done.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer

from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.nlp.cli import (
    AlgorithmOption,
    DataOption,
    TextColOption,
    default_model_dir,
    evaluate_rows,
    load_rows,
    write_predictions,
)
from civicgrid.nlp.evaluation import NO_LABEL, top_k_accuracy
from civicgrid.nlp.routing import train_unit_router

app = typer.Typer(
    help="Routing suggestions: which unit handles a request (分派).", no_args_is_help=True
)

UnitColOption = typer.Option(..., "--unit-col", help="Column holding the handling unit.")


@app.command("train")
def train(
    data: Path = DataOption,
    text_col: list[str] = TextColOption,
    unit_col: str = UnitColOption,
    model_out: Path | None = typer.Option(None, "--model-out", help="Folder for the model."),
    algorithm: str = AlgorithmOption,
    as_json: bool = JsonOption,
) -> None:
    """Train the unit router on past requests and their handling units."""
    rows = load_rows(data, text_col, unit_col, as_json)
    progress(f"training on {len(rows.texts)} rows ({rows.skipped_empty_label} without unit)")
    try:
        router = train_unit_router(rows.texts, rows.labels, algorithm=algorithm)
    except ValueError as exc:
        fail(str(exc), as_json)
    folder = router.save(model_out or default_model_dir("routing"))
    result = {
        **router.card(),
        "model_dir": str(folder),
        "rows": rows.total_rows,
        "skipped_empty_unit": rows.skipped_empty_label,
    }
    emit(
        result,
        as_json,
        lambda r: (
            f"router {r['version']} saved to {r['model_dir']}: {r['examples']} examples, "
            f"{len(r['labels'])} units, {r['seconds_to_train']} s"
        ),
    )


@app.command("eval")
def evaluate(
    data: Path = DataOption,
    text_col: list[str] = TextColOption,
    unit_col: str = UnitColOption,
    model: Path | None = typer.Option(None, "--model", help="Router folder to evaluate."),
    predictions: Path | None = typer.Option(
        None, "--predictions", help="Write row,label,top3 CSV."
    ),
    cv: int | None = typer.Option(None, "--cv", min=2, help="Cross-validate with K folds."),
    seed: int = typer.Option(42, "--seed"),
    algorithm: str = AlgorithmOption,
    as_json: bool = JsonOption,
) -> None:
    """Top-1 and top-3 accuracy of the unit router."""
    rows = load_rows(data, text_col, unit_col, as_json)
    run = evaluate_rows(
        rows,
        kind="routing",
        model=model,
        cv=cv,
        seed=seed,
        as_json=as_json,
        train=lambda t, y: train_unit_router(t, y, calibrate=False, algorithm=algorithm),
    )
    result = routing_figures(rows.labels, run.ranked)
    result = {
        "method": run.method,
        "model_version": run.model_version,
        "rows": rows.total_rows,
        "scored": len(rows.labels),
        "skipped_empty_unit": rows.skipped_empty_label,
        **result,
    }
    if predictions is not None:
        top1 = [r[0] if r else NO_LABEL for r in run.ranked]
        write_predictions(predictions, rows.rows, top1, {"top3": ["|".join(r) for r in run.ranked]})
        result["predictions_file"] = str(predictions)
    emit(result, as_json, _summary)


def routing_figures(units: list[str], ranked: list[list[str]]) -> dict[str, Any]:
    """top1/top3 overall and on the rows whose unit occurs at least twice."""
    counts = Counter(units)
    repeated = [i for i, u in enumerate(units) if counts[u] >= 2]
    return {
        "top1": top_k_accuracy(units, ranked, 1),
        "top3": top_k_accuracy(units, ranked, 3),
        "units": len(counts),
        "units_seen_once": sum(1 for c in counts.values() if c == 1),
        "rows_with_repeated_unit": len(repeated),
        "top1_on_repeated_units": top_k_accuracy(
            [units[i] for i in repeated], [ranked[i] for i in repeated], 1
        ),
        "top3_on_repeated_units": top_k_accuracy(
            [units[i] for i in repeated], [ranked[i] for i in repeated], 3
        ),
    }


def _summary(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"method: {result['method']}",
            f"rows scored: {result['scored']} "
            f"(skipped {result['skipped_empty_unit']} without unit)",
            f"top1: {result['top1']:.4f}   top3: {result['top3']:.4f}",
            f"units: {result['units']} ({result['units_seen_once']} seen only once); on the "
            f"{result['rows_with_repeated_unit']} rows with a repeated unit: "
            f"top1 {result['top1_on_repeated_units']:.4f}, "
            f"top3 {result['top3_on_repeated_units']:.4f}",
        ]
    )
