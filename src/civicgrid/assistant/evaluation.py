"""Retrieval evaluation from two files, with no database.

The corpus file has one passage per row (an id, a text and optionally a handling unit); the
questions file has one question per row with the id of its gold passage. Every corpus row
becomes a document of the index (long rows are cut into passages, and a document ranks by its
best passage), every question is searched, and the gold document's rank gives:

* ``recall_at_1`` and ``recall_at_5``: share of questions whose gold id is first / in the
  first five;
* ``mrr``: mean of 1 / rank, counting 0 when the gold id is not among the first
  :data:`RANK_DEPTH` documents;
* ``unit_accuracy``: when both files have the unit column, the share of questions with a
  unit whose suggested unit (see :func:`civicgrid.assistant.answering.suggest_unit`) equals
  it; None otherwise.

Row numbers are 1-based data rows, the header excluded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from civicgrid.assistant.answering import suggest_unit
from civicgrid.assistant.chunking import DEFAULT_MAX_CHARS
from civicgrid.assistant.embeddings import Embedder, query_vectors
from civicgrid.assistant.index import KnowledgeIndex, RetrievalSettings
from civicgrid.assistant.ingest import document_from_text
from civicgrid.intake.files import Table, read_table

log = logging.getLogger(__name__)

RANK_DEPTH = 100


@dataclass(frozen=True)
class Columns:
    """Column names of the corpus and questions files."""

    id: str = "doc_id"
    text: str = "text"
    question: str = "question"
    gold: str = "gold_doc_id"
    unit: str = "unit"


@dataclass
class EvaluationResult:
    """Retrieval figures and the top five ids of every question row."""

    recall_at_1: float
    recall_at_5: float
    mrr: float
    questions: int
    corpus_documents: int
    corpus_passages: int
    unit_accuracy: float | None = None
    unit_questions: int = 0
    dense: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    top5: list[list[str]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """The figures as a JSON-ready mapping (without the per-row predictions)."""
        return {
            "recall_at_1": round(self.recall_at_1, 4),
            "recall_at_5": round(self.recall_at_5, 4),
            "mrr": round(self.mrr, 4),
            "questions": self.questions,
            "corpus_documents": self.corpus_documents,
            "corpus_passages": self.corpus_passages,
            "unit_accuracy": None if self.unit_accuracy is None else round(self.unit_accuracy, 4),
            "unit_questions": self.unit_questions,
            "dense": self.dense,
            "seconds": {key: round(value, 2) for key, value in self.seconds.items()},
        }


def index_from_table(
    table: Table,
    columns: Columns,
    *,
    settings: RetrievalSettings | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> KnowledgeIndex:
    """An index holding one document per corpus row (rows without text are skipped)."""
    ids, texts = table.values(columns.id), table.values(columns.text)
    units = table.values(columns.unit) if columns.unit in table.columns else [None] * len(ids)
    index = KnowledgeIndex(settings=settings or RetrievalSettings())
    for row, (doc_id, text, unit) in enumerate(zip(ids, texts, units, strict=True), start=1):
        if not doc_id or not text:
            log.warning("corpus row %d has no id or no text; skipped", row)
            continue
        document, passages = document_from_text(
            doc_id, text, source=f"row {row}", unit=unit, max_chars=max_chars
        )
        index.add(document, passages)
    return index


def evaluate_files(
    corpus: str | Path,
    questions: str | Path,
    columns: Columns | None = None,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> EvaluationResult:
    """Build an index from the corpus file and measure retrieval on the questions file."""
    columns = columns or Columns()
    say = progress or (lambda message: None)
    started = time.perf_counter()
    corpus_table, question_table = read_table(corpus), read_table(questions)
    asked, gold = question_table.values(columns.question), question_table.values(columns.gold)
    index = index_from_table(corpus_table, columns)
    seconds = {"index": time.perf_counter() - started}
    say(f"indexed {len(index.documents)} documents, {len(index.passages)} passages")
    if embedder is not None:
        began = time.perf_counter()
        index.embed(embedder, lambda done, total: say(f"embedded {done}/{total} passages"))
        seconds["embed"] = time.perf_counter() - began
    units = (
        question_table.values(columns.unit) if columns.unit in question_table.columns else None
    )
    result = _score(index, asked, gold, units, embedder)
    result.seconds = {**seconds, "total": time.perf_counter() - started}
    return result


def _score(
    index: KnowledgeIndex,
    asked: list[str | None],
    gold: list[str | None],
    units: list[str | None] | None,
    embedder: Embedder | None,
) -> EvaluationResult:
    hits_1 = hits_5 = 0
    reciprocal = 0.0
    unit_right = unit_total = 0
    top5: list[list[str]] = []
    vectors = None
    if embedder is not None:
        vectors = query_vectors(embedder, [question or "" for question in asked])
    for row, (question, gold_id) in enumerate(zip(asked, gold, strict=True)):
        vector = None if vectors is None else vectors[row]
        hits = index.search(question or "", k=RANK_DEPTH, query_vector=vector)
        ranking = list(dict.fromkeys(hit.passage.doc_id for hit in hits))
        top5.append(ranking[:5])
        if gold_id in ranking:
            rank = ranking.index(gold_id) + 1
            hits_1 += rank == 1
            hits_5 += rank <= 5
            reciprocal += 1.0 / rank
        if units is not None and units[row]:
            unit_total += 1
            suggestion = suggest_unit(hits[:5])
            unit_right += suggestion is not None and suggestion.unit == units[row]
    count = max(len(asked), 1)
    return EvaluationResult(
        recall_at_1=hits_1 / count,
        recall_at_5=hits_5 / count,
        mrr=reciprocal / count,
        questions=len(asked),
        corpus_documents=len(index.documents),
        corpus_passages=len(index.passages),
        unit_accuracy=unit_right / unit_total if unit_total else None,
        unit_questions=unit_total,
        dense=embedder is not None,
        top5=top5,
    )
