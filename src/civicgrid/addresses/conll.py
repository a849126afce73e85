"""Reading tagged address files and scoring tag sequences at entity level.

A tagged file holds one token and its tag per line (``字 TAG``), with a blank line between
addresses. Two schemes occur in the public sets:

* BIOES (CCKS 2021): ``B-road I-road E-road``, single-token entities ``S-poi``, ``O`` outside;
* BIO (NAACL 2019): ``B-road I-road I-road``; tokens may be several characters (``602``).

:func:`spans` turns either scheme into ``(label, start, end)`` spans the same way conlleval
does for BIO: a ``B-``/``S-`` tag or a change of label opens an entity, ``E-``/``S-`` closes
it, and an ``I-`` or ``E-`` that does not continue an open entity of the same label opens a
new one. Scores are micro-averaged over exact span matches.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class ConllError(ValueError):
    """A tagged file that cannot be read; the message names the line and the fix."""


@dataclass(frozen=True)
class TaggedAddress:
    """One address of a tagged file: its tokens and their gold tags."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def read_conll(path: Path) -> list[TaggedAddress]:
    """Read a ``token TAG`` file (BIOES or BIO, blank line between addresses)."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConllError(f"--conll {path}: cannot read as UTF-8 text ({exc})") from exc

    addresses: list[TaggedAddress] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts:
            if tokens:
                addresses.append(TaggedAddress(tuple(tokens), tuple(tags)))
                tokens, tags = [], []
            continue
        if len(parts) < 2:
            raise ConllError(
                f"--conll {path} line {number}: expected 'token TAG', got {line!r}; "
                "put one token and its tag per line, separated by a space"
            )
        tokens.append(parts[0])
        tags.append(parts[-1])
    if tokens:
        addresses.append(TaggedAddress(tuple(tokens), tuple(tags)))
    if not addresses:
        raise ConllError(f"--conll {path}: no tagged addresses found (file is empty)")
    log.info("read %s tagged addresses from %s", len(addresses), path)
    return addresses


def _split_tag(tag: str) -> tuple[str, str]:
    if tag == "O" or "-" not in tag:
        return "O", ""
    prefix, _, label = tag.partition("-")
    return prefix.upper(), label


def spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entity spans ``(label, start, end_exclusive)`` of a BIOES or BIO tag sequence."""
    found: list[tuple[str, int, int]] = []
    label, start = "", -1

    def close(end: int) -> None:
        nonlocal label, start
        if start >= 0:
            found.append((label, start, end))
        label, start = "", -1

    for index, tag in enumerate(tags):
        prefix, name = _split_tag(tag)
        if prefix == "O":
            close(index)
        elif prefix in ("B", "S") or name != label or start < 0:
            close(index)
            label, start = name, index
        if prefix in ("E", "S"):
            close(index + 1)
    close(len(tags))
    return found


@dataclass
class EntityScore:
    """Micro precision, recall and F1 over exact entity spans, with per-label figures."""

    precision: float
    recall: float
    f1: float
    per_label: dict[str, dict[str, float]]
    addresses: int

    def as_dict(self) -> dict[str, object]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "per_label": self.per_label,
            "addresses": self.addresses,
        }


def _prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def score(gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]) -> EntityScore:
    """Entity-level micro scores of predicted tag sequences against gold ones."""
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    count = 0
    for gold_tags, pred_tags in zip(gold, predicted, strict=True):
        count += 1
        gold_spans = set(spans(gold_tags))
        pred_spans = set(spans(pred_tags))
        n_gold.update(label for label, _, _ in gold_spans)
        n_pred.update(label for label, _, _ in pred_spans)
        tp.update(label for label, _, _ in gold_spans & pred_spans)

    per_label: dict[str, dict[str, float]] = {}
    for label in sorted(set(n_gold) | set(n_pred)):
        p, r, f = _prf(tp[label], n_pred[label], n_gold[label])
        per_label[label] = {"precision": p, "recall": r, "f1": f, "support": n_gold[label]}
    p, r, f = _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    return EntityScore(p, r, f, per_label, count)


def write_predictions(path: Path, predicted: Sequence[Sequence[str]]) -> None:
    """Write a CSV with ``row`` (1-based address number) and space-separated ``tags``."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "tags"])
        for row, tags in enumerate(predicted, start=1):
            writer.writerow([row, " ".join(tags)])
