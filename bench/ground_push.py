"""Bench: push N changed records of every synced type (enterprises, visits, building heads,
and buildings, houses and grid workers captured first; the mix of `ground_sync.py`) to a stub
city server on 127.0.0.1, interrupted halfway by 500 answers, then resumed; checks that
nothing was sent twice or lost.

Run: PYTHONPATH=src:. /work/venv/bin/python bench/ground_push.py [N] [BATCH]
Prints the wall time of both rounds, the records each sent and the reconciliation.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine

from civicgrid.db.core import make_session_factory
from civicgrid.ground.config import DEFAULTS, load_config
from civicgrid.ground.sync import push, reconcile
from civicgrid.ground.vault import Vault
from tests.ground.city_stub import CityStub

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ground_sync import build


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    work = Path("/tmp/ground-push-bench")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    url = f"sqlite:///{work / 'bench.db'}"
    counts = build(url, n)
    vault = Vault("bench-key")
    mapping = load_config(DEFAULTS)["sync_mapping"]
    stub = CityStub()
    stub.fail_from = (n // batch) // 2
    factory = make_session_factory(create_engine(url))
    with factory() as session:
        started = time.perf_counter()
        first = push(session=session, base_url=stub.url, mapping=mapping, batch_size=batch,
                     retries=2, backoff=0.05, vault=vault)
        middle = time.perf_counter()
        stub.fail_from = None
        second = push(session=session, base_url=stub.url, mapping=mapping, batch_size=batch,
                      vault=vault)
        done = time.perf_counter()
        check = reconcile(session=session, base_url=stub.url, mapping=mapping)
    stub.close()
    print(f"records={n} {counts} batch={batch}")
    print(f"round 1 (500 halfway): sent={first['sent']} acked={first['acked']} "
          f"wall_s={middle - started:.1f}")
    print(f"round 2 (resume): from={second['from']} sent={second['sent']} "
          f"wall_s={done - middle:.1f}")
    print(f"receipts={len(stub.receipts)} unique={len(set(stub.receipts))} "
          f"reconciled={check['match']} per type: "
          f"{ {t['record_type']: t['city']['count'] for t in check['types']} }")


if __name__ == "__main__":
    main()
