"""Diffusion repartitioning: move boundary blocks between grids until loads are even.

Three steps, repeated a few rounds (seeded and deterministic for a given seed):

1. **Flow.** For the grids of one community and their adjacency, solve the graph-Laplacian
   system ``L phi = b`` with ``b`` each grid's load minus the community mean; the flow on an
   edge ``(g, h)`` is ``phi_g - phi_h``. This is the minimal 2-norm flow that evens out the
   loads (Hu & Blake, "An improved diffusion algorithm for dynamic load balancing", Parallel
   Computing 25, 1999; the scheme behind adaptive repartitioners such as ParMETIS), so it
   moves as little load as possible. The flow is then carried out by moving boundary blocks
   from the sending grid to the receiving one, best-fitting blocks first. With a move budget
   (small adjustment) the flow is scaled down to what brings every grid inside the tolerance,
   and skipped when even that needs more moves than are left (a flow cut short would drain
   the grids in the middle of a chain).
2. **Refinement.** A local search over boundary blocks (in the manner of Fiduccia-Mattheyses
   and AZP): a block moves to a neighbouring grid when that lowers the cost

   ``P * max(0, |L - m| / m - t)^2 + S [|L - m| > t m] + eps * ((L - m_c) / m)^2``
   summed over grids (``S`` a fixed step for each grid outside the tolerance),
   ``+ beta * cut length / unit size`` (compactness) ``+ mu * units moved from their start``

   where ``m`` is the target load (total / N), ``m_c`` the community's mean grid load and
   ``t`` the tolerance (with a 5% safety margin). A move never splits the grid it leaves,
   never moves a fixed block and never exceeds the move budget.
3. **Ejection chains.** Single moves stall when every neighbour of a grid outside the
   tolerance is itself near the edge. For each such grid a depth-limited search tries short
   chains of moves (push a block out, the receiver pushes one on, ...; or the mirror image
   pulling blocks in, which includes swaps) and keeps the first chain that lowers the cost
   (Glover's ejection chains, as used in districting local search).

After the rounds, a small adjustment still outside the band spends what is left of its
budget on evenness, a few stubborn grids get longer chains, and the best plan seen (by the
cost above) is kept, so a run never returns a plan worse than its start. Without a budget a
last refinement pass shortens boundaries with moves that keep every grid inside the band.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.linalg import spsolve

from civicgrid.grids.partition import Partition

log = logging.getLogger(__name__)

BAND_PENALTY = 200.0
OUTSIDE_PENALTY = 0.05
CHAIN_DEPTH = 3
DEEP_CHAIN_DEPTH = 5
DEEP_CHAIN_GRIDS = 20
CHAIN_BRANCHING = 6


@dataclass
class Tuning:
    """Cost weights and limits for one balancing run."""

    target: float
    tolerance: float
    community_means: dict[int, float]
    size_scale: float
    variance_weight: float = 1.0
    compactness_weight: float = 5e-4
    move_cost: float = 0.0
    budget: int | None = None
    scale_flows: bool = False
    deadline: float = float("inf")
    seed: int = 0
    hard_band: bool = False

    @property
    def inner_tolerance(self) -> float:
        """The tolerance with a small safety margin, used inside the cost."""
        return 0.95 * self.tolerance


@dataclass
class MoveLedger:
    """Where each block started, and how many units have left their start grid."""

    home: np.ndarray
    sizes: np.ndarray
    moved: int = 0

    def cost_units(self, block: int, source: int, target: int) -> int:
        """Change in moved units if the block goes from ``source`` to ``target``."""
        size = int(self.sizes[block])
        if self.home[block] == source:
            return size
        if self.home[block] == target:
            return -size
        return 0

    def record(self, block: int, source: int, target: int) -> None:
        """Count a move that was made."""
        self.moved += self.cost_units(block, source, target)


def balance(partition: Partition, tuning: Tuning, ledger: MoveLedger, rounds: int = 8) -> bool:
    """Run flow and refinement rounds; returns False when the deadline stopped it."""
    best = _Snapshot.take(partition, tuning, ledger)
    previous = best.cost
    for number in range(rounds):
        if time.monotonic() > tuning.deadline:
            break
        flow_round(partition, tuning, ledger)
        refine(partition, tuning, ledger)
        if not _all_inside(partition, tuning):
            repair_chains(partition, tuning, ledger)
            refine(partition, tuning, ledger)
        cost = total_cost(partition, tuning)
        best = best.better_of(partition, tuning, ledger)
        log.debug("round %s: cost %.6f, moved %s", number + 1, cost, ledger.moved)
        if cost > previous - 1e-9 or _all_inside(partition, tuning):
            break
        previous = cost
    if not _all_inside(partition, tuning) and tuning.variance_weight < 1.0:
        _spend_budget_on_evenness(partition, tuning, ledger)
    if 0 < len(_outside_grids(partition, tuning)) <= DEEP_CHAIN_GRIDS:
        # A few stubborn grids left: longer chains are affordable for so few.
        repair_chains(partition, tuning, ledger, depth=DEEP_CHAIN_DEPTH)
    best.better_of(partition, tuning, ledger).restore(partition, ledger)
    if tuning.budget is None:
        polish_shapes(partition, tuning, ledger)
    return time.monotonic() <= tuning.deadline


@dataclass
class _Snapshot:
    """A plan and its cost, so a round that made things worse can be undone."""

    cost: float
    assign: np.ndarray
    moved: int

    @classmethod
    def take(cls, partition: Partition, tuning: Tuning, ledger: MoveLedger) -> _Snapshot:
        return cls(_plan_cost(partition, tuning, ledger), partition.assign.copy(), ledger.moved)

    def better_of(self, partition: Partition, tuning: Tuning, ledger: MoveLedger) -> _Snapshot:
        now = _plan_cost(partition, tuning, ledger)
        if now < self.cost - 1e-12:
            return _Snapshot(now, partition.assign.copy(), ledger.moved)
        return self

    def restore(self, partition: Partition, ledger: MoveLedger) -> None:
        if not np.array_equal(self.assign, partition.assign):
            partition.restore(self.assign)
            ledger.moved = self.moved


def _plan_cost(partition: Partition, tuning: Tuning, ledger: MoveLedger) -> float:
    return total_cost(partition, tuning) + tuning.move_cost * ledger.moved


def polish_shapes(partition: Partition, tuning: Tuning, ledger: MoveLedger) -> None:
    """Shorten grid boundaries with moves that keep every grid's load inside the band."""
    saved = (tuning.variance_weight, tuning.compactness_weight, tuning.hard_band)
    tuning.variance_weight = 0.1 * saved[0]
    tuning.compactness_weight = 10 * saved[1]
    tuning.hard_band = True
    try:
        refine(partition, tuning, ledger)
    finally:
        tuning.variance_weight, tuning.compactness_weight, tuning.hard_band = saved


