"""Redraw the 300 message ids of the hand-labelled class-mining sample (tipdm2020c attachment 3).

Usage: ``/work/venv/bin/python bench/classes_labels/draw_sample.py`` from the repository root;
prints one message id per line. The labelling rule is in RULE.md beside this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

SEED = 20261204
SIZE = 300
DATA = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "tipdm2020c"
    / "attachment3_messages_with_votes.csv"
)


def sample_ids(path: Path = DATA) -> list[int]:
    """The sample's message ids (留言编号), ascending."""
    frame = pd.read_csv(path)
    return sorted(int(i) for i in frame.sample(n=SIZE, random_state=SEED)["留言编号"])


if __name__ == "__main__":
    sys.stdout.write("\n".join(str(i) for i in sample_ids()) + "\n")
