"""Words of a whole batch of texts: jieba's dictionary and route, computed with numpy.

jieba (exact mode, no HMM) cuts a sentence by dynamic programming: among the dictionary
words starting at each character (the single character when none does), it picks the route
that maximises the sum of ``ln(freq) - ln(total)`` from right to left, longer words winning
ties. Running jieba itself cost about a third of a prediction, so :func:`word_tokens` does
the same on the n-gram keys already hashed for the character features
(:mod:`civicgrid.nlp.grams`):

* the dictionary is jieba's own (words of 1..:data:`LONGEST` characters with a frequency;
  longer ones make up about 0.1% of the words of request texts);
* all texts of a batch are cut together, one vectorised step per character position
  counted from the end of each text; a single short text takes a plain loop instead (the
  same arithmetic, faster than numpy on a few hundred characters);
* only the first :data:`WORD_CHARS` characters of a text are cut; the character n-grams
  still read all of it.

The cut differs from ``jieba.lcut(text, HMM=False)`` in small ways (jieba keeps runs of
Latin letters and digits together and treats punctuation outside its Chinese blocks one
character at a time; here such characters are single tokens as well). A test compares the
two. Training and prediction both use this function, so the model sees the same words.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from civicgrid.nlp.grams import GramTable, GramVocabulary, key_of

log = logging.getLogger(__name__)

LONGEST = 4
WORD_CHARS = 600
_SPACE_KEY = key_of(" ")


@dataclass(frozen=True)
class Dictionary:
    """jieba's dictionary as n-gram keys with their ``ln(freq) - ln(total)`` weight."""

    words: GramVocabulary
    weight: np.ndarray
    unknown: float  # weight of a single character that is not a word


@lru_cache(maxsize=1)
def jieba_dictionary() -> Dictionary:
    """jieba's main dictionary, loaded once per process (about a second)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    frequencies = {w: f for w, f in jieba.dt.FREQ.items() if f > 0 and len(w) <= LONGEST}
    keys = np.fromiter((key_of(w) for w in frequencies), dtype=np.uint64, count=len(frequencies))
    order = np.argsort(keys)
    log_total = math.log(jieba.dt.total)
    weight = np.log(np.fromiter(frequencies.values(), dtype=np.float64))[order] - log_total
    vocabulary = GramVocabulary(
        keys[order], np.ones(len(keys), np.float32), tuple(range(1, LONGEST + 1))
    )
    return Dictionary(vocabulary, weight, -log_total)


@dataclass(frozen=True)
class Tokens:
    """The words of a batch: text number, key, start position and length of each."""

    rows: np.ndarray
    keys: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray


def word_tokens(table: GramTable) -> Tokens:
    """The words of each text in ``table``, in position order per length (spaces dropped)."""
    starts, ends = _text_bounds(table)
    score = _scores(table, ends)
    if len(starts) == 1 or int((ends - starts).sum()) <= 800:
        best = _route_by_loop(score, starts, ends)
        on_route = _on_route_by_loop(best, starts, ends)
    else:
        best = _route_vectorised(score, starts, ends)
        on_route = _on_route(best, starts, ends)
    wheres = [np.flatnonzero(on_route & (best == n)) for n in range(1, LONGEST + 1)]
    key = np.concatenate([table.keys[n][w] for n, w in enumerate(wheres, start=1)])
    where = np.concatenate(wheres)
    length = np.concatenate([np.full(len(w), n) for n, w in enumerate(wheres, start=1)])
    kept = key != np.uint64(_SPACE_KEY)
    return Tokens(table.row_of[where][kept], key[kept], where[kept], length[kept])


def _text_bounds(table: GramTable) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, cut to WORD_CHARS) of each text in the joined positions."""
    separators = np.flatnonzero(~table.inside[1]) if len(table.keys) > 1 else np.zeros(0, int)
    starts = np.concatenate([[0], separators + 1]).astype(np.int64)
    ends = np.concatenate([separators, [len(table.row_of)]]).astype(np.int64)
    return starts, np.minimum(ends, starts + WORD_CHARS)


def _scores(table: GramTable, ends: np.ndarray) -> np.ndarray:
    """``score[n - 1, p]``: weight of the word of n characters at p (-inf: not a word)."""
    size = len(table.row_of)
    dictionary = jieba_dictionary()
    score = np.full((LONGEST, size + LONGEST), -np.inf)
    end_of = np.full(size, -1, dtype=np.int64)
    if size:
        end_of = ends[table.row_of]
    positions = np.arange(size)
    for n in range(1, min(LONGEST, len(table.keys) - 1) + 1):
        column = dictionary.words.columns(table.keys[n])
        usable = (
            (column >= 0)
            & table.inside[n]
            & (positions[: len(column)] + n <= end_of[: len(column)])
        )
        score[n - 1, : len(column)][usable] = dictionary.weight[column[usable]]
    # A character that starts no word at all is a word by itself (jieba's DAG does that).
    alone = np.isinf(score[:, :size]).all(axis=0) & (positions < end_of)
    score[0, :size][alone] = dictionary.unknown
    return score


def _route_vectorised(score: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Best word length at each position, all texts at once (position counted from the
    end of its text)."""
    size = score.shape[1] - LONGEST
    route = np.zeros(size + LONGEST + 1)
    best = np.zeros(size + 1, dtype=np.int64)
    order = np.argsort(-(ends - starts), kind="stable")
    lengths = (ends - starts)[order]
    steps = np.arange(1, LONGEST + 1)[:, None]
    flipped = score[::-1]
    for k in range(int(lengths[0]) if len(lengths) else 0):
        count = int(np.searchsorted(-lengths, -k, side="left"))
        position = ends[order[:count]] - 1 - k
        candidates = flipped[:, position] + route[position[None, :] + steps[::-1]]
        choice = candidates.argmax(axis=0)
        route[position] = candidates[choice, np.arange(count)]
        best[position] = LONGEST - choice
    return best[:size]


def _route_by_loop(score: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The same route as :func:`_route_vectorised`, one position at a time."""
    size = score.shape[1] - LONGEST
    best = np.zeros(size, dtype=np.int64)
    columns = score.T.tolist()
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        route = [0.0] * (end - start + LONGEST + 1)
        for p in range(end - 1, start - 1, -1):
            top, top_n = -math.inf, 0
            weights = columns[p]
            for n in range(LONGEST, 0, -1):
                value = weights[n - 1] + route[p - start + n]
                if value > top:
                    top, top_n = value, n
            route[p - start] = top
            best[p] = top_n
    return best


def _on_route(best: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which positions start a word of the chosen route."""
    on = np.zeros(len(best) + LONGEST + 1, dtype=bool)
    lengths = ends - starts
    on[starts[lengths > 0]] = True
    order = np.argsort(-lengths, kind="stable")
    ordered = lengths[order]
    for k in range(int(ordered[0]) if len(ordered) else 0):
        count = int(np.searchsorted(-ordered, -k, side="left"))
        position = starts[order[:count]] + k
        reached = position[on[position]]
        on[reached + best[reached]] = True
    on = on[: len(best)]
    inside = np.zeros(len(best) + 1, dtype=np.int64)
    np.add.at(inside, starts, 1)
    np.add.at(inside, ends, -1)
    return on & (np.cumsum(inside)[:-1] > 0)


def _on_route_by_loop(best: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The same as :func:`_on_route`, one word at a time."""
    on = np.zeros(len(best), dtype=bool)
    steps = best.tolist()
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        position = start
        while position < end:
            on[position] = True
            position += steps[position]
    return on
