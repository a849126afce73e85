"""Did a class shrink after its governance ticket by more than chance?

Case counts of a class per period are modelled as Poisson. To compare a rate before and after
the ticket (or this year against the same periods last year) we use the conditional test for
two Poisson means (Przyborowski and Wilenski 1940, "Homogeneity of results in testing samples
from Poisson series", Biometrika 31(3/4):313-323; see also Krishnamoorthy and Thomson 2004,
J. Statist. Plann. Inference 119:23-35): given ``k1`` cases over exposure ``t1`` (number of
periods) and ``k2`` over ``t2``, under equal rates ``k2 | k1 + k2`` is
Binomial(``k1 + k2``, ``t2 / (t1 + t2)``). The p-value is the exact two-sided binomial test,
and the confidence interval of the rate ratio ``(k2/t2)/(k1/t1)`` comes from the
Clopper-Pearson interval of the binomial proportion.

Year on year: the after periods are compared with the same periods of the previous year,
which removes seasonality (more noise complaints in summer) that a before/after comparison
would mistake for an effect. When both last-year series are given, the ratio of the two
ratios (this year's change over last year's change for the same calendar periods) is also
reported as a point estimate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from scipy.stats import binomtest

log = logging.getLogger(__name__)

FEW_CASES = 10


@dataclass
class RateComparison:
    """Two Poisson rates compared by the conditional binomial test."""

    before_cases: int
    before_periods: int
    after_cases: int
    after_periods: int
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float
    verdict: str
    notes: list[str] = field(default_factory=list)


@dataclass
class GovernanceEffect:
    """Before/after and year-on-year comparisons of one class's case counts."""

    before_after: RateComparison
    year_on_year: RateComparison | None
    seasonal_ratio: float | None
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def compare_rates(
    before: Sequence[int], after: Sequence[int], *, alpha: float = 0.05
) -> RateComparison:
    """Conditional binomial test of equal Poisson rates for two per-period count series."""
    _check_series("before", before)
    _check_series("after", after)
    k1, k2, t1, t2 = int(sum(before)), int(sum(after)), len(before), len(after)
    notes: list[str] = []
    if k1 + k2 == 0:
        notes.append("no cases in either period: nothing to test")
        return RateComparison(k1, t1, k2, t2, None, None, None, 1.0, "no data", notes)
    result = binomtest(k2, k1 + k2, t2 / (t1 + t2))
    low, high = result.proportion_ci(confidence_level=1 - alpha, method="exact")
    ratio = _ratio(k2 / t2, k1 / t1)
    if k1 + k2 < FEW_CASES:
        notes.append(
            f"only {k1 + k2} case(s) in all: the test has little power, a real change may be missed"
        )
    verdict = _verdict(result.pvalue, alpha, ratio)
    return RateComparison(
        k1, t1, k2, t2, ratio, _odds_to_ratio(low, t1, t2), _odds_to_ratio(high, t1, t2),
        float(result.pvalue), verdict, notes,
    )


def governance_effect(
    before: Sequence[int],
    after: Sequence[int],
    *,
    after_last_year: Sequence[int] | None = None,
    before_last_year: Sequence[int] | None = None,
    alpha: float = 0.05,
) -> GovernanceEffect:
    """The effect of a ticket on a class: before vs after, and after vs a year earlier."""
    before_after = compare_rates(before, after, alpha=alpha)
    year_on_year = None
    if after_last_year is not None:
        year_on_year = compare_rates(after_last_year, after, alpha=alpha)
    seasonal = None
    if after_last_year is not None and before_last_year is not None:
        this_year = before_after.rate_ratio
        last_year = compare_rates(before_last_year, after_last_year, alpha=alpha).rate_ratio
        if this_year is not None and last_year:
            seasonal = round(this_year / last_year, 4)
    summary = _summary(before_after, year_on_year)
    return GovernanceEffect(before_after, year_on_year, seasonal, summary)


def _check_series(name: str, series: Sequence[int]) -> None:
    if len(series) == 0:
        raise ValueError(f"`{name}` has no periods; give at least one period's case count")
    bad = [v for v in series if v is None or v < 0 or int(v) != v]
    if bad:
        raise ValueError(f"`{name}` must hold whole case counts >= 0; got {bad[:3]}")


def _ratio(after_rate: float, before_rate: float) -> float | None:
    if before_rate == 0:
        return None
    return round(after_rate / before_rate, 4)


def _odds_to_ratio(p: float, t1: int, t2: int) -> float | None:
    # p is the share of cases in the after periods; rate ratio = p/(1-p) * t1/t2.
    if p >= 1.0:
        return None
    return round(p / (1 - p) * t1 / t2, 4)


def _verdict(p_value: float, alpha: float, ratio: float | None) -> str:
    if p_value >= alpha:
        return "no change beyond chance"
    if ratio is None or ratio > 1:
        return "increased"
    return "decreased"


def _summary(before_after: RateComparison, year_on_year: RateComparison | None) -> str:
    parts = [f"before→after: {before_after.verdict} (p={before_after.p_value:.3g})"]
    if year_on_year is not None:
        parts.append(f"year on year: {year_on_year.verdict} (p={year_on_year.p_value:.3g})")
    return "; ".join(parts)
