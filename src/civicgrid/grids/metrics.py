"""How even a set of loads is: coefficient of variation, max/min ratio, Gini, flags.

* ``cv``: population standard deviation divided by the mean (0 = perfectly even).
* ``max_min_ratio``: largest load over smallest; ``None`` when the smallest is 0.
* ``gini``: mean absolute difference over twice the mean (0 = even, towards 1 = one grid
  carries everything), computed from the sorted loads in O(n log n).

Over- and underloaded flags compare each load with the mean: above ``(1 + band) * mean`` is
overloaded, below ``(1 - band) * mean`` underloaded (``band`` defaults to 0.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class BalanceMetrics:
    """Evenness of loads across grids or workers."""

    count: int
    total: float
    mean: float
    cv: float
    max_min_ratio: float | None
    gini: float
    minimum: float
    maximum: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, numbers rounded to 4 decimals."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class LoadFlag:
    """One grid (or worker) outside the band around the mean."""

    key: str
    load: float
    deviation: float
    flag: str


def balance_metrics(loads: Sequence[float] | np.ndarray) -> BalanceMetrics:
    """cv, max/min ratio and Gini of a list of loads."""
    values = np.asarray(loads, dtype=float)
    if values.size == 0:
        return BalanceMetrics(0, 0.0, 0.0, 0.0, None, 0.0, 0.0, 0.0)
    mean = float(values.mean())
    low, high = float(values.min()), float(values.max())
    return BalanceMetrics(
        count=int(values.size),
        total=float(values.sum()),
        mean=mean,
        cv=float(values.std() / mean) if mean > 0 else 0.0,
        max_min_ratio=high / low if low > 0 else None,
        gini=gini(values),
        minimum=low,
        maximum=high,
    )


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 for an empty or all-zero list)."""
    x = np.sort(np.asarray(values, dtype=float))
    n, total = x.size, float(x.sum())
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x)) / (n * total) - (n + 1.0) / n)


def load_flags(loads: Mapping[str, float], band: float = 0.2) -> list[LoadFlag]:
    """Grids whose load is more than ``band`` (a fraction) above or below the mean."""
    if band < 0:
        raise ValueError(f"band={band} must be a non-negative fraction such as 0.2")
    if not loads:
        return []
    mean = float(np.mean(list(loads.values())))
    flags: list[LoadFlag] = []
    for key, load in loads.items():
        deviation = (load - mean) / mean if mean > 0 else 0.0
        if deviation > band:
            flags.append(LoadFlag(key, float(load), deviation, "overloaded"))
        elif deviation < -band:
            flags.append(LoadFlag(key, float(load), deviation, "underloaded"))
    return flags
