"""The knowledge index: update and delete by document, filters, save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from civicgrid.assistant.documents import IndexFormatError, UnknownDocumentError
from civicgrid.assistant.index import KnowledgeIndex
from civicgrid.assistant.ingest import document_from_text


class _LetterEmbedder:
    """A deterministic stand-in embedder: counts of a few characters, normalised."""

    name = "test/letters"
    _letters = "占噪垃政火"

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self.query(text) for text in texts])

    def query(self, text: str) -> np.ndarray:
        vector = np.asarray([text.count(c) + 0.01 for c in self._letters], dtype=np.float32)
        return vector / np.linalg.norm(vector)


def test_readding_a_document_replaces_its_passages(handbook: KnowledgeIndex) -> None:
    document, passages = document_from_text("D1", "违章停车由交警处理。", version="v2")

    handbook.add(document, passages)

    d1 = [p for p in handbook.passages if p.doc_id == "D1"]
    assert [p.text for p in d1] == ["违章停车由交警处理。"]
    assert d1[0].version == "v2"
    assert handbook.search("占道经营怎么处理")[0].passage.doc_id != "D1"


def test_removed_document_is_no_longer_found(handbook: KnowledgeIndex) -> None:
    handbook.remove("D2")

    assert "D2" not in handbook.documents
    assert all(hit.passage.doc_id != "D2" for hit in handbook.search("噪声扰民"))


def test_removing_an_unknown_document_names_it(handbook: KnowledgeIndex) -> None:
    with pytest.raises(UnknownDocumentError, match="'D9'"):
        handbook.remove("D9")


def test_document_filter_limits_hits(handbook: KnowledgeIndex) -> None:
    hits = handbook.search("处理流程", doc_ids=["D2"])

    assert hits and {hit.passage.doc_id for hit in hits} == {"D2"}


def test_unit_filter_limits_hits(handbook: KnowledgeIndex) -> None:
    hits = handbook.search("处理流程", units=["街道综合行政执法队"])

    assert hits and {hit.passage.unit for hit in hits} == {"街道综合行政执法队"}


def test_saved_index_loads_with_the_same_results(handbook: KnowledgeIndex, tmp_path: Path) -> None:
    handbook.save(tmp_path / "index")

    loaded = KnowledgeIndex.load(tmp_path / "index")

    assert loaded.documents == handbook.documents
    assert loaded.passages == handbook.passages
    before = [(h.passage.passage_id, h.score) for h in handbook.search("噪声扰民怎么处理")]
    after = [(h.passage.passage_id, h.score) for h in loaded.search("噪声扰民怎么处理")]
    assert after == before


def test_embeddings_are_stored_once_and_survive_save(
    handbook: KnowledgeIndex, tmp_path: Path
) -> None:
    embedder = _LetterEmbedder()
    first = handbook.embed(embedder)
    second = handbook.embed(embedder)
    handbook.save(tmp_path / "index")

    loaded = KnowledgeIndex.load(tmp_path / "index")

    assert first == len(handbook.passages) and second == 0
    assert loaded.has_embeddings and loaded.embedding_model == "test/letters/windows-4"
    hits = loaded.search("占道经营怎么处理", embedder=embedder)
    assert hits[0].passage.doc_id == "D1" and hits[0].dense is not None


def test_a_passage_is_as_close_as_its_best_window(tmp_path: Path) -> None:
    index = KnowledgeIndex()
    # 噪声 only in the passage's last 100 characters: a single 192-character window misses it.
    late = "社区网格员每日巡查辖区。" * 25 + "夜间噪声扰民的，核实后上报。"
    early = "夜间施工噪声，查验是否取得许可。" + "社区网格员每日巡查辖区。" * 25
    for doc_id, text in (("late", late), ("early", early)):
        document, passages = document_from_text(doc_id, text, max_chars=500)
        index.add(document, passages)
    embedder = _LetterEmbedder()
    index.embed(embedder)
    index.save(tmp_path / "index")

    loaded = KnowledgeIndex.load(tmp_path / "index")

    windows = {p.doc_id: len(loaded._vectors[p.passage_id]) for p in loaded.passages}
    assert windows == {"late": 2, "early": 2}
    hits = loaded.search("噪声", k=2, embedder=embedder)
    assert {hit.passage.doc_id for hit in hits} == {"late", "early"}
    assert hits[0].dense == pytest.approx(hits[1].dense, abs=0.05)
    assert min(hit.dense for hit in hits) > 0.5


def test_dense_fusion_never_brings_in_zero_score_passages(handbook: KnowledgeIndex) -> None:
    handbook.embed(_LetterEmbedder())

    hits = handbook.search("火星", k=10, embedder=_LetterEmbedder())

    assert hits == []


def test_folder_without_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="no manifest.json"):
        KnowledgeIndex.load(tmp_path)


def test_damaged_index_is_refused(handbook: KnowledgeIndex, tmp_path: Path) -> None:
    folder = handbook.save(tmp_path / "index")
    (folder / "passages.jsonl").write_text("{not json", encoding="utf-8")

    with pytest.raises(IndexFormatError, match="damaged"):
        KnowledgeIndex.load(folder)
