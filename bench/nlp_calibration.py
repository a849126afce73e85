"""How well the category model's confidence is calibrated (bench/results.md, nlp section).

Trains on a stratified 2/3 of the tipdm texts (seed 42) with the default calibration and
scores the other third: accuracy, expected calibration error over 10 confidence bins, and
accuracy and share of the cases above the default triage threshold (0.5). Usage::

    PYTHONPATH=src python bench/nlp_calibration.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from civicgrid.intake.files import read_table
from civicgrid.nlp.classifier import train_category_model

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
TIPDM = DATA / "tipdm2020c/attachment2_details_labels_partial_minus_holdout.csv"


def main() -> None:
    table = read_table(TIPDM)
    texts, labels = table.values("留言详情"), table.values("一级标签")
    train, test = train_test_split(np.arange(len(texts)), test_size=1 / 3, random_state=42,
                                   stratify=labels)
    model = train_category_model([texts[i] for i in train], [labels[i] for i in train])
    predictions = model.predict([texts[i] for i in test])
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([p.label == labels[i] for p, i in zip(predictions, test, strict=True)])
    bins = np.minimum((confidence * 10).astype(int), 9)
    ece = sum(abs(confidence[bins == b].mean() - correct[bins == b].mean()) * (bins == b).mean()
              for b in range(10) if (bins == b).any())
    confident = ~np.array([p.needs_triage for p in predictions])
    print(json.dumps({
        "train_rows": len(train), "test_rows": len(test), "temperature": model.engine.temperature,
        "accuracy": round(float(correct.mean()), 4),
        "mean_confidence": round(float(confidence.mean()), 4),
        "expected_calibration_error_10_bins": round(float(ece), 4),
        "share_above_threshold": round(float(confident.mean()), 4),
        "accuracy_above_threshold": round(float(correct[confident].mean()), 4),
        "accuracy_below_threshold": round(float(correct[~confident].mean()), 4),
    }, indent=2))


if __name__ == "__main__":
    main()
