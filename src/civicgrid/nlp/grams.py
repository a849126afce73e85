"""Character n-grams of a whole batch of texts at once, as 64-bit keys computed with numpy.

The text models (:mod:`civicgrid.nlp.textmodel`) read character n-grams and words. Building
them string by string in Python cost most of the time of a prediction, so here a batch of
texts is joined into one array of code points and the n-grams of every length are hashed
together, one vectorised pass per length:

* ``key(n-gram) = (...((c1 + 1) * M + c2 + 1) * M + ...) mod 2**64`` with a fixed odd
  multiplier ``M``; collisions between distinct n-grams of these texts are vanishingly rare
  (64-bit keys, at most a few million n-grams) and would only merge two features;
* an n-gram never crosses from one text into the next (texts are joined with NUL and every
  position carries the number of its text);
* words are looked up the same way: a word's key is the key of its characters, so a word
  vocabulary is matched against the n-grams of the text, with no segmentation at
  prediction time (see :class:`GramVocabulary`).

:func:`gram_table` caches the last few batches, so the category model and the unit router,
which read the same texts one after the other, hash them once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse

MAX_GRAM = 5
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SLOT_MULTIPLIER = np.uint64(0xD6E8FEB86659FD93)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (cached word cuts)
class GramTable:
    """The n-grams of a batch, by position in the joined texts.

    ``keys[n][i]`` is the key of the n-gram starting at position ``i`` (``keys[0]`` is
    empty); ``inside[n][i]`` says whether that n-gram lies inside one text; ``row_of[i]``
    is the number of the text position ``i`` belongs to.
    """

    texts: int
    row_of: np.ndarray
    keys: tuple[np.ndarray, ...]
    inside: tuple[np.ndarray, ...]


def key_of(gram: str) -> int:
    """The 64-bit key of one string, the same as :func:`gram_table` gives its n-gram."""
    value = 0
    for char in gram:
        value = (value * int(_MULTIPLIER) + ord(char) + 1) % (1 << 64)
    return value


@lru_cache(maxsize=4)
def cached_gram_table(texts: tuple[str, ...], longest: int = MAX_GRAM) -> GramTable:
    """:func:`gram_table`, remembering the last few batches (for batches that are small)."""
    return gram_table(texts, longest)


def gram_table(texts: Sequence[str], longest: int = MAX_GRAM) -> GramTable:
    """Keys of every 1..``longest``-gram of ``texts`` and the number of the text it is in.

    For a single text without NUL characters, entry ``i`` of ``keys[n]`` is the n-gram
    starting at character ``i``.
    """
    codes = np.frombuffer("\x00".join(texts).encode("utf-32-le"), dtype=np.uint32)
    row_of = np.cumsum(codes == 0, dtype=np.int32)
    shifted = codes.astype(np.uint64) + np.uint64(1)
    usable = codes != 0
    keys: list[np.ndarray] = [np.zeros(0, np.uint64)]
    inside: list[np.ndarray] = [np.zeros(0, bool)]
    hashed = np.zeros(len(codes), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, longest + 1):
            width = max(0, len(codes) - n + 1)
            hashed = hashed[:width] * _MULTIPLIER + shifted[n - 1 : n - 1 + width]
            keys.append(hashed)
            inside.append(usable[:width] & (row_of[:width] == row_of[n - 1 : n - 1 + width]))
    return GramTable(len(texts), row_of, tuple(keys), tuple(inside))


@dataclass
class GramVocabulary:
    """A fitted block of features: n-gram (or word) keys with their IDF, TF-IDF rows.

    ``keys`` is sorted; a feature's column is its position in ``keys``. ``lengths`` says
    which n-gram lengths can hold a vocabulary entry. Values are sublinear term frequency
    ``1 + ln(tf)`` times IDF ``ln((1 + docs) / (1 + df)) + 1``, each row L2-normalised, as
    scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` computes them.
    """

    keys: np.ndarray
    idf: np.ndarray
    lengths: tuple[int, ...]
    maximal: bool = False
    slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    probes: int = 0

    def __post_init__(self) -> None:
        if not len(self.slots):
            self.slots, self.probes = _slot_table(self.keys)

    def columns(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key, -1 where the key is not in the vocabulary."""
        found = np.full(len(keys), -1, dtype=np.int64)
        if not len(self.keys):
            return found
        bits = self.slots.size.bit_length() - 1
        home = _home_slot(keys, bits)
        active = np.arange(len(keys))
        for probe in range(self.probes):
            slot = (home[active] + probe) & (self.slots.size - 1)
            column = self.slots[slot]
            occupied = column >= 0
            match = occupied & (self.keys[column] == keys[active])
            found[active[match]] = column[match]
            active = active[occupied & ~match]
            if not len(active):
                break
        return found

    @property
    def width(self) -> int:
        """Number of columns."""
        return len(self.keys)

    def counts(self, table: GramTable) -> sparse.csr_matrix:
        """Raw counts of the vocabulary entries in each text of ``table``."""
        rows, columns = self.pairs(table)
        return self.count_matrix(table.texts, [rows], [columns])

    def pairs(self, table: GramTable) -> tuple[np.ndarray, np.ndarray]:
        """(text number, column) of every occurrence of a vocabulary entry in ``table``."""
        if self.maximal:
            hits = self._hits(table)
            return (
                np.concatenate([table.row_of[: len(h)][h] for _, _, h in hits]),
                np.concatenate([c[h] for _, c, h in hits]),
            )
        lengths = [n for n in self.lengths if n < len(table.keys)]
        if not lengths:
            return np.zeros(0, np.int32), np.zeros(0, np.int64)
        inside = [np.flatnonzero(table.inside[n]) for n in lengths]
        keys = np.concatenate([table.keys[n][i] for n, i in zip(lengths, inside, strict=True)])
        rows = table.row_of[np.concatenate(inside)]
        column = self.columns(keys)
        hit = column >= 0
        return rows[hit], column[hit]

    def pairs_of_tokens(self, rows: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(text number, column) of the tokens given as (text number, key) that are known."""
        column = self.columns(keys)
        hit = column >= 0
        return rows[hit], column[hit]

    def count_matrix(
        self, texts: int, rows: list[np.ndarray], columns: list[np.ndarray]
    ) -> sparse.csr_matrix:
        """A CSR matrix of counts from (text number, column) pairs, repeats summed."""
        shape = (texts, self.width)
        if not rows or not self.width:
            return sparse.csr_matrix(shape, dtype=np.float32)
        cell = np.concatenate(rows).astype(np.int64) * self.width + np.concatenate(columns)
        cell, count = np.unique(cell, return_counts=True)
        row, column = np.divmod(cell, self.width)
        indptr = np.zeros(texts + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=texts), out=indptr[1:])
        return sparse.csr_matrix(
            (count.astype(np.float32), column.astype(np.int32), indptr), shape=shape
        )

    def _hits(self, table: GramTable) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """For each length: the column of every position and which positions count.

        With :attr:`maximal`, an entry found inside a longer entry found at the same place
        does not count (``城乡`` inside ``城乡建设``), which is close to what a word
        segmenter gives without running one.
        """
        found = []
        for n in self.lengths:
            if n >= len(table.keys):
                continue
            column = self.columns(table.keys[n])
            found.append((n, column, (column >= 0) & table.inside[n]))
        if not self.maximal:
            return found
        kept = []
        for n, column, hit in found:
            hit = hit.copy()
            for m, _, longer in found:
                for shift in range(m - n + 1) if m > n else ():
                    hit[shift : shift + len(longer)] &= ~longer
            kept.append((n, column, hit))
        return kept

    def tfidf(self, table: GramTable) -> sparse.csr_matrix:
        """Sublinear TF-IDF rows, L2-normalised."""
        return tfidf_rows(table.texts, [self.pairs(table)], [self])


def tfidf_rows(
    texts: int, pairs: list[tuple[np.ndarray, np.ndarray]], blocks: list[GramVocabulary]
) -> sparse.csr_matrix:
    """TF-IDF rows of several blocks side by side, built in one pass.

    ``pairs[i]`` holds (text number, column) of each occurrence of an entry of
    ``blocks[i]``. Values are ``(1 + ln(count)) * idf``, each block of each row
    L2-normalised on its own (as separate vectorisers stacked side by side would give).
    """
    widths = np.array([b.width for b in blocks], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(widths)])
    total = int(offsets[-1])
    shape = (texts, total)
    cells = [
        r.astype(np.int64) * total + c + o for (r, c), o in zip(pairs, offsets[:-1], strict=True)
    ]
    if not total or not sum(len(c) for c in cells):
        return sparse.csr_matrix(shape, dtype=np.float32)
    cell, count = np.unique(np.concatenate(cells), return_counts=True)
    row, column = np.divmod(cell, total)
    block = np.searchsorted(offsets[1:], column, side="right")
    idf = np.empty(len(column), dtype=np.float64)
    for number, vocabulary in enumerate(blocks):  # no copy of the (large) IDF arrays
        inside = block == number
        idf[inside] = vocabulary.idf[column[inside] - offsets[number]]
    value = (1.0 + np.log(count)) * idf
    group = row * len(blocks) + block
    norm = np.sqrt(np.bincount(group, weights=value * value, minlength=texts * len(blocks)))
    value /= norm[group]
    indptr = np.zeros(texts + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=texts), out=indptr[1:])
    return sparse.csr_matrix(
        (value.astype(np.float32), column.astype(np.int32), indptr), shape=shape
    )


def _home_slot(keys: np.ndarray, bits: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return ((keys * _SLOT_MULTIPLIER) >> np.uint64(64 - bits)).astype(np.int64)


def _slot_table(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """An open-addressing table (linear probing, load at most 1/4): slot -> column or -1.

    Looking a key up costs one or two memory reads instead of the ~20 of a binary search
    over the sorted keys, which dominated the time of a prediction.
    """
    bits = max(4, int(len(keys) * 4 - 1).bit_length())
    size = 1 << bits
    table = np.full(size, -1, dtype=np.int32)
    home = _home_slot(keys, bits)
    pending = np.arange(len(keys))
    probe = 0
    while len(pending):
        slot = (home[pending] + probe) & (size - 1)
        free = np.flatnonzero(table[slot] == -1)
        taken, first = np.unique(slot[free], return_index=True)
        table[taken] = pending[free[first]]
        placed = np.zeros(len(pending), bool)
        placed[free[first]] = True
        pending = pending[~placed]
        probe += 1
    return table, probe


def fit_vocabulary(
    table: GramTable,
    lengths: Sequence[int],
    *,
    min_df: int,
    max_features: int | None,
    allowed: np.ndarray | None = None,
    maximal: bool = False,
) -> GramVocabulary:
    """The vocabulary of n-grams of ``lengths`` in ``table`` with document frequency ``>=
    min_df`` (the ``max_features`` most frequent when set). With ``allowed`` (keys, e.g.
    of words) only those count; ``maximal`` as in :meth:`GramVocabulary._hits`.
    """
    lengths = tuple(n for n in lengths if n < len(table.keys))
    if allowed is not None:
        candidates = GramVocabulary(np.unique(allowed), np.ones(len(allowed)), lengths, maximal)
        pairs = candidates.counts(table).tocoo()
        row, key = pairs.row, candidates.keys[pairs.col]
    else:
        row = np.concatenate(
            [table.row_of[: len(table.inside[n])][table.inside[n]] for n in lengths]
        )
        key = np.concatenate([table.keys[n][table.inside[n]] for n in lengths])
    return vocabulary_of_pairs(
        table.texts, row, key, lengths, min_df=min_df, max_features=max_features, maximal=maximal
    )


def vocabulary_of_pairs(
    texts: int,
    row: np.ndarray,
    key: np.ndarray,
    lengths: tuple[int, ...],
    *,
    min_df: int,
    max_features: int | None,
    maximal: bool = False,
) -> GramVocabulary:
    """The vocabulary of keys seen in at least ``min_df`` of ``texts`` (pairs of text
    number and key, one per occurrence)."""
    order = np.lexsort((row, key))
    row, key = row[order], key[order]
    first_in_text = np.ones(len(key), bool)
    first_in_text[1:] = (key[1:] != key[:-1]) | (row[1:] != row[:-1])
    unique_keys, start, total = np.unique(key, return_index=True, return_counts=True)
    df = np.add.reduceat(first_in_text.astype(np.int64), start) if len(key) else total
    keep = df >= min_df
    if max_features is not None and keep.sum() > max_features:
        ranked = np.argsort(-np.where(keep, total, -1), kind="stable")[:max_features]
        keep = np.zeros(len(keep), bool)
        keep[ranked] = True
    idf = np.log((1.0 + texts) / (1.0 + df[keep])) + 1.0
    return GramVocabulary(unique_keys[keep], idf.astype(np.float32), lengths, maximal)
