"""Class mining on the real tipdm2020c attachment 3 (skips without ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicgrid.insights.evaluation import read_sample_labels
from civicgrid.insights.service import mine_run
from civicgrid.intake.files import read_table

pytestmark = pytest.mark.shared_data
LABEL_DIR = Path(__file__).resolve().parents[2] / "bench" / "classes_labels"
LABELS = LABEL_DIR / "attachment3_sample_labels.csv"


def _attachment3(shared_data: Path):  # type: ignore[no-untyped-def]
    return read_table(shared_data / "tipdm2020c" / "attachment3_messages_with_votes.csv")


def test_hand_labels_refer_to_attachment3_ids_only(shared_data: Path) -> None:
    ids = set(_attachment3(shared_data).values("留言编号"))
    labels = read_sample_labels(LABELS)
    assert len(labels) >= 300
    assert set(labels) <= ids


def test_mining_first_600_messages_gives_readable_classes(shared_data: Path) -> None:
    titles = _attachment3(shared_data).values("留言主题")[:600]
    result = mine_run(titles).to_dict()
    assert len(result["classes"]) >= 3
    assert all(c["label"] != "未命名类" for c in result["classes"])
    assert sum(c["size"] for c in result["classes"]) + len(result["noise"]) == 600
