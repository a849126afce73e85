"""Benchmark of the address tagger (CRF) and the rule-based parser on the public sets.

Prints, as one JSON object:
* CCKS 2021 train.conll: K-fold cross-validated entity P/R/F1 (micro), wall and training time;
* NAACL 2019: trained on train.txt, scored on dev.txt (its own label set);
* throughput per core: CRF tagging and rule-based ``parse`` in addresses per second.

Usage (from the repository root):
    PYTHONPATH=src python bench/addresses_parser.py [--data ../shared/data] [--cv 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from civicgrid.addresses import crf
from civicgrid.addresses.conll import read_conll, score
from civicgrid.addresses.parser import parse


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _ccks(data: Path, folds: int, settings: crf.CrfSettings, workers: int) -> dict[str, object]:
    addresses = read_conll(data / "ccks2021-address" / "train.conll")
    started, cpu = time.perf_counter(), _cpu_seconds()
    with tempfile.TemporaryDirectory() as work:
        result = crf.cross_validate(addresses, folds, Path(work), settings, workers=workers)
    return {
        "addresses": len(addresses), "folds": folds, "precision": result.score.precision,
        "recall": result.score.recall, "f1": result.score.f1,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(_cpu_seconds() - cpu, 1),
        "train_seconds_all_folds": round(result.train_seconds, 1),
        "per_label_f1": {k: v["f1"] for k, v in result.score.per_label.items()},
    }


def _naacl(data: Path, settings: crf.CrfSettings) -> tuple[dict[str, object], float]:
    train = read_conll(data / "naacl2019-address" / "train.txt")
    dev = read_conll(data / "naacl2019-address" / "dev.txt")
    with tempfile.TemporaryDirectory() as work:
        started, cpu = time.perf_counter(), _cpu_seconds()
        tagger = crf.train(train, Path(work), settings)
        train_seconds = time.perf_counter() - started
        train_cpu = _cpu_seconds() - cpu
        started = time.perf_counter()
        predicted = tagger.tag_many([a.tokens for a in dev])
        tag_seconds = time.perf_counter() - started
    result = score([a.tags for a in dev], predicted)
    out = {
        "train": len(train), "dev": len(dev), "precision": result.precision,
        "recall": result.recall, "f1": result.f1, "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu, 1),
        "per_label_f1": {k: v["f1"] for k, v in result.per_label.items()},
    }
    return out, len(dev) / tag_seconds


def _parser_throughput(data: Path) -> float:
    texts = [a.text for a in read_conll(data / "ccks2021-address" / "train.conll")][:3000]
    started = time.perf_counter()
    for text in texts:
        parse(text)
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    """Run the benchmark and print one JSON object."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--data", type=Path, default=Path("../shared/data"))
    args.add_argument("--cv", type=int, default=5)
    args.add_argument("--workers", type=int, default=2)
    args.add_argument("--max-iterations", type=int, default=80)
    args.add_argument("--skip", nargs="*", default=[], choices=["ccks", "naacl"])
    opts = args.parse_args()
    settings = crf.CrfSettings(max_iterations=opts.max_iterations)
    out: dict[str, object] = {"settings": settings.__dict__}
    if "ccks" not in opts.skip:
        out["ccks_cv"] = _ccks(opts.data, opts.cv, settings, opts.workers)
    if "naacl" not in opts.skip:
        out["naacl_dev"], out["crf_tag_per_second_one_core"] = _naacl(opts.data, settings)
    out["rule_parse_per_second_one_core"] = round(_parser_throughput(opts.data), 1)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
