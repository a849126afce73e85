"""Evaluation of the reply audit on a table of request-reply pairs, without a database.

:func:`evaluate_table` audits every row and summarises:

* ``scores``: the distribution of scores (mean, median, quartiles, a histogram in bins of
  ten, and the count of each verdict);
* ``faults``: for each check, the number of rows with at least one finding from it (and
  ``fault_codes``, the same per finding code);
* with a label column (1 = acceptable reply, 0 = falls short; written 1, 0, 1.0 or 0.0;
  empty cells are left out and counted): ``agreement`` and ``kappa`` (Cohen's) between the
  label and the *core* verdict, that of the completeness and relevance checks alone, with
  pass and pass_with_notes counted as 1.

Cohen's kappa is (p_o - p_e) / (1 - p_e), where p_o is the share of rows where label and
prediction agree and p_e the agreement expected by chance from the two marginal rates.
When p_e is 1 (labels and predictions each constant and equal) kappa is defined as 0, so
answering "pass" for every reply scores exactly 0.
"""

from __future__ import annotations

import csv
import logging
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from civicgrid.audit.phrases import PhraseOverride, load_phrases
from civicgrid.audit.service import audit
from civicgrid.audit.verdict import CHECKS, VERDICTS
from civicgrid.audit.when import WhenError, parse_when
from civicgrid.intake.files import Table

log = logging.getLogger(__name__)

_LABELS = {"1": 1, "0": 0, "1.0": 1, "0.0": 0}


class EvaluationError(ValueError):
    """A table that cannot be evaluated; the message names the row, column and value."""


@dataclass(frozen=True)
class RowResult:
    """The audit of one data row (1-based, header excluded)."""

    row: int
    score: int
    verdict: str
    core_verdict: str
    faults: tuple[str, ...]
    codes: tuple[str, ...]
    label: int | None = None

    @property
    def predicted(self) -> int:
        """The core verdict as 1 (pass or pass_with_notes) or 0 (return)."""
        return 0 if self.core_verdict == "return" else 1


@dataclass
class Evaluation:
    """Per-row results and the summary of an evaluation run."""

    rows: list[RowResult]
    skipped_dates: int = 0
    unlabelled: int = 0
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Columns:
    """Which columns of the table hold what (only request and reply are required)."""

    request: str
    reply: str
    label: str | None = None
    title: str | None = None
    received: str | None = None
    replied: str | None = None
    deadline: str | None = None


