"""Backtest figures of the risk detectors on real histories (figures for bench/results.md).

* San Francisco 311 (../shared/data/us311/sf311_sample_10k_2008_2018.csv): created_date,
  category, latitude/longitude (1 km grid cells; (0, 0) rows left out), 20 bursts, seeds 1-5.
* 泰迪杯 2020 C attachment 3 (../shared/data/tipdm2020c/attachment3_messages_with_votes.csv):
  the message timeline (留言时间). The file has no category or coordinates, so this script
  writes a derived CSV with region = the anonymised district named in the topic or text
  (A1区 … A9区, else A市) and one category 留言, then backtests it with 20 bursts, seeds 1-5.

Each run is the same code as ``civicgrid risk backtest ... --inject 20 --seed S --json``.
Usage: PYTHONPATH=src python bench/risk_backtest_real.py [--seeds 1 2 3 4 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"
SF = DATA / "us311" / "sf311_sample_10k_2008_2018.csv"
TIPDM = DATA / "tipdm2020c" / "attachment3_messages_with_votes.csv"
_DISTRICT = re.compile(r"A\d{1,2}区")


def tipdm_timeline(out: Path) -> Path:
    """Write the attachment 3 timeline with a derived region and one category."""
    with TIPDM.open(encoding="utf-8") as handle, out.open("w", newline="", encoding="utf-8") as w:
        writer = csv.writer(w)
        writer.writerow(["留言时间", "区", "类别"])
        for row in csv.DictReader(handle):
            match = _DISTRICT.search((row["留言主题"] or "") + (row["留言详情"] or ""))
            writer.writerow([row["留言时间"], match.group(0) if match else "A市", "留言"])
    return out


def backtest(args: list[str], seed: int) -> dict:
    cmd = [sys.executable, "-m", "civicgrid", "risk", "backtest", *args, "--inject", "20",
           "--seed", str(seed), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout)


def summarise(name: str, runs: list[dict]) -> None:
    print(f"\n### {name}: {runs[0]['data']['used']} rows used of {runs[0]['data']['rows']}, "
          f"{runs[0]['data']['series']} series, {runs[0]['data']['months']} months replayed")
    print("| detector | sensitivity (mean of seeds) | median delay, days | false alarms / month |"
          " per-seed sensitivity |")
    print("| --- | --- | --- | --- | --- |")
    for det in runs[0]["detectors"]:
        sens = [r["detectors"][det]["sensitivity"] for r in runs]
        delay = [r["detectors"][det]["median_delay_days"] for r in runs]
        delay = [d for d in delay if d is not None]
        fa = [r["detectors"][det]["false_alarms_per_month"] for r in runs]
        print(f"| {det} | {statistics.mean(sens):.2f} | "
              f"{statistics.median(delay) if delay else '-'} | {statistics.mean(fa):.2f} | "
              f"{', '.join(f'{s:.2f}' for s in sens)} |")
    print("not judged:", "; ".join(runs[0]["not_judged"]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3, 4, 5])
    opts = parser.parse_args()
    if not SF.exists():
        sys.exit(f"shared data not found at {DATA}")
    t0 = time.perf_counter()
    sf_args = ["--data", str(SF), "--time-col", "created_date", "--category-col", "category",
               "--lat-col", "latitude", "--lon-col", "longitude"]
    summarise("San Francisco 311", [backtest(sf_args, s) for s in opts.seeds])
    print(f"(wall {time.perf_counter() - t0:.1f} s for {len(opts.seeds)} seeds)")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = tipdm_timeline(Path(tmp) / "tipdm_a3.csv")
        td_args = ["--data", str(path), "--time-col", "留言时间", "--category-col", "类别",
                   "--region-col", "区"]
        summarise("泰迪杯 attachment 3 timeline (region from text)",
                  [backtest(td_args, s) for s in opts.seeds])
        print(f"(wall {time.perf_counter() - t0:.1f} s for {len(opts.seeds)} seeds)")


if __name__ == "__main__":
    main()