def _spend_budget_on_evenness(partition: Partition, tuning: Tuning, ledger: MoveLedger) -> None:
    """Small adjustment stuck outside the band: push towards equal loads within the budget."""
    saved = (tuning.variance_weight, tuning.scale_flows)
    tuning.variance_weight, tuning.scale_flows = 1.0, False
    try:
        refine(partition, tuning, ledger)
        repair_chains(partition, tuning, ledger)
    finally:
        tuning.variance_weight, tuning.scale_flows = saved


def grid_cost(load: float, community_mean: float, tuning: Tuning) -> float:
    """Cost of one grid's load: band penalty, a step for leaving the tolerance, spread."""
    target = tuning.target
    deviation = abs(load - target) / target
    excess = max(0.0, deviation - tuning.inner_tolerance)
    step = OUTSIDE_PENALTY if deviation > tuning.tolerance else 0.0
    spread = (load - community_mean) / target
    return BAND_PENALTY * excess * excess + step + tuning.variance_weight * spread * spread


def total_cost(partition: Partition, tuning: Tuning) -> float:
    """Sum of grid costs (compactness and moves excluded)."""
    return sum(
        grid_cost(partition.loads[g], tuning.community_means[partition.communities[g]], tuning)
        for g in partition.active()
    )


def _all_inside(partition: Partition, tuning: Tuning) -> bool:
    target = tuning.target
    return all(
        abs(partition.loads[g] - target) <= tuning.inner_tolerance * target
        for g in partition.active()
    )


