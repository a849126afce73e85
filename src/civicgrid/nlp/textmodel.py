"""A calibrated linear text classifier, the engine behind categories and unit routing.

Features (all computed on the normalised text, digits folded to ``0``, lower-cased, runs
of whitespace folded), built for a whole batch at once with numpy
(:mod:`civicgrid.nlp.grams`, :mod:`civicgrid.nlp.words`):

* character 1-3-grams, TF-IDF with sublinear term frequency (robust to typos, anonymised
  place names like ``A3区`` and unseen words); the same values as scikit-learn's
  ``TfidfVectorizer(analyzer="char", sublinear_tf=True)`` (a test compares them);
* words, TF-IDF: jieba's dictionary and route (exact mode, no HMM) computed with numpy on
  the hashed n-grams, so no segmenter runs at prediction time;
* optionally **companions** (:class:`Companion`): further linear models on other features
  (the category model adds one on character 1-5-grams) whose margins are added.

The classifier is NBSVM (:class:`NbSvm`: one-vs-rest linear SVMs on naive-Bayes-scaled
features, classes balanced), or a plain linear SVM (:class:`PlainSvm`) on request. Margins
become probabilities by **temperature scaling** with an implicit "none of these" class at a
margin between -1 and 0 (:func:`calibrated`); both are fitted on out-of-fold margins (3
folds over the training set, the vocabularies fitted once on all of it) by minimising the
log loss, so that confidences track held-out accuracy (measured in bench/results.md). With
very few examples per class the folds are plain (not stratified) and classes missing from a
fold score the fold's minimum.

Texts longer than :data:`MAX_CHARS` are cut for the model (the facts still read all of it).
Models are pickled with joblib: load only model folders you trust.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.svm import LinearSVC

from civicgrid.nlp.grams import (
    MAX_GRAM,
    GramTable,
    GramVocabulary,
    cached_gram_table,
    fit_vocabulary,
    gram_table,
    key_of,
    tfidf_rows,
    vocabulary_of_pairs,
)
from civicgrid.nlp.normalise import normalise
from civicgrid.nlp.words import LONGEST, Tokens, word_tokens

log = logging.getLogger(__name__)

MAX_CHARS = 3000
_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines go to stderr
    jieba.initialize()
    return jieba


@lru_cache(maxsize=4096)
def model_text(text: str | None) -> str:
    """The text a model reads: normalised, cut to MAX_CHARS, digit runs folded to 0,
    lower-cased, runs of whitespace folded to one space (cached: the category model and
    the unit router read the same text one after the other)."""
    body = normalise(text or "").text[:MAX_CHARS]
    return _WHITESPACE_RUN.sub(" ", _DIGITS.sub("0", body).lower().replace("\x00", " "))


def jieba_words(text: str) -> list[str]:
    """jieba words of a model text (exact mode, no HMM), whitespace dropped."""
    cut = _jieba().lcut(text, HMM=False)  # type: ignore[attr-defined]
    return [w for w in cut if not w.isspace()]


WORD_MODES = ("segmented", "substrings", "maximal")


@dataclass
class FeatureSpec:
    """Which features a model uses; stored with the model.

    ``word_mode`` says how a text's words are found:

    * ``segmented`` (default): jieba's dictionary and route, computed with numpy for a whole
      batch (:mod:`civicgrid.nlp.words`); the vocabulary is the words of the training texts;
    * ``substrings``: jieba words of the training texts with ``word_lengths`` characters
      form a vocabulary, and every place one of them occurs in a text counts;
    * ``maximal``: as ``substrings``, but an entry inside a longer entry found at the same
      place does not count.

    On tipdm (folds 0-2) ``segmented`` scored about half a point of macro-F1 above the
    other two (bench/results.md).
    """

    char_ngrams: tuple[int, int] = (1, 3)
    words: bool = True
    word_mode: str = "segmented"
    word_lengths: tuple[int, int] = (2, 4)
    min_df: int = 2
    max_features: int | None = 400_000

    @property
    def longest(self) -> int:
        """The longest n-gram the features read."""
        return max(self.char_ngrams[1], max(self.word_lengths[1], LONGEST) if self.words else 0)


class TextFeatures:
    """Character n-gram and word TF-IDF blocks (:mod:`civicgrid.nlp.grams`), side by side."""

    def __init__(self, spec: FeatureSpec) -> None:
        if spec.word_mode not in WORD_MODES:
            raise ValueError(
                f"word_mode {spec.word_mode!r} is unknown; use one of {', '.join(WORD_MODES)}"
            )
        self.spec = spec
        self.blocks: list[GramVocabulary] = []
        self.words: GramVocabulary | None = None

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Fit the vocabularies and return the feature matrix of ``texts`` (model texts)."""
        spec = self.spec
        table = gram_table(texts, spec.longest)
        low, high = spec.char_ngrams
        self.blocks = [
            fit_vocabulary(
                table, range(low, high + 1), min_df=spec.min_df, max_features=spec.max_features
            )
        ]
        self.words = None
        if spec.words and spec.word_mode == "segmented":
            tokens = word_tokens(table)
            self.words = vocabulary_of_pairs(
                table.texts,
                tokens.rows,
                tokens.keys,
                (),
                min_df=spec.min_df,
                max_features=spec.max_features,
            )
        elif spec.words:
            low, high = spec.word_lengths
            words = {w for t in texts for w in jieba_words(t) if low <= len(w) <= high}
            allowed = np.array(sorted({key_of(w) for w in words}), dtype=np.uint64)
            self.blocks.append(
                fit_vocabulary(
                    table,
                    range(low, high + 1),
                    min_df=spec.min_df,
                    max_features=spec.max_features,
                    allowed=allowed,
                    maximal=spec.word_mode == "maximal",
                )
            )
        return self._matrix(table, tokens=None)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The feature matrix of ``texts`` (model texts); small batches are hashed and cut
        once for all models that read them."""
        if len(texts) <= 1024:
            # One table for every model that reads these texts (n-grams up to MAX_GRAM).
            table = cached_gram_table(tuple(texts), max(self.spec.longest, MAX_GRAM))
            tokens = cached_word_tokens(table) if self.words is not None else None
            return self._matrix(table, tokens)
        return self._matrix(gram_table(texts, self.spec.longest), tokens=None)

    def _matrix(self, table: GramTable, tokens: Tokens | None) -> sparse.csr_matrix:
        pairs = [block.pairs(table) for block in self.blocks]
        blocks = list(self.blocks)
        if self.words is not None:
            tokens = tokens or word_tokens(table)
            pairs.append(self.words.pairs_of_tokens(tokens.rows, tokens.keys))
            blocks.append(self.words)
        return tfidf_rows(table.texts, pairs, blocks)

    def names_in(self, text: str, columns: set[int]) -> dict[int, str]:
        """The n-gram or word of ``text`` (a model text) behind each of ``columns``."""
        table = cached_gram_table((text,), max(self.spec.longest, MAX_GRAM))
        names: dict[int, str] = {}
        offset = 0
        wanted = list(columns)
        for block in self.blocks:
            for n, column, hit in block._hits(table):
                found = np.where(hit, column + offset, -1)
                for position in np.flatnonzero(np.isin(found, wanted)):
                    names.setdefault(int(found[position]), text[position : position + n])
            offset += block.width
        if self.words is not None:
            tokens = cached_word_tokens(table)
            found = self.words.columns(tokens.keys)
            found = np.where(found >= 0, found + offset, -1)
            for i in np.flatnonzero(np.isin(found, wanted)):
                start, length = int(tokens.starts[i]), int(tokens.lengths[i])
                names.setdefault(int(found[i]), text[start : start + length])
        return names


@lru_cache(maxsize=4)
def cached_word_tokens(table: GramTable) -> Tokens:
    """:func:`~civicgrid.nlp.words.word_tokens`, remembered for the last few tables."""
    return word_tokens(table)


_WHITESPACE_RUN = re.compile(r"\s+")
_EDGE_PUNCTUATION = " ,.!?;:'\"()[]<>-_~、，。！？；：（）【】《》“”‘’…"


@dataclass
class TextClassifier:
    """A fitted featuriser, linear SVM and temperature; see the module docstring."""

    features: TextFeatures
    svm: NbSvm | PlainSvm
    temperature: float
    labels: list[str]
    version: str
    trained_at: str
    examples: int
    class_counts: dict[str, int] = field(default_factory=dict)
    seconds_to_train: float = 0.0
    # Short hashes of the training texts, so that an evaluation can tell seen rows apart.
    fingerprints: frozenset[str] = frozenset()
    # Margin of the implicit "none of these" class (see :func:`calibrated`).
    none_margin: float = 0.0
    # Further models on other features whose margins are added (see :class:`Companion`).
    companions: list[Member] = field(default_factory=list)

    def probabilities(self, texts: Sequence[str | None]) -> np.ndarray:
        """Calibrated class probabilities, rows = texts, columns = :attr:`labels`."""
        prepared = [model_text(t) for t in texts]
        return calibrated(self.margins(prepared), self.temperature, self.none_margin)

    def margins(self, prepared: Sequence[str]) -> np.ndarray:
        """Summed (weighted) margins of the main model and its companions (model texts)."""
        total = self.svm.decision_function(self.features.transform(prepared))
        for member in self.companions:
            total += member.weight * member.svm.decision_function(
                member.features.transform(prepared)
            )
        return total

    def explain(self, text: str | None, label: str, k: int = 5) -> list[str]:
        """The ``k`` features of ``text`` that pushed most towards ``label`` (words, n-grams)."""
        if label not in self.labels:
            return []
        prepared = model_text(text)
        row = self.features.transform([prepared])
        weights = self.svm.coef_[self.labels.index(label)]
        contribution = row.multiply(weights).tocsr()
        order = [
            p for p in np.argsort(contribution.data)[::-1][: 3 * k] if contribution.data[p] > 0
        ]
        names = self.features.names_in(prepared, {int(contribution.indices[p]) for p in order})
        terms: list[str] = []
        for position in order:
            # Character n-grams may carry punctuation or a space at an edge ("气味,").
            term = names.get(int(contribution.indices[position]), "").strip(_EDGE_PUNCTUATION)
            if term and term not in terms and len(terms) < k:
                terms.append(term)
        return terms


@dataclass(frozen=True)
class Companion:
    """A further linear model, on other features, whose margins are added to the main
    model's with ``weight`` (``c``: its regularisation, None for the learner's default).

    Models on differently cut features make different mistakes; on tipdm, adding a
    character 1-5-gram model to the main one gained about half a point of macro-F1
    (bench/results.md)."""

    spec: FeatureSpec
    weight: float = 1.0
    c: float | None = None


@dataclass
class Member:
    """A fitted companion: its features, linear model and weight."""

    features: TextFeatures
    svm: NbSvm | PlainSvm
    weight: float


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def calibrated(margins: np.ndarray, temperature: float, none_margin: float = 0.0) -> np.ndarray:
    """Class probabilities from margins, with an implicit "none of these" class at margin 0.

    A one-vs-rest SVM margin below 0 means "not this class". When every class says so (a
    text about nothing the model knows), most of the probability goes to the implicit class
    and no label comes out confident. Rows sum to 1 minus the "none" share.
    """
    padded = np.column_stack([margins, np.full(len(margins), none_margin)])
    return softmax(padded * temperature)[:, :-1]


def fit_text_classifier(
    texts: Sequence[str | None],
    labels: Sequence[str],
    *,
    prefix: str,
    spec: FeatureSpec | None = None,
    algorithm: str = "nbsvm",
    c: float | None = None,
    seed: int = 42,
    calibration_folds: int = 3,
    companions: Sequence[Companion] = (),
) -> TextClassifier:
    """Fit features, SVMs and temperature on labelled texts; ``prefix`` starts the version.

    ``algorithm`` is ``nbsvm`` (default; best on the tipdm categories) or ``svm`` (a plain
    linear SVM; better where many classes have few examples). ``c`` defaults per algorithm.
    """
    learner = Learner(algorithm, c, seed)
    if len(texts) != len(labels):
        raise ValueError(f"texts ({len(texts)}) and labels ({len(labels)}) differ in length")
    counts = Counter(labels)
    if len(counts) < 2:
        raise ValueError(
            f"training needs at least 2 distinct labels, got {sorted(counts)}; "
            "check the label column"
        )
    began = time.perf_counter()
    prepared = [model_text(t) for t in texts]
    min_df = 2 if len(texts) >= 200 else 1
    featurisers = [TextFeatures(spec or FeatureSpec(min_df=min_df))]
    featurisers += [
        TextFeatures(replace(p.spec, min_df=min(p.spec.min_df, min_df))) for p in companions
    ]
    learners = [learner] + [Learner(algorithm, p.c, seed) for p in companions]
    weights = [1.0] + [p.weight for p in companions]
    matrices = [f.fit_transform(prepared) for f in featurisers]
    y = np.asarray(labels)
    svms = [lrn.new().fit(m, y) for lrn, m in zip(learners, matrices, strict=True)]
    classes = [str(label) for label in svms[0].classes_]
    temperature, none_margin = _fit_temperature(
        Ensemble(matrices, learners, weights), y, classes, calibration_folds
    )
    elapsed = time.perf_counter() - began
    log.info(
        "trained %s on %d texts, %d classes in %.1f s", prefix, len(texts), len(counts), elapsed
    )
    return TextClassifier(
        features=featurisers[0],
        svm=svms[0],
        temperature=temperature,
        none_margin=none_margin,
        labels=classes,
        version=_version(prefix, prepared, labels),
        trained_at=_now(),
        examples=len(texts),
        class_counts=dict(counts),
        seconds_to_train=round(elapsed, 2),
        fingerprints=frozenset(text_fingerprint(t) for t in prepared),
        companions=[
            Member(f, m, w) for f, m, w in zip(featurisers[1:], svms[1:], weights[1:], strict=True)
        ],
    )


@dataclass(frozen=True)
class Ensemble:
    """Training matrices, learners and weights of the main model and its companions."""

    matrices: list[sparse.csr_matrix]
    learners: list[Learner]
    weights: list[float]

    @property
    def seed(self) -> int:
        """The seed of the main learner (used for the calibration folds)."""
        return self.learners[0].seed

    def fit_and_score(
        self, train: np.ndarray, test: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Classes and summed margins on ``test`` of models fitted on ``train``."""
        total, classes = None, np.array([])
        for matrix, learner, weight in zip(self.matrices, self.learners, self.weights, strict=True):
            svm = learner.new().fit(matrix[train], y[train])
            margins = weight * svm.decision_function(matrix[test])
            total, classes = (margins if total is None else total + margins), svm.classes_
        assert total is not None
        return classes, total


