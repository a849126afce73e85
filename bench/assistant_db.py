"""南小格 on the database: upload, index rebuild and question latency over msgabench-gov.

Builds a fresh SQLite database in a temporary folder, uploads the 2,060 msgabench-gov answer
passages as one Q&A sheet through the platform's store (parse + insert in one transaction),
then asks the 665 questions through ``questions.ask_logged`` (search, offline answer, unit
lookup and the question-log insert), uploads one small handbook document and times the
first question after it (index update included); prints one JSON object of figures. With
``--warm-up`` the server's start-up warm-up (jieba, index build) runs, and is timed, before
the first question. Usage::

    PYTHONPATH=src /work/venv/bin/python bench/assistant_db.py [--questions N] [--warm-up]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "msgabench-gov").resolve()


def _sheet() -> bytes:
    """The corpus as a Q&A sheet (empty question column, answer, handling unit)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["问题", "答案", "处理单位"])
    with (DATA / "gov_qa_knowledge_corpus_answers.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            writer.writerow(["", row["正文内容"], row["处理单位"]])
    return out.getvalue().encode("utf-8")


def _questions(limit: int) -> list[str]:
    with (DATA / "gov_qa_pairs_dev30.csv").open(encoding="utf-8-sig") as handle:
        return [row["用户问题"] for row in csv.DictReader(handle)][:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=665)
    parser.add_argument("--warm-up", action="store_true",
                        help="run the server's start-up warm-up before the first question")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"msgabench-gov not found at {DATA}")
    logging.disable(logging.INFO)

    from civicgrid.assistant import questions, store
    from civicgrid.db import migrate
    from civicgrid.db.core import create_db_engine, make_session_factory
    from civicgrid.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="cg-bench-assistant-"))
    engine = create_db_engine(f"sqlite:///{folder / 'bench.db'}")
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    settings = Settings(data_dir=folder)
    figures: dict[str, float | int] = {}
    with sessions() as session:
        started = time.perf_counter()
        row = store.add_document(session=session, upload=store.Upload("msgabench.csv", _sheet()))
        session.commit()
        figures["upload_seconds"] = round(time.perf_counter() - started, 2)
        figures["passages"] = row.passage_count
        if args.warm_up:
            # What a server start does: jieba and the index load before the first question.
            started = time.perf_counter()
            questions.warm_up(sessions, settings)
            figures["warm_up_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        questions.ask_logged(session=session, settings=settings, question="占道经营怎么处理",
                             user_id=None)
        figures["first_ask_after_upload_seconds"] = round(time.perf_counter() - started, 2)
        times, found = [], 0
        for question in _questions(args.questions):
            started = time.perf_counter()
            answer = questions.ask_logged(session=session, settings=settings,
                                          question=question, user_id=None)
            times.append(time.perf_counter() - started)
            found += bool(answer["found"])
        session.commit()
        handbook = sorted((ROOT / "src/civicgrid/assistant/handbook").glob("*.md"))[0]
        store.add_document(session=session,
                           upload=store.Upload(handbook.name, handbook.read_bytes()))
        session.commit()
        started = time.perf_counter()
        questions.ask_logged(session=session, settings=settings, question="占道经营怎么处理",
                             user_id=None)
        figures["first_ask_after_small_upload_seconds"] = round(
            time.perf_counter() - started, 2)
    times.sort()
    figures["questions"] = len(times)
    figures["answered_with_citations"] = found
    figures["ask_p50_ms"] = round(1000 * statistics.median(times), 1)
    figures["ask_p95_ms"] = round(1000 * times[int(0.95 * (len(times) - 1))], 1)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