def flow_round(partition: Partition, tuning: Tuning, ledger: MoveLedger) -> None:
    """Compute the balancing flow in each community and carry it out with block moves.

    With a move budget the flow is skipped when carrying it out would need more moves than
    are left: a flow cut short drains the grids in the middle of a chain, so the budget is
    better spent by the cost-lowering refinement and ejection chains.
    """
    flows = []
    for community in sorted(set(partition.communities[g] for g in partition.active())):
        grids = partition.grids_in(community)
        if len(grids) >= 2:
            flows += _community_flows(partition, grids, tuning)
    if tuning.budget is not None:
        unit_load = float(np.mean(partition.graph.loads / partition.graph.sizes)) or 1.0
        needed = sum(amount for _, _, amount in flows) / unit_load
        if needed > tuning.budget - ledger.moved:
            log.debug("flow needs about %.0f moves, %s left: skipped", needed,
                      tuning.budget - ledger.moved)
            return
    for sender, receiver, amount in flows:
        if time.monotonic() > tuning.deadline:
            return
        _carry_flow(partition, sender, receiver, amount, tuning, ledger)


def _community_flows(
    partition: Partition, grids: list[int], tuning: Tuning
) -> list[tuple[int, int, float]]:
    loads = np.array([partition.loads[g] for g in grids])
    excess = loads - loads.mean()
    share = _flow_share(loads, tuning)
    if share <= 0:
        return []
    position = {g: i for i, g in enumerate(grids)}
    edges = {
        (min(position[g], position[h]), max(position[g], position[h]))
        for g in grids
        for h in partition.neighbour_grids(g)
        if h in position
    }
    potential = _solve_laplacian(len(grids), sorted(edges), share * excess)
    flows = []
    for a, b in edges:
        amount = float(potential[a] - potential[b])
        sender, receiver = (grids[a], grids[b]) if amount > 0 else (grids[b], grids[a])
        flows.append((sender, receiver, abs(amount)))
    return sorted(flows, key=lambda f: -f[2])


def _flow_share(loads: np.ndarray, tuning: Tuning) -> float:
    """1 for a full rebalance; with scaling, the share that brings grids inside the band."""
    if not tuning.scale_flows:
        return 1.0
    target, band = tuning.target, tuning.inner_tolerance * tuning.target
    worst = float(np.max(np.abs(loads - loads.mean())))
    if float(np.max(np.abs(loads - target))) <= band or worst <= 0:
        return 0.0
    room = band - abs(float(loads.mean()) - target)
    return 1.0 if room <= 0 else float(np.clip(1.0 - room / worst, 0.0, 1.0))


def _solve_laplacian(count: int, edges: list[tuple[int, int]], rhs: np.ndarray) -> np.ndarray:
    """Potentials with node 0 grounded, per connected component of the grid graph."""
    potential = np.zeros(count)
    for component in _components(count, edges):
        if len(component) < 2:
            continue
        index = {node: i for i, node in enumerate(component)}
        local = [(index[a], index[b]) for a, b in edges if a in index and b in index]
        size = len(component)
        rows, cols, vals = [], [], []
        degree = np.zeros(size)
        for a, b in local:
            rows += [a, b]
            cols += [b, a]
            vals += [-1.0, -1.0]
            degree[a] += 1
            degree[b] += 1
        rows += list(range(size))
        cols += list(range(size))
        vals += list(degree)
        lap = csr_matrix((vals, (rows, cols)), shape=(size, size))
        b = rhs[component] - rhs[component].mean()
        reduced = np.asarray(spsolve(lap[1:, 1:].tocsc(), b[1:])).ravel()
        potential[component] = np.concatenate([[0.0], reduced])
    return potential


