"""Stable class ids from one run to the next, and staff decisions that survive re-mining.

Each monthly run clusters afresh, so its classes come without identity. :func:`reconcile`
is a pure function: previous classes + staff decisions + the new clustering → the class
register after this run, with every new cluster given an id.

Matching rule (documented for staff and auditors):

1. Decisions are applied to the previous register first (rename, merge, split; see below).
2. Each new cluster and each previous class that is ``active`` or ``vanished`` is described by
   its word profile (class-based tf-idf weights, see :mod:`.mining`). Similarity is the cosine
   of two profiles; a merged class is as similar as the best of its own and its absorbed
   profiles. Profiles are compared by words, not by SVD coordinates, because every run fits its
   own SVD and coordinates do not carry over.
3. Previous classes and new clusters are paired one to one by the Hungarian method
   (maximum total similarity); a pair counts only if its similarity is at least
   ``match_similarity`` (default 0.3). A paired cluster keeps the previous id.
4. A cluster left unpaired whose best similarity to an already paired class is at least
   ``join_similarity`` (default 0.5) joins that class too (a class may span several clusters,
   as after a staff merge). Any other unpaired cluster gets a new id, numbered after the
   highest id ever issued (ids are never reused).
5. A previous class with no cluster this run is marked ``vanished`` with size 0 and a note;
   it can be matched again in a later run, when it becomes ``active`` again.

Labels: a class keeps its first label (stable for readers); the current run's mined words
are in ``mined_label``. A staff rename sets ``label_source="staff"`` and is never overwritten.

Decisions:

* ``Rename(class_id, label)``.
* ``Merge(class_ids, into)``: the others are retired (``status="merged"``, ``merged_into``)
  and their profiles are kept on the target as absorbed profiles, so that next month's
  clusters about either subject come back under the target id.
* ``Split(class_id, children)``: the class is retired (``status="split"``) and each child,
  given by a label and a few key words, gets a new id; next runs match clusters to the
  children by those words. A split holds at class level: when a later run finds one cluster
  for both subjects, it goes to the better-matching child and the other is reported vanished.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from civicgrid.insights.mining import Clustering

log = logging.getLogger(__name__)

ACTIVE, VANISHED, MERGED, SPLIT = "active", "vanished", "merged", "split"


@dataclass
class ClassRecord:
    """One class in the register, as stored between runs."""

    id: str
    label: str
    terms: dict[str, float]
    size: int = 0
    status: str = ACTIVE
    label_source: str = "mined"
    mined_label: str = ""
    first_run: str = ""
    last_run: str = ""
    merged_into: str | None = None
    split_into: list[str] = field(default_factory=list)
    absorbed_terms: list[dict[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClassRecord:
        """Rebuild a record from :meth:`to_dict` output."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        missing = {"id", "label", "terms"} - set(known)
        if missing:
            raise ValueError(f"class record lacks {sorted(missing)}; got keys {sorted(data)}")
        return cls(**known)


@dataclass(frozen=True)
class Rename:
    """Staff give class ``class_id`` the name ``label``."""

    class_id: str
    label: str


@dataclass(frozen=True)
class Merge:
    """Staff fold ``class_ids`` into ``into`` (which may be one of them)."""

    class_ids: tuple[str, ...]
    into: str


@dataclass(frozen=True)
class SplitChild:
    """One part of a split class: its name and the words that identify it."""

    label: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Split:
    """Staff divide ``class_id`` into ``children``."""

    class_id: str
    children: tuple[SplitChild, ...]


Decision = Rename | Merge | Split


@dataclass
class Reconciliation:
    """The register after a run and the class id of each mined class of that run."""

    classes: list[ClassRecord]
    assignment: list[str]
    notes: list[str] = field(default_factory=list)

    def active(self) -> list[ClassRecord]:
        """Classes with cases this run, largest first."""
        return sorted((c for c in self.classes if c.status == ACTIVE), key=lambda c: -c.size)


def decision_from_dict(data: Mapping[str, Any]) -> Decision:
    """Parse ``{"kind": "rename"|"merge"|"split", ...}`` as stored by the console."""
    kind = data.get("kind")
    if kind == "rename":
        return Rename(str(data["class_id"]), str(data["label"]))
    if kind == "merge":
        return Merge(tuple(str(i) for i in data["class_ids"]), str(data["into"]))
    if kind == "split":
        children = tuple(
            SplitChild(str(c["label"]), tuple(str(t) for t in c["terms"])) for c in data["children"]
        )
        return Split(str(data["class_id"]), children)
    raise ValueError(f"decision kind must be rename, merge or split; got {kind!r}")


def reconcile(
    previous: Sequence[ClassRecord],
    decisions: Sequence[Decision],
    clustering: Clustering,
    *,
    run: str,
    match_similarity: float = 0.3,
    join_similarity: float = 0.5,
) -> Reconciliation:
    """Give this run's clusters stable ids, honouring staff decisions (see module doc)."""
    register = {c.id: ClassRecord.from_dict(c.to_dict()) for c in previous}
    notes: list[str] = []
    counter = [_highest_number(register.values())]
    for decision in decisions:
        _apply(decision, register, counter, notes, run)

    candidates = [c for c in register.values() if c.status in (ACTIVE, VANISHED)]
    clusters = clustering.classes
    similarity = _similarity_matrix(candidates, [c.terms for c in clusters])
    assignment = _assign(similarity, candidates, counter, match_similarity, join_similarity)

    _update_register(register, candidates, clustering, assignment, run, notes)
    ordered = sorted(register.values(), key=lambda c: c.id)
    return Reconciliation(ordered, assignment, notes)


