"""Trap RAG-01: Chinese lexical retrieval, zero-score hits and chunking of a long paragraph."""

from __future__ import annotations

import re

from civicgrid.assistant.answering import NO_EVIDENCE, ask
from civicgrid.assistant.chunking import chunk_text
from civicgrid.assistant.index import KnowledgeIndex
from tests.assistant.conftest import d3_text


def test_zhandao_question_finds_d1_first_with_a_nonzero_score(handbook: KnowledgeIndex) -> None:
    hits = handbook.search("占道经营怎么处理")

    assert hits[0].passage.doc_id == "D1"
    assert hits[0].lexical > 0
    assert hits[0].score > 0


def test_mars_question_abstains_and_cites_nothing(handbook: KnowledgeIndex) -> None:
    answer = ask("火星移民政策", handbook)

    assert answer.text == NO_EVIDENCE
    assert answer.citations == []
    assert not answer.found


def test_search_never_returns_zero_score_hits(handbook: KnowledgeIndex) -> None:
    hits = handbook.search("火星移民政策", k=10)

    assert all(hit.lexical > 0 for hit in hits)


def test_d3_is_cut_into_chunks_within_the_size_at_sentence_ends() -> None:
    text = d3_text(3000)
    assert len(text) >= 3000 and " " not in text and "\n" not in text

    chunks = chunk_text(text, max_chars=500)

    assert len(chunks) >= 6
    assert all(len(chunk) <= 500 for chunk in chunks)
    assert all(chunk[-1] in "。！？" for chunk in chunks)
    assert "".join(chunks) == text


def test_d3_passages_in_the_index_respect_the_size(handbook: KnowledgeIndex) -> None:
    d3 = [p for p in handbook.passages if p.doc_id == "D3"]

    assert len(d3) >= 6
    assert all(len(p.text) <= 500 and re.search(r"[。！？]$", p.text) for p in d3)