def text_fingerprint(model_text_value: str) -> str:
    """A short hash of a model text (see :func:`model_text`)."""
    return hashlib.sha1(model_text_value.encode()).hexdigest()[:12]


ALGORITHMS = ("nbsvm", "svm")


@dataclass(frozen=True)
class Learner:
    """Which linear learner to fit, with its regularisation ``c`` (None: its default)."""

    algorithm: str = "nbsvm"
    c: float | None = None
    seed: int = 42

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(
                f"algorithm {self.algorithm!r} is unknown; use one of {', '.join(ALGORITHMS)}"
            )

    def new(self) -> NbSvm | PlainSvm:
        """An unfitted model."""
        if self.algorithm == "svm":
            return PlainSvm(c=0.5 if self.c is None else self.c, seed=self.seed)
        return NbSvm(c=0.2 if self.c is None else self.c, seed=self.seed)


class PlainSvm:
    """A one-vs-rest linear SVM on the TF-IDF features, classes balanced."""

    def __init__(self, c: float = 0.5, seed: int = 42) -> None:
        self.svm = LinearSVC(C=c, class_weight="balanced", random_state=seed)
        self.classes_: np.ndarray = np.array([])
        self.coef_by_feature: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self.intercept_: np.ndarray = np.zeros(0, dtype=np.float32)

    def fit(self, matrix: sparse.csr_matrix, y: np.ndarray) -> PlainSvm:
        """Fit the SVM and keep float32 weights, one row per class even with two classes."""
        self.svm.fit(matrix, y)
        self.classes_ = self.svm.classes_
        coef, intercept = self.svm.coef_, self.svm.intercept_
        if coef.shape[0] == 1:
            coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]])
        self.coef_by_feature = np.ascontiguousarray(coef.T.astype(np.float32))
        self.intercept_ = intercept.astype(np.float32)
        self.svm = None  # type: ignore[assignment]  # the weights above are all we keep
        return self

    @property
    def coef_(self) -> np.ndarray:
        """Weights, one row per class (a view)."""
        return self.coef_by_feature.T

    def decision_function(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """Margins, one column per class."""
        return np.asarray(matrix @ self.coef_by_feature) + self.intercept_


class NbSvm:
    """One-vs-rest linear SVMs on naive-Bayes-scaled features (NBSVM, Wang & Manning 2012).

    For each class, every feature is scaled by its log-count ratio ``r`` (how much more often
    it occurs, as present/absent, in the class than outside it, add-one smoothed); a binary
    ``LinearSVC`` is fitted on the scaled features. Because the scaling is linear, ``r`` is
    folded into the weights afterwards, so predicting is one sparse-dense product, as cheap
    as a plain linear model. On the tipdm texts it beats the plain SVM by about 0.5-1 point
    of macro-F1 (bench/results.md).
    """

    def __init__(self, c: float = 0.2, seed: int = 42) -> None:
        self.c = c
        self.seed = seed
        self.classes_: np.ndarray = np.array([])
        self.coef_by_feature: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self.intercept_: np.ndarray = np.zeros(0, dtype=np.float32)

    def fit(self, matrix: sparse.csr_matrix, y: np.ndarray) -> NbSvm:
        """Fit one scaled binary SVM per class."""
        self.classes_ = np.unique(y)
        present = (matrix > 0).astype(np.float32)
        coef = np.zeros((len(self.classes_), matrix.shape[1]), dtype=np.float32)
        intercept = np.zeros(len(self.classes_), dtype=np.float32)
        for j, label in enumerate(self.classes_):
            positive = y == label
            inside = np.asarray(present[positive].sum(axis=0)).ravel() + 1.0
            outside = np.asarray(present[~positive].sum(axis=0)).ravel() + 1.0
            ratio = np.log((inside / inside.sum()) / (outside / outside.sum())).astype(np.float32)
            svm = LinearSVC(C=self.c, class_weight="balanced", random_state=self.seed)
            svm.fit(matrix @ sparse.diags(ratio), positive)
            coef[j] = svm.coef_.ravel() * ratio
            intercept[j] = svm.intercept_[0]
        # Kept as (features x classes), contiguous: ``coef.T`` would be copied on every call.
        self.coef_by_feature, self.intercept_ = np.ascontiguousarray(coef.T), intercept
        return self

    @property
    def coef_(self) -> np.ndarray:
        """Weights, one row per class (a view)."""
        return self.coef_by_feature.T

    def decision_function(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """Margins, one column per class (even with two classes)."""
        return np.asarray(matrix @ self.coef_by_feature) + self.intercept_


def _fit_temperature(
    ensemble: Ensemble,
    y: np.ndarray,
    classes: list[str],
    folds: int,
) -> tuple[float, float]:
    """Temperature and "none" margin minimising the out-of-fold log loss.

    The "none" margin may move between -1 and 0: below 0 it stops a correct class whose
    margin is slightly negative from losing its probability to "none of these", while a
    text that every class rejects clearly (margins near -1) still gets a low confidence.
    """
    if folds < 2:
        return 1.0, 0.0
    margins = out_of_fold_margins(ensemble, y, classes, folds=folds)
    if margins is None:
        return 1.0, 0.0
    truth = np.searchsorted(np.asarray(classes), y)

    def loss(params: np.ndarray) -> float:
        p = calibrated(margins, float(params[0]), float(params[1]))
        return float(-np.mean(np.log(p[np.arange(len(y)), truth] + 1e-12)))

    best = minimize(
        loss, x0=np.array([2.0, -0.3]), method="L-BFGS-B", bounds=[(0.05, 50.0), (-1.0, 0.0)]
    )
    return float(best.x[0]), float(best.x[1])


def out_of_fold_margins(
    ensemble: Ensemble,
    y: np.ndarray,
    classes: list[str],
    *,
    folds: int,
) -> np.ndarray | None:
    """Summed margins for each row from models that did not see it (None if too few rows)."""
    if len(y) < 2 * folds:
        return None
    smallest = min(Counter(y.tolist()).values())
    splitter = (StratifiedKFold if smallest >= folds else KFold)(
        n_splits=folds, shuffle=True, random_state=ensemble.seed
    )
    margins = np.zeros((len(y), len(classes)), dtype=np.float64)
    index = {label: i for i, label in enumerate(classes)}
    for train, test in splitter.split(np.zeros(len(y)), y):
        if len(set(y[train].tolist())) < 2:
            return None
        fold_classes, fold = ensemble.fit_and_score(train, test, y)
        margins[test] = fold.min() - 1.0
        for j, label in enumerate(fold_classes):
            margins[test, index[label]] = fold[:, j]
    return margins


def _version(prefix: str, texts: Sequence[str], labels: Sequence[str]) -> str:
    digest = hashlib.sha1()
    for text, label in zip(texts, labels, strict=True):
        digest.update(label.encode())
        digest.update(b"\x00")
        digest.update(text.encode())
        digest.update(b"\x01")
    return f"{prefix}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{digest.hexdigest()[:8]}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
