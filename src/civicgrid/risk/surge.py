"""The working-day surge detector: CivicGrid's own count detector for daily series.

It is built to beat EARS C2 (:mod:`civicgrid.risk.ears`) on the failures that flood a daily
risk report: mostly-zero grid series, quantised baselines with a tiny standard deviation,
holiday troughs, and one situation alerting day after day (traps.md RISK-01).

For each series and day ``t`` (everything vectorised over series, one day per step):

1. **Working-day aware expectation.** Each day has a class (Monday…Friday working day, make-up
   working day 补班, rest day; :mod:`civicgrid.risk.workdays`) with a volume weight pooled over
   all series (:func:`civicgrid.risk.counts.class_weights`). The series' rate per unit weight
   comes from the 28 days ``t-30 … t-3`` (a guard band of 2 days keeps a starting burst out of
   its own baseline), shrunk towards the series' whole past rate with the weight of 7 days
   (so a series with an empty window is not expected to have exactly zero):
   ``rate = (Σ x + 7 r0) / (Σ w + 7)`` and ``λ_t = rate × w(class of t)``. Golden Week days
   are rest days, and 09-20 / 10-10 are working days, so neither the holiday nor the first
   working day after it looks unusual.
2. **Count tests.** The day's count, and the sums of the last 2 and 3 days (never reaching back
   past the last significant day), are tested against their expectation with a Poisson test,
   or a negative-binomial one with the series' Pearson dispersion (clipped to 1–5) when the
   series averages at least one case a day. A test is significant when ``p ≤ alpha``
   (default 0.01) **and** its count is at least ``min_count`` (default 3): two cases in a
   grid cell are never an alert by themselves.
3. **Suppression.** Significant days are left out of later baselines (an outbreak does not
   raise the bar for the next one). Within ``cooldown`` days (7) of an alert, a significant day
   raises a new alert only when its count is higher than the alerting day's (escalation);
   otherwise it belongs to the open alert. One subject does not alert every day.

:class:`SurgeState` keeps this per series and is what the incremental per-case check and the
daily job both use; :func:`workday_surge` runs it over a whole :class:`CountMatrix`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from civicgrid.risk.counts import CountMatrix, class_weights
from civicgrid.risk.detection import DetectorRun

GUARD_DAYS = 3  # the baseline ends at t-3, as EARS C2's does
BASELINE_DAYS = 28
PRIOR_WEIGHT = 7.0
MIN_BASELINE_DAYS = 7


@dataclass(frozen=True)
class SurgeSettings:
    """Tuning of the surge detector; the defaults are the ones benchmarked."""

    alpha: float = 1e-2
    min_count: int = 3
    cooldown: int = 7
    window_days: int = 3
    max_dispersion: float = 5.0


def count_p_values(counts: np.ndarray, expected: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """P(X ≥ count) under Poisson (dispersion 1) or negative binomial with variance φλ.

    Uses the regularised incomplete gamma and beta functions directly (the survival functions
    of ``scipy.stats`` cost far more per call): Poisson ``P(X ≥ x) = P(x, λ)`` (lower
    regularised gamma) and negative binomial with size ``n = λ/(φ-1)``, ``p = 1/φ``:
    ``P(X ≥ x) = I_{1-p}(x, n)``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-9)
    dispersion = np.broadcast_to(np.asarray(dispersion, dtype=np.float64), counts.shape)
    positive = counts >= 1
    x = np.where(positive, counts, 1.0)
    over = dispersion > 1.0001
    with np.errstate(invalid="ignore", divide="ignore"):
        size = expected / np.where(over, dispersion - 1.0, 1.0)
        p = np.where(over, special.betainc(x, size, 1.0 - 1.0 / dispersion),
                     special.gammainc(x, expected))
    return np.where(positive, p, 1.0)


def _p_where_enough(counts: np.ndarray, expected: np.ndarray, dispersion: np.ndarray,
                    min_count: int) -> np.ndarray:
    """p-values where the count reaches ``min_count``; 1 elsewhere (not computed)."""
    p = np.ones(counts.shape)
    enough = counts >= min_count
    if enough.any():
        p[enough] = count_p_values(counts[enough], expected[enough], dispersion[enough])
    return p


