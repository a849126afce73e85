"""Prospective space-time permutation scan statistic (Kulldorff et al. 2005).

Kulldorff M., Heffernan R., Hartman J., Assunção R., Mostashari F., "A space-time permutation
scan statistic for disease outbreak detection", PLoS Medicine 2(3):e59, 2005.

Given case counts ``c[z, d]`` per cell ``z`` and day ``d`` over a study period ending today,
the expected count under "no space-time interaction" is ``μ[z, d] = C_z C_d / C`` (cell total
× day total / grand total), so neither a cell's usual volume nor a busy day is a cluster by
itself: only an unusual share of a cell's cases falling on the last days is. Candidate clusters
are cylinders ending today: a centre cell and its nearest neighbours by centroid (up to
``max_neighbours``, within ``max_radius_km``, and holding at most ``max_share`` of all cases)
over the last 1 … ``max_window_days`` days. Each cylinder ``A`` with ``c_A > μ_A`` and at
least ``min_cases`` cases scores the Poisson generalised log likelihood ratio

``LLR = c_A ln(c_A / μ_A) + (C - c_A) ln((C - c_A) / (C - μ_A))``.

The most likely cluster is the highest LLR. Its p-value comes from Monte-Carlo replications
of the permutation null: shuffling the days of the cases while keeping every cell and day
total. Only the recent window matters for the cylinders, so a replication draws the recent
cases per cell from a multivariate hypergeometric (``D_w`` of the ``C`` cases, ``C_z`` of them
in cell ``z``), which is exactly that shuffle and far cheaper. Replications run in batches and
stop early once ``stop_after`` of them reach the observed LLR (Besag J., Clifford P.,
"Sequential Monte Carlo p-values", Biometrika 78:301-304, 1991): a quiet day costs one batch.
The number of replications is bounded by ``replications``; with 99 the smallest p is 0.01,
i.e. a recurrence interval of 100 days for a daily prospective scan at alpha 0.01.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanSettings:
    """Limits of the scan; defaults are the benchmarked ones."""

    max_window_days: int = 3
    study_days: int = 365
    max_neighbours: int = 12
    max_radius_km: float = 2.0
    max_share: float = 0.5
    replications: int = 99
    batch: int = 11
    stop_after: int = 5
    alpha: float = 0.01
    min_cases: int = 3


@dataclass(frozen=True)
class ScanCluster:
    """The most likely cluster of one scan."""

    end_day: int
    window_days: int
    centre: int
    cells: tuple[int, ...]
    cases: int
    expected: float
    llr: float
    p_value: float
    replications: int


class Neighbourhoods:
    """Each cell's nearest cells by centroid (itself first) within a maximum radius."""

    def __init__(self, centres_km: np.ndarray, settings: ScanSettings):
        centres_km = np.asarray(centres_km, dtype=np.float64).reshape(-1, 2)
        k = int(min(settings.max_neighbours, centres_km.shape[0]))
        dist, idx = cKDTree(centres_km).query(centres_km, k=k)
        self.index = np.asarray(idx, dtype=np.int64).reshape(len(centres_km), k)
        self.within = np.asarray(dist).reshape(len(centres_km), k) <= settings.max_radius_km
        self.within[:, 0] = True

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.index.shape[0])


def _llr(c: np.ndarray, mu: np.ndarray, total: float) -> np.ndarray:
    """Poisson LLR for cylinders with ``c > mu`` (callers pass only those)."""
    rest = total - c
    with np.errstate(divide="ignore", invalid="ignore"):
        outside = np.where(rest > 0, rest * np.log(rest / (total - mu)), 0.0)
    return c * np.log(c / mu) + outside


def _cylinder_llr(recent: np.ndarray, mu: np.ndarray, allowed: np.ndarray, total: float,
                  nbh: Neighbourhoods, min_cases: int) -> np.ndarray:
    """LLR of every cylinder for recent counts of shape (..., n_cells); 0 where not scored."""
    c = np.cumsum(recent[..., nbh.index], axis=-1)
    m = np.broadcast_to(np.cumsum(mu[nbh.index], axis=-1), c.shape)
    scored = (c >= min_cases) & (c > m) & allowed
    out = np.zeros(c.shape)
    if scored.any():
        out[scored] = _llr(c[scored].astype(np.float64), m[scored], float(total))
    return out


