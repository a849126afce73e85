"""Checks on the shared real data (../shared/data); skipped when it is absent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from civicgrid.intake.files import read_table
from civicgrid.nlp.classifier import train_category_model
from civicgrid.nlp.evaluation import classification_report
from civicgrid.nlp.facts import extract_facts

pytestmark = pytest.mark.shared_data
TIPDM = "tipdm2020c/attachment2_details_labels_partial_minus_holdout.csv"


def test_tipdm_model_trained_on_800_rows_scores_well_on_300_others(shared_data: Path) -> None:
    table = read_table(shared_data / TIPDM)
    texts = [(t or "")[:600] for t in table.values("留言详情")]
    labels = table.values("一级标签")
    model = train_category_model(texts[:800], labels[:800], calibrate=False)
    predicted = [p.label or "" for p in model.predict(texts[800:1100])]
    report = classification_report(labels[800:1100], predicted)
    assert report["macro_f1"] >= 0.75, report["macro_f1"]


def test_facts_on_real_letters_never_crash_and_mask_phones(shared_data: Path) -> None:
    table = read_table(shared_data / "shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv")
    received = dt.datetime(2022, 5, 10, 9, 0)
    addresses = 0
    for text in table.values("query")[:300]:
        facts = extract_facts(text or "", received)
        addresses += len(facts.of_kind("address"))
        for fact in facts.of_kind("phone"):
            assert "****" in fact.display and fact.value not in fact.display
    assert addresses >= 30
