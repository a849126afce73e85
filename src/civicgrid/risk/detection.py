"""The result every count detector returns over a :class:`~civicgrid.risk.counts.CountMatrix`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class DetectorRun:
    """Per series and day: whether a new alert was raised, its statistic and baseline.

    ``alarms`` marks new alerts only (a detector with suppression leaves the days it
    suppressed False); ``judged`` is False where the detector had too little history or the
    day was unobserved; ``p_value`` is NaN for detectors without one.
    """

    name: str
    alarms: np.ndarray
    statistic: np.ndarray
    baseline: np.ndarray
    judged: np.ndarray
    p_value: np.ndarray | None = None

    def alert_cells(self) -> tuple[np.ndarray, np.ndarray]:
        """(series index, day index) of every new alert."""
        rows, days = np.nonzero(self.alarms)
        return rows, days
