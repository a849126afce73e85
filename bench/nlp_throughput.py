"""Speed and size of request understanding on one core (bench/results.md, nlp section).

Trains the category model on the tipdm texts and the unit router on the Shangluo letters
(194 agencies, the heaviest routing case at hand), then measures requests per second for
category + key facts + routing on tipdm texts (median about 220 characters), one request at
a time as intake calls it, and in batches of 256 as a bulk re-classification would. Pinned
to one CPU core with single-threaded BLAS. Rates are given per CPU second of this process
(meaningful on a shared machine) and per wall second. Usage, from the repository root::

    PYTHONPATH=src python bench/nlp_throughput.py [--requests 2000]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from civicgrid.intake.files import read_table  # noqa: E402
from civicgrid.nlp.classifier import train_category_model  # noqa: E402
from civicgrid.nlp.facts import extract_facts  # noqa: E402
from civicgrid.nlp.grams import cached_gram_table  # noqa: E402
from civicgrid.nlp.normalise import normalise  # noqa: E402
from civicgrid.nlp.routing import train_unit_router  # noqa: E402
from civicgrid.nlp.textmodel import model_text  # noqa: E402

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
TIPDM = DATA / "tipdm2020c/attachment2_details_labels_partial_minus_holdout.csv"
SHANGLUO = DATA / "shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv"
RECEIVED = dt.datetime(2026, 12, 4, 10, 30)


def folder_size(path: Path) -> int:
    """Bytes on disk of every file under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def per_second(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    tipdm = read_table(TIPDM)
    texts, labels = tipdm.values("留言详情"), tipdm.values("一级标签")
    letters = read_table(SHANGLUO)
    letter_texts = [
        f"{t or ''}。{q or ''}"
        for t, q in zip(letters.values("title"), letters.values("query"), strict=True)
    ]
    units = letters.values("reply_agency")
    kept = [(t, u) for t, u in zip(letter_texts, units, strict=True) if u]

    began, cpu = time.perf_counter(), time.process_time()
    category = train_category_model(texts, labels)
    category_seconds = time.perf_counter() - began
    category_cpu = time.process_time() - cpu
    began, cpu = time.perf_counter(), time.process_time()
    router = train_unit_router([t for t, _ in kept], [u for _, u in kept])
    router_seconds = time.perf_counter() - began
    router_cpu = time.process_time() - cpu
    with tempfile.TemporaryDirectory() as tmp:
        category_bytes = folder_size(category.save(Path(tmp) / "category"))
        router_bytes = folder_size(router.save(Path(tmp) / "routing"))

    sample = [texts[i % len(texts)] for i in range(args.requests)]
    median_chars = statistics.median(len(t) for t in sample)
    timings: dict[str, dict[str, float]] = {}

    def measure(name: str, work: object) -> None:
        # Empty caches for each measurement: nothing computed for one may help the next.
        normalise.cache_clear()
        model_text.cache_clear()
        cached_gram_table.cache_clear()
        wall, cpu = time.perf_counter(), time.process_time()
        work()  # type: ignore[operator]
        timings[name] = {
            "per_cpu_second": per_second(len(sample), time.process_time() - cpu),
            "per_wall_second": per_second(len(sample), time.perf_counter() - wall),
        }

    def one_at_a_time() -> None:
        for text in sample:
            extract_facts(text, RECEIVED)
            category.predict([text])
            router.predict([text])

    def batches() -> None:
        for start in range(0, len(sample), 256):
            batch = sample[start : start + 256]
            for text in batch:
                extract_facts(text, RECEIVED)
            category.predict(batch)
            router.predict(batch)

    measure("facts_only", lambda: [extract_facts(t, RECEIVED) for t in sample])
    measure("category_only_one_at_a_time", lambda: [category.predict([t]) for t in sample])
    measure(
        "category_only_batches_of_256",
        lambda: [category.predict(sample[i : i + 256]) for i in range(0, len(sample), 256)],
    )
    measure("category_facts_routing_one_at_a_time", one_at_a_time)
    measure("category_facts_routing_batches_of_256", batches)

    print(
        json.dumps(
            {
                "requests": len(sample),
                "median_chars": median_chars,
                "requests_per_second_one_core": timings,
                "load_average_1min": round(os.getloadavg()[0], 2),
                "category_training_seconds": round(category_seconds, 1),
                "category_training_cpu_seconds": round(category_cpu, 1),
                "category_training_rows": len(texts),
                "category_model_bytes": category_bytes,
                "router_training_seconds": round(router_seconds, 1),
                "router_training_cpu_seconds": round(router_cpu, 1),
                "router_training_rows": len(kept),
                "router_units": len(router.labels),
                "router_model_bytes": router_bytes,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
