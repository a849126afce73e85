"""Replies audited per second on one core (offline path), on the real tipdm attachment 4.

    PYTHONPATH=src taskset -c 0 python bench/audit_speed.py [--rounds 3]

Loads the 2,816 request-reply pairs once, warms up on 50 of them (phrase set compiled,
caches filled), then times :func:`civicgrid.audit.audit` over all pairs with their titles
and dates, several rounds, and prints the best and median rate. File reading is not timed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from civicgrid.audit import audit
from civicgrid.intake.files import read_table

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
FILE = DATA / "tipdm2020c" / "attachment4_messages_with_replies.csv"


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    records = read_table(FILE).records()
    pairs = [
        (r["留言详情"], r["答复意见"], r["留言主题"], r["留言时间"], r["答复时间"]) for r in records
    ]
    for request, reply, title, received, replied in pairs[:50]:
        audit(request, reply, title=title, received_at=received, replied_at=replied)
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for request, reply, title, received, replied in pairs:
            audit(request, reply, title=title, received_at=received, replied_at=replied)
        rates.append(len(pairs) / (time.perf_counter() - start))
    chars = sum(len(p[0] or "") + len(p[1] or "") for p in pairs) / len(pairs)
    print(f"pairs: {len(pairs)} (mean {chars:.0f} characters of request + reply)")
    print(
        f"replies audited per second: best {max(rates):.0f}, median {statistics.median(rates):.0f}"
        f" over {rounds} rounds"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
