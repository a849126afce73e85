"""Mining recurring problem classes (一类事) from case texts by density clustering.

Steps, for one run (for example one month of cases):

1. Features from :mod:`.features` (tf-idf over words and character n-grams, SVD, unit rows),
   optionally joined with stored sentence embeddings.
2. HDBSCAN (Campello, Moulavi and Sander 2013; scikit-learn's implementation): a class is a
   region where at least ``min_cluster_size`` cases lie close together; cases in sparse
   regions are *noise* (one-off problems) and belong to no class. Density clustering needs
   no class count in advance and leaves one-off requests out, which is what a monthly list of
   recurring problems wants.
3. Large runs (more rows than ``block_size``) are first cut into blocks with mini-batch
   k-means, each block is clustered alone, and classes from different blocks whose centroids
   have cosine similarity of at least ``merge_similarity`` are joined. This keeps memory and
   time roughly linear in the number of cases.
4. Each class gets a profile of its distinctive words, scored class-based tf-idf style
   (term frequency in the class times ``log(1 + A / f_t)``, A the mean word count per class,
   f_t the word's count over all cases), further weighted by the share of the class's cases
   that use the word. The top words, none contained in another, form the Chinese label
   ("搅拌站·噪音·丽发新城"). The profile is also what :mod:`.lineage` matches between runs.

Row indices here are 0-based positions in the input; the command line adds one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.cluster import HDBSCAN, MiniBatchKMeans
from sklearn.preprocessing import normalize

from civicgrid.insights.features import CaseFeatures, FeatureSettings, build_features

log = logging.getLogger(__name__)

NO_CONTENT_NOTE = "{n} case(s) hold only greetings or boilerplate and were left out of every class"


@dataclass(frozen=True)
class MiningSettings:
    """Clustering knobs.

    ``selection`` is HDBSCAN's ``eom`` (broader classes) or ``leaf`` (finer ones).
    ``attach_similarity``: after clustering, a noise case whose cosine similarity to the
    nearest class centroid is at least this joins that class (None: never); HDBSCAN leaves
    many border cases as noise that staff would put in the class.
    ``single_class_similarity``: HDBSCAN never returns its root, so when every case of a
    block belongs to one problem it finds no class at all; then the block is clustered again
    allowing one single class, kept only if its cases' mean cosine similarity to their
    centroid is at least this (a block of unrelated one-offs stays noise).
    """

    min_cluster_size: int = 10
    min_samples: int | None = 1
    selection: str = "eom"
    attach_similarity: float | None = 0.5
    block_size: int = 6000
    merge_similarity: float = 0.85
    single_class_similarity: float = 0.6
    label_terms: int = 3
    profile_terms: int = 30
    seed: int = 20261204

    def __post_init__(self) -> None:
        if self.min_cluster_size < 2:
            raise ValueError(
                f"min_cluster_size must be at least 2, got {self.min_cluster_size}; a class "
                "needs two cases or more"
            )
        if self.selection not in ("leaf", "eom"):
            raise ValueError(f"selection must be 'leaf' or 'eom', got {self.selection!r}")


@dataclass
class MinedClass:
    """One class of this run: its member rows, label and word profile."""

    rows: list[int]
    label: str
    terms: dict[str, float]

    @property
    def size(self) -> int:
        """Number of cases in the class."""
        return len(self.rows)


@dataclass
class Clustering:
    """Result of one mining run: classes (largest first), noise rows and notes."""

    classes: list[MinedClass]
    noise: list[int]
    row_count: int
    notes: list[str] = field(default_factory=list)


def mine_classes(
    texts: Sequence[str | None],
    *,
    categories: Sequence[str | None] | None = None,
    places: Sequence[str | None] | None = None,
    embeddings: np.ndarray | None = None,
    settings: MiningSettings | None = None,
    feature_settings: FeatureSettings | None = None,
) -> Clustering:
    """Group ``texts`` into recurring classes; one-off cases end up in ``noise``."""
    settings = settings or MiningSettings()
    features = build_features(
        texts, categories=categories, places=places, settings=feature_settings
    )
    notes = _input_notes(features, settings)
    vectors = _vectors(features, embeddings)
    labels = cluster_vectors(vectors, ~features.empty, settings)
    if settings.attach_similarity is not None:
        labels = attach_border_cases(vectors, labels, ~features.empty, settings.attach_similarity)
    classes = _classes_from_labels(labels, features, settings)
    noise = [int(i) for i in np.flatnonzero(labels < 0)]
    if not classes and len(texts) >= settings.min_cluster_size:
        notes.append("no recurring class found: every case is a one-off at this density")
    log.info("mined %s classes, %s noise rows of %s", len(classes), len(noise), len(texts))
    return Clustering(classes, noise, len(texts), notes)


def _input_notes(features: CaseFeatures, settings: MiningSettings) -> list[str]:
    notes = []
    empty = int(features.empty.sum())
    if empty:
        notes.append(NO_CONTENT_NOTE.format(n=empty))
    usable = len(features.empty) - empty
    if usable < 2 * settings.min_cluster_size:
        notes.append(
            f"only {usable} case(s) with content: too few to find classes of at least "
            f"{settings.min_cluster_size}; treat any class as provisional"
        )
    return notes


def _vectors(features: CaseFeatures, embeddings: np.ndarray | None) -> np.ndarray:
    if embeddings is None:
        return features.reduced
    if embeddings.shape[0] != features.reduced.shape[0]:
        raise ValueError(
            f"embeddings have {embeddings.shape[0]} rows but there are "
            f"{features.reduced.shape[0]} texts; pass one embedding per text, in order"
        )
    joined = np.hstack([features.reduced, normalize(embeddings.astype(np.float32))])
    return normalize(joined)


def cluster_vectors(
    vectors: np.ndarray, usable: np.ndarray, settings: MiningSettings
) -> np.ndarray:
    """Cluster label per row (-1 noise) for unit-length ``vectors``; unusable rows are noise."""
    labels = np.full(vectors.shape[0], -1, dtype=np.int64)
    index = np.flatnonzero(usable)
    if len(index) < settings.min_cluster_size:
        return labels
    if len(index) <= settings.block_size:
        labels[index] = _hdbscan(vectors[index], settings)
        return labels
    labels[index] = _blockwise(vectors[index], settings)
    return labels


def attach_border_cases(
    vectors: np.ndarray, labels: np.ndarray, usable: np.ndarray, threshold: float
) -> np.ndarray:
    """Labels with each usable noise row moved into its nearest class if close enough."""
    count = int(labels.max()) + 1 if len(labels) else 0
    if count < 1:
        return labels
    centroids = normalize(np.vstack([vectors[labels == k].mean(axis=0) for k in range(count)]))
    result = labels.copy()
    candidates = np.flatnonzero((labels < 0) & usable)
    for start in range(0, len(candidates), 20_000):
        chunk = candidates[start : start + 20_000]
        similarity = vectors[chunk] @ centroids.T
        best = similarity.argmax(axis=1)
        close = similarity[np.arange(len(chunk)), best] >= threshold
        result[chunk[close]] = best[close]
    return result


def _hdbscan(vectors: np.ndarray, settings: MiningSettings) -> np.ndarray:
    labels = _fit_hdbscan(vectors, settings, single=False)
    if (labels >= 0).any():
        return labels
    return _single_class(vectors, settings)


def _fit_hdbscan(vectors: np.ndarray, settings: MiningSettings, *, single: bool) -> np.ndarray:
    min_samples = settings.min_samples
    if min_samples is not None:
        min_samples = min(min_samples, len(vectors) - 1)
    model = HDBSCAN(
        min_cluster_size=min(settings.min_cluster_size, len(vectors)),
        min_samples=min_samples,
        cluster_selection_method=settings.selection,
        allow_single_cluster=single,
        copy=True,
    )
    return model.fit_predict(vectors)


def _single_class(vectors: np.ndarray, settings: MiningSettings) -> np.ndarray:
    """Labels with one class when the block is one tight problem, else all noise."""
    labels = _fit_hdbscan(vectors, settings, single=True)
    members = vectors[labels >= 0]
    if len(members) < settings.min_cluster_size:
        return np.full(len(vectors), -1, dtype=np.int64)
    centroid = normalize(members.mean(axis=0, keepdims=True))
    if float((members @ centroid.T).mean()) < settings.single_class_similarity:
        return np.full(len(vectors), -1, dtype=np.int64)
    log.info("one block holds a single tight class of %s cases", len(members))
    return np.where(labels >= 0, 0, -1)


def _blockwise(vectors: np.ndarray, settings: MiningSettings) -> np.ndarray:
    blocks = math.ceil(len(vectors) / settings.block_size) * 2
    cut = MiniBatchKMeans(
        n_clusters=blocks, random_state=settings.seed, batch_size=4096, n_init=1
    ).fit_predict(vectors)
    labels = np.full(len(vectors), -1, dtype=np.int64)
    next_label = 0
    for block in range(blocks):
        members = np.flatnonzero(cut == block)
        if len(members) < settings.min_cluster_size:
            continue
        local = _hdbscan(vectors[members], settings)
        found = local >= 0
        labels[members[found]] = local[found] + next_label
        next_label += int(local.max()) + 1 if found.any() else 0
    log.info("blockwise clustering: %s blocks, %s raw classes", blocks, next_label)
    return _merge_close(vectors, labels, settings.merge_similarity)


def _merge_close(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    count = int(labels.max()) + 1
    if count < 2:
        return labels
    centroids = normalize(np.vstack([vectors[labels == k].mean(axis=0) for k in range(count)]))
    parent = list(range(count))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    pairs = np.argwhere(np.triu(centroids @ centroids.T, k=1) >= threshold)
    for a, b in pairs:
        parent[root(int(a))] = root(int(b))
    roots = np.array([root(k) for k in range(count)])
    merged = np.where(labels >= 0, roots[np.maximum(labels, 0)], -1)
    _, dense = np.unique(merged, return_inverse=True)
    return np.where(merged >= 0, dense - (1 if (merged < 0).any() else 0), -1)


def _classes_from_labels(
    labels: np.ndarray, features: CaseFeatures, settings: MiningSettings
) -> list[MinedClass]:
    found = sorted(k for k in set(labels.tolist()) if k >= 0)
    if not found:
        return []
    members = [np.flatnonzero(labels == k) for k in found]
    profiles = class_profiles(features.word_counts, members, settings.profile_terms)
    vocabulary = features.vocabulary
    classes = []
    for rows, profile in zip(members, profiles, strict=True):
        terms = {vocabulary[j]: round(float(w), 6) for j, w in profile}
        classes.append(MinedClass([int(r) for r in rows], label_from_terms(terms, settings), terms))
    classes.sort(key=lambda c: (-c.size, c.rows[0]))
    return classes


def class_profiles(
    word_counts: sparse.csr_matrix, members: list[np.ndarray], top: int
) -> list[list[tuple[int, float]]]:
    """Distinctive words of each class as (vocabulary index, weight), best first.

    Weight = tf(t, c) · log(1 + A / f_t) · share of the class's cases using t, where tf is
    the word's frequency within the class, A the mean number of words per class and f_t the
    word's frequency over all cases (class-based tf-idf).
    """
    totals = np.asarray(word_counts.sum(axis=0)).ravel() + 1.0
    binary = word_counts.copy()
    binary.data[:] = 1.0
    class_counts = np.vstack([np.asarray(word_counts[m].sum(axis=0)).ravel() for m in members])
    doc_share = np.vstack(
        [np.asarray(binary[m].sum(axis=0)).ravel() / max(len(m), 1) for m in members]
    )
    average = max(class_counts.sum(axis=1).mean(), 1.0)
    tf = class_counts / np.maximum(class_counts.sum(axis=1, keepdims=True), 1.0)
    weights = tf * np.log1p(average / totals) * doc_share
    profiles = []
    for row in weights:
        best = np.argsort(-row)[:top]
        profiles.append([(int(j), float(row[j])) for j in best if row[j] > 0])
    return profiles


def label_from_terms(terms: dict[str, float], settings: MiningSettings | None = None) -> str:
    """A short Chinese label: the top words of a profile, none contained in another."""
    wanted = (settings or MiningSettings()).label_terms
    chosen: list[str] = []
    for term in sorted(terms, key=lambda t: -terms[t]):
        if term.startswith(("类别=", "地点=")):
            continue
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == wanted:
            break
    return "·".join(chosen) if chosen else "未命名类"