@dataclass
class DayContext:
    """Day ``t``'s expectation, dispersion and the counts of the days before inside the window."""

    t: int
    expected: np.ndarray
    dispersion: np.ndarray
    judged: np.ndarray
    sums_x: list[np.ndarray]  # counts of the last 1, 2 … days before t (since the last signal)
    sums_lam: list[np.ndarray]


class SurgeState:
    """Rolling state of the surge detector for ``n_series`` series, one day per :meth:`step`."""

    def __init__(self, n_series: int, weights: np.ndarray, settings: SurgeSettings | None = None):
        self.settings = settings or SurgeSettings()
        self.weights = np.asarray(weights, dtype=np.float64)
        self.history = GUARD_DAYS + BASELINE_DAYS - 1
        shape = (n_series, self.history)
        self.x = np.zeros(shape)  # ring buffer of counts, index = day % history
        self.w = np.zeros(shape)  # class weight where the day may enter a baseline, else 0
        self.lam = np.zeros(shape)  # expectation of each past day
        self.seen = np.zeros(shape, dtype=bool)
        self.cum_x = np.zeros(n_series)  # all days at least GUARD_DAYS old
        self.cum_w = np.zeros(n_series)
        self.last_signal = np.full(n_series, -10**9)
        self.last_alert = np.full(n_series, -10**9)
        self.last_alert_count = np.zeros(n_series)
        self.day = -1

    def _ages(self, t: int) -> np.ndarray:
        days = t - 1 - ((t - 1 - np.arange(self.history)) % self.history)
        return t - days  # age of each buffer slot at day t (1 … history)

    def expectation(self, t: int, day_class: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(λ for day t, dispersion φ, judged mask) from the baseline window."""
        ages = self._ages(t)
        window = (ages >= GUARD_DAYS) & (ages < GUARD_DAYS + BASELINE_DAYS) & (ages <= t)
        w = self.w[:, window]
        x = np.where(w > 0, self.x[:, window], 0.0)
        prior = (self.cum_x + 0.5) / (self.cum_w + 1.0)
        rate = (x.sum(axis=1) + PRIOR_WEIGHT * prior) / (w.sum(axis=1) + PRIOR_WEIGHT)
        lam = rate * self.weights[day_class]
        with np.errstate(invalid="ignore", divide="ignore"):
            exp_d = rate[:, None] * w
            resid = np.where(w > 0, (x - exp_d) ** 2 / np.maximum(exp_d, 1e-9), 0.0)
            n_ok = (w > 0).sum(axis=1)
            phi = resid.sum(axis=1) / np.maximum(n_ok - 1, 1)
        phi = np.where(rate >= 1.0, np.clip(phi, 1.0, self.settings.max_dispersion), 1.0)
        judged = self.seen[:, window].sum(axis=1) >= MIN_BASELINE_DAYS
        return lam, phi, judged

    def prepare(self, t: int, day_class: int) -> DayContext:
        """Everything about day ``t`` that does not depend on its own count (cache per day)."""
        lam, phi, judged = self.expectation(t, day_class)
        ages = self._ages(t)
        sums_x, sums_lam = [], []
        run_x, run_lam = np.zeros_like(lam), np.zeros_like(lam)
        for age in range(1, min(self.settings.window_days, t + 1)):
            slot = int(np.nonzero(ages == age)[0][0])
            inside = (t - age) > self.last_signal
            run_x = run_x + np.where(inside, self.x[:, slot], 0.0)
            run_lam = run_lam + np.where(inside, self.lam[:, slot], 0.0)
            sums_x.append(run_x)
            sums_lam.append(run_lam)
        return DayContext(t, lam, phi, judged, sums_x, sums_lam)

    def judge(self, ctx: DayContext, x_today: np.ndarray) -> dict[str, np.ndarray]:
        """Judge a prepared day with today's counts so far, without committing it."""
        s = self.settings
        x_today = np.asarray(x_today, dtype=np.float64)
        best_p = _p_where_enough(x_today, ctx.expected, ctx.dispersion, s.min_count)
        stat, base = x_today, ctx.expected
        for prev_x, prev_lam in zip(ctx.sums_x, ctx.sums_lam, strict=True):
            sum_x, sum_lam = x_today + prev_x, ctx.expected + prev_lam
            p_win = _p_where_enough(sum_x, sum_lam, ctx.dispersion, s.min_count)
            better = p_win < best_p
            best_p = np.where(better, p_win, best_p)
            stat, base = np.where(better, sum_x, stat), np.where(better, sum_lam, base)
        significant = ctx.judged & (best_p <= s.alpha)
        cooling = (ctx.t - self.last_alert) <= s.cooldown
        escalating = x_today > self.last_alert_count
        new_alert = significant & (~cooling | escalating)
        return {
            "alarm": new_alert, "significant": significant, "p_value": best_p,
            "statistic": stat, "baseline": base, "expected": ctx.expected, "judged": ctx.judged,
        }

    def test(self, t: int, x_today: np.ndarray, day_class: int) -> dict[str, np.ndarray]:
        """Judge day ``t`` with today's counts so far, without committing the day."""
        return self.judge(self.prepare(t, day_class), x_today)

    def step(self, t: int, x_today: np.ndarray, day_class: int, observed: bool = True,
             context: DayContext | None = None) -> dict[str, np.ndarray]:
        """Judge and commit day ``t`` (days in order; ``context`` from :meth:`prepare`)."""
        if t != self.day + 1 and self.day >= 0:
            raise ValueError(f"day {t} given after day {self.day}; steps must be consecutive")
        x_today = np.asarray(x_today, dtype=np.float64)
        if observed:
            ctx = context if context is not None and context.t == t else None
            result = self.judge(ctx or self.prepare(t, day_class), x_today)
        else:
            n = x_today.shape[0]
            nan = np.full(n, np.nan)
            no = np.zeros(n, dtype=bool)
            result = {"alarm": no, "significant": no, "p_value": nan, "statistic": nan,
                      "baseline": nan, "expected": np.zeros(n), "judged": no}
        self._commit(t, x_today, day_class, observed, result)
        return result

    def _commit(self, t: int, x_today: np.ndarray, day_class: int, observed: bool,
                result: dict[str, np.ndarray]) -> None:
        ages = self._ages(t + 1)
        leaving = int(np.nonzero(ages == GUARD_DAYS)[0][0]) if t + 1 >= GUARD_DAYS else None
        slot = t % self.history
        if leaving is not None and leaving != slot:
            self.cum_x += self.x[:, leaving] * (self.w[:, leaving] > 0)
            self.cum_w += self.w[:, leaving]
        sig = result["significant"]
        self.x[:, slot] = x_today
        self.w[:, slot] = np.where(sig | (not observed), 0.0, self.weights[day_class])
        self.lam[:, slot] = result["expected"]
        self.seen[:, slot] = observed
        self.last_signal = np.where(sig, t, self.last_signal)
        alarm = result["alarm"]
        self.last_alert = np.where(alarm, t, self.last_alert)
        self.last_alert_count = np.where(alarm, x_today, self.last_alert_count)
        self.day = t


def workday_surge(matrix: CountMatrix, settings: SurgeSettings | None = None,
                  weights: np.ndarray | None = None) -> DetectorRun:
    """Run the working-day surge detector over every series and day of ``matrix``."""
    n_series, n_days = matrix.counts.shape
    state = SurgeState(n_series, class_weights(matrix) if weights is None else weights, settings)
    out = {k: np.zeros((n_series, n_days), dtype=bool) for k in ("alarm", "judged")}
    nums = {k: np.full((n_series, n_days), np.nan) for k in ("p_value", "statistic", "baseline")}
    for t in range(n_days):
        result = state.step(t, matrix.counts[:, t], int(matrix.classes[t]),
                            bool(matrix.observed[t]))
        for key, arr in {**out, **nums}.items():
            arr[:, t] = result[key]
    return DetectorRun("workday_surge", out["alarm"], nums["statistic"], nums["baseline"],
                       out["judged"], nums["p_value"])


def surge_severity(p_value: float, count: float) -> str:
    """red (p ≤ 1e-8 and ≥ 10 cases), orange (p ≤ 1e-5) or yellow."""
    if p_value <= 1e-8 and count >= 10:
        return "red"
    if p_value <= 1e-5:
        return "orange"
    return "yellow"
