"""Governance effect: conditional binomial test of two Poisson rates."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from civicgrid.cli.main import app
from civicgrid.insights.effect import compare_rates, governance_effect


def test_clear_drop_is_significant_decrease() -> None:
    result = compare_rates([30, 28, 33, 31], [10, 12, 9, 11])
    assert result.verdict == "decreased"
    assert result.p_value < 0.001
    assert result.rate_ratio == pytest.approx(42 / 122, abs=1e-3)
    assert result.ci_low < result.rate_ratio < result.ci_high < 1


def test_steady_series_is_no_change_beyond_chance() -> None:
    result = compare_rates([20, 22, 19, 21], [21, 20, 22, 19])
    assert result.verdict == "no change beyond chance"
    assert result.p_value > 0.5


def test_known_p_value_of_exact_conditional_test() -> None:
    # 10 before and 2 after over equal periods: P(X<=2 | n=12, p=.5) * 2 = 0.0386.
    assert compare_rates([10], [2]).p_value == pytest.approx(0.03857, abs=1e-4)


def test_few_cases_carry_a_low_power_note() -> None:
    result = compare_rates([2, 1], [0, 1])
    assert result.notes and "little power" in result.notes[0]


def test_no_cases_at_all_is_no_data_not_an_error() -> None:
    assert compare_rates([0, 0], [0, 0]).verdict == "no data"


def test_year_on_year_uses_same_periods_last_year() -> None:
    effect = governance_effect([30, 30], [10, 10], after_last_year=[30, 31],
                               before_last_year=[30, 30])
    assert effect.year_on_year is not None and effect.year_on_year.verdict == "decreased"
    assert effect.seasonal_ratio == pytest.approx((20 / 60) / (61 / 60), abs=1e-3)


def test_negative_count_is_rejected_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="`after`"):
        compare_rates([3], [-1])


def test_effect_command_prints_one_json_object() -> None:
    result = CliRunner().invoke(app, ["classes", "effect", "--before", "30,28,33",
                                      "--after", "10,12,9", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["before_after"]["verdict"] == "decreased"