def scan_today(counts: np.ndarray, nbh: Neighbourhoods, settings: ScanSettings,
               rng: np.random.Generator, end_day: int = 0) -> ScanCluster | None:
    """Most likely cluster ending on the last column of ``counts`` (cells × study days)."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    windows = range(1, min(settings.max_window_days, counts.shape[1]) + 1)
    recent = {w: counts[:, -w:].sum(axis=1) for w in windows}
    if total == 0 or recent[max(windows)].max() == 0:
        return None
    cell_totals = counts.sum(axis=1)
    share = np.cumsum(cell_totals[nbh.index], axis=-1) / total
    allowed = nbh.within & (share <= settings.max_share)
    allowed[:, 0] = True
    best = (0.0, 0, 0, 0)
    for w in windows:
        mu = cell_totals * (recent[w].sum() / total)
        llr = _cylinder_llr(recent[w], mu, allowed, total, nbh, settings.min_cases)
        flat = int(np.argmax(llr))
        if llr.flat[flat] > best[0]:
            best = (float(llr.flat[flat]), w, flat // llr.shape[1], flat % llr.shape[1])
    observed, w_best, centre, k_best = best
    if observed <= 0:
        return None
    p_value, reps = _monte_carlo(observed, cell_totals, recent, allowed, total, nbh, settings,
                                 rng)
    cells = tuple(int(i) for i in nbh.index[centre, : k_best + 1])
    mu_best = cell_totals[list(cells)].sum() * recent[w_best].sum() / total
    return ScanCluster(end_day, w_best, int(centre), cells, int(recent[w_best][list(cells)].sum()),
                       float(mu_best), observed, p_value, reps)


def _monte_carlo(observed: float, cell_totals: np.ndarray, recent: dict[int, np.ndarray],
                 allowed: np.ndarray, total: int, nbh: Neighbourhoods, settings: ScanSettings,
                 rng: np.random.Generator) -> tuple[float, int]:
    """Sequential Monte-Carlo p-value of the observed maximum LLR."""
    windows = sorted(recent)
    sizes = {w: int(recent[w].sum()) for w in windows}
    exceed, done = 0, 0
    while done < settings.replications:
        batch = min(settings.batch, settings.replications - done)
        sims = _replicate_recent(cell_totals, sizes, batch, rng)
        best = np.zeros(batch)
        for w in windows:
            mu = cell_totals * (sizes[w] / total)
            llr = _cylinder_llr(sims[w], mu, allowed, total, nbh, settings.min_cases)
            best = np.maximum(best, llr.reshape(batch, -1).max(axis=1))
        exceed += int((best >= observed - 1e-9).sum())
        done += batch
        if exceed >= settings.stop_after:
            break
    return (exceed + 1) / (done + 1), done


def _replicate_recent(cell_totals: np.ndarray, sizes: dict[int, int], batch: int,
                      rng: np.random.Generator) -> dict[int, np.ndarray]:
    """Recent counts per cell under the permutation null, nested over window lengths."""
    n_cells = cell_totals.shape[0]
    widest = max(sizes)
    outer = rng.multivariate_hypergeometric(cell_totals, sizes[widest], size=batch)
    labels = np.repeat(np.tile(np.arange(n_cells), batch), outer.ravel())
    labels = labels.reshape(batch, sizes[widest])
    # Cases in the widest window get random days: the first sizes[w] of a shuffle fall in the
    # last w days, which keeps the windows nested as one shuffle of days would.
    order = np.argsort(rng.random(labels.shape), axis=1)
    labels = np.take_along_axis(labels, order, axis=1)
    offsets = (np.arange(batch) * n_cells)[:, None]
    sims = {}
    for w, size in sizes.items():
        flat = (labels[:, :size] + offsets).ravel()
        sims[w] = np.bincount(flat, minlength=batch * n_cells).reshape(batch, n_cells)
    return sims


def prospective_scan(counts: np.ndarray, centres_km: np.ndarray, days: range,
                     settings: ScanSettings | None = None, seed: int = 0) -> list[ScanCluster]:
    """Daily scans over ``days`` (column indices of ``counts``); new significant clusters.

    A significant cluster that shares a cell with one alerted in the previous
    ``max_window_days`` days continues that alert and is not returned again.
    """
    settings = settings or ScanSettings()
    counts = np.asarray(counts, dtype=np.int64)
    nbh = Neighbourhoods(centres_km, settings)
    rng = np.random.default_rng(seed)
    totals = counts.sum(axis=0)
    recent_total = np.convolve(totals, np.ones(settings.max_window_days), "full")[: len(totals)]
    alerts: list[ScanCluster] = []
    for t in days:
        if recent_total[t] < settings.min_cases:
            continue
        window = counts[:, max(0, t - settings.study_days + 1): t + 1]
        cluster = scan_today(window, nbh, settings, rng, end_day=t)
        if cluster is None or cluster.p_value > settings.alpha:
            continue
        recent_alerts = [a for a in alerts[-20:] if t - a.end_day <= settings.max_window_days]
        if any(set(a.cells) & set(cluster.cells) for a in recent_alerts):
            continue
        alerts.append(cluster)
    return alerts
