"""Speed of the risk detectors (figures for bench/results.md).

1. Count-detector backtest: one year (2025) of 250,000 generated cases over 100 regions × 30
   categories, written as CSV and replayed by ``civicgrid risk backtest --region-col ...
   --inject 20 --seed 1 --no-scan --json`` in a child process: wall time and peak memory
   (max RSS of the child). Goal < 30 s.
2. Space-time scan budget: a year of daily prospective scans over 2,000 cells (50 × 40 km grid,
   about 700 generated cases a day, 180-day study period, at most 99 replications each).
   Goal < 10 minutes.
3. Incremental check: mean and 99th percentile time of SeriesMonitor.add_case. Goal < 10 ms.

The generated data are labelled as generated: rates per series from a gamma distribution,
rest days at 35 % of working-day volume (chinese_calendar 2025), Poisson daily counts.
Usage: PYTHONPATH=src python bench/risk_speed.py [--skip-scan]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicgrid.risk.incremental import SeriesMonitor  # noqa: E402
from civicgrid.risk.scan import ScanSettings, prospective_scan  # noqa: E402
from civicgrid.risk.workdays import chinese_workday, date_range  # noqa: E402

START = dt.date(2025, 1, 1)


def generate_cases(path: Path, n_cases: int = 250_000, seed: int = 0) -> int:
    """Write a year of generated cases; returns the number written."""
    rng = np.random.default_rng(seed)
    days = date_range(START, 365)
    day_weight = np.array([1.0 if chinese_workday(d) else 0.35 for d in days])
    series_rate = rng.gamma(0.8, 1.0, size=(100, 30))
    lam = series_rate[:, :, None] * day_weight[None, None, :]
    lam *= n_cases / lam.sum()
    counts = rng.poisson(lam)
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["工单编号", "受理时间", "区域", "类别"])
        for r, c, d in zip(*np.nonzero(counts), strict=True):
            for _ in range(counts[r, c, d]):
                minute = int(rng.integers(7 * 60, 22 * 60))
                stamp = f"{days[d].isoformat()} {minute // 60:02d}:{minute % 60:02d}:00"
                writer.writerow([f"G{written:07d}", stamp, f"R{r:03d}", f"类{c:02d}"])
                written += 1
    return written


def count_backtest(tmp: Path) -> None:
    path = tmp / "generated_250k.csv"
    t0 = time.perf_counter()
    n = generate_cases(path)
    print(f"generated {n} cases in {time.perf_counter() - t0:.1f} s -> {path.name}")
    cmd = [sys.executable, "-m", "civicgrid", "risk", "backtest", "--data", str(path),
           "--time-col", "受理时间", "--category-col", "类别", "--region-col", "区域",
           "--inject", "20", "--seed", "1", "--no-scan", "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    wall = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(done.stdout)
    print(f"count backtest: wall {wall:.1f} s, peak RSS {peak_mib:.0f} MiB, "
          f"series {result['data']['series']}, days {result['data']['days']}")
    for name, s in result["detectors"].items():
        print(f"  {name}: sensitivity {s['sensitivity']}, median delay {s['median_delay_days']},"
              f" false alarms/month {s['false_alarms_per_month']:.1f}")


def scan_budget() -> None:
    rng = np.random.default_rng(1)
    side_x, side_y = 50, 40
    xy = np.array([(i % side_x + 0.5, i // side_x + 0.5) for i in range(side_x * side_y)])
    settings = ScanSettings()
    n_days = 365 + settings.study_days
    rate = rng.gamma(0.7, 1.0, side_x * side_y)
    rate *= 700 / rate.sum()
    counts = rng.poisson(rate[:, None] * np.ones(n_days))
    t0 = time.perf_counter()
    found = prospective_scan(counts, xy, range(settings.study_days, n_days), settings, seed=2)
    wall = time.perf_counter() - t0
    print(f"scan: 365 daily scans over {len(xy)} cells, {int(counts.sum())} cases, "
          f"replications <= {settings.replications}: wall {wall:.1f} s, "
          f"{len(found)} clusters at alpha {settings.alpha} (expected by chance ~3.65)")


def incremental() -> None:
    weights = np.array([1.05, 1.0, 1.0, 1.0, 0.95, 1.0, 0.35])
    history = np.random.default_rng(3).poisson(6, 120).astype(float)
    monitor = SeriesMonitor.from_counts(START, history, weights)
    same_day, roll_over = [], []
    day = monitor.today
    for i in range(5000):
        when = day + dt.timedelta(days=i // 40)
        rolls = when > monitor.today
        t0 = time.perf_counter()
        monitor.add_case(when)
        (roll_over if rolls else same_day).append((time.perf_counter() - t0) * 1000)
    every = np.array(same_day + roll_over)
    print(f"incremental add_case over {every.size} cases (40 a day): mean {every.mean():.3f} ms,"
          f" median {np.median(every):.3f} ms, p90 {np.percentile(every, 90):.3f} ms, "
          f"p99 {np.percentile(every, 99):.3f} ms, max {every.max():.1f} ms; first case of a "
          f"day (commits the day before) median {np.median(roll_over):.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-scan", action="store_true")
    opts = parser.parse_args()
    incremental()
    with tempfile.TemporaryDirectory() as tmp:
        count_backtest(Path(tmp))
    if not opts.skip_scan:
        scan_budget()


if __name__ == "__main__":
    main()
