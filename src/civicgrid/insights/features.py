"""Sparse features of case texts: tf-idf over words and character n-grams, reduced by SVD.

Two views of each text are weighted and stacked:

* words: jieba content words (see :mod:`.terms`), tf-idf with sublinear term frequency;
  the same word counts later give each class its label;
* character 2- and 3-grams of the cleaned text, which keep place and estate names that the
  segmenter splits differently from one message to the next.

Optional categorical context (a category, a place) enters as extra pseudo-words
(``类别=…``, ``地点=…``) so that two cases about the same estate or category sit closer.
The stacked matrix is reduced with truncated SVD (latent semantic analysis, Deerwester et al.
1990) and each row is scaled to unit length, so Euclidean distance orders pairs as cosine
distance does. Rows with no content words at all are flagged ``empty`` and never clustered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

from civicgrid.insights.terms import content_characters, tokenise_all

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeatureSettings:
    """Knobs of the sparse path; the defaults suit monthly runs of a district."""

    svd_components: int = 30
    word_weight: float = 1.0
    char_weight: float = 0.7
    context_weight: float = 0.5
    max_word_features: int = 60_000
    max_char_features: int = 80_000
    seed: int = 20261204


@dataclass
class CaseFeatures:
    """Features of a batch of cases, row-aligned with the input texts."""

    word_counts: sparse.csr_matrix  # raw counts of content words, for labels
    vocabulary: list[str]
    reduced: np.ndarray  # (rows, components), unit rows; zero rows where ``empty``
    empty: np.ndarray  # bool per row: no content words


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _context_tokens(
    words: list[list[str]],
    categories: Sequence[str | None] | None,
    places: Sequence[str | None] | None,
) -> list[list[str]]:
    extra: list[list[str]] = [[] for _ in words]
    for prefix, values in (("类别=", categories), ("地点=", places)):
        if values is None:
            continue
        for i, value in enumerate(values):
            if value:
                extra[i].append(prefix + value.strip())
    return extra


def build_features(
    texts: Sequence[str | None],
    *,
    categories: Sequence[str | None] | None = None,
    places: Sequence[str | None] | None = None,
    settings: FeatureSettings | None = None,
) -> CaseFeatures:
    """Tokenise, weight and reduce ``texts`` (optionally with categories and places)."""
    settings = settings or FeatureSettings()
    words = tokenise_all(texts)
    empty = np.array([not w for w in words], dtype=bool)
    if empty.all():
        nothing = sparse.csr_matrix((len(words), 0))
        return CaseFeatures(nothing, [], np.zeros((len(words), 0)), empty)

    counter = CountVectorizer(
        analyzer=_identity, min_df=1, max_features=settings.max_word_features
    )
    word_counts = counter.fit_transform(words).tocsr()
    blocks = [settings.word_weight * _tfidf(word_counts)]
    blocks.append(settings.char_weight * _char_tfidf(texts, settings))
    context = _context_tokens(words, categories, places)
    if any(context):
        blocks.append(settings.context_weight * _tfidf(
            CountVectorizer(analyzer=_identity).fit_transform(context)
        ))

    stacked = sparse.hstack(blocks).tocsr()
    reduced = _reduce(stacked, settings)
    reduced[empty] = 0.0
    log.info("features built: %s rows, %s columns, %s empty", len(words), stacked.shape[1],
             int(empty.sum()))
    return CaseFeatures(word_counts, list(counter.get_feature_names_out()), reduced, empty)


def _tfidf(counts: sparse.spmatrix) -> sparse.csr_matrix:
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsr()


def _char_tfidf(texts: Sequence[str | None], settings: FeatureSettings) -> sparse.csr_matrix:
    cleaned = [content_characters(t) or "空" for t in texts]
    vectoriser = TfidfVectorizer(
        analyzer="char", ngram_range=(2, 3), min_df=2, sublinear_tf=True,
        max_features=settings.max_char_features, dtype=np.float32,
    )
    try:
        return vectoriser.fit_transform(cleaned).tocsr()
    except ValueError:
        # Too few texts for min_df=2 (a tiny month): fall back to every n-gram.
        vectoriser.set_params(min_df=1)
        return vectoriser.fit_transform(cleaned).tocsr()


def _reduce(matrix: sparse.csr_matrix, settings: FeatureSettings) -> np.ndarray:
    components = min(settings.svd_components, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if components < 2:
        return normalize(matrix.toarray().astype(np.float32))
    svd = TruncatedSVD(n_components=components, random_state=settings.seed, algorithm="randomized")
    reduced = svd.fit_transform(matrix).astype(np.float32)
    return normalize(reduced)
