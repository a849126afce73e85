"""The knowledge index: passages, their BM25 fields, optional embeddings, and search.

:class:`KnowledgeIndex` holds documents and passages in memory, can be updated and emptied
document by document, and saves to (and loads from) a folder::

    index/
      manifest.json       format version, retrieval settings, embedding model name
      documents.jsonl     one Document per line
      passages.jsonl      one Passage per line, with its tokens (no re-tokenising on load)
      embeddings.npy      float32 matrix, one row per embedded window of a passage
      embedding_ids.json  the passage id of each row (repeated for a passage's windows)

Search scores every passage on two BM25 fields, jieba words and character bigrams (see
:mod:`civicgrid.assistant.tokenizer`), each normalised by its best score and mixed by
``RetrievalSettings.word_weight``. When embeddings are stored and dense search is asked for,
the two are fused by a convex combination of normalised scores (Bruch, Gai and Ingber, "An
Analysis of Fusion Functions for Hybrid Retrieval", TOIS 2023, found it beats reciprocal
rank fusion; it did here too, see bench/results.md): the cosine similarities of the
candidates are centred on their mean and scaled by (max - mean), then mixed with the lexical
score as ``(1 - dense_weight) * lexical + dense_weight * dense``. A passage is embedded as up
to ``RetrievalSettings.windows`` overlapping windows of 192 characters (see
:func:`civicgrid.assistant.embeddings.passage_windows`) and its cosine similarity is the best
of its windows'.

A passage that shares no term with the question has a lexical score of exactly 0 and is
never returned, dense or not (trap RAG-01: a retriever that returns its top k even at score 0
hands irrelevant text to the answer). Every hit carries its ``coverage``: the share of the
question's salience (how much rarer than everyday words its words are in general Chinese,
see :func:`civicgrid.assistant.tokenizer.salience`) that the passage contains; answers use it
to abstain.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from civicgrid.assistant import tokenizer
from civicgrid.assistant.bm25 import BM25Field, BM25Params
from civicgrid.assistant.documents import (
    Document,
    IndexFormatError,
    Passage,
    UnknownDocumentError,
)
from civicgrid.assistant.embeddings import Embedder, window_vectors

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


@dataclass(frozen=True)
class RetrievalSettings:
    """Tuning of search; the defaults were chosen on msgabench-gov (see bench/results.md)."""

    k1: float = 1.2
    b: float = 0.75
    word_weight: float = 0.5
    dense_weight: float = 0.8
    windows: int = 4

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> RetrievalSettings:
        """Settings from a manifest mapping, ignoring unknown keys."""
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its scores (``dense`` is None without embeddings)."""

    passage: Passage
    score: float
    lexical: float
    coverage: float
    dense: float | None = None


@dataclass
class _Tokens:
    words: list[str]
    bigrams: list[str]


@dataclass
class _Fields:
    """The BM25 fields and aligned arrays built from the current passages."""

    passages: list[Passage]
    words: BM25Field
    bigrams: BM25Field
    word_sets: list[frozenset[str]]
    embeddings: np.ndarray | None
    window_starts: np.ndarray | None
    doc_of: np.ndarray
    unit_of: np.ndarray


