"""Draw the hand-checked reply-audit samples (ids only) and show their texts for reading.

    PYTHONPATH=src python bench/audit_sample.py ids  tipdm|shangluo   # the 100 sampled ids
    PYTHONPATH=src python bench/audit_sample.py show tipdm|shangluo [START END]

The draw is ``random.Random(20261204).sample`` over the ids in file order; ids that occur
more than once in a file are left out so that an id names exactly one pair. Texts are
printed to the terminal for labelling and never written into the repository.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

from civicgrid.intake.files import read_table

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
SEED = 20261204
SIZE = 100

# name -> (file, id column, request columns, reply column)
SOURCES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "tipdm": (
        "tipdm2020c/attachment4_messages_with_replies.csv",
        "留言编号",
        ("留言主题", "留言详情"),
        "答复意见",
    ),
    "shangluo": (
        "shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv",
        "mail_id",
        ("title", "query"),
        "reply",
    ),
}


def sampled_rows(name: str) -> list[dict[str, str | None]]:
    """The sampled records of one source, in draw order."""
    path, id_col, _, _ = SOURCES[name]
    records = read_table(DATA / path).records()
    counts = Counter(r[id_col] for r in records)
    eligible = [r for r in records if r[id_col] and counts[r[id_col]] == 1]
    return random.Random(SEED).sample(eligible, SIZE)


def main(argv: list[str]) -> None:
    action, name = argv[0], argv[1]
    _, id_col, request_cols, reply_col = SOURCES[name]
    rows = sampled_rows(name)
    if action == "ids":
        for row in rows:
            print(row[id_col])
        return
    start, end = (int(argv[2]), int(argv[3])) if len(argv) > 3 else (0, SIZE)
    for i, row in enumerate(rows[start:end], start):
        request = " / ".join(row[c] or "" for c in request_cols)
        print(f"=== #{i} id={row[id_col]}\nQ: {request}\nA: {row[reply_col] or ''}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
