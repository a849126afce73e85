"""Labelled tables for training and evaluating the text models.

:func:`read_labelled` reads a CSV/XLSX through :func:`civicgrid.intake.files.read_table`,
joins one or more text columns (``标题。正文``), and keeps the rows whose label is not empty.
Rows with an empty label are skipped and counted, never treated as a class. Row numbers are
1-based data rows, header excluded, as everywhere in CivicGrid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from civicgrid.intake.files import read_table


@dataclass(frozen=True)
class LabelledRows:
    """Texts and labels of the rows that carry a label, with their 1-based row numbers."""

    rows: list[int]
    texts: list[str]
    labels: list[str]
    total_rows: int
    skipped_empty_label: int


def read_labelled(
    path: str | Path, text_columns: Sequence[str], label_column: str
) -> LabelledRows:
    """Rows of a table with their joined text and label; raises TableError on bad columns."""
    table = read_table(path)
    columns = [table.values(name) for name in text_columns]
    labels = table.values(label_column)
    rows: list[int] = []
    texts: list[str] = []
    kept: list[str] = []
    skipped = 0
    for index, label in enumerate(labels):
        if label is None or not label.strip():
            skipped += 1
            continue
        parts = [column[index] or "" for column in columns]
        rows.append(index + 1)
        texts.append("。".join(p for p in parts if p))
        kept.append(label.strip())
    return LabelledRows(rows, texts, kept, len(labels), skipped)
