"""ReCom repair: re-draw a grid outside the tolerance together with one neighbour.

The ReCom move (DeFord, Duchin and Solomon, "Recombination: a family of Markov chains for
redistricting", Harvard Data Science Review, 2021) merges two adjacent districts, draws a
random spanning tree of the merged area and cuts one edge so that both halves are within
``epsilon`` of the target. Here it is used greedily, as a last repair step after diffusion
and ejection chains: for each grid still outside the tolerance, the neighbour whose combined
load is closest to twice the target is merged with it and re-split by gerrychain's
``bipartition_tree`` (a bounded number of spanning trees, never an endless search). The
split is kept when it lowers the cost and stays inside the move budget; the half that
overlaps a grid most keeps that grid's identity, so as few units as possible change grid.

gerrychain is optional (the ``grids`` extra); without it this step is skipped and logged.
"""

from __future__ import annotations

import logging
import random
import time
import warnings

from civicgrid.grids.diffusion import MoveLedger, Tuning, grid_cost
from civicgrid.grids.partition import Partition

log = logging.getLogger(__name__)

TREE_ATTEMPTS = 30
PARTNERS_TRIED = 3


def recom_repair(partition: Partition, tuning: Tuning, ledger: MoveLedger) -> int:
    """Re-split out-of-tolerance grids with a neighbour; returns the pairs re-drawn."""
    outside = _outside(partition, tuning)
    if not outside:
        return 0
    try:
        from gerrychain import Graph
        from gerrychain.tree import bipartition_tree
    except ImportError:
        log.info("gerrychain is not installed (extra 'grids'); ReCom repair skipped")
        return 0
    rng = random.Random(tuning.seed)
    redrawn = 0
    for grid in outside:
        if time.monotonic() > tuning.deadline:
            break
        for partner in _partners(partition, tuning, grid):
            if _redraw(partition, tuning, ledger, grid, partner, rng, Graph, bipartition_tree):
                redrawn += 1
                break
    log.debug("ReCom repair re-drew %s pair(s)", redrawn)
    return redrawn


def _outside(partition: Partition, tuning: Tuning) -> list[int]:
    band = tuning.inner_tolerance * tuning.target
    return [g for g in partition.active() if abs(partition.loads[g] - tuning.target) > band]


def _partners(partition: Partition, tuning: Tuning, grid: int) -> list[int]:
    community = partition.communities[grid]
    options = [h for h in partition.neighbour_grids(grid) if partition.communities[h] == community]
    pinned = partition.graph.fixed
    options = [h for h in options if not any(pinned[b] for b in partition.members[h])]
    if any(pinned[b] for b in partition.members[grid]):
        return []
    pair_gap = [(abs(partition.loads[grid] + partition.loads[h] - 2 * tuning.target), h)
                for h in options]
    return [h for _, h in sorted(pair_gap)[:PARTNERS_TRIED]]


def _redraw(
    partition: Partition, tuning: Tuning, ledger: MoveLedger, grid: int, partner: int,
    rng: random.Random, graph_type: type, bipartition: object,
) -> bool:
    blocks = sorted(partition.members[grid] | partition.members[partner])
    half = _split(partition, tuning, blocks, rng, graph_type, bipartition)
    if half is None:
        return False
    other = set(blocks) - half
    keep_first = len(half & partition.members[grid]) + len(other & partition.members[partner])
    keep_second = len(half & partition.members[partner]) + len(other & partition.members[grid])
    new_grid, new_partner = (half, other) if keep_first >= keep_second else (other, half)
    if not _better(partition, tuning, ledger, grid, partner, new_grid, new_partner):
        return False
    for block in new_grid - partition.members[grid]:
        ledger.record(block, partner, grid)
        partition.move(block, grid)
    for block in new_partner - partition.members[partner]:
        ledger.record(block, grid, partner)
        partition.move(block, partner)
    return True


def _split(
    partition: Partition, tuning: Tuning, blocks: list[int], rng: random.Random,
    graph_type: type, bipartition: object,
) -> set[int] | None:
    import networkx as nx

    inside = set(blocks)
    merged = nx.Graph()
    for block in blocks:
        merged.add_node(block, load=float(partition.graph.loads[block]))
        merged.add_edges_from((block, n) for n in partition.graph.neighbours[block] if n in inside)
    if not nx.is_connected(merged):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            subgraph = graph_type.from_networkx(merged)  # type: ignore[attr-defined]
            half = bipartition(  # type: ignore[operator]
                subgraph, "load", tuning.target, tuning.inner_tolerance,
                max_attempts=TREE_ATTEMPTS, rng=rng,
            )
        except (RuntimeError, ValueError) as exc:
            log.debug("no balanced cut for blocks %s..: %s", blocks[:3], exc)
            return None
    return set(half) if half else None


def _better(
    partition: Partition, tuning: Tuning, ledger: MoveLedger, grid: int, partner: int,
    new_grid: set[int], new_partner: set[int],
) -> bool:
    loads = partition.graph.loads
    mean = tuning.community_means[partition.communities[grid]]
    before = grid_cost(partition.loads[grid], mean, tuning)
    before += grid_cost(partition.loads[partner], mean, tuning)
    after = grid_cost(float(sum(loads[b] for b in new_grid)), mean, tuning)
    after += grid_cost(float(sum(loads[b] for b in new_partner)), mean, tuning)
    moved = sum(ledger.cost_units(b, partner, grid) for b in new_grid - partition.members[grid])
    moved += sum(
        ledger.cost_units(b, grid, partner) for b in new_partner - partition.members[partner]
    )
    if tuning.budget is not None and ledger.moved + moved > tuning.budget:
        return False
    return after + tuning.move_cost * moved < before - 1e-9
