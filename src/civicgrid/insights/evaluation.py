"""Agreement between mined classes and a hand-labelled sample (adjusted Rand index).

The sample's labels are ids and class names (see bench/classes_labels/RULE.md). Noise is
treated the same way on both sides: a case the miner left in no class, and a case a person
labelled ``其他`` (a one-off), each count as a class of their own (a singleton). So a pair of
one-off cases agrees when both sides keep them apart, and the index is not inflated by
lumping all noise into one large "class". The adjusted Rand index (Hubert and Arabie 1985)
is 1 for identical partitions and about 0 for chance agreement.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from civicgrid.insights.mining import Clustering

log = logging.getLogger(__name__)

ONE_OFF_LABEL = "其他"


@dataclass(frozen=True)
class Agreement:
    """ARI of the sample and how many sampled cases each side left as one-offs."""

    ari: float
    sample_size: int
    mined_noise: int
    labelled_one_off: int


def read_sample_labels(path: str | Path) -> dict[str, str]:
    """``message_id → class_name`` from a committed label file (header message_id,class_name)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"message_id", "class_name"} <= set(reader.fieldnames):
            raise ValueError(
                f"label file {str(path)!r} must have the columns message_id,class_name; "
                f"it has {reader.fieldnames}"
            )
        return {row["message_id"].strip(): row["class_name"].strip() for row in reader}


def row_classes(clustering: Clustering) -> list[int]:
    """Class number per input row (position in ``clustering.classes``), -1 for noise."""
    assigned = [-1] * clustering.row_count
    for number, mined in enumerate(clustering.classes):
        for row in mined.rows:
            assigned[row] = number
    return assigned


def sample_agreement(
    clustering: Clustering, row_ids: Sequence[str], labels: Mapping[str, str]
) -> Agreement:
    """ARI between mined classes and ``labels`` on the sampled rows (noise as singletons)."""
    position = {case_id: row for row, case_id in enumerate(row_ids)}
    missing = [case_id for case_id in labels if case_id not in position]
    if missing:
        raise ValueError(
            f"{len(missing)} labelled id(s) are not in the data, e.g. {missing[:3]}; "
            "check that the label file belongs to this data file"
        )
    assigned = row_classes(clustering)
    mined, truth = [], []
    for case_id, name in labels.items():
        number = assigned[position[case_id]]
        mined.append(f"c{number}" if number >= 0 else f"noise:{case_id}")
        truth.append(name if name != ONE_OFF_LABEL else f"one-off:{case_id}")
    return Agreement(
        ari=float(adjusted_rand_score(truth, mined)),
        sample_size=len(labels),
        mined_noise=sum(1 for m in mined if m.startswith("noise:")),
        labelled_one_off=sum(1 for t in truth if t.startswith("one-off:")),
    )
