"""Blocks: the units the balancer moves, and the links that keep communities in one piece.

A block is one unit, or all units sharing a ``keep_with`` value (a large estate that must
stay whole). :func:`build_blocks` contracts the unit graph into a block graph whose edges
stay inside a community (new grids never cross communities), with summed shared boundary
lengths. :func:`link_pieces` then joins the separate pieces of a community (islands,
exclaves) with virtual edges between nearest blocks, found in Boruvka rounds over a k-d
tree, so every community can be grown and balanced; the final contiguity check still uses
only real shared edges, so a plan that relies on a virtual edge is reported as not
contiguous.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from typing import Any

import numpy as np

from civicgrid.grids.contiguity import UnitGraph
from civicgrid.grids.partition import BlockGraph
from civicgrid.grids.units import Problem, UnitSet

log = logging.getLogger(__name__)


def build_blocks(
    units: UnitSet, graph: UnitGraph, problems: list[Problem]
) -> tuple[BlockGraph, np.ndarray, list[str]]:
    """Contract ``keep_with`` groups into blocks; neighbours only inside a community."""
    keys = [
        f"group:{units.keep_with[i]}" if units.keep_with and units.keep_with[i] else f"unit:{i}"
        for i in range(len(units))
    ]
    index: dict[str, int] = {}
    block_of = np.array([index.setdefault(k, len(index)) for k in keys], dtype=int)
    count = len(index)
    names = sorted(set(units.communities))
    number = {name: i for i, name in enumerate(names)}
    community_of_unit = np.array([number[c] for c in units.communities], dtype=int)
    communities = _block_communities(units, block_of, community_of_unit, count, problems)
    blocks = BlockGraph(
        loads=np.bincount(block_of, weights=units.loads, minlength=count),
        sizes=np.bincount(block_of, minlength=count),
        communities=communities,
        fixed=np.bincount(block_of, weights=units.fixed.astype(float), minlength=count) > 0,
        centroids=_block_centroids(graph, block_of, count),
        neighbours=[{} for _ in range(count)],
    )
    for unit, nbrs in enumerate(graph.neighbours):
        a = block_of[unit]
        for other, length in nbrs.items():
            b = block_of[other]
            if a != b and communities[a] == communities[b]:
                blocks.neighbours[a][b] = blocks.neighbours[a].get(b, 0.0) + length
    return blocks, block_of, names


def _block_communities(
    units: UnitSet, block_of: np.ndarray, unit_comm: np.ndarray, count: int,
    problems: list[Problem],
) -> np.ndarray:
    members: list[list[int]] = [[] for _ in range(count)]
    for unit, block in enumerate(block_of):
        members[block].append(unit)
    result = np.zeros(count, dtype=int)
    split: list[str] = []
    for block, units_of in enumerate(members):
        votes = Counter(int(unit_comm[u]) for u in units_of)
        result[block] = votes.most_common(1)[0][0]
        if len(votes) > 1:
            split.extend(units.ids[u] for u in units_of)
    if split:
        problems.append(Problem(
            "group_crosses_community",
            "some keep_with groups span two communities; each was put in its main community.",
            split, blocking=False,
        ))
    return result


def _block_centroids(graph: UnitGraph, block_of: np.ndarray, count: int) -> np.ndarray:
    weights = np.maximum(graph.areas, 1e-12)
    sums = np.zeros((count, 2))
    np.add.at(sums, block_of, graph.centroids * weights[:, None])
    total = np.bincount(block_of, weights=weights, minlength=count)
    return sums / total[:, None]


def link_pieces(blocks: BlockGraph, names: list[str], problems: list[Problem]) -> None:
    """Join the separate pieces of each community with virtual edges to the nearest block."""
    broken: list[str] = []
    for community in range(len(names)):
        members = [int(m) for m in np.flatnonzero(blocks.communities == community)]
        pieces = _pieces(blocks, np.array(members))
        if len(pieces) < 2:
            continue
        broken.append(names[community] or "(no community)")
        for a, b in _bridges(blocks, members, pieces):
            blocks.neighbours[a][b] = 0.0
            blocks.neighbours[b][a] = 0.0
            blocks.virtual_edges.append((a, b))
    if broken:
        problems.append(Problem(
            "disconnected_community",
            f"{len(broken)} communit(ies) are not one connected piece ("
            + ", ".join(broken[:10]) + "); their pieces were joined to the nearest unit.",
            [], blocking=False,
        ))


def _pieces(blocks: BlockGraph, members: np.ndarray) -> list[list[int]]:
    inside = set(int(m) for m in members)
    seen: set[int] = set()
    pieces: list[list[int]] = []
    for start in inside:
        if start in seen:
            continue
        piece, queue = [start], deque([start])
        seen.add(start)
        while queue:
            node = queue.popleft()
            for nb in blocks.neighbours[node]:
                if nb in inside and nb not in seen:
                    seen.add(nb)
                    piece.append(nb)
                    queue.append(nb)
        pieces.append(piece)
    return pieces


def _bridges(
    blocks: BlockGraph, members: list[int], pieces: list[list[int]]
) -> list[tuple[int, int]]:
    """Shortest links joining all pieces into one (Boruvka rounds over a k-d tree)."""
    from scipy.spatial import cKDTree

    piece_of = {b: i for i, piece in enumerate(pieces) for b in piece}
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    points = blocks.centroids[members]
    tree = cKDTree(points)
    k, links = 8, []
    while len({root(i) for i in range(len(pieces))}) > 1:
        best = _closest_links(tree, points, members, piece_of, root, min(k, len(members)))
        for a, b in best.values():
            if root(piece_of[a]) != root(piece_of[b]):
                parent[root(piece_of[a])] = root(piece_of[b])
                links.append((a, b))
        k *= 2
    return links


def _closest_links(
    tree: Any, points: np.ndarray, members: list[int], piece_of: dict[int, int],
    root: Any, k: int,
) -> dict[int, tuple[int, int]]:
    distances, index = tree.query(points, k=k)
    distances, index = np.atleast_2d(distances), np.atleast_2d(index)
    if k == 1:
        distances, index = distances.T, index.T
    best: dict[int, tuple[float, tuple[int, int]]] = {}
    for row, block in enumerate(members):
        own = root(piece_of[block])
        for distance, other in zip(distances[row], index[row]):
            target = members[int(other)]
            if root(piece_of[target]) != own:
                if own not in best or distance < best[own][0]:
                    best[own] = (float(distance), (block, target))
                break
    return {group: link for group, (_, link) in best.items()}
