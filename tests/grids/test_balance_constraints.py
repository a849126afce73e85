"""Plan constraints: communities, fixed units, kept-together groups, reproducibility."""

from __future__ import annotations

from collections import defaultdict

from civicgrid.grids.balance import BalanceOptions, balance_units
from civicgrid.grids.synthetic import lattice_units
from civicgrid.grids.units import units_from_features


def test_grids_never_cross_communities() -> None:
    features = lattice_units(8, 8, seed=2, community_shape=(4, 8))["features"]
    units = units_from_features(features)
    result = balance_units(units, BalanceOptions(target_count=6, tolerance=0.1, seed=1))
    communities = defaultdict(set)
    for community, grid in zip(units.communities, result.new_grid):
        communities[grid].add(community)
    assert all(len(c) == 1 for c in communities.values())


def test_fixed_units_keep_their_current_grid() -> None:
    features = lattice_units(8, 8, seed=4, current_shape=(2, 4))["features"]
    for f in features[:16]:
        f["properties"]["fixed"] = True
    units = units_from_features(features, current_col="grid")
    result = balance_units(units, BalanceOptions(target_count=8, tolerance=0.03, seed=1))
    assert result.new_grid[:16] == units.current[:16]


def test_kept_together_units_share_one_grid() -> None:
    features = lattice_units(8, 8, seed=5)["features"]
    estate = [9, 10, 17, 18]
    for i in estate:
        features[i]["properties"]["keep_with"] = "estate-1"
    units = units_from_features(features)
    result = balance_units(units, BalanceOptions(target_count=8, tolerance=0.1, seed=2))
    assert len({result.new_grid[i] for i in estate}) == 1


def test_target_count_is_met_when_changing_the_number_of_grids() -> None:
    features = lattice_units(8, 8, seed=6, current_shape=(2, 4))["features"]
    units = units_from_features(features, current_col="grid")
    result = balance_units(units, BalanceOptions(target_count=10, tolerance=0.1, seed=1))
    assert len(set(result.new_grid)) == 10 and result.contiguous


def test_different_seeds_may_differ_but_each_is_contiguous() -> None:
    units = units_from_features(lattice_units(9, 9, seed=8)["features"])
    plans = [balance_units(units, BalanceOptions(target_count=9, tolerance=0.05, seed=s))
             for s in (1, 2)]
    assert all(p.contiguous for p in plans)


def test_exhausted_time_budget_returns_the_plan_so_far() -> None:
    units = units_from_features(lattice_units(6, 6, seed=9)["features"])
    result = balance_units(units, BalanceOptions(target_count=4, tolerance=0.05,
                                                 time_budget_seconds=1e-9))
    assert result.timed_out is True
    assert any(p.kind == "time_budget" for p in result.problems)
    assert len(result.new_grid) == 36 and result.contiguous


def test_fixed_units_without_a_current_plan_are_noted() -> None:
    features = lattice_units(4, 4, seed=9)["features"]
    features[0]["properties"]["fixed"] = True
    result = balance_units(units_from_features(features),
                           BalanceOptions(target_count=2, tolerance=0.2))
    assert [p.kind for p in result.problems if not p.blocking] == ["fixed_without_current"]


def test_changes_list_each_moved_unit_with_its_old_and_new_grid() -> None:
    features = lattice_units(6, 6, seed=4, current_shape=(3, 3))["features"]
    result = balance_units(units_from_features(features, current_col="grid"),
                           BalanceOptions(target_count=4, tolerance=0.03, seed=1))
    changes = result.changes()
    assert len(changes) == result.moved_units
    assert all(c["from"] != c["to"] for c in changes)


def test_tight_move_budget_never_leaves_the_plan_worse() -> None:
    features = lattice_units(12, 12, seed=21, current_shape=(3, 4))["features"]
    units = units_from_features(features, current_col="grid")
    for budget in (1, 2, 4):
        result = balance_units(units, BalanceOptions(target_count=12, tolerance=0.02,
                                                     max_moves=budget, seed=1))
        assert result.moved_units <= budget
        assert result.after.metrics["max_deviation"] <= result.before.metrics["max_deviation"]
        assert result.after.metrics["cv"] <= result.before.metrics["cv"]


def test_stray_piece_of_a_current_grid_is_folded_back_in_a_small_adjustment() -> None:
    features = lattice_units(4, 4, seed=3, current_shape=(2, 4))["features"]
    features[15]["properties"]["grid"] = "G0001"  # a far corner unit joins the top grid
    units = units_from_features(features, current_col="grid")
    result = balance_units(units, BalanceOptions(target_count=2, tolerance=0.5, max_moves=3))
    assert len(set(result.new_grid)) == 2 and result.contiguous
