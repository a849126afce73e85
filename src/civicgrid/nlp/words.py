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
* as in jieba, the dictionary cut runs inside each run of Chinese characters, Latin
  letters and digits; every other character (punctuation) is a word by itself and
  whitespace is dropped. Runs are short (clauses), so the steps are few.

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
    starts, ends, other = _blocks(table)
    score = _scores(table, starts, ends)
    if len(starts) <= 1 or int((ends - starts).sum()) <= 800:
        best = _route_by_loop(score, starts, ends)
        on_route = _on_route_by_loop(best, starts, ends)
    else:
        best = _route_vectorised(score, starts, ends)
        on_route = _on_route(best, starts, ends)
    best[other] = 1
    on_route[other] = True
    wheres = [np.flatnonzero(on_route & (best == n)) for n in range(1, LONGEST + 1)]
    key = np.concatenate([table.keys[n][w] for n, w in enumerate(wheres, start=1)])
    where = np.concatenate(wheres)
    length = np.concatenate([np.full(len(w), n) for n, w in enumerate(wheres, start=1)])
    return Tokens(table.row_of[where], key, where, length)


def _blocks(table: GramTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of characters jieba cuts by its dictionary
    (Chinese characters, Latin letters, digits and ``+#&._%-``), and the positions of the
    other characters, each a word by itself (whitespace and text separators left out)."""
    size = len(table.row_of)
    codes = (table.keys[1] - np.uint64(1)).astype(np.int64) if size else np.zeros(0, np.int64)
    kind = _CHARACTER_KIND[np.minimum(codes, 0xFFFF)]  # astral characters: kind 0 (other)
    blocked = kind == _IN_BLOCK
    edges = np.diff(np.concatenate([[False], blocked, [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    other = (kind == _OTHER) & (codes != 0)
    return starts, ends, np.flatnonzero(other)


def _character_kinds() -> np.ndarray:
    """For every BMP code point: 1 inside a dictionary run, 2 whitespace, 0 other."""
    kinds = np.zeros(0x10000, dtype=np.int8)
    kinds[0x4E00 : 0x9FD5 + 1] = _IN_BLOCK
    for low, high in ("09", "az", "AZ"):
        kinds[ord(low) : ord(high) + 1] = _IN_BLOCK
    kinds[[ord(c) for c in "+#&._%-"]] = _IN_BLOCK
    kinds[[ord(c) for c in " \t\n\r\x0b\x0c\u3000"]] = _SPACE
    kinds[0xFFFF] = _OTHER
    return kinds


_OTHER, _IN_BLOCK, _SPACE = 0, 1, 2
_CHARACTER_KIND = _character_kinds()


def _scores(table: GramTable, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``score[n - 1, p]``: weight of the word of n characters at p (-inf: not a word)."""
    size = len(table.row_of)
    dictionary = jieba_dictionary()
    score = np.full((LONGEST, size + LONGEST), -np.inf)
    end_of = np.full(size + 1, -1, dtype=np.int64)
    bounds = np.bincount(starts, minlength=size + 1) - np.bincount(ends, minlength=size + 1)
    inside = np.cumsum(bounds)[:size] > 0
    first = np.zeros(size, dtype=np.int64)
    first[starts] = 1
    block = np.cumsum(first) - 1
    end_of[:size][inside] = ends[block[inside]]
    positions = np.arange(size)
    lengths = range(1, min(LONGEST, len(table.keys) - 1) + 1)
    # One look-up for all lengths: each call has a fixed cost that matters on short texts.
    found = dictionary.words.columns(np.concatenate([table.keys[n] for n in lengths]))
    begin = 0
    for n in lengths:
        width = len(table.keys[n])
        column = found[begin : begin + width]
        begin += width
        usable = (column >= 0) & (positions[:width] + n <= end_of[:width])
        score[n - 1, :width][usable] = dictionary.weight[column[usable]]
    # A character that starts no word at all is a word by itself (jieba's DAG does that).
    alone = np.isinf(score[:, :size]).all(axis=0) & inside
    score[0, :size][alone] = dictionary.unknown
    return score


def _route_vectorised(score: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Best word length at each position, all runs at once (position counted from the end
    of its run)."""
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
    assert LONGEST == 4, "the loop below is written out for words of up to 4 characters"
    size = score.shape[1] - LONGEST
    best = [0] * size
    one, two, three, four = score.tolist()
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        route = [0.0] * (end - start + LONGEST + 1)
        for p in range(end - 1, start - 1, -1):
            r = p - start
            top, top_n = four[p] + route[r + 4], 4
            value = three[p] + route[r + 3]
            if value > top:
                top, top_n = value, 3
            value = two[p] + route[r + 2]
            if value > top:
                top, top_n = value, 2
            value = one[p] + route[r + 1]
            if value > top:
                top, top_n = value, 1
            route[r] = top
            best[p] = top_n
    return np.array(best, dtype=np.int64)


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
    size = len(best) + 1
    inside = np.bincount(starts, minlength=size) - np.bincount(ends, minlength=size)
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