def evaluate_table(
    table: Table,
    columns: Columns,
    *,
    phrases: PhraseOverride = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Audit every row of ``table`` and summarise scores, faults and label agreement."""
    values = _column_values(table, columns)
    labels = _labels(values.get("label"), columns.label)
    phrase_set = load_phrases(phrases)
    evaluation = Evaluation(rows=[])
    for index in range(len(table.rows)):
        times, bad = _times(values, index)
        evaluation.skipped_dates += bad
        verdict = audit(
            values["request"][index], values["reply"][index], title=_at(values, "title", index),
            received_at=times[0], replied_at=times[1], deadline=times[2], phrases=phrase_set,
        )
        evaluation.rows.append(RowResult(
            row=index + 1, score=verdict.score, verdict=verdict.verdict,
            core_verdict=verdict.core_verdict, faults=tuple(verdict.faults),
            codes=tuple(sorted({f.code for f in verdict.findings})),
            label=labels[index] if labels else None,
        ))
        if progress and (index + 1) % 500 == 0:
            progress(index + 1, len(table.rows))
    evaluation.unlabelled = sum(1 for r in evaluation.rows if labels and r.label is None)
    evaluation.summary = summarise(evaluation, labelled=labels is not None)
    return evaluation


def _column_values(table: Table, columns: Columns) -> dict[str, list[str | None]]:
    wanted = {
        "request": columns.request, "reply": columns.reply, "label": columns.label,
        "title": columns.title, "received": columns.received, "replied": columns.replied,
        "deadline": columns.deadline,
    }
    return {key: table.values(name) for key, name in wanted.items() if name}


def _at(values: dict[str, list[str | None]], key: str, index: int) -> str | None:
    column = values.get(key)
    return column[index] if column else None


def _times(values: dict[str, list[str | None]], index: int) -> tuple[list[Any], int]:
    times: list[Any] = []
    bad = 0
    for key in ("received", "replied", "deadline"):
        try:
            times.append(parse_when(_at(values, key, index), name=key,
                                    end_of_day=key == "deadline"))
        except WhenError:
            times.append(None)
            bad += 1
    return times, bad


def _labels(raw: list[str | None] | None, name: str | None) -> list[int | None] | None:
    if raw is None:
        return None
    labels: list[int | None] = []
    for index, value in enumerate(raw, start=1):
        text = (value or "").strip()
        if not text:
            labels.append(None)
        elif text in _LABELS:
            labels.append(_LABELS[text])
        else:
            raise EvaluationError(
                f"label column {name!r}, data row {index}: {value!r} is not a label; write 1 for "
                "an acceptable reply and 0 for one that falls short (1, 0, 1.0 or 0.0)"
            )
    return labels


def summarise(evaluation: Evaluation, *, labelled: bool) -> dict[str, Any]:
    """The JSON summary: rows, scores, faults and (with labels) agreement and kappa."""
    rows = evaluation.rows
    summary: dict[str, Any] = {
        "rows": len(rows),
        "scores": score_distribution([r.score for r in rows], [r.verdict for r in rows]),
        "faults": {check: sum(1 for r in rows if check in r.faults) for check in CHECKS},
        "fault_codes": dict(Counter(code for r in rows for code in r.codes).most_common()),
        "core_verdicts": dict(Counter(r.core_verdict for r in rows)),
    }
    if evaluation.skipped_dates:
        summary["unreadable_dates"] = evaluation.skipped_dates
    if labelled:
        pairs = [(r.label, r.predicted) for r in rows if r.label is not None]
        summary.update(agreement_summary(pairs))
        summary["unlabelled"] = evaluation.unlabelled
    return summary


def score_distribution(scores: Sequence[int], verdicts: Sequence[str]) -> dict[str, Any]:
    """Mean, median, quartiles, a histogram in bins of ten, and verdict counts."""
    if not scores:
        return {"count": 0, "histogram": {}, "verdicts": {v: 0 for v in VERDICTS}}
    bins = Counter(min(score // 10, 9) for score in scores)
    quartiles = statistics.quantiles(scores, n=4) if len(scores) > 1 else [scores[0]] * 3
    return {
        "count": len(scores),
        "mean": round(statistics.fmean(scores), 2),
        "median": statistics.median(scores),
        "q1": quartiles[0],
        "q3": quartiles[2],
        "min": min(scores),
        "max": max(scores),
        "histogram": {_bin_name(b): bins.get(b, 0) for b in range(10)},
        "verdicts": {v: sum(1 for x in verdicts if x == v) for v in VERDICTS},
    }


def _bin_name(index: int) -> str:
    return f"{index * 10}-{index * 10 + 9 if index < 9 else 100}"


def agreement_summary(pairs: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """Agreement, Cohen's kappa and the confusion counts of (label, predicted) pairs."""
    labels = [label for label, _ in pairs]
    predicted = [p for _, p in pairs]
    confusion = Counter(f"label{label}_pred{p}" for label, p in pairs)
    return {
        "labelled": len(pairs),
        "agreement": round(agreement(labels, predicted), 4) if pairs else None,
        "kappa": round(cohen_kappa(labels, predicted), 4) if pairs else None,
        "confusion": {k: confusion.get(k, 0) for k in
                      ("label1_pred1", "label1_pred0", "label0_pred1", "label0_pred0")},
    }


def agreement(labels: Sequence[int], predicted: Sequence[int]) -> float:
    """The share of positions where the two 0/1 sequences agree."""
    if len(labels) != len(predicted):
        raise ValueError(
            f"labels ({len(labels)}) and predictions ({len(predicted)}) differ in length"
        )
    return sum(a == b for a, b in zip(labels, predicted, strict=True)) / len(labels)


def cohen_kappa(labels: Sequence[int], predicted: Sequence[int]) -> float:
    """Cohen's kappa of two 0/1 sequences (0 when chance agreement is 1)."""
    observed = agreement(labels, predicted)
    n = len(labels)
    label_rate = sum(labels) / n
    predicted_rate = sum(predicted) / n
    expected = label_rate * predicted_rate + (1 - label_rate) * (1 - predicted_rate)
    if expected >= 1.0:
        return 0.0
    return (observed - expected) / (1 - expected)


def write_predictions(evaluation: Evaluation, path: str | Path) -> int:
    """Write ``row,verdict`` (core verdict as 1/0) for every row; returns the row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "verdict"])
        for result in evaluation.rows:
            writer.writerow([result.row, result.predicted])
    return len(evaluation.rows)
