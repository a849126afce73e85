"""EARS C1, C2 and C3: the CDC Early Aberration Reporting System detectors.

Definitions (Hutwagner L. et al., "The bioterrorism preparedness and response Early Aberration
Reporting System (EARS)", J Urban Health 80(2 Suppl 1):i89-96, 2003; Fricker R.D., Hegler B.L.,
Dunfee D.A., "Comparing syndromic surveillance detection methods: EARS' versus a CUSUM-based
methodology", Stat Med 27(17):3407-29, 2008). For a daily series ``x`` and day ``t``:

* **C1**: baseline mean and sample standard deviation of days ``t-7 … t-1``;
  ``C1_t = (x_t - mean) / max(sd, 0.2)``; alert when ``C1_t > 3``.
* **C2**: the same over ``t-9 … t-3`` (a two-day guard band keeps the first days of an
  outbreak out of its own baseline); alert when ``x_t > mean + 3 × max(sd, 0.2)``, i.e.
  ``C2_t > 3``. This is the backtest's plain baseline ``ears_c2``, exactly.
* **C3**: ``C3_t = Σ_{i=t-2..t} max(0, C2_i - 1)``; alert when ``C3_t > 2``.

Standard deviations are sample ones (``ddof=1``). The 0.2 floor on the standard deviation
is the one the issue sets for C2 and is used for C1 too; without a floor a flat baseline gives
sd 0 and every rise is infinite. A day is judged only when it is observed and at least 3 of
its 7 baseline days are observed; unobserved days (data gaps) are left out of baselines.
EARS alerts have no suppression: every day over the threshold is an alert.
"""

from __future__ import annotations

import numpy as np

from civicgrid.risk.counts import CountMatrix
from civicgrid.risk.detection import DetectorRun

SD_FLOOR = 0.2
THRESHOLD = 3.0
C3_THRESHOLD = 2.0
BASELINE_DAYS = 7
MIN_BASELINE_DAYS = 3


def _rolling_sum(values: np.ndarray, width: int) -> np.ndarray:
    """Sums over windows of ``width`` days; column i covers days i … i+width-1."""
    cum = np.cumsum(values, axis=1)
    out = cum[:, width - 1:].copy()
    out[:, 1:] -= cum[:, :-width]
    return out


def baseline_stats(matrix: CountMatrix, lag: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, sample sd and judged mask from the 7 days ending ``lag`` days before each day."""
    n_series, n_days = matrix.counts.shape
    mean = np.full((n_series, n_days), np.nan)
    sd = np.full((n_series, n_days), np.nan)
    span = BASELINE_DAYS + lag - 1
    judged = np.zeros((n_series, n_days), dtype=bool)
    if n_days <= span:
        return mean, sd, judged
    seen = matrix.observed.astype(np.float64)
    x = matrix.counts * seen[None, :]
    n_ok = _rolling_sum(seen[None, :], BASELINE_DAYS)[:, : n_days - span]
    total = _rolling_sum(x, BASELINE_DAYS)[:, : n_days - span]
    squares = _rolling_sum(x * x, BASELINE_DAYS)[:, : n_days - span]
    with np.errstate(invalid="ignore", divide="ignore"):
        m = total / n_ok
        var = np.maximum(squares - total * m, 0.0) / (n_ok - 1)
    mean[:, span:] = m
    sd[:, span:] = np.sqrt(var)
    judged[:, span:] = np.broadcast_to(n_ok >= MIN_BASELINE_DAYS, m.shape)
    judged &= matrix.observed[None, :]
    return mean, sd, judged


def _standardised(matrix: CountMatrix, lag: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean, sd, judged = baseline_stats(matrix, lag)
    with np.errstate(invalid="ignore"):
        stat = (matrix.counts - mean) / np.maximum(sd, SD_FLOOR)
    stat = np.where(judged, stat, np.nan)
    return stat, mean, judged


def ears_c1(matrix: CountMatrix) -> DetectorRun:
    """EARS C1: baseline days t-7..t-1, alert when the standardised count exceeds 3."""
    stat, mean, judged = _standardised(matrix, lag=1)
    alarms = judged & (np.nan_to_num(stat, nan=-np.inf) > THRESHOLD)
    return DetectorRun("ears_c1", alarms, stat, mean, judged)


def ears_c2(matrix: CountMatrix) -> DetectorRun:
    """EARS C2: baseline days t-9..t-3, alert when count > mean + 3 × max(sd, 0.2)."""
    mean, sd, judged = baseline_stats(matrix, lag=3)
    with np.errstate(invalid="ignore"):
        limit = mean + THRESHOLD * np.maximum(sd, SD_FLOOR)
        stat = (matrix.counts - mean) / np.maximum(sd, SD_FLOOR)
    alarms = judged & (matrix.counts > np.nan_to_num(limit, nan=np.inf))
    return DetectorRun("ears_c2", alarms, np.where(judged, stat, np.nan), mean, judged)


def ears_c3(matrix: CountMatrix) -> DetectorRun:
    """EARS C3: sum over t-2..t of max(0, C2 - 1), alert when it exceeds 2."""
    c2, mean, judged = _standardised(matrix, lag=3)
    excess = np.maximum(np.nan_to_num(c2, nan=0.0) - 1.0, 0.0)
    c3 = excess.copy()
    c3[:, 1:] += excess[:, :-1]
    c3[:, 2:] += excess[:, :-2]
    alarms = judged & (c3 > C3_THRESHOLD)
    return DetectorRun("ears_c3", alarms, np.where(judged, c3, np.nan), mean, judged)
