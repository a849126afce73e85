"""ReCom repair re-draws a grid outside the tolerance together with a neighbour."""

from __future__ import annotations

import numpy as np
import pytest

from civicgrid.grids.contiguity import rook_graph
from civicgrid.grids.diffusion import MoveLedger, Tuning
from civicgrid.grids.partition import BlockGraph, Partition
from civicgrid.grids.recom import recom_repair
from civicgrid.grids.synthetic import lattice_units
from civicgrid.grids.units import units_from_features


def lopsided_pair() -> tuple[Partition, Tuning, MoveLedger]:
    units = units_from_features(lattice_units(4, 6, seed=3)["features"])
    graph = rook_graph(units.geometries)
    blocks = BlockGraph(units.loads, np.ones(len(units), dtype=int), np.zeros(len(units), int),
                        np.zeros(len(units), bool), graph.centroids, graph.neighbours)
    assign = np.array([0 if i % 6 < 2 else 1 for i in range(len(units))])
    partition = Partition.from_assignment(blocks, assign, ["A", "B"])
    target = float(units.loads.sum()) / 2
    tuning = Tuning(target=target, tolerance=0.05, community_means={0: target}, size_scale=1.0,
                    seed=1)
    return partition, tuning, MoveLedger(home=assign.copy(), sizes=blocks.sizes)


def test_out_of_tolerance_pair_is_resplit_within_tolerance() -> None:
    pytest.importorskip("gerrychain")
    partition, tuning, ledger = lopsided_pair()
    assert recom_repair(partition, tuning, ledger) == 1
    assert all(abs(load - tuning.target) <= 0.05 * tuning.target for load in partition.loads)


def test_move_budget_blocks_a_costly_resplit() -> None:
    pytest.importorskip("gerrychain")
    partition, tuning, ledger = lopsided_pair()
    tuning.budget = 1
    assert recom_repair(partition, tuning, ledger) == 0


def test_without_gerrychain_the_repair_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "gerrychain", None)
    partition, tuning, ledger = lopsided_pair()
    before = partition.assign.copy()
    assert recom_repair(partition, tuning, ledger) == 0
    assert (partition.assign == before).all()
