"""Benchmark of class mining on GENERATED cases: sparse path and stored-embedding path.

Usage (from the repository root)::

    PYTHONPATH=src /work/venv/bin/python bench/insights_classes_bench.py --cases 250000 \
        --embedding-cases 20000

Prints wall time, peak resident memory and agreement with the planted classes (ARI, noise
as singletons on both sides). The embedding path clusters *stored* vectors (as the platform
keeps them per case); since computing 20,000 real e5 vectors takes about half an hour on
this machine, the bench stores GENERATED 384-dimension vectors around planted class centres
and times everything after the store, that is the clustering and labelling.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
from sklearn.metrics import adjusted_rand_score

from civicgrid.insights.mining import MiningSettings, mine_classes
from civicgrid.insights.synthetic import generate_cases


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ari(planted: list[int], rows_of: list[list[int]]) -> float:
    predicted = [f"n{i}" for i in range(len(planted))]
    for number, rows in enumerate(rows_of):
        for r in rows:
            predicted[r] = f"c{number}"
    truth = [f"p{p}" if p >= 0 else f"o{i}" for i, p in enumerate(planted)]
    return float(adjusted_rand_score(truth, predicted))


def sparse_path(cases: int) -> None:
    """Mine ``cases`` generated texts on the sparse path."""
    per_class = int(cases * 0.96) // 8
    generated = generate_cases(per_class=per_class, one_offs=cases - 8 * per_class, seed=11)
    texts = [c.text for c in generated]
    start = time.perf_counter()
    result = mine_classes(texts, settings=MiningSettings(min_cluster_size=max(5, cases // 200)))
    wall = time.perf_counter() - start
    ari = _ari([c.planted for c in generated], [c.rows for c in result.classes])
    print(f"sparse: {len(texts)} cases, {wall:.1f} s wall, peak RSS {_peak_mib():.0f} MiB, "
          f"{len(result.classes)} classes, {len(result.noise)} noise, planted ARI {ari:.3f}")


def embedding_path(cases: int, dimension: int = 384) -> None:
    """Mine ``cases`` generated texts joined with stored (generated) embeddings."""
    per_class = int(cases * 0.96) // 8
    generated = generate_cases(per_class=per_class, one_offs=cases - 8 * per_class, seed=12)
    rng = np.random.default_rng(12)
    centres = rng.normal(size=(9, dimension))
    stored = np.vstack([centres[c.planted] + 0.8 * rng.normal(size=dimension) for c in generated])
    start = time.perf_counter()
    result = mine_classes(
        [c.text for c in generated], embeddings=stored.astype(np.float32),
        settings=MiningSettings(min_cluster_size=max(5, cases // 200)),
    )
    wall = time.perf_counter() - start
    ari = _ari([c.planted for c in generated], [c.rows for c in result.classes])
    print(f"embeddings: {cases} cases, {wall:.1f} s wall, peak RSS {_peak_mib():.0f} MiB, "
          f"{len(result.classes)} classes, planted ARI {ari:.3f}")


def main(argv: list[str]) -> None:
    """Run the requested paths."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=250_000)
    parser.add_argument("--embedding-cases", type=int, default=20_000)
    args = parser.parse_args(argv)
    if args.embedding_cases:
        embedding_path(args.embedding_cases)
    if args.cases:
        sparse_path(args.cases)


if __name__ == "__main__":
    main(sys.argv[1:])
