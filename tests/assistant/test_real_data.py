"""Retrieval on the real msgabench-gov corpus (skips when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicgrid.assistant.evaluation import Columns, evaluate_files

pytestmark = pytest.mark.shared_data

MSGABENCH = Columns(id="doc_id", text="正文内容", question="用户问题", gold="gold_doc_id",
                    unit="处理单位")


def test_bm25_path_reaches_its_recorded_recall_on_msgabench(shared_data: Path) -> None:
    folder = shared_data / "msgabench-gov"

    result = evaluate_files(
        folder / "gov_qa_knowledge_corpus_answers.csv", folder / "gov_qa_pairs_dev30.csv",
        MSGABENCH,
    )

    assert result.questions == 665 and result.corpus_documents == 2059
    assert result.recall_at_5 >= 0.80
    assert result.recall_at_1 >= 0.55
    assert result.unit_accuracy is not None and result.unit_accuracy >= 0.90
    assert all(len(ids) == 5 for ids in result.top5)
