"""Scoring predictions against labels, and cross-validation of the text models.

:func:`classification_report` returns the figures every ``eval`` command prints: accuracy,
macro-F1 over the classes present in the truth, per-class precision/recall/F1/support, and
a confusion table ``{true label: {predicted label: count}}``. :func:`top_k_accuracy` gives
the share of rows whose true label is among the first k suggestions.

:func:`cross_validate` runs stratified k-fold cross-validation with a fixed seed (plain
k-fold when some class has fewer than k examples) and returns, for every row, the
prediction of the model that did not see it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import KFold, StratifiedKFold

log = logging.getLogger(__name__)


def classification_report(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class figures and the confusion table."""
    classes = sorted(set(truth))
    correct = sum(t == p for t, p in zip(truth, predicted, strict=True))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0
    )
    per_class = {
        label: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                "f1": round(float(f), 4), "support": int(s)}
        for label, p, r, f, s in zip(classes, precision, recall, f1, support, strict=True)
    }
    confusion: dict[str, dict[str, int]] = {label: {} for label in classes}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t][p] = confusion[t].get(p, 0) + 1
    macro = f1_score(truth, predicted, labels=classes, average="macro", zero_division=0)
    return {
        "accuracy": round(correct / len(truth), 4) if truth else 0.0,
        "macro_f1": round(float(macro), 4) if truth else 0.0,
        "per_class": per_class,
        "confusion": confusion,
    }


def top_k_accuracy(truth: Sequence[str], ranked: Sequence[Sequence[str]], k: int) -> float:
    """Share of rows whose true label is among the first ``k`` ranked labels."""
    if not truth:
        return 0.0
    hits = sum(t in r[:k] for t, r in zip(truth, ranked, strict=True))
    return round(hits / len(truth), 4)


def fold_indices(
    labels: Sequence[str], folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs: stratified when every class has ``folds`` examples."""
    y = np.asarray(labels)
    smallest = min(Counter(labels).values())
    if smallest >= folds:
        splitter: StratifiedKFold | KFold = StratifiedKFold(folds, shuffle=True, random_state=seed)
    else:
        log.info("a class has %d example(s) < %d folds; using plain k-fold", smallest, folds)
        splitter = KFold(folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def cross_validate(
    texts: Sequence[str | None],
    labels: Sequence[str],
    fit_and_rank: Callable[[list[str | None], list[str], list[str | None]], list[list[str]]],
    *,
    folds: int = 5,
    seed: int = 42,
    on_fold: Callable[[int, int], None] | None = None,
) -> list[list[str]]:
    """Ranked labels for each row from models trained on the other folds."""
    ranked: list[list[str]] = [[] for _ in texts]
    for number, (train, test) in enumerate(fold_indices(labels, folds, seed), start=1):
        if on_fold:
            on_fold(number, folds)
        result = fit_and_rank(
            [texts[i] for i in train], [labels[i] for i in train], [texts[i] for i in test]
        )
        for row, ranking in zip(test, result, strict=True):
            ranked[row] = ranking
    return ranked


NO_LABEL = "(none)"


@dataclass(frozen=True)
class EvaluationRun:
    """Ranked predictions for every labelled row and how they were obtained."""

    method: str
    ranked: list[list[str]]
    seen_in_training: int
    model_version: str | None


def run_evaluation(
    texts: list[str | None],
    labels: list[str],
    *,
    model: Any | None,
    train: Callable[[list[str | None], list[str]], Any],
    folds: int | None,
    seed: int = 42,
    on_fold: Callable[[int, int], None] | None = None,
) -> EvaluationRun:
    """Score a saved model, or cross-validate when asked or when the file is its training set.

    With ``folds`` set, ``folds``-fold cross-validation (``train`` builds each fold's model).
    Without it, the saved ``model`` scores the rows; when more than half of them were in its
    training set the figures would be meaningless, so 5-fold cross-validation is used
    instead and ``method`` says so.
    """
    seen = _seen_in_training(model, texts) if model is not None else 0

    def fit_and_rank(train_texts: list[str | None], train_labels: list[str],
                     test_texts: list[str | None]) -> list[list[str]]:
        fold_model = train(train_texts, train_labels)
        return [[label for label, _ in p.top3] for p in fold_model.predict(test_texts)]

    if folds is None and model is not None and seen <= len(texts) // 2:
        ranked = [[label for label, _ in p.top3] for p in model.predict(texts)]
        method = f"saved model {model.version} on the given rows ({seen} of them seen in training)"
        return EvaluationRun(method, ranked, seen, model.version)
    if folds is None and model is None:
        raise ValueError("no model to evaluate and no --cv folds given")
    chosen = folds or 5
    method = f"{chosen}-fold cross-validation, seed {seed}"
    if folds is None:
        method += (f" (the saved model {model.version} was trained on {seen} of these "
                   f"{len(texts)} rows, so it was not scored on them)")
    ranked = cross_validate(texts, labels, fit_and_rank, folds=chosen, seed=seed,
                            on_fold=on_fold)
    return EvaluationRun(method, ranked, seen, model.version if model is not None else None)


def _seen_in_training(model: Any, texts: Sequence[str | None]) -> int:
    from civicgrid.nlp.textmodel import model_text, text_fingerprint

    known = getattr(getattr(model, "engine", None), "fingerprints", frozenset())
    return sum(text_fingerprint(model_text(t)) in known for t in texts)