def _components(count: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    parent = list(range(count))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for node in range(count):
        groups.setdefault(find(node), []).append(node)
    return list(groups.values())


def _carry_flow(
    partition: Partition,
    sender: int,
    receiver: int,
    amount: float,
    tuning: Tuning,
    ledger: MoveLedger,
) -> None:
    remaining = amount
    while remaining > 0 and len(partition.members[sender]) > 1:
        block = _best_block_to_send(partition, sender, receiver, remaining, tuning, ledger)
        if block is None:
            return
        ledger.record(block, sender, receiver)
        partition.move(block, receiver)
        remaining -= float(partition.graph.loads[block])


def _best_block_to_send(
    partition: Partition,
    sender: int,
    receiver: int,
    remaining: float,
    tuning: Tuning,
    ledger: MoveLedger,
) -> int | None:
    graph = partition.graph
    scored: list[tuple[float, int]] = []
    for block in partition.members[sender]:
        weight = float(graph.loads[block])
        if graph.fixed[block] or abs(remaining - weight) >= remaining:
            continue
        own, toward = _shared(partition, block, sender, receiver)
        if toward is None or not _within_budget(block, sender, receiver, tuning, ledger):
            continue
        fit = abs(remaining - weight) / tuning.target
        shape = tuning.compactness_weight * (own - toward) / tuning.size_scale
        scored.append((fit + shape, block))
    for _, block in sorted(scored):
        if partition.stays_connected_without(block):
            return block
    return None


def _shared(
    partition: Partition, block: int, own_grid: int, other: int
) -> tuple[float, float | None]:
    own, toward, touches = 0.0, 0.0, False
    for nb, length in partition.graph.neighbours[block].items():
        grid = partition.assign[nb]
        if grid == own_grid:
            own += length
        elif grid == other:
            toward += length
            touches = True
    return own, (toward if touches else None)


def _within_budget(
    block: int, source: int, target: int, tuning: Tuning, ledger: MoveLedger
) -> bool:
    if tuning.budget is None:
        return True
    return ledger.moved + ledger.cost_units(block, source, target) <= tuning.budget


def refine(partition: Partition, tuning: Tuning, ledger: MoveLedger, passes: int = 40) -> None:
    """Local search: move single boundary blocks while that lowers the cost."""
    rng = np.random.default_rng(tuning.seed)
    for _ in range(passes):
        moves = 0
        for block in rng.permutation(len(partition.assign)):
            if time.monotonic() > tuning.deadline:
                return
            moves += _try_move(partition, int(block), tuning, ledger)
        if moves == 0:
            return


def _try_move(partition: Partition, block: int, tuning: Tuning, ledger: MoveLedger) -> int:
    graph = partition.graph
    if graph.fixed[block]:
        return 0
    source = int(partition.assign[block])
    if len(partition.members[source]) <= 1:
        return 0
    own, foreign = _boundary(partition, block, source)
    if not foreign:
        return 0
    best, best_gain = None, -1e-12
    leave = _leave_change(partition, block, source, tuning)
    for target, length in foreign.items():
        change = leave + _join_change(partition, block, target, tuning)
        change += tuning.compactness_weight * (own - length) / tuning.size_scale
        change += tuning.move_cost * ledger.cost_units(block, source, target)
        if change < best_gain and _allowed(partition, block, source, target, tuning, ledger):
            best, best_gain = target, change
    if best is None or not partition.stays_connected_without(block):
        return 0
    ledger.record(block, source, best)
    partition.move(block, best)
    return 1


def _allowed(
    partition: Partition, block: int, source: int, target: int, tuning: Tuning,
    ledger: MoveLedger,
) -> bool:
    if not _within_budget(block, source, target, tuning, ledger):
        return False
    if not tuning.hard_band:
        return True
    weight = float(partition.graph.loads[block])
    band = tuning.inner_tolerance * tuning.target
    return (
        abs(partition.loads[source] - weight - tuning.target) <= band
        and abs(partition.loads[target] + weight - tuning.target) <= band
    )


def _boundary(partition: Partition, block: int, source: int) -> tuple[float, dict[int, float]]:
    own = 0.0
    foreign: dict[int, float] = {}
    for nb, length in partition.graph.neighbours[block].items():
        grid = int(partition.assign[nb])
        if grid == source:
            own += length
        else:
            foreign[grid] = foreign.get(grid, 0.0) + length
    return own, foreign


def _leave_change(partition: Partition, block: int, grid: int, tuning: Tuning) -> float:
    mean = tuning.community_means[partition.communities[grid]]
    load = partition.loads[grid]
    weight = float(partition.graph.loads[block])
    return grid_cost(load - weight, mean, tuning) - grid_cost(load, mean, tuning)


def _join_change(partition: Partition, block: int, grid: int, tuning: Tuning) -> float:
    mean = tuning.community_means[partition.communities[grid]]
    load = partition.loads[grid]
    weight = float(partition.graph.loads[block])
    return grid_cost(load + weight, mean, tuning) - grid_cost(load, mean, tuning)


def repair_chains(
    partition: Partition, tuning: Tuning, ledger: MoveLedger, depth: int = CHAIN_DEPTH
) -> int:
    """Fix grids outside the tolerance with short chains of moves; returns chains applied."""
    applied = 0
    for _ in range(20):
        found = 0
        for grid in _outside_grids(partition, tuning):
            if time.monotonic() > tuning.deadline:
                return applied + found
            if not partition.members[grid] or not _outside(partition, tuning, grid):
                continue
            push = partition.loads[grid] > tuning.target
            found += _chain(partition, tuning, ledger, grid, push, 1, 0.0, set(), depth)
        applied += found
        if found == 0:
            break
    return applied


def _outside(partition: Partition, tuning: Tuning, grid: int) -> bool:
    return abs(partition.loads[grid] - tuning.target) > tuning.inner_tolerance * tuning.target


def _outside_grids(partition: Partition, tuning: Tuning) -> list[int]:
    target = tuning.target
    outside = [
        g for g in partition.active()
        if abs(partition.loads[g] - target) > tuning.inner_tolerance * target
    ]
    return sorted(outside, key=lambda g: -abs(partition.loads[g] - target))


def _chain(
    partition: Partition, tuning: Tuning, ledger: MoveLedger, grid: int, push: bool,
    level: int, so_far: float, used: set[int], depth: int,
) -> bool:
    for change, block, source, target in _chain_moves(partition, tuning, ledger, grid, push, used):
        ledger.record(block, source, target)
        partition.move(block, target)
        if so_far + change < -1e-9:
            return True
        if level < depth:
            following = target if push else source
            if _chain(partition, tuning, ledger, following, push, level + 1, so_far + change,
                      used | {block}, depth):
                return True
        partition.move(block, source)
        ledger.record(block, target, source)
    return False


def _chain_moves(
    partition: Partition, tuning: Tuning, ledger: MoveLedger, grid: int, push: bool,
    used: set[int],
) -> list[tuple[float, int, int, int]]:
    """The most promising single moves out of (push) or into (pull) one grid."""
    options: list[tuple[float, int, int, int]] = []
    candidates = partition.members[grid] if push else _outer_ring(partition, grid)
    for block in candidates:
        if block in used or partition.graph.fixed[block]:
            continue
        source = int(partition.assign[block])
        if len(partition.members[source]) <= 1:
            continue
        own, foreign = _boundary(partition, block, source)
        targets = foreign.items() if push else [(grid, foreign.get(grid, 0.0))]
        for target, length in targets:
            if not _within_budget(block, source, target, tuning, ledger):
                continue
            change = _leave_change(partition, block, source, tuning)
            change += _join_change(partition, block, target, tuning)
            change += tuning.compactness_weight * (own - length) / tuning.size_scale
            change += tuning.move_cost * ledger.cost_units(block, source, target)
            options.append((change, block, source, target))
    options.sort()
    chosen = []
    for option in options:
        if partition.stays_connected_without(option[1]):
            chosen.append(option)
            if len(chosen) == CHAIN_BRANCHING:
                break
    return chosen


def _outer_ring(partition: Partition, grid: int) -> set[int]:
    ring: set[int] = set()
    for block in partition.members[grid]:
        for nb in partition.graph.neighbours[block]:
            if partition.assign[nb] != grid:
                ring.add(nb)
    return ring
