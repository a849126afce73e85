"""Okapi BM25 over one token field, as a sparse matrix so 100,000 passages stay fast.

Each passage's term weights are computed once when the matrix is built::

    w(d, t) = idf(t) * tf(d, t) * (k1 + 1) / (tf(d, t) + k1 * (1 - b + b * len(d) / avglen))
    idf(t)  = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

and a query's score for every passage is one sparse column slice times the query's term
counts. A passage that shares no term with the query scores exactly 0, which callers use to
refuse zero-score hits as evidence (trap RAG-01).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BM25Params:
    """BM25's term-saturation ``k1`` and length-normalisation ``b``."""

    k1: float = 1.2
    b: float = 0.75


class BM25Field:
    """A BM25 scorer over passages given as token lists (one list per passage)."""

    def __init__(self, documents: Sequence[Sequence[str]], params: BM25Params | None = None):
        self.params = params or BM25Params()
        self.vocabulary: dict[str, int] = {}
        self.size = len(documents)
        self._weights = self._build(documents)

    def _build(self, documents: Sequence[Sequence[str]]) -> sparse.csc_matrix:
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        lengths = np.zeros(len(documents), dtype=np.float64)
        for row, tokens in enumerate(documents):
            lengths[row] = len(tokens)
            for term, count in Counter(tokens).items():
                col = self.vocabulary.setdefault(term, len(self.vocabulary))
                rows.append(row)
                cols.append(col)
                counts.append(count)
        shape = (len(documents), max(len(self.vocabulary), 1))
        tf = np.asarray(counts, dtype=np.float64)
        row_index = np.asarray(rows, dtype=np.int64)
        col_index = np.asarray(cols, dtype=np.int64)
        df = np.bincount(col_index, minlength=shape[1]).astype(np.float64)
        idf = np.log1p((len(documents) - df + 0.5) / (df + 0.5))
        self._idf = idf
        avg = float(lengths.mean()) if len(documents) and lengths.mean() > 0 else 1.0
        k1, b = self.params.k1, self.params.b
        norm = k1 * (1.0 - b + b * lengths[row_index] / avg)
        weights = idf[col_index] * tf * (k1 + 1.0) / (tf + norm)
        matrix = sparse.csc_matrix((weights, (row_index, col_index)), shape=shape)
        matrix.sort_indices()
        return matrix

    def idf(self, term: str) -> float:
        """The term's inverse document frequency (0.0 for a term no passage holds)."""
        col = self.vocabulary.get(term)
        return 0.0 if col is None else float(self._idf[col])

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for the query (zeros where nothing matches)."""
        terms = Counter(t for t in query_tokens if t in self.vocabulary)
        if not terms or self.size == 0:
            return np.zeros(self.size, dtype=np.float64)
        cols = [self.vocabulary[t] for t in terms]
        weights = np.asarray(list(terms.values()), dtype=np.float64)
        return np.asarray(self._weights[:, cols] @ weights).ravel()
