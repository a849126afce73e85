"""Repeat finder: is a new request the same matter as a recent one?

:func:`find_repeats` is a pure function: the caller (intake) passes the new request and the
recent candidates it fetched; nothing is read from a database here. A candidate is offered
to the dispatcher as a merge when, within the window, either

* **same place**: the same place key (a standard address id, a building, or a grid cell,
  whatever the caller uses) and text similarity >= ``place_similarity`` (default 0.35), or
* **same reporter**: the same reporter phone hash and similarity >= ``reporter_similarity``
  (default 0.25; the same person rarely writes twice about unrelated things in a few days),
  or the same category when both categories are known.

The window (default **7 days**, :data:`DEFAULT_WINDOW`) is measured between receipt times,
in either direction, so an import of older cases also finds later ones. Similarity is the
cosine of character-bigram counts of the normalised texts, digits folded: cheap, needs no
model, and robust to the word order and typos of two people describing one pothole.
Results are sorted by similarity, highest first.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from civicgrid.nlp.normalise import normalise

DEFAULT_WINDOW = dt.timedelta(days=7)
_NOISE = re.compile(r"[\s\W_]+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class RequestSketch:
    """What the repeat finder needs to know about a request."""

    key: str
    text: str
    received_at: dt.datetime
    place_key: str | None = None
    reporter_hash: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class RepeatCandidate:
    """A likely repeat of the new request, with the similarity and the reason in words."""

    key: str
    similarity: float
    reason: str
    rule: str  # "same_place" or "same_reporter"


def text_similarity(first: str, second: str) -> float:
    """Cosine similarity of character bigram counts of two texts (0..1)."""
    return _cosine(_bigrams(first), _bigrams(second))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return min(1.0, dot / norm)


def _bigrams(text: str) -> Counter[str]:
    body = _NOISE.sub("", _DIGITS.sub("0", normalise(text).text[:2000]))
    return Counter(body[i : i + 2] for i in range(len(body) - 1))


def find_repeats(
    new: RequestSketch,
    recent: Sequence[RequestSketch],
    *,
    window: dt.timedelta = DEFAULT_WINDOW,
    place_similarity: float = 0.35,
    reporter_similarity: float = 0.25,
) -> list[RepeatCandidate]:
    """Recent requests that are likely the same matter as ``new``, most similar first."""
    found: list[RepeatCandidate] = []
    grams = _bigrams(new.text)  # the new text is compared with every candidate: count it once
    for old in recent:
        if old.key == new.key or abs(new.received_at - old.received_at) > window:
            continue
        similarity = round(_cosine(grams, _bigrams(old.text)), 4)
        candidate = _judge(new, old, similarity, place_similarity, reporter_similarity, window)
        if candidate is not None:
            found.append(candidate)
    return sorted(found, key=lambda c: c.similarity, reverse=True)


def _judge(
    new: RequestSketch, old: RequestSketch, similarity: float, place_min: float,
    reporter_min: float, window: dt.timedelta,
) -> RepeatCandidate | None:
    days = abs(new.received_at - old.received_at).total_seconds() / 86400
    span = f"{days:.1f} 天内（窗口 {window.total_seconds() / 86400:g} 天）"
    if new.place_key and new.place_key == old.place_key and similarity >= place_min:
        return RepeatCandidate(old.key, similarity, f"同一地点、内容相似度 {similarity:.2f}，{span}",
                               "same_place")
    if new.reporter_hash and new.reporter_hash == old.reporter_hash:
        same_topic = bool(new.category and new.category == old.category)
        if similarity >= reporter_min or same_topic:
            topic = "同一类别" if same_topic else f"内容相似度 {similarity:.2f}"
            return RepeatCandidate(old.key, similarity, f"同一反映人、{topic}，{span}",
                                   "same_reporter")
    return None
