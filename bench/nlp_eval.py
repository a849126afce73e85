"""Evaluation figures of request understanding on ../shared/data (bench/results.md, nlp).

Runs the project's own commands (``civicgrid nlp eval`` / ``civicgrid route eval`` with
``--cv 5 --json``, seed 42) on the shared real data and prints one JSON object per data set,
plus a summary table. Usage, from the repository root::

    PYTHONPATH=src python bench/nlp_eval.py [--only NAME]

Each evaluation trains 5 models; the whole script takes about 5 minutes on a loaded 2-core
machine (tipdm about 2 minutes of it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()

TIPDM = str(DATA / "tipdm2020c/attachment2_details_labels_partial_minus_holdout.csv")
MSGA = str(DATA / "msgabench-gov/messages_type_domain_sentiment_dev30.csv")
MSGA_UNITS = str(DATA / "msgabench-gov/nlu_query_keywords_unit_dev30.csv")
SHANGLUO = str(DATA / "shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv")

RUNS: dict[str, list[str]] = {
    "tipdm_details_7class": [
        "nlp",
        "eval",
        "--data",
        TIPDM,
        "--text-col",
        "留言详情",
        "--label-col",
        "一级标签",
    ],
    "msgabench_type": [
        "nlp",
        "eval",
        "--data",
        MSGA,
        "--text-col",
        "留言",
        "--label-col",
        "问题类型",
    ],
    "msgabench_domain": [
        "nlp",
        "eval",
        "--data",
        MSGA,
        "--text-col",
        "留言",
        "--label-col",
        "问题领域",
    ],
    "msgabench_unit_routing": [
        "route",
        "eval",
        "--data",
        MSGA_UNITS,
        "--text-col",
        "用户问题",
        "--unit-col",
        "处理单位",
    ],
    "shangluo_agency_routing": [
        "route",
        "eval",
        "--data",
        SHANGLUO,
        "--text-col",
        "title",
        "--text-col",
        "query",
        "--unit-col",
        "reply_agency",
    ],
}


def run(name: str) -> dict:
    """Run one evaluation command and return its JSON result with the wall time."""
    command = [sys.executable, "-m", "civicgrid", *RUNS[name], "--cv", "5", "--json"]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout)
    result["wall_seconds"] = round(time.perf_counter() - began, 1)
    result["command"] = "civicgrid " + " ".join(RUNS[name][:2]) + " ... --cv 5 --json"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(RUNS), action="append")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"shared data not found at {DATA}")
    for name in args.only or RUNS:
        result = run(name)
        result.pop("confusion", None)
        print(json.dumps({"name": name, **result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
