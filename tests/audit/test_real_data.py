"""The hand-checked samples joined to the real files (skipped when ../shared/data is absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from civicgrid.audit.evaluation import Columns, evaluate_table
from civicgrid.intake.files import Table, read_table

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "bench" / "audit_labels"

pytestmark = pytest.mark.shared_data

SOURCES = {
    "tipdm": ("tipdm2020c/attachment4_messages_with_replies.csv", "tipdm_att4_sample.csv",
              "留言编号", Columns(request="留言详情", reply="答复意见", label="label",
                               title="留言主题", received="留言时间", replied="答复时间")),
    "shangluo": ("shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv",
                 "shangluo_sample.csv", "mail_id",
                 Columns(request="query", reply="reply", label="label", title="title",
                         received="query_date", replied="reply_date")),
}


def labelled_sample(shared_data: Path, name: str) -> tuple[Table, Columns]:
    data_file, label_file, id_column, columns = SOURCES[name]
    with (LABELS / label_file).open(encoding="utf-8") as handle:
        labels = {row[id_column]: row["label"] for row in csv.DictReader(handle)}
    table = read_table(shared_data / data_file)
    ids = table.values(id_column)
    rows = [row + [labels[i]] for row, i in zip(table.rows, ids, strict=True) if i in labels]
    return Table(columns=table.columns + ["label"], rows=rows, encoding="utf-8"), columns


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_labelled_id_is_found_once_in_the_real_file(shared_data, name):
    table, _ = labelled_sample(shared_data, name)
    assert len(table.rows) == 100


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_core_verdict_agrees_with_the_hand_labels(shared_data, name):
    table, columns = labelled_sample(shared_data, name)
    summary = evaluate_table(table, columns).summary
    assert summary["labelled"] == 100
    assert summary["kappa"] >= 0.5
