"""Address matching benchmark: the parts model on splink/DuckDB against plain splink.

Usage: PYTHONPATH=src:bench python bench/addresses_match.py [--base N] [--outside M]
       [--workers W] [--skip-baseline]

Generates the truth set (bench/addresses_truth.py, seed 20261204), then, end to end and
timed: parses the outside list on W processes, links it to the base with
civicgrid.addresses.linkage.link (blocking, comparisons, EM-trained probability, decision),
and scores precision (right house among automatic matches) and recall (right house among
outside addresses whose house is in the base). The plain-splink baseline on whole strings
runs in the same process after it. Peak memory is the maximum resident set of this process
and of its worker processes. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from dataclasses import asdict
from typing import Any

from addresses_truth import base_text, generate_base, generate_outside

from civicgrid.addresses.linkage import link, parse_outside, plain_baseline
from civicgrid.addresses.matching import parts_of


def _score(decisions: dict[str, dict[str, Any]],
           outside: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    auto = right = in_base = review = wrong_on_absent = 0
    for ref, _text, truth in outside:
        d = decisions.get(ref, {"decision": "no_match", "code": None})
        in_base += truth is not None
        review += d["decision"] == "review"
        if d["decision"] == "match":
            auto += 1
            right += d["code"] == truth
            wrong_on_absent += truth is None
    return {"precision": round(right / auto, 4) if auto else None,
            "recall": round(right / in_base, 4) if in_base else None,
            "automatic_matches": auto, "review": review,
            "matched_to_absent_house": wrong_on_absent}


def _peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=300_000)
    parser.add_argument("--outside", type=int, default=600_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    base, held = generate_base(args.base)
    outside = generate_outside(base, held, args.outside)
    started = time.perf_counter()
    base_rows = [asdict(parts_of(h.code, h.estate, h.road, h.number, h.building, h.unit,
                                 h.floor, h.room)) for h in base]
    parsed = parse_outside([(r, t) for r, t, _ in outside], workers=args.workers)
    parse_s = time.perf_counter() - started
    decisions = link(base_rows, parsed)
    wall = time.perf_counter() - started
    result: dict[str, Any] = {
        "base_houses": len(base), "outside_addresses": len(outside),
        "outside_absent_share": round(sum(t is None for *_, t in outside) / len(outside), 4),
        "workers": args.workers,
        "parts_model": {**_score(decisions, outside), "wall_s": round(wall, 1),
                        "parse_s": round(parse_s, 1), "peak_mib": _peak_mib()},
    }
    if not args.skip_baseline:
        started = time.perf_counter()
        plain = plain_baseline([(h.code, base_text(h)) for h in base],
                               [(r, t) for r, t, _ in outside])
        result["plain_splink"] = {**_score(plain, outside),
                                  "wall_s": round(time.perf_counter() - started, 1),
                                  "peak_mib": _peak_mib()}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return result


if __name__ == "__main__":
    main()
