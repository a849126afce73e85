"""Balance metrics: cv, max/min ratio, Gini and load flags."""

from __future__ import annotations

import pytest

from civicgrid.grids.metrics import balance_metrics, gini, load_flags


def test_even_loads_have_zero_cv_and_gini() -> None:
    metrics = balance_metrics([5, 5, 5, 5])
    assert (metrics.cv, metrics.gini, metrics.max_min_ratio) == (0.0, 0.0, 1.0)


def test_gini_of_one_holder_of_everything() -> None:
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)


def test_cv_is_population_std_over_mean() -> None:
    assert balance_metrics([2, 4]).cv == pytest.approx(1 / 3)


def test_zero_minimum_gives_no_ratio() -> None:
    assert balance_metrics([0, 3]).max_min_ratio is None


def test_flags_mark_over_and_underloaded() -> None:
    flags = {f.key: f.flag for f in load_flags({"a": 100, "b": 140, "c": 60}, band=0.2)}
    assert flags == {"b": "overloaded", "c": "underloaded"}