@dataclass
class KnowledgeIndex:
    """Documents and passages, searchable; see the module docstring for the folder layout."""

    settings: RetrievalSettings = field(default_factory=RetrievalSettings)
    documents: dict[str, Document] = field(default_factory=dict, init=False, repr=False)
    embedding_model: str | None = field(default=None, init=False)
    _passages: dict[str, list[Passage]] = field(default_factory=dict, init=False, repr=False)
    _tokens: dict[str, _Tokens] = field(default_factory=dict, init=False, repr=False)
    _vectors: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False)
    _fields: _Fields | None = field(default=None, init=False, repr=False)

    # ---- updating -------------------------------------------------------------------------

    def add(
        self,
        document: Document,
        passages: Sequence[Passage],
        vectors: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Add a document, or replace every passage of the document with the same id.

        ``vectors`` are stored embeddings by passage id (one row per window), made by the
        model named in :attr:`embedding_model`; passages without one are embedded by the
        next :meth:`embed`.
        """
        if document.doc_id in self.documents:
            self.remove(document.doc_id)
        self.documents[document.doc_id] = document
        self._passages[document.doc_id] = list(passages)
        for passage in passages:
            self._tokens[passage.passage_id] = _Tokens(
                tokenizer.words(passage_text(passage)), tokenizer.bigrams(passage_text(passage))
            )
            if vectors is not None and passage.passage_id in vectors:
                matrix = np.asarray(vectors[passage.passage_id], dtype=np.float32)
                self._vectors[passage.passage_id] = matrix.reshape(-1, matrix.shape[-1])
        self._fields = None

    def remove(self, doc_id: str) -> Document:
        """Remove a document and its passages (and their embeddings); returns the document."""
        if doc_id not in self.documents:
            raise UnknownDocumentError(
                f"document {doc_id!r} is not in the index; list the ids with "
                "`civicgrid assistant documents`"
            )
        for passage in self._passages.pop(doc_id):
            self._tokens.pop(passage.passage_id, None)
            self._vectors.pop(passage.passage_id, None)
        self._fields = None
        return self.documents.pop(doc_id)

    def copy(self) -> KnowledgeIndex:
        """A copy to update while this one is still searched (passages and vectors shared)."""
        twin = KnowledgeIndex(settings=self.settings)
        twin.documents = dict(self.documents)
        twin.embedding_model = self.embedding_model
        twin._passages = dict(self._passages)
        twin._tokens = dict(self._tokens)
        twin._vectors = dict(self._vectors)
        return twin

    @property
    def passages(self) -> list[Passage]:
        """All passages, document by document in the order they were added."""
        return [p for doc_id in self.documents for p in self._passages[doc_id]]

    def passage(self, passage_id: str) -> Passage | None:
        """One passage by id, or None."""
        doc_id = passage_id.rsplit("#", 1)[0]
        for passage in self._passages.get(doc_id, []):
            if passage.passage_id == passage_id:
                return passage
        return None

    # ---- embeddings -----------------------------------------------------------------------

    def embed(self, embedder: Embedder, progress: Callable[[int, int], None] | None = None) -> int:
        """Embed every passage that has no stored vector yet; returns how many were embedded."""
        model = self.model_name(embedder)
        if self.embedding_model and self.embedding_model != model:
            self._vectors.clear()
        self.embedding_model = model
        missing = [p for p in self.passages if p.passage_id not in self._vectors]
        if missing:
            texts = [passage_text(p) for p in missing]
            vectors = window_vectors(embedder, texts, progress, limit=self.settings.windows)
            for passage, matrix in zip(missing, vectors, strict=True):
                self._vectors[passage.passage_id] = matrix
            self._fields = None
        return len(missing)

    def model_name(self, embedder: Embedder) -> str:
        """The name stored vectors are kept under: the model and the number of windows."""
        return embedding_name(embedder, self.settings.windows)

    @property
    def has_embeddings(self) -> bool:
        """Whether every passage has a stored embedding."""
        return bool(self._tokens) and all(pid in self._vectors for pid in self._tokens)

    # ---- search ---------------------------------------------------------------------------

    def search(
        self,
        question: str,
        *,
        k: int = 5,
        doc_ids: Iterable[str] | None = None,
        units: Iterable[str] | None = None,
        embedder: Embedder | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``question`` with a non-zero lexical score.

        ``doc_ids`` and ``units`` restrict the search to those documents or units. With an
        ``embedder`` (or the question's ``query_vector``, computed beforehand) and stored
        embeddings, the ranking fuses BM25 and cosine similarity.
        """
        fields = self._built()
        if not fields.passages or not question.strip():
            return []
        lexical = self._lexical(fields, question)
        mask = self._filter(fields, doc_ids, units) & (lexical > 0)
        candidates = np.flatnonzero(mask)
        if candidates.size == 0:
            return []
        dense = None
        if query_vector is None and embedder is not None and fields.embeddings is not None:
            query_vector = embedder.query(question)
        if query_vector is not None and fields.embeddings is not None:
            dense = _best_window(fields, query_vector)[candidates]
        order = self._rank(lexical[candidates], dense)[:k]
        query_words = self._query_weights(question)
        return [
            Hit(
                passage=fields.passages[candidates[i]],
                score=float(score),
                lexical=float(lexical[candidates[i]]),
                coverage=_coverage(query_words, fields.word_sets[candidates[i]]),
                dense=None if dense is None else float(dense[i]),
            )
            for i, score in order
        ]

    def _lexical(self, fields: _Fields, question: str) -> np.ndarray:
        words = fields.words.scores(tokenizer.words(question))
        grams = fields.bigrams.scores(tokenizer.bigrams(question))
        weight = self.settings.word_weight
        return weight * _scaled(words) + (1.0 - weight) * _scaled(grams)

    def _rank(self, lexical: np.ndarray, dense: np.ndarray | None) -> list[tuple[int, float]]:
        """(candidate position, fused score) best first; ties keep index order."""
        if dense is None:
            fused = lexical
        else:
            spread = float(dense.max() - dense.mean())
            centred = (dense - dense.mean()) / spread if spread > 0 else np.zeros_like(dense)
            weight = self.settings.dense_weight
            fused = (1.0 - weight) * lexical + weight * centred
        order = np.argsort(-fused, kind="stable")
        return [(int(i), float(fused[i])) for i in order]

    def _filter(
        self, fields: _Fields, doc_ids: Iterable[str] | None, units: Iterable[str] | None
    ) -> np.ndarray:
        mask = np.ones(len(fields.passages), dtype=bool)
        if doc_ids is not None:
            mask &= np.isin(fields.doc_of, list(doc_ids))
        if units is not None:
            mask &= np.isin(fields.unit_of, list(units))
        return mask

    def _query_weights(self, question: str) -> dict[str, float]:
        """Salience of each question word; information when every word is an everyday one."""
        words = set(tokenizer.words(question))
        weights = {word: tokenizer.salience(word) for word in words}
        if sum(weights.values()) > 0:
            return weights
        return {word: tokenizer.information(word) for word in words}

    def _built(self) -> _Fields:
        if self._fields is None:
            self._fields = self._build()
        return self._fields

    def _build(self) -> _Fields:
        passages = self.passages
        tokens = [self._tokens[p.passage_id] for p in passages]
        params = BM25Params(self.settings.k1, self.settings.b)
        embeddings = starts = None
        if passages and all(p.passage_id in self._vectors for p in passages):
            matrices = [self._vectors[p.passage_id] for p in passages]
            embeddings = np.vstack(matrices)
            starts = np.cumsum([0, *(len(m) for m in matrices[:-1])])
        elif self._vectors:
            log.warning(
                "%d of %d passages have no embedding; searching with BM25 alone",
                sum(p.passage_id not in self._vectors for p in passages),
                len(passages),
            )
        log.debug("built BM25 fields over %d passages", len(passages))
        return _Fields(
            passages=passages,
            words=BM25Field([t.words for t in tokens], params),
            bigrams=BM25Field([t.bigrams for t in tokens], params),
            word_sets=[frozenset(t.words) for t in tokens],
            embeddings=embeddings,
            window_starts=starts,
            doc_of=np.asarray([p.doc_id for p in passages], dtype=object),
            unit_of=np.asarray([p.unit or "" for p in passages], dtype=object),
        )

    # ---- persistence ----------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the index into ``folder`` (created if needed); returns the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format_version": FORMAT_VERSION,
            "settings": asdict(self.settings),
            "embedding_model": self.embedding_model,
            "documents": len(self.documents),
            "passages": len(self._tokens),
        }
        _write_jsonl(folder / "documents.jsonl", (d.to_dict() for d in self.documents.values()))
        _write_jsonl(folder / "passages.jsonl", self._passage_records())
        self._save_vectors(folder)
        (folder / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return folder

    def _passage_records(self) -> Iterable[dict]:
        for passage in self.passages:
            tokens = self._tokens[passage.passage_id]
            yield {**passage.to_dict(), "_words": tokens.words, "_bigrams": tokens.bigrams}

    def _save_vectors(self, folder: Path) -> None:
        ids = [p.passage_id for p in self.passages if p.passage_id in self._vectors]
        rows = [pid for pid in ids for _ in range(len(self._vectors[pid]))]
        matrix = np.vstack([self._vectors[i] for i in ids]) if ids else np.zeros((0, 0), np.float32)
        np.save(folder / "embeddings.npy", matrix.astype(np.float32))
        (folder / "embedding_ids.json").write_text(json.dumps(rows), encoding="utf-8")

    @classmethod
    def load(cls, folder: str | Path) -> KnowledgeIndex:
        """An index saved by :meth:`save`; IndexFormatError when the folder is not one."""
        folder = Path(folder)
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            raise IndexFormatError(
                f"{folder} holds no knowledge index (no manifest.json); build one with "
                f"`civicgrid assistant add FILES --index {folder}`"
            )
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexFormatError(
                    f"{folder}: index format {manifest.get('format_version')} is not "
                    f"{FORMAT_VERSION}; rebuild it with `civicgrid assistant add`"
                )
            index = cls(settings=RetrievalSettings.from_dict(manifest.get("settings", {})))
            index.embedding_model = manifest.get("embedding_model")
            index._load_records(folder)
            index._load_vectors(folder)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexFormatError(
                f"{folder}: the saved index is damaged ({exc.__class__.__name__}: {exc}); "
                "rebuild it with `civicgrid assistant add`"
            ) from exc
        return index

    def _load_records(self, folder: Path) -> None:
        for record in _read_jsonl(folder / "documents.jsonl"):
            document = Document.from_dict(record)
            self.documents[document.doc_id] = document
            self._passages[document.doc_id] = []
        for record in _read_jsonl(folder / "passages.jsonl"):
            words, grams = record.pop("_words"), record.pop("_bigrams")
            passage = Passage.from_dict(record)
            self._passages[passage.doc_id].append(passage)
            self._tokens[passage.passage_id] = _Tokens(words, grams)

    def _load_vectors(self, folder: Path) -> None:
        ids_path = folder / "embedding_ids.json"
        if not ids_path.is_file():
            return
        ids = json.loads(ids_path.read_text(encoding="utf-8"))
        matrix = np.load(folder / "embeddings.npy")
        rows: dict[str, list[int]] = {}
        for row, pid in enumerate(ids):
            rows.setdefault(pid, []).append(row)
        self._vectors = {pid: matrix[r] for pid, r in rows.items() if pid in self._tokens}


def embedding_name(embedder: Embedder, windows: int) -> str:
    """The name of vectors made by ``embedder`` with up to ``windows`` windows a passage."""
    return f"{embedder.name}/windows-{windows}"


def passage_text(passage: Passage) -> str:
    """What is indexed and embedded of a passage: its heading path, then its text."""
    return " ".join((*passage.heading_path, passage.text))


def _best_window(fields: _Fields, query_vector: np.ndarray) -> np.ndarray:
    """Every passage's cosine similarity to the question: the best of its windows'."""
    assert fields.embeddings is not None and fields.window_starts is not None
    similarity = fields.embeddings @ np.asarray(query_vector, dtype=np.float32)
    return np.maximum.reduceat(similarity, fields.window_starts)


def _scaled(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


def _coverage(weights: dict[str, float], words: frozenset[str]) -> float:
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(weight for word, weight in weights.items() if word in words) / total


def _write_jsonl(path: Path, records: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
