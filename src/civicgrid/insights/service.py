"""Public entry points of the insights package, for the command line, the API and jobs.

* :func:`mine_run` – one class-mining run with stable ids (mining + lineage).
* :func:`hot_issue_list` – the hot issues of a run.
* :func:`default_min_class_size` – the class size floor used when none is given.

Report writers live in :mod:`.reports`, the effect test in :mod:`.effect`, map counts in
:mod:`.heatmap`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from civicgrid.insights.heat import CaseFacts, ClassMembers, hot_issues, parse_time
from civicgrid.insights.lineage import ClassRecord, Decision, Reconciliation, reconcile
from civicgrid.insights.mining import Clustering, MiningSettings, mine_classes

log = logging.getLogger(__name__)


def default_min_class_size(rows: int) -> int:
    """Smallest class worth a unit's attention: 1 in 200 cases, at least 5."""
    return max(5, rows // 200)


@dataclass
class MiningRun:
    """A mining run: the raw clustering, the reconciled register and notes."""

    clustering: Clustering
    reconciliation: Reconciliation
    times: Sequence[str | None] | None = None
    notes: list[str] = field(default_factory=list)

    def classes(self) -> list[dict[str, Any]]:
        """This run's classes (id, label, size, 1-based rows, words, time span), largest first."""
        grouped: dict[str, list[int]] = {}
        for mined, class_id in zip(
            self.clustering.classes, self.reconciliation.assignment, strict=True
        ):
            grouped.setdefault(class_id, []).extend(mined.rows)
        register = {c.id: c for c in self.reconciliation.classes}
        result = [self._describe(register[i], sorted(rows)) for i, rows in grouped.items()]
        return sorted(result, key=lambda c: (-c["size"], c["id"]))

    def _describe(self, record: ClassRecord, rows: list[int]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": record.id, "label": record.label, "size": len(rows),
            "rows": [r + 1 for r in rows], "mined_label": record.mined_label,
            "terms": list(record.terms)[:8],
        }
        if self.times is not None:
            stamps = sorted(t for t in (parse_time(self.times[r]) for r in rows) if t)
            item["first"] = stamps[0].isoformat(sep=" ") if stamps else None
            item["last"] = stamps[-1].isoformat(sep=" ") if stamps else None
        return item

    def to_dict(self) -> dict[str, Any]:
        """The JSON result of ``civicgrid classes mine``."""
        return {
            "rows": self.clustering.row_count,
            "classes": self.classes(),
            "noise": [r + 1 for r in self.clustering.noise],
            "notes": self.notes + self.clustering.notes + self.reconciliation.notes,
        }

    def members(self) -> list[ClassMembers]:
        """Classes as the heat index takes them."""
        return [
            ClassMembers(c["id"], c["label"], [r - 1 for r in c["rows"]]) for c in self.classes()
        ]


def mine_run(
    texts: Sequence[str | None],
    *,
    times: Sequence[str | None] | None = None,
    categories: Sequence[str | None] | None = None,
    places: Sequence[str | None] | None = None,
    previous: Sequence[ClassRecord] = (),
    decisions: Sequence[Decision] = (),
    run: str = "",
    settings: MiningSettings | None = None,
    embeddings: np.ndarray | None = None,
) -> MiningRun:
    """Mine classes in ``texts`` and give them ids stable against the ``previous`` register."""
    settings = settings or MiningSettings(min_cluster_size=default_min_class_size(len(texts)))
    notes = []
    if times is not None and all(parse_time(t) is None for t in times):
        notes.append("the time column holds no readable dates; time spans are left empty")
    clustering = mine_classes(
        texts, categories=categories, places=places, embeddings=embeddings, settings=settings
    )
    reconciliation = reconcile(previous, decisions, clustering, run=run)
    return MiningRun(clustering, reconciliation, times, notes)


def hot_issue_list(run: MiningRun, facts: CaseFacts, *, top: int = 10) -> dict[str, Any]:
    """The top classes of a run by heat index, JSON-ready."""
    issues, notes = hot_issues(run.members(), facts, top=top)
    return {"hot_issues": [i.to_dict() for i in issues], "notes": notes}
