"""Bench: key-group tag evaluation over N generated people (default 1,000,000).

Run: PYTHONPATH=src /work/venv/bin/python bench/ground_tags.py [N]
Prints the wall time of fact computation and rule firing (all default rules).
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import numpy as np

from civicgrid.ground.config import DEFAULTS, load_config
from civicgrid.ground.tags import compute_facts, fire


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = np.random.default_rng(7)
    today = dt.date(2026, 12, 4)
    t = today.toordinal()
    birth = t - rng.integers(0, 100 * 365, n)
    birth[rng.random(n) < 0.02] = 0
    house = rng.integers(0, n // 2, n)
    tenant = rng.random(n) < 0.4
    arrival = t - rng.integers(0, 3650, n)
    rules = load_config(DEFAULTS)["tag_rules"]
    start = time.perf_counter()
    facts = compute_facts(birth_ordinal=birth, house=house, tenant=tenant,
                          arrival_ordinal=arrival, today=today)
    masks = fire(facts, rules)
    wall = time.perf_counter() - start
    print(f"people={n} rules={len(rules)} wall_s={wall:.2f}")
    for code, mask in masks.items():
        print(f"  {code}: {int(mask.sum())}")


if __name__ == "__main__":
    main()
