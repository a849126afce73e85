"""Re-cut atomic units into contiguous grids of even workload (dynamic grid adjustment).

Entry point: :func:`balance_units`. Given units (polygons with a workload, optional
community, current grid, ``fixed`` pin and ``keep_with`` group, see :mod:`.units`), a target
number of grids ``N`` and a tolerance ``t``, it returns a plan in which

* every grid lies inside one community and is one connected piece (rook contiguity),
* every grid's load is within ``t`` times the target load ``m = total / N`` where possible,
* grids are compact (short cut boundaries), and
* as few units as possible leave their current grid: with ``max_moves`` (a *small*
  adjustment) at most that many units move and the balancing flow is scaled to what the
  tolerance needs; without it (a *medium* adjustment) units move freely within communities
  towards equal loads.

Method (seeded and reproducible): the start plan is the current grids (cut where they cross
a community or fall apart), or, without one, grids grown from seeds
(:func:`.partition.grow_grids`); grids are split or merged until each community has its
share of ``N`` (apportioned by load); then diffusion repartitioning with local refinement
and ejection chains (:mod:`.diffusion`) evens the loads, and grids still outside the
tolerance are re-drawn with a neighbour by a ReCom split (:mod:`.recom`, gerrychain).

Bad input never raises and never hangs: islands, overlapping polygons, units without a
workload, a community whose load cannot be cut into grids inside the tolerance, a target
larger than the number of units and an exhausted move or time budget are each reported as a
:class:`~civicgrid.grids.units.Problem`; the best plan found is returned with its figures,
and ``feasible`` is false when any of them blocks the plan.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from civicgrid.grids.blocks import build_blocks, link_pieces
from civicgrid.grids.contiguity import UnitGraph, rook_graph
from civicgrid.grids.diffusion import MoveLedger, Tuning, balance, polish_shapes, refine
from civicgrid.grids.figures import PlanFigures, plan_figures
from civicgrid.grids.partition import (
    BlockGraph,
    Partition,
    grow_grids,
    merge_grid,
    split_grid,
)
from civicgrid.grids.recom import recom_repair
from civicgrid.grids.units import Problem, UnitSet

log = logging.getLogger(__name__)

START_PLAN_TEXT = (
    "seeded start plan: N contiguous grids grown from seeds spread by k-means++ over the "
    "unit centroids (lightest grid grows first), per community, before balancing"
)


@dataclass(frozen=True)
class BalanceOptions:
    """What to aim for: grid count, tolerance (fraction of the mean load), budgets, seed."""

    target_count: int
    tolerance: float
    max_moves: int | None = None
    seed: int = 0
    time_budget_seconds: float = 60.0
    snap: float | None = None

    def check(self) -> None:
        """Raise ValueError naming the first bad option and the allowed values."""
        if self.target_count < 1:
            raise ValueError(f"target_count={self.target_count}; it must be 1 or more")
        if not 0 < self.tolerance < 1:
            raise ValueError(f"tolerance={self.tolerance}; give a fraction such as 0.05")
        if self.max_moves is not None and self.max_moves < 0:
            raise ValueError(f"max_moves={self.max_moves}; it must be 0 or more, or left out")
        if self.snap is not None and self.snap < 0:
            raise ValueError(f"snap={self.snap}; give a distance >= 0 in the data's units")
        if self.time_budget_seconds <= 0:
            raise ValueError(f"time_budget_seconds={self.time_budget_seconds}; give seconds > 0")


@dataclass
class BalanceResult:
    """A plan: the new grid of every unit, figures before and after, and what is infeasible."""

    unit_ids: list[str]
    new_grid: list[str]
    before_labels: list[str]
    before: PlanFigures
    after: PlanFigures
    moved_units: int
    feasible: bool
    problems: list[Problem]
    options: BalanceOptions
    target_load: float
    mode: str
    before_plan: str
    elapsed_seconds: float
    timed_out: bool = False

    @property
    def contiguous(self) -> bool:
        """True when every new grid is one connected piece."""
        return self.after.contiguous

    def message(self) -> str:
        """One sentence: feasible, or the blocking problems."""
        if self.feasible:
            return (
                f"feasible: {len(self.after.grids)} contiguous grids, each within "
                f"±{self.options.tolerance:.0%} of {self.target_load:.4g}"
            )
        blocking = [p.message for p in self.problems if p.blocking]
        return "infeasible: " + " | ".join(blocking)

    def changes(self) -> list[dict[str, str]]:
        """Units whose grid changes: unit id, grid before, grid after (for the plan's map)."""
        return [
            {"unit": unit, "from": old, "to": new}
            for unit, old, new in zip(self.unit_ids, self.before_labels, self.new_grid)
            if old != new
        ]

    def to_dict(self, with_grids: bool = True) -> dict[str, Any]:
        """JSON-ready result as the ``grids balance`` command prints it."""
        data: dict[str, Any] = {
            "feasible": self.feasible,
            "message": self.message(),
            "mode": self.mode,
            "method": "diffusion repartitioning (Hu-Blake flow), boundary refinement and "
                      "ejection chains; ReCom pair re-splits (gerrychain) for grids left over",
            "before_plan": self.before_plan,
            "target_count": self.options.target_count,
            "grid_count": len(self.after.grids),
            "tolerance": self.options.tolerance,
            "target_load": round(self.target_load, 4),
            "max_moves": self.options.max_moves,
            "seed": self.options.seed,
            "before": self.before.summary(),
            "after": self.after.summary(),
            "moved_units": self.moved_units,
            "changed_grids": len({c["from"] for c in self.changes()}
                                 | {c["to"] for c in self.changes()}),
            "contiguous": self.contiguous,
            "problems": [p.to_dict() for p in self.problems],
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "timed_out": self.timed_out,
        }
        if with_grids:
            data["grids"] = self.after.grids
        return data


def balance_units(units: UnitSet, options: BalanceOptions) -> BalanceResult:
    """Re-cut units into ``options.target_count`` contiguous, even grids (see module doc)."""
    options.check()
    started = time.monotonic()
    deadline = started + options.time_budget_seconds
    rng = np.random.default_rng(options.seed)
    problems = list(units.problems)
    graph = rook_graph(units.geometries, options.snap)
    problems += _graph_problems(units, graph)
    blocks, block_of, community_names = build_blocks(units, graph, problems)
    link_pieces(blocks, community_names, problems)
    target = float(units.loads.sum()) / options.target_count
    counts = _grid_counts(blocks, options, community_names, problems)
    problems += _heavy_blocks(units, blocks, block_of, options, target)
    partition, before_labels, before_text = _start_plan(units, blocks, block_of, counts, rng)
    counts = _counts_to_keep(partition, counts, options)
    _check_communities(counts, blocks, options, target, community_names, problems)
    ledger = MoveLedger(home=partition.assign.copy(), sizes=blocks.sizes)
    _adjust_counts(partition, counts, rng, ledger)
    tuning = _tuning(units, graph, blocks, partition, options, target, deadline)
    finished = balance(partition, tuning, ledger)
    if recom_repair(partition, tuning, ledger):
        refine(partition, tuning, ledger)
        if tuning.budget is None:
            polish_shapes(partition, tuning, ledger)
    finished = finished and time.monotonic() <= deadline
    return _result(
        units, graph, block_of, partition, before_labels, before_text, problems,
        options, target, started, timed_out=not finished,
    )


def _graph_problems(units: UnitSet, graph: UnitGraph) -> list[Problem]:
    problems: list[Problem] = []
    if units.current is None and units.fixed is not None and units.fixed.any():
        problems.append(Problem(
            "fixed_without_current",
            "some units are marked fixed but no --current-col was given, so there is no grid "
            "to pin them to; they were treated as movable.",
            [units.ids[i] for i in np.flatnonzero(units.fixed)], blocking=False,
        ))
    islands = graph.islands() if len(units) > 1 else []
    if islands:
        problems.append(Problem(
            "island",
            f"{len(islands)} unit(s) share no edge with any other unit (islands), so a grid "
            "holding one with other units cannot be one connected piece; each was attached "
            "to the grid of its nearest unit. Fix the polygons or give each its own grid.",
            [units.ids[i] for i in islands],
        ))
    if graph.overlaps:
        pairs = [f"{units.ids[a]}/{units.ids[b]}" for a, b, _ in graph.overlaps]
        problems.append(Problem(
            "overlap",
            f"{len(pairs)} pair(s) of unit polygons overlap (by more than 1% of the smaller), "
            "so their workload may be counted twice; fix the polygons. Pairs: "
            + ", ".join(pairs[:10]),
            sorted({units.ids[i] for a, b, _ in graph.overlaps for i in (a, b)}),
        ))
    return problems


def _grid_counts(
    blocks: BlockGraph, options: BalanceOptions, names: list[str], problems: list[Problem],
) -> dict[int, int]:
    """How many grids each community gets: its load's share of N, at least 1 each."""
    loads = {c: float(blocks.loads[blocks.communities == c].sum()) for c in range(len(names))}
    sizes = {c: int((blocks.communities == c).sum()) for c in range(len(names))}
    wanted = options.target_count
    if wanted > len(blocks):
        problems.append(Problem(
            "target_exceeds_units",
            f"--target-count {wanted} is more than the {len(blocks)} unit(s) (or kept-together "
            f"groups); at most {len(blocks)} grids can be made. Lower the target count.",
        ))
    if wanted < len(names):
        problems.append(Problem(
            "target_below_communities",
            f"--target-count {wanted} is fewer than the {len(names)} communities; every "
            "community needs at least one grid. Raise the target count.",
        ))
    return _apportion(loads, sizes, wanted)


def _counts_to_keep(
    partition: Partition, counts: dict[int, int], options: BalanceOptions
) -> dict[int, int]:
    """A small adjustment keeps each community's current number of grids when it adds up.

    Stray pieces of a current grid (``name~2``) are not counted, so they are merged back.
    """
    if options.max_moves is None:
        return counts
    current = {
        c: len({str(partition.labels[g]).split("~")[0] for g in partition.grids_in(c)})
        for c in counts
    }
    if sum(current.values()) == options.target_count:
        return current
    return counts


def _apportion(loads: dict[int, float], sizes: dict[int, int], wanted: int) -> dict[int, int]:
    total = sum(loads.values())
    share = {c: (loads[c] / total if total > 0 else sizes[c] / sum(sizes.values())) for c in loads}
    counts = {c: min(sizes[c], max(1, math.floor(share[c] * wanted))) for c in loads}
    while sum(counts.values()) < wanted:
        room = [c for c in counts if counts[c] < sizes[c]]
        if not room:
            break
        pick = max(room, key=lambda c: (share[c] + 1e-12) / counts[c])
        counts[pick] += 1
    while sum(counts.values()) > wanted:
        spare = [c for c in counts if counts[c] > 1]
        if not spare:
            break
        pick = min(spare, key=lambda c: (share[c] + 1e-12) / (counts[c] - 1))
        counts[pick] -= 1
    return counts


def _check_communities(
    counts: dict[int, int], blocks: BlockGraph, options: BalanceOptions, target: float,
    names: list[str], problems: list[Problem],
) -> None:
    tol = options.tolerance
    for c, k in counts.items():
        load = float(blocks.loads[blocks.communities == c].sum())
        mean = load / k
        if target > 0 and abs(mean - target) > tol * target:
            problems.append(Problem(
                "community_tolerance",
                f"community {names[c] or '(none)'!r}: load {load:.4g} over {k} grid(s) "
                f"gives a mean of {mean:.4g}, {100 * (mean - target) / target:+.1f}% from the "
                f"target {target:.4g}, outside ±{tol:.0%}; no cut inside it can meet the "
                "tolerance. Widen the tolerance, redraw the community or change its grid count "
                "(a medium adjustment, without --max-moves, re-apportions grids).",
            ))


def _heavy_blocks(
    units: UnitSet, blocks: BlockGraph, block_of: np.ndarray, options: BalanceOptions,
    target: float,
) -> list[Problem]:
    heavy = set(np.flatnonzero(blocks.loads > (1 + options.tolerance) * target).tolist())
    if not heavy:
        return []
    ids = [units.ids[u] for u, b in enumerate(block_of) if int(b) in heavy]
    return [Problem(
        "heavy_unit",
        f"{len(heavy)} unit(s) or kept-together group(s) alone carry more than "
        f"{1 + options.tolerance:.2f} x the target load; their grids cannot meet the tolerance.",
        ids,
    )]


def _start_plan(
    units: UnitSet, blocks: BlockGraph, block_of: np.ndarray, counts: dict[int, int],
    rng: np.random.Generator,
) -> tuple[Partition, list[str], str]:
    if units.current is None:
        partition = _grown_plan(blocks, counts, rng)
        labels = [partition.labels[g] or "" for g in partition.assign[block_of]]
        return partition, labels, START_PLAN_TEXT
    partition = _current_plan(units, blocks, block_of)
    return partition, list(units.current), "the current grids given by --current-col"


def _grown_plan(blocks: BlockGraph, counts: dict[int, int], rng: np.random.Generator) -> Partition:
    assign = np.zeros(len(blocks), dtype=int)
    next_grid = 0
    for community in sorted(counts):
        members = [int(b) for b in np.flatnonzero(blocks.communities == community)]
        parts = grow_grids(blocks, members, counts[community], rng)
        for block, part in parts.items():
            assign[block] = next_grid + part
        next_grid += max(parts.values()) + 1
    width = len(str(next_grid))
    labels: list[str | None] = [f"G{g + 1:0{width}d}" for g in range(next_grid)]
    return Partition.from_assignment(blocks, assign, labels)


def _current_plan(units: UnitSet, blocks: BlockGraph, block_of: np.ndarray) -> Partition:
    """Current grids, one piece per (grid, community, connected part); blanks join a neighbour.

    When a current grid falls into several pieces, the piece with most units keeps its name
    and the others are named ``name~2``, ``name~3``...; a small adjustment then folds such
    stray pieces into neighbours (they count as moved units).
    """
    assert units.current is not None
    block_label: dict[int, str] = {}
    for unit, label in enumerate(units.current):
        if label:
            block_label.setdefault(int(block_of[unit]), label)
    _fill_blank_labels(blocks, block_label)
    keys = {b: (block_label.get(b, ""), int(blocks.communities[b])) for b in range(len(blocks))}
    pieces: dict[str, list[list[int]]] = {}
    seen: set[int] = set()
    for block in range(len(blocks)):
        if block not in seen:
            piece = _flood(blocks, block, keys)
            seen.update(piece)
            pieces.setdefault(keys[block][0] or "unassigned", []).append(piece)
    assign = np.full(len(blocks), -1, dtype=int)
    labels: list[str | None] = []
    for name, parts in pieces.items():
        parts.sort(key=lambda p: -int(blocks.sizes[p].sum()))
        for number, piece in enumerate(parts, start=1):
            labels.append(name if number == 1 else f"{name}~{number}")
            assign[piece] = len(labels) - 1
    return Partition.from_assignment(blocks, assign, labels)


def _fill_blank_labels(blocks: BlockGraph, block_label: dict[int, str]) -> None:
    changed = True
    while changed:
        changed = False
        for block in range(len(blocks)):
            if block in block_label:
                continue
            near = [block_label[n] for n in blocks.neighbours[block] if n in block_label]
            if near:
                block_label[block] = Counter(near).most_common(1)[0][0]
                changed = True


def _flood(blocks: BlockGraph, start: int, keys: dict[int, tuple[str, int]]) -> list[int]:
    piece, queue, seen = [start], deque([start]), {start}
    while queue:
        node = queue.popleft()
        for nb in blocks.neighbours[node]:
            if nb not in seen and keys[nb] == keys[start]:
                seen.add(nb)
                piece.append(nb)
                queue.append(nb)
    return piece


def _adjust_counts(
    partition: Partition, counts: dict[int, int], rng: np.random.Generator, ledger: MoveLedger,
) -> None:
    """Split the heaviest or merge the lightest grids until each community has its count."""
    new_number = 0
    for community, wanted in counts.items():
        while len(partition.grids_in(community)) < wanted:
            grids = [g for g in partition.grids_in(community) if len(partition.members[g]) > 1]
            if not grids:
                break
            new_number += 1
            heaviest = max(grids, key=lambda g: partition.loads[g])
            split_grid(partition, heaviest, rng, f"new-{new_number}")
        while len(partition.grids_in(community)) > wanted:
            if not _merge_lightest(partition, community):
                break
    ledger.moved = int(sum(
        ledger.sizes[b] for b in range(len(partition.assign))
        if partition.assign[b] != ledger.home[b]
    ))


def _merge_lightest(partition: Partition, community: int) -> bool:
    grids = partition.grids_in(community)
    unpinned = [g for g in grids if not any(partition.graph.fixed[b] for b in partition.members[g])]
    for grid in sorted(unpinned or grids, key=lambda g: partition.loads[g]):
        if merge_grid(partition, grid) is not None:
            return True
    return False


def _tuning(
    units: UnitSet, graph: UnitGraph, blocks: BlockGraph, partition: Partition,
    options: BalanceOptions, target: float, deadline: float,
) -> Tuning:
    means: dict[int, float] = {}
    for community in set(partition.communities[g] for g in partition.active()):
        grids = partition.grids_in(community)
        means[community] = sum(partition.loads[g] for g in grids) / len(grids)
    small = options.max_moves is not None
    return Tuning(
        target=target if target > 0 else 1.0,
        tolerance=options.tolerance,
        community_means=means,
        size_scale=float(np.sqrt(np.median(graph.areas))) or 1.0,
        variance_weight=0.02 if small else 1.0,
        move_cost=1e-3 if small else (1e-5 if units.current is not None else 0.0),
        budget=options.max_moves,
        scale_flows=small,
        deadline=deadline,
        seed=options.seed,
    )


def _result(
    units: UnitSet, graph: UnitGraph, block_of: np.ndarray, partition: Partition,
    before_labels: list[str], before_text: str, problems: list[Problem],
    options: BalanceOptions, target: float, started: float, timed_out: bool,
) -> BalanceResult:
    after_labels = _final_labels(partition, block_of)
    before = plan_figures(units, graph, before_labels, target, options.tolerance)
    after = plan_figures(units, graph, after_labels, target, options.tolerance)
    moved = sum(1 for a, b in zip(before_labels, after_labels) if a != b)
    problems = problems + _outcome_problems(after, options, moved, timed_out)
    return BalanceResult(
        unit_ids=list(units.ids),
        new_grid=after_labels,
        before_labels=list(before_labels),
        before=before,
        after=after,
        moved_units=moved,
        feasible=not any(p.blocking for p in problems),
        problems=problems,
        options=options,
        target_load=target,
        mode="small" if options.max_moves is not None else "medium",
        before_plan=before_text,
        elapsed_seconds=time.monotonic() - started,
        timed_out=timed_out,
    )


def _final_labels(partition: Partition, block_of: np.ndarray) -> list[str]:
    labels = list(partition.labels)
    for g, label in enumerate(labels):
        if label is None:
            labels[g] = f"new-{g + 1}"
    return [str(labels[g]) for g in partition.assign[block_of]]


def _outcome_problems(
    after: PlanFigures, options: BalanceOptions, moved: int, timed_out: bool
) -> list[Problem]:
    found: list[Problem] = []
    outside = [g["grid"] for g in after.grids if not g["within_tolerance"]]
    if outside:
        found.append(Problem(
            "out_of_tolerance",
            f"{len(outside)} of {len(after.grids)} grid(s) are outside ±{options.tolerance:.0%} "
            "of the target load in the best plan found.",
            outside,
        ))
    broken = [g["grid"] for g in after.grids if not g["contiguous"]]
    if broken:
        found.append(Problem("not_contiguous", f"{len(broken)} grid(s) are not one piece.", broken))
    if len(after.grids) != options.target_count:
        found.append(Problem(
            "grid_count",
            f"the plan has {len(after.grids)} grids, not the {options.target_count} asked for.",
        ))
    if options.max_moves is not None and moved > options.max_moves:
        found.append(Problem(
            "move_budget",
            f"{moved} units changed grid, more than --max-moves {options.max_moves} (pieces of "
            "current grids that crossed a community or were split count as moved).",
        ))
    if timed_out:
        found.append(Problem(
            "time_budget",
            f"stopped at the time budget of {options.time_budget_seconds:g} s; the best plan "
            "so far is returned. Give more time for a better plan.", blocking=False,
        ))
    return found