def apply_decision(
    register: Sequence[ClassRecord], decision: Decision, *, run: str
) -> tuple[list[ClassRecord], list[str]]:
    """Apply one staff decision to the register now (before any run); returns it and notes.

    The database applies decisions at once, so that the console shows them immediately and
    the next run starts from a register that already holds them.
    """
    records = {c.id: ClassRecord.from_dict(c.to_dict()) for c in register}
    notes: list[str] = []
    counter = [_highest_number(records.values())]
    _apply(decision, records, counter, notes, run)
    return sorted(records.values(), key=lambda c: c.id), notes


def _highest_number(records: Any) -> int:
    numbers = [int(c.id[1:]) for c in records if c.id[:1] == "C" and c.id[1:].isdigit()]
    return max(numbers, default=0)


def _new_id(counter: list[int]) -> str:
    counter[0] += 1
    return f"C{counter[0]:04d}"


def _apply(
    decision: Decision,
    register: dict[str, ClassRecord],
    counter: list[int],
    notes: list[str],
    run: str,
) -> None:
    ids = (
        [decision.class_id]
        if isinstance(decision, Rename | Split)
        else [*decision.class_ids, decision.into]
    )
    unknown = [i for i in ids if i not in register]
    if unknown:
        notes.append(f"decision {decision!r} ignored: unknown class id(s) {unknown}")
        return
    if isinstance(decision, Rename):
        record = register[decision.class_id]
        record.label, record.label_source = decision.label, "staff"
    elif isinstance(decision, Merge):
        _merge(decision, register)
    else:
        _split(decision, register, counter, run)


def _merge(decision: Merge, register: dict[str, ClassRecord]) -> None:
    target = register[decision.into]
    for class_id in decision.class_ids:
        if class_id == decision.into:
            continue
        source = register[class_id]
        target.absorbed_terms.extend([source.terms, *source.absorbed_terms])
        source.status, source.merged_into = MERGED, decision.into


def _split(decision: Split, register: dict[str, ClassRecord], counter: list[int], run: str) -> None:
    parent = register[decision.class_id]
    for child in decision.children:
        record = ClassRecord(
            id=_new_id(counter), label=child.label, terms={t: 1.0 for t in child.terms},
            status=VANISHED, label_source="staff", first_run=run,
        )
        register[record.id] = record
        parent.split_into.append(record.id)
    parent.status = SPLIT


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    shared = set(a) & set(b)
    if not shared:
        return 0.0
    dot = sum(a[t] * b[t] for t in shared)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _similarity_matrix(
    candidates: Sequence[ClassRecord], profiles: Sequence[Mapping[str, float]]
) -> np.ndarray:
    matrix = np.zeros((len(candidates), len(profiles)))
    for i, record in enumerate(candidates):
        own = [record.terms, *record.absorbed_terms]
        for j, profile in enumerate(profiles):
            matrix[i, j] = max(_cosine(p, profile) for p in own)
    return matrix


def _assign(
    similarity: np.ndarray,
    candidates: Sequence[ClassRecord],
    counter: list[int],
    match_similarity: float,
    join_similarity: float,
) -> list[str]:
    clusters = similarity.shape[1]
    assignment: list[str | None] = [None] * clusters
    paired: set[int] = set()
    if similarity.size:
        rows, cols = linear_sum_assignment(-similarity)
        for r, c in zip(rows, cols, strict=True):
            if similarity[r, c] >= match_similarity:
                assignment[c] = candidates[r].id
                paired.add(int(r))
    for j in range(clusters):
        if assignment[j] is not None:
            continue
        best = max(paired, key=lambda r: similarity[r, j], default=None)
        if best is not None and similarity[best, j] >= join_similarity:
            assignment[j] = candidates[best].id
        else:
            assignment[j] = _new_id(counter)
    return [a for a in assignment if a is not None]


def _update_register(
    register: dict[str, ClassRecord],
    candidates: Sequence[ClassRecord],
    clustering: Clustering,
    assignment: list[str],
    run: str,
    notes: list[str],
) -> None:
    sizes: dict[str, int] = {}
    for mined, class_id in zip(clustering.classes, assignment, strict=True):
        record = register.get(class_id)
        if record is None:
            record = ClassRecord(id=class_id, label=mined.label, terms={}, first_run=run)
            register[class_id] = record
        if class_id not in sizes:
            record.terms, record.mined_label = dict(mined.terms), mined.label
        sizes[class_id] = sizes.get(class_id, 0) + mined.size
        record.status, record.last_run, record.size = ACTIVE, run, sizes[class_id]
    for record in candidates:
        if record.id not in sizes:
            if record.status == ACTIVE:
                notes.append(f"class {record.id} ({record.label}) has no cases in run {run}")
            record.status, record.size = VANISHED, 0
