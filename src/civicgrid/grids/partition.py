"""A partition of blocks into grids, with the moves the balancer needs.

A *block* is one atomic unit, or several units that must stay together (``keep_with``).
:class:`Partition` holds which grid each block is in, each grid's members and load, and
answers the one question every move asks: does the grid stay in one piece without this
block? It also grows grids from seeds (the start plan when there is no current plan, and
splitting a grid in two) and merges a grid into its neighbour.

Growing k grids: k seeds are spread over the blocks' centroids by k-means++ seeding (Arthur
and Vassilvitskii, 2007) with the run's random generator; then, repeatedly, the lightest grid
takes the unassigned neighbouring block closest to its seed. Grids grown this way are
contiguous by construction, compact, and roughly even.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class BlockGraph:
    """Blocks with loads, sizes (units), communities, pins and intra-community neighbours."""

    loads: np.ndarray
    sizes: np.ndarray
    communities: np.ndarray
    fixed: np.ndarray
    centroids: np.ndarray
    neighbours: list[dict[int, float]]
    virtual_edges: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.loads)


@dataclass
class Partition:
    """Grid index of every block plus each grid's members, load and community."""

    graph: BlockGraph
    assign: np.ndarray
    members: list[set[int]]
    loads: list[float]
    communities: list[int]
    labels: list[str | None]

    @classmethod
    def from_assignment(
        cls, graph: BlockGraph, assign: np.ndarray, labels: list[str | None]
    ) -> Partition:
        """Build the members and loads from a grid index per block."""
        count = int(assign.max()) + 1 if len(assign) else 0
        members: list[set[int]] = [set() for _ in range(count)]
        loads = [0.0] * count
        comms = [-1] * count
        for block, grid in enumerate(assign):
            members[grid].add(block)
            loads[grid] += float(graph.loads[block])
            comms[grid] = int(graph.communities[block])
        return cls(graph, assign.copy(), members, loads, comms, list(labels))

    def restore(self, assign: np.ndarray) -> None:
        """Go back to an earlier grid index per block (same grids, recomputed loads)."""
        self.assign = assign.copy()
        self.members = [set() for _ in self.members]
        self.loads = [0.0] * len(self.members)
        for block, grid in enumerate(self.assign):
            self.members[grid].add(block)
            self.loads[grid] += float(self.graph.loads[block])

    def active(self) -> list[int]:
        """Indices of grids that still have blocks."""
        return [g for g, m in enumerate(self.members) if m]

    def grids_in(self, community: int) -> list[int]:
        """Non-empty grids of one community."""
        return [g for g in self.active() if self.communities[g] == community]

    def move(self, block: int, target: int) -> None:
        """Move one block to another grid."""
        source = int(self.assign[block])
        weight = float(self.graph.loads[block])
        self.members[source].discard(block)
        self.members[target].add(block)
        self.loads[source] -= weight
        self.loads[target] += weight
        self.assign[block] = target

    def stays_connected_without(self, block: int) -> bool:
        """True when the block's grid is still one piece after removing the block."""
        grid = int(self.assign[block])
        members = self.members[grid]
        inside = [n for n in self.graph.neighbours[block] if n in members]
        if len(members) <= 1 or not inside:
            return False
        if len(inside) == 1:
            return True
        return self._reach(inside[0], members, block) == len(members) - 1

    def _reach(self, start: int, members: set[int], skip: int) -> int:
        seen = {start, skip}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nb in self.graph.neighbours[node]:
                if nb not in seen and nb in members:
                    seen.add(nb)
                    queue.append(nb)
        return len(seen) - 1

    def neighbour_grids(self, grid: int) -> set[int]:
        """Grids that touch this one (through real or virtual edges)."""
        found: set[int] = set()
        for block in self.members[grid]:
            for nb in self.graph.neighbours[block]:
                other = int(self.assign[nb])
                if other != grid:
                    found.add(other)
        return found

    def add_grid(self, community: int, label: str | None) -> int:
        """A new empty grid; returns its index."""
        self.members.append(set())
        self.loads.append(0.0)
        self.communities.append(community)
        self.labels.append(label)
        return len(self.members) - 1


