"""Request categories: train, save, load and predict, with a triage threshold.

A :class:`CategoryModel` wraps a calibrated :class:`~civicgrid.nlp.textmodel.TextClassifier`
and adds the rules a dispatcher relies on:

* every prediction carries the model's version id (stored with the case), its calibrated
  confidence and the top three labels;
* below :attr:`CategoryModel.threshold` (default 0.5) the result says ``needs_triage`` and
  the case waits for a person;
* text with too little to read (empty, whitespace, only a phone number, only emoji or
  digits: fewer than :data:`MIN_LETTERS` letters or CJK characters) gets **no** label and
  confidence 0, never a confident wrong category.

Train from memory with :func:`train_category_model` (the demo trains on its own generated
stream) or from a file with ``civicgrid nlp train``. A model folder holds ``model.joblib``
(the fitted objects; load only folders you trust) and ``model.json`` (version, labels,
threshold, counts, training time), readable without Python.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import joblib

from civicgrid.nlp.normalise import has_letters
from civicgrid.nlp.textmodel import (
    Companion,
    FeatureSpec,
    TextClassifier,
    fit_text_classifier,
    model_text,
)

log = logging.getLogger(__name__)

MIN_LETTERS = 4
# The category model's companion: NBSVM on character 1-5-grams, its margins added to the
# main model's (chosen by cross-validation on tipdm folds 0-2, bench/results.md).
CATEGORY_COMPANIONS: tuple[Companion, ...] = ()
DEFAULT_THRESHOLD = 0.5
MODEL_FILE = "model.joblib"
CARD_FILE = "model.json"


@dataclass(frozen=True)
class CategoryPrediction:
    """A suggested category: ``label`` is None when the text has nothing to classify."""

    label: str | None
    confidence: float
    model_version: str
    top3: list[tuple[str, float]]
    needs_triage: bool
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (top3 as a list of {label, confidence})."""
        data = asdict(self)
        data["top3"] = [{"label": label, "confidence": conf} for label, conf in self.top3]
        return data


class ModelFolderError(ValueError):
    """A model folder that is missing or not a CivicGrid model; the message says what to do."""


@dataclass
class CategoryModel:
    """A trained category classifier with its triage threshold."""

    engine: TextClassifier
    threshold: float = DEFAULT_THRESHOLD
    kind: str = "category"

    @property
    def version(self) -> str:
        """The version id stored on every prediction."""
        return self.engine.version

    @property
    def labels(self) -> list[str]:
        """The categories the model knows."""
        return self.engine.labels

    def predict(self, texts: Sequence[str | None]) -> list[CategoryPrediction]:
        """Category, confidence, version and top 3 for each text, in order."""
        readable = [i for i, t in enumerate(texts) if _has_content(t)]
        probabilities = (
            self.engine.probabilities([texts[i] for i in readable]) if readable else None
        )
        results: list[CategoryPrediction] = [self._unreadable(t) for t in texts]
        for row, index in enumerate(readable):
            assert probabilities is not None
            results[index] = self._prediction(probabilities[row])
        return results

    def _prediction(self, row: Any) -> CategoryPrediction:
        order = row.argsort()[::-1][:3]
        top3 = [(self.labels[i], round(float(row[i]), 4)) for i in order]
        label, confidence = top3[0]
        low = confidence < self.threshold
        reason = (
            f"confidence {confidence:.2f} below threshold {self.threshold:.2f}" if low else None
        )
        return CategoryPrediction(label, confidence, self.version, top3, low, reason)

    def _unreadable(self, text: str | None) -> CategoryPrediction:
        reason = (
            "empty text"
            if not (text or "").strip()
            else (f"fewer than {MIN_LETTERS} letters or Chinese characters to read")
        )
        return CategoryPrediction(None, 0.0, self.version, [], True, reason)

    def card(self) -> dict[str, Any]:
        """The model's description as stored in ``model.json``."""
        return {
            "kind": self.kind,
            "version": self.version,
            "labels": self.labels,
            "threshold": self.threshold,
            "trained_at": self.engine.trained_at,
            "examples": self.engine.examples,
            "class_counts": self.engine.class_counts,
            "seconds_to_train": self.engine.seconds_to_train,
            "features": asdict(self.engine.features.spec),
            "temperature": round(self.engine.temperature, 4),
            "none_margin": round(self.engine.none_margin, 4),
            "algorithm": type(self.engine.svm).__name__,
            "companions": [
                {
                    "features": asdict(m.features.spec),
                    "weight": m.weight,
                    "algorithm": type(m.svm).__name__,
                }
                for m in getattr(self.engine, "companions", [])
            ],
        }

    def save(self, folder: str | Path) -> Path:
        """Write the model to ``folder`` (created); returns the folder."""
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path / MODEL_FILE, compress=3)
        (path / CARD_FILE).write_text(
            json.dumps(self.card(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        log.info("saved %s model %s to %s", self.kind, self.version, path)
        return path


def _has_content(text: str | None) -> bool:
    return has_letters(model_text(text), MIN_LETTERS)


def train_category_model(
    texts: Sequence[str | None],
    labels: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    spec: FeatureSpec | None = None,
    seed: int = 42,
    calibrate: bool = True,
    algorithm: str = "nbsvm",
    companions: Sequence[Companion] | None = None,
) -> CategoryModel:
    """Train a category model from texts and labels held in memory.

    ``companions`` default to :data:`CATEGORY_COMPANIONS` (None); pass ``()`` for none.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    engine = fit_text_classifier(
        texts,
        labels,
        prefix="cat",
        spec=spec,
        seed=seed,
        algorithm=algorithm,
        calibration_folds=3 if calibrate else 0,
        companions=CATEGORY_COMPANIONS if companions is None else companions,
    )
    return CategoryModel(engine=engine, threshold=threshold)


def load_model(folder: str | Path, kind: str = "category") -> Any:
    """Load a model folder written by ``save``; checks that it holds a ``kind`` model."""
    path = Path(folder) / MODEL_FILE
    if not path.exists():
        raise ModelFolderError(
            f"no model at {path}; train one first (civicgrid "
            f"{'nlp' if kind == 'category' else 'route'} train --data FILE ... --model-out "
            f"{folder})"
        )
    command = f"civicgrid {'nlp' if kind == 'category' else 'route'} train"
    try:
        model = joblib.load(path)
    except (AttributeError, ImportError) as exc:
        raise ModelFolderError(
            f"{path} was saved by another version of CivicGrid ({exc}); retrain it with "
            f"{command} --data FILE ... --model-out {folder}"
        ) from None
    if getattr(model, "kind", None) != kind:
        raise ModelFolderError(
            f"{path} holds a {getattr(model, 'kind', 'unknown')!r} model, not a {kind!r} model"
        )
    if not hasattr(getattr(model.engine, "features", None), "blocks"):
        raise ModelFolderError(
            f"{path} was saved in the feature format used before the numpy features; retrain "
            f"it with {command} --data FILE ... --model-out {folder}"
        )
    return model
