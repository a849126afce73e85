"""Knowledge assistant benchmark: indexing time, query latency, unit accuracy.

Usage (from the repository root)::

    PYTHONPATH=src python bench/assistant_bench.py [--data ../shared/data] [--large 100000]
        [--embeddings]

Runs on one core (the process is pinned to CPU 0 and numeric libraries to one thread):

* the msgabench-gov knowledge corpus (2,060 answer passages) as the base: indexing time,
  save/load time, and p50/p95 query latency of its 665 questions on the BM25 path;
* ``--large N`` GENERATED passages (random sentences of the real corpus recombined, clearly
  not real documents): indexing time and p50/p95 BM25 query latency;
* unit accuracy: the unit suggested from the top five passages against the 处理单位 of the
  665 question pairs (those that have one) and of the 69 NLU queries;
* offline answers: how many of the 665 questions get a cited answer, and how many of 15
  hand-written off-topic questions get 未找到依据;
* ``--embeddings``: the fused BM25 + e5 path on the base (embeddings from the cache in
  <data_dir>/assistant/embedding-cache; missing ones are computed first, slowly).

Prints a Markdown block for bench/results.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from civicgrid.assistant.answering import ask, suggest_unit  # noqa: E402
from civicgrid.assistant.chunking import split_sentences  # noqa: E402
from civicgrid.assistant.documents import Document, Passage  # noqa: E402
from civicgrid.assistant.evaluation import Columns, index_from_table  # noqa: E402
from civicgrid.assistant.index import KnowledgeIndex  # noqa: E402
from civicgrid.intake.files import read_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = Columns(id="doc_id", text="正文内容", question="用户问题", gold="gold_doc_id",
                  unit="处理单位")


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _latency(index: KnowledgeIndex, questions: list[str], embedder: object = None) -> tuple:
    index.search(questions[0], embedder=embedder)  # builds the fields once
    times = []
    for question in questions:
        began = time.perf_counter()
        index.search(question, k=5, embedder=embedder)
        times.append(time.perf_counter() - began)
    return _percentiles(times)


def _unit_accuracy(index: KnowledgeIndex, questions: list[str], units: list[str | None]) -> tuple:
    right = total = 0
    for question, unit in zip(questions, units, strict=True):
        if not unit:
            continue
        total += 1
        suggestion = suggest_unit(index.search(question, k=5))
        right += suggestion is not None and suggestion.unit == unit
    return right / total, total


# Hand-written questions a Beijing government-affairs corpus should not answer.
OFF_TOPIC = (
    "火星移民政策", "明天股票会涨吗", "红烧肉怎么做才好吃", "世界杯冠军是谁", "如何训练一只猫",
    "量子计算机的原理", "周杰伦的新歌叫什么", "怎么减肥最快", "推荐一部好看的电影",
    "月球上有没有水", "比特币怎么挖矿", "哪个牌子的手机好", "宇宙有多大", "恐龙为什么灭绝",
    "怎么钓鱼",
)


def _abstention(index: KnowledgeIndex, questions: list[str]) -> str:
    answered = sum(ask(q, index).found for q in questions)
    off = [q for q in OFF_TOPIC if ask(q, index).found]
    return (f"- offline answers: {answered}/{len(questions)} real questions answered with a "
            f"citation; {len(OFF_TOPIC) - len(off)}/{len(OFF_TOPIC)} off-topic questions "
            f"answered 未找到依据 (answered: {'、'.join(off) or 'none'})")


def _generated(corpus_texts: list[str], count: int, seed: int = 7) -> KnowledgeIndex:
    """``count`` GENERATED passages: 2-4 random real sentences each, recombined."""
    rng = random.Random(seed)
    sentences = [s for text in corpus_texts for s in split_sentences(text) if len(s) > 8]
    index = KnowledgeIndex()
    per_doc = 100
    for start in range(0, count, per_doc):
        doc_id = f"GEN{start // per_doc:05d}"
        document = Document(doc_id, doc_id, "generated", "gen", "text")
        passages = [
            Passage(f"{doc_id}#{i}", doc_id,
                    "".join(rng.sample(sentences, rng.randint(2, 4)))[:500], position=i)
            for i in range(1, min(per_doc, count - start) + 1)
        ]
        index.add(document, passages)
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--embeddings", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    folder = args.data / "msgabench-gov"
    corpus = read_table(folder / "gov_qa_knowledge_corpus_answers.csv")
    pairs = read_table(folder / "gov_qa_pairs_dev30.csv")
    nlu = read_table(folder / "nlu_query_keywords_unit_dev30.csv")
    questions = [q or "" for q in pairs.values("用户问题")]

    began = time.perf_counter()
    base = index_from_table(corpus, COLUMNS)
    base.search("预热")
    index_seconds = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        base.save(tmp)
        save_seconds = time.perf_counter() - began
        began = time.perf_counter()
        KnowledgeIndex.load(tmp).search("预热")
        load_seconds = time.perf_counter() - began
    p50, p95 = _latency(base, questions)
    pair_acc, pair_n = _unit_accuracy(base, questions, pairs.values("处理单位"))
    nlu_questions = [q or "" for q in nlu.values("用户问题")]
    nlu_units = nlu.values("处理单位")
    nlu_acc, nlu_n = _unit_accuracy(base, nlu_questions, nlu_units)
    known = {p.unit for p in base.passages}
    reachable = [u if u in known else None for u in nlu_units]
    reach_acc, reach_n = _unit_accuracy(base, nlu_questions, reachable)
    print(f"- base: {len(base.documents)} documents, {len(base.passages)} passages; "
          f"indexing {index_seconds:.1f} s, save {save_seconds:.2f} s, "
          f"load+build {load_seconds:.2f} s")
    print(f"- BM25 query latency on the base, one core: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
          f"({len(questions)} questions)")
    print(f"- unit accuracy (top-5 vote): {pair_acc:.3f} on {pair_n} question pairs with a "
          f"unit; {nlu_acc:.3f} on the {nlu_n} NLU queries, {reach_acc:.3f} on the {reach_n} "
          "of them whose unit occurs in the corpus")
    print(_abstention(base, questions))
    if args.embeddings:
        _dense(base, questions)
    if args.large:
        _large(corpus, args.large, questions)


def _dense(base: KnowledgeIndex, questions: list[str]) -> None:
    from civicgrid.assistant.embeddings import CachedEmbedder, E5Embedder
    from civicgrid.settings import get_settings

    embedder = CachedEmbedder(E5Embedder(), get_settings().data_dir / "assistant"
                              / "embedding-cache")
    began = time.perf_counter()
    base.embed(embedder)
    embed_seconds = time.perf_counter() - began
    p50, p95 = _latency(base, questions[:200], embedder)
    print(f"- fused BM25 + e5 query latency on the base, one core: p50 {p50:.1f} ms, "
          f"p95 {p95:.1f} ms (200 questions; embedding the base took {embed_seconds:.0f} s "
          "with the cache)")


def _large(corpus: object, count: int, questions: list[str]) -> None:
    texts = [t for t in corpus.values("正文内容") if t]  # type: ignore[attr-defined]
    began = time.perf_counter()
    large = _generated(texts, count)
    large.search("预热")
    seconds = time.perf_counter() - began
    p50, p95 = _latency(large, questions[:200])
    print(f"- {count:,} GENERATED passages: indexing {seconds:.0f} s; BM25 query latency, "
          f"one core: p50 {p50:.1f} ms, p95 {p95:.1f} ms (200 questions)")


if __name__ == "__main__":
    main()