def grow_grids(
    graph: BlockGraph, blocks: list[int], count: int, rng: np.random.Generator
) -> dict[int, int]:
    """Split ``blocks`` into ``count`` contiguous parts; returns block -> part number."""
    count = max(1, min(count, len(blocks)))
    seeds = _spread_seeds(graph.centroids[blocks], count, rng)
    inside = set(blocks)
    part: dict[int, int] = {}
    loads = [0.0] * count
    frontier: list[list[tuple[float, int]]] = [[] for _ in range(count)]
    seed_xy = graph.centroids[[blocks[s] for s in seeds]]
    for p, s in enumerate(seeds):
        _claim(graph, blocks[s], p, part, loads, frontier, seed_xy, inside)
    order = [(loads[p], p) for p in range(count)]
    heapq.heapify(order)
    while order:
        _, p = heapq.heappop(order)
        if _take_next(graph, p, part, loads, frontier, seed_xy, inside):
            heapq.heappush(order, (loads[p], p))
    _assign_unreached(graph, blocks, part, seed_xy)
    return part


def _spread_seeds(points: np.ndarray, count: int, rng: np.random.Generator) -> list[int]:
    first = int(rng.integers(len(points)))
    seeds = [first]
    nearest = np.sum((points - points[first]) ** 2, axis=1)
    while len(seeds) < count:
        total = float(nearest.sum())
        if total <= 0:
            free = [i for i in range(len(points)) if i not in set(seeds)]
            pick = int(rng.choice(free))
        else:
            pick = int(rng.choice(len(points), p=nearest / total))
        if pick in seeds:
            continue
        seeds.append(pick)
        nearest = np.minimum(nearest, np.sum((points - points[pick]) ** 2, axis=1))
    return seeds


def _claim(
    graph: BlockGraph,
    block: int,
    p: int,
    part: dict[int, int],
    loads: list[float],
    frontier: list[list[tuple[float, int]]],
    seed_xy: np.ndarray,
    inside: set[int],
) -> None:
    part[block] = p
    loads[p] += float(graph.loads[block])
    for nb in graph.neighbours[block]:
        if nb in inside and nb not in part:
            distance = float(np.sum((graph.centroids[nb] - seed_xy[p]) ** 2))
            heapq.heappush(frontier[p], (distance, nb))


def _take_next(
    graph: BlockGraph,
    p: int,
    part: dict[int, int],
    loads: list[float],
    frontier: list[list[tuple[float, int]]],
    seed_xy: np.ndarray,
    inside: set[int],
) -> bool:
    while frontier[p]:
        _, block = heapq.heappop(frontier[p])
        if block not in part:
            _claim(graph, block, p, part, loads, frontier, seed_xy, inside)
            return True
    return False


def _assign_unreached(
    graph: BlockGraph, blocks: list[int], part: dict[int, int], seed_xy: np.ndarray
) -> None:
    # Only happens when the blocks are not connected; the caller reports contiguity.
    for block in blocks:
        if block not in part:
            distances = np.sum((seed_xy - graph.centroids[block]) ** 2, axis=1)
            part[block] = int(np.argmin(distances))


def split_grid(partition: Partition, grid: int, rng: np.random.Generator, label: str) -> int:
    """Cut one grid into two contiguous halves of similar load; returns the new grid."""
    blocks = sorted(partition.members[grid])
    parts = grow_grids(partition.graph, blocks, 2, rng)
    kept = _part_keeping_pins(partition.graph, parts)
    new = partition.add_grid(partition.communities[grid], label)
    for block, p in parts.items():
        if p != kept:
            partition.move(block, new)
    return new


def _part_keeping_pins(graph: BlockGraph, parts: dict[int, int]) -> int:
    pinned = [p for b, p in parts.items() if graph.fixed[b]]
    if pinned:
        return max(set(pinned), key=pinned.count)
    sizes = [sum(int(graph.sizes[b]) for b, p in parts.items() if p == k) for k in (0, 1)]
    return 0 if sizes[0] >= sizes[1] else 1


def merge_grid(partition: Partition, grid: int) -> int | None:
    """Fold a grid into its lightest neighbour in the same community; returns that grid."""
    community = partition.communities[grid]
    options = [h for h in partition.neighbour_grids(grid) if partition.communities[h] == community]
    if not options:
        return None
    target = min(options, key=lambda h: partition.loads[h])
    for block in list(partition.members[grid]):
        partition.move(block, target)
    return target
