"""CUSUM and EWMA control charts on daily counts, both reset after every alarm.

Both standardise the day's count against the EARS C2 baseline (mean and sample sd of days
``t-9 … t-3``, sd floored at 0.2; see :mod:`civicgrid.risk.ears`), so the chart does not chase
its own signal.

* **CUSUM** (Page E.S., "Continuous inspection schemes", Biometrika 41:100-115, 1954; as used
  for syndromic surveillance by Fricker et al., Stat Med 2008):
  ``S_t = max(0, S_{t-1} + z_t - k)``, alarm when ``S_t > h``; ``k = 0.5``, ``h = 4``.
* **EWMA** (Roberts S.W., "Control chart tests based on geometric moving averages",
  Technometrics 1:239-250, 1959): ``Z_t = λ x_t + (1-λ) Z_{t-1}``, alarm when
  ``Z_t > mean_t + L sd_t sqrt(λ / (2-λ))``; ``λ = 0.3``, ``L = 3``.

After an alarm the statistic is reset (S to 0, Z to the baseline mean). An un-reset CUSUM keeps
a high sum after an outbreak and then alarms on ordinary, even zero, days; that fault was found
in a published surveillance tool (traps.md RISK-01). Unobserved days carry the statistic over.
"""

from __future__ import annotations

import numpy as np

from civicgrid.risk.counts import CountMatrix
from civicgrid.risk.detection import DetectorRun
from civicgrid.risk.ears import SD_FLOOR, baseline_stats


def cusum(matrix: CountMatrix, *, k: float = 0.5, h: float = 4.0) -> DetectorRun:
    """Upper CUSUM of standardised counts with reset after each alarm."""
    mean, sd, judged = baseline_stats(matrix, lag=3)
    n_series, n_days = matrix.counts.shape
    s = np.zeros(n_series)
    stat = np.full((n_series, n_days), np.nan)
    alarms = np.zeros((n_series, n_days), dtype=bool)
    for t in range(n_days):
        ok = judged[:, t]
        z = (matrix.counts[:, t] - mean[:, t]) / np.maximum(sd[:, t], SD_FLOOR)
        s = np.where(ok, np.maximum(0.0, s + np.nan_to_num(z) - k), s)
        stat[:, t] = np.where(ok, s, np.nan)
        fire = ok & (s > h)
        alarms[:, t] = fire
        s[fire] = 0.0
    return DetectorRun("cusum", alarms, stat, mean, judged)


def ewma(matrix: CountMatrix, *, smoothing: float = 0.3, limit: float = 3.0) -> DetectorRun:
    """EWMA of daily counts against the C2 baseline, reset to the mean after each alarm."""
    mean, sd, judged = baseline_stats(matrix, lag=3)
    n_series, n_days = matrix.counts.shape
    z = np.full(n_series, np.nan)
    stat = np.full((n_series, n_days), np.nan)
    alarms = np.zeros((n_series, n_days), dtype=bool)
    width = limit * np.sqrt(smoothing / (2.0 - smoothing))
    for t in range(n_days):
        ok = judged[:, t]
        start = ok & ~np.isfinite(z)
        z[start] = mean[start, t]
        updated = smoothing * matrix.counts[:, t] + (1.0 - smoothing) * z
        z = np.where(ok, updated, z)
        stat[:, t] = np.where(ok, z, np.nan)
        fire = ok & (z > mean[:, t] + width * np.maximum(sd[:, t], SD_FLOOR))
        alarms[:, t] = fire
        z[fire] = mean[fire, t]
    return DetectorRun("ewma", alarms, stat, mean, judged)
