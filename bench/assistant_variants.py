"""Retrieval variants on msgabench-gov, measured side by side (no database).

Builds the same passages as ``civicgrid assistant eval`` once, then scores each lexical
variant (and, with ``--dense``, its fusion with the cached e5 vectors) on the 665 question
pairs, overall and on the two halves of the question file (odd / even rows), so a weight
chosen on one half can be read on the other. Dense vectors come only from the embedding
cache (``<data_dir>/assistant/embedding-cache``); run the eval with ``--embeddings`` first.

    PYTHONPATH=src python bench/assistant_variants.py [--dense]

stdout holds one JSON object (variant -> {all, odd, even} -> r1, r5, mrr); progress on stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from civicgrid.assistant import service, tokenizer
from civicgrid.assistant.bm25 import BM25Field, BM25Params
from civicgrid.assistant.embeddings import CachedEmbedder, E5Embedder, window_vectors
from civicgrid.assistant.evaluation import Columns, index_from_table
from civicgrid.intake.files import read_table
from civicgrid.settings import get_settings

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "msgabench-gov"
CORPUS = DATA / "gov_qa_knowledge_corpus_answers.csv"
QUESTIONS = DATA / "gov_qa_pairs_dev30.csv"
COLUMNS = Columns(
    id="doc_id", text="正文内容", question="用户问题", gold="gold_doc_id", unit="处理单位"
)


def metrics(ranked_docs: list[list[str]], gold: list[str], rows: range | list[int]) -> dict:
    """recall@1, recall@5 and MRR (depth 100) over the given question rows."""
    r1 = r5 = rr = 0.0
    for row in rows:
        ranking = ranked_docs[row]
        if gold[row] in ranking:
            rank = ranking.index(gold[row]) + 1
            r1 += rank == 1
            r5 += rank <= 5
            rr += 1.0 / rank
    n = max(len(rows), 1)
    return {"r1": round(r1 / n, 4), "r5": round(r5 / n, 4), "mrr": round(rr / n, 4)}


def scaled(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


class Bench:
    """Passages, questions and helpers shared by every variant."""

    def __init__(self) -> None:
        corpus, questions = read_table(CORPUS), read_table(QUESTIONS)
        self.index = index_from_table(corpus, COLUMNS)
        self.passages = self.index.passages
        self.doc_of = [p.doc_id for p in self.passages]
        self.asked = [q or "" for q in questions.values(COLUMNS.question)]
        self.gold = [g or "" for g in questions.values(COLUMNS.gold)]
        self.tokens = [self.index._tokens[p.passage_id] for p in self.passages]
        self.q_words = [tokenizer.words(q) for q in self.asked]
        self.q_grams = [tokenizer.bigrams(q) for q in self.asked]

    def rank_docs(self, scores: np.ndarray, depth: int = 100) -> list[str]:
        order = np.argsort(-scores, kind="stable")
        ranking: list[str] = []
        seen: set[str] = set()
        for i in order:
            if scores[i] <= -1e8:
                break
            doc = self.doc_of[i]
            if doc not in seen:
                seen.add(doc)
                ranking.append(doc)
                if len(ranking) == depth:
                    break
        return ranking


Scorer = Callable[[int], np.ndarray]


def bm25_scorer(
    bench: Bench,
    p_words: list[list[str]],
    p_grams: list[list[str]],
    q_words: list[list[str]],
    q_grams: list[list[str]],
    *,
    word_weight: float = 0.5,
    params: BM25Params | None = None,
) -> Scorer:
    words = BM25Field(p_words, params)
    grams = BM25Field(p_grams, params)

    def score(row: int) -> np.ndarray:
        w = scaled(words.scores(q_words[row]))
        g = scaled(grams.scores(q_grams[row]))
        return word_weight * w + (1 - word_weight) * g

    return score


def fuse(lexical: np.ndarray, dense: np.ndarray, weight: float) -> np.ndarray:
    """The index's fusion: dense centred on the candidates (lexical > 0), convex mix."""
    out = np.full(lexical.shape, -1e9)
    mask = lexical > 0
    if not mask.any():
        return out
    d = dense[mask]
    spread = float(d.max() - d.mean())
    centred = (d - d.mean()) / spread if spread > 0 else np.zeros_like(d)
    out[mask] = (1 - weight) * lexical[mask] + weight * centred
    return out


def lexical_only(lexical: np.ndarray) -> np.ndarray:
    return np.where(lexical > 0, lexical, -1e9)


def evaluate(bench: Bench, score: Callable[[int], np.ndarray]) -> dict:
    ranked = [bench.rank_docs(score(row)) for row in range(len(bench.asked))]
    n = len(bench.asked)
    return {
        "all": metrics(ranked, bench.gold, range(n)),
        "odd": metrics(ranked, bench.gold, list(range(0, n, 2))),
        "even": metrics(ranked, bench.gold, list(range(1, n, 2))),
    }


class _CacheOnly:
    """Stands in for the model: every passage vector must come from the cache."""

    name = E5Embedder.name

    def passages(self, texts):  # type: ignore[no-untyped-def]
        raise SystemExit(f"{len(texts)} passage windows are not cached; embed them first")


def _merged_cache() -> CachedEmbedder:
    """The embedding cache and every ``embedding-cache-*`` folder beside it, merged."""
    cache = service.embedding_cache_folder(get_settings())
    merged = CachedEmbedder(_CacheOnly(), cache)
    for extra in sorted(cache.parent.glob("embedding-cache-*")):
        merged._vectors.update(CachedEmbedder(_CacheOnly(), extra)._vectors)
    return merged


def dense_vectors(bench: Bench) -> tuple[list[np.ndarray], np.ndarray]:
    """Each passage's window matrix (from the caches) and the questions' vectors."""
    cache = service.embedding_cache_folder(get_settings())
    merged = _merged_cache()
    texts = [" ".join((*p.heading_path, p.text)) for p in bench.passages]
    windows = window_vectors(merged, texts)
    q_path = cache.parent / "bench-question-vectors.npy"
    if q_path.is_file():
        questions = np.load(q_path)
    else:
        questions = E5Embedder().queries(bench.asked)
        np.save(q_path, questions)
    return windows, questions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dense", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    bench = Bench()
    print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results: dict[str, dict] = {}
    lexical: dict[str, list[np.ndarray]] = {}
    for name, scorer in lexical_variants(bench).items():
        lexical[name] = [scorer(row) for row in range(len(bench.asked))]
        results[name] = evaluate(bench, lambda row, lex=lexical[name]: lexical_only(lex[row]))
        print(name, json.dumps(results[name]), file=sys.stderr)
    if args.dense:
        results.update(dense_variants(bench, lexical))
    print(json.dumps(results, ensure_ascii=False))
    return 0


def dense_variants(bench: Bench, lexical: dict[str, list[np.ndarray]]) -> dict[str, dict]:
    windows, questions = dense_vectors(bench)
    first = np.vstack([m[0] for m in windows])
    stacked = np.vstack(windows)
    starts = np.cumsum([0, *(len(m) for m in windows[:-1])])
    similarity = {
        "first window": [first @ q for q in questions],
        "best window": [np.maximum.reduceat(stacked @ q, starts) for q in questions],
    }
    # The passage's unit named before its text (first window only), where those vectors are
    # cached (embedding-cache-unit, made by embedding f"{unit}：{text}"[:192] once).
    prefixed = [f"{p.unit}：{p.text}" if p.unit else p.text for p in bench.passages]
    try:
        unit_first = np.vstack([m[0] for m in window_vectors(_merged_cache(), prefixed, limit=1)])
        similarity["first window, unit first"] = [unit_first @ q for q in questions]
        similarity["mean of best window and unit first"] = [
            (best + unit) / 2
            for best, unit in zip(
                similarity["best window"], similarity["first window, unit first"], strict=True
            )
        ]
    except SystemExit as missing:
        print(f"unit-first variant skipped: {missing}", file=sys.stderr)
    # Rocchio feedback on the question vector: add the mean of the three best fused
    # passages' vectors (first window), weight alpha, then score again.
    for alpha in (0.3, 0.6):
        fed = []
        for row, q in enumerate(questions):
            base = fuse(lexical["bm25"][row], similarity["best window"][row], 0.8)
            top = np.argsort(-base, kind="stable")[:3]
            q2 = q + alpha * first[top].mean(axis=0)
            q2 = q2 / np.linalg.norm(q2)
            fed.append(np.maximum.reduceat(stacked @ q2, starts))
        similarity[f"best window, Rocchio alpha {alpha}"] = fed
    results: dict[str, dict] = {}
    for dense_name, dense in similarity.items():
        name = f"dense alone, {dense_name}"
        results[name] = evaluate(bench, lambda row, d=dense: d[row])
        print(name, json.dumps(results[name]), file=sys.stderr)
        for lex_name in ("bm25", "bm25+unit"):
            lex = lexical[lex_name]
            for weight in (0.6, 0.7, 0.8, 0.85, 0.9):
                name = f"{lex_name} fused with {dense_name}, dense weight {weight}"
                results[name] = evaluate(
                    bench, lambda row, d=dense, w=weight, x=lex: fuse(x[row], d[row], w)
                )
                print(name, json.dumps(results[name]), file=sys.stderr)
    return results


def strip_boilerplate(question: str) -> str:
    """The question with its question words (tokenizer.STOPWORDS) blanked out."""
    pieces = tokenizer._jieba().lcut(question)
    return " ".join(" " if piece in tokenizer.STOPWORDS else piece for piece in pieces)


def trigrams(text: str) -> list[str]:
    grams: list[str] = []
    for run in tokenizer._CJK_RUN.findall(text):
        grams.extend(run[i : i + 3] for i in range(max(len(run) - 2, 1)))
    return grams


def word_pairs(words: list[str]) -> list[str]:
    return [a + "_" + b for a, b in itertools.pairwise(words)]


class BM25PlusField(BM25Field):
    """BM25+ (Lv and Zhai 2011): every matching term earns at least delta * idf."""

    delta = 1.0

    def _build(self, documents):  # type: ignore[no-untyped-def]
        matrix = super()._build(documents)
        matrix = matrix.tocoo()
        data = matrix.data + self.delta * self._idf[matrix.col]
        from scipy import sparse

        out = sparse.csc_matrix((data, (matrix.row, matrix.col)), shape=matrix.shape)
        out.sort_indices()
        return out


class DirichletField:
    """Query likelihood with Dirichlet smoothing (Zhai and Lafferty 2001), sparse form."""

    def __init__(self, documents, mu: float = 200.0):  # type: ignore[no-untyped-def]
        from collections import Counter

        from scipy import sparse

        self.vocabulary: dict[str, int] = {}
        rows, cols, counts = [], [], []
        lengths = np.zeros(len(documents))
        for row, tokens in enumerate(documents):
            lengths[row] = len(tokens)
            for term, count in Counter(tokens).items():
                rows.append(row)
                cols.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                counts.append(count)
        cols_a = np.asarray(cols)
        tf = np.asarray(counts, dtype=float)
        cf = np.bincount(cols_a, weights=tf, minlength=len(self.vocabulary))
        p = cf / cf.sum()
        data = np.log1p(tf / (mu * p[cols_a]))
        self._m = sparse.csc_matrix((data, (rows, cols_a)), shape=(len(documents), len(p)))
        self._len = np.log(mu / (lengths + mu))

    def scores(self, query_tokens):  # type: ignore[no-untyped-def]
        from collections import Counter

        terms = Counter(t for t in query_tokens if t in self.vocabulary)
        if not terms:
            return np.zeros(self._m.shape[0])
        cols = [self.vocabulary[t] for t in terms]
        weights = np.asarray(list(terms.values()), dtype=float)
        matched = np.asarray(self._m[:, cols] @ weights).ravel()
        # Only passages with a match count (zero stays zero, as in BM25); shift so the
        # weakest matching passage is just above zero.
        total = matched + sum(terms.values()) * self._len
        out = np.zeros_like(total)
        hit = matched > 0
        if hit.any():
            out[hit] = total[hit] - total[hit].min() + 1e-6
        return out


def field_scorer(fields, queries, weights):  # type: ignore[no-untyped-def]
    def score(row: int) -> np.ndarray:
        total = None
        for field, query, weight in zip(fields, queries, weights, strict=True):
            part = weight * scaled(field.scores(query[row]))
            total = part if total is None else total + part
        return total

    return score


def lexical_variants(bench: Bench) -> dict[str, Scorer]:
    pw = [t.words for t in bench.tokens]
    pg = [t.bigrams for t in bench.tokens]
    units = [p.unit or "" for p in bench.passages]
    uw = [w + tokenizer.words(u) for w, u in zip(pw, units, strict=True)]
    ug = [g + tokenizer.bigrams(u) for g, u in zip(pg, units, strict=True)]
    stripped = [strip_boilerplate(q) for q in bench.asked]
    sw = [tokenizer.words(q) for q in stripped]
    sg = [tokenizer.bigrams(q) for q in stripped]
    texts = [" ".join((*p.heading_path, p.text)) for p in bench.passages]
    variants = {
        "bm25": bm25_scorer(bench, pw, pg, bench.q_words, bench.q_grams),
        "bm25+unit": bm25_scorer(bench, uw, ug, bench.q_words, bench.q_grams),
        "bm25 stripped query": bm25_scorer(bench, pw, pg, sw, sg),
        "bm25+unit stripped": bm25_scorer(bench, uw, ug, sw, sg),
    }
    plus_w, plus_g = BM25PlusField(uw), BM25PlusField(ug)
    variants["bm25plus+unit stripped"] = field_scorer((plus_w, plus_g), (sw, sg), (0.5, 0.5))
    for mu in (100.0, 300.0):
        dw, dg = DirichletField(uw, mu), DirichletField(ug, mu)
        variants[f"ql-dirichlet mu={mu:g} +unit stripped"] = field_scorer(
            (dw, dg), (sw, sg), (0.5, 0.5)
        )
    words_f, grams_f = BM25Field(uw), BM25Field(ug)
    tri_f = BM25Field([trigrams(t + " " + u) for t, u in zip(texts, units, strict=True)])
    st = [trigrams(q) for q in stripped]
    for w in (0.2, 0.33):
        variants[f"bm25+unit stripped + trigram field {w}"] = field_scorer(
            (words_f, grams_f, tri_f), (sw, sg, st), ((1 - w) / 2, (1 - w) / 2, w)
        )
    pair_f = BM25Field([word_pairs(tokenizer._jieba().lcut(t)) for t in texts])
    sp = [word_pairs([x for x in tokenizer._jieba().lcut(q) if x.strip()]) for q in stripped]
    for w in (0.2,):
        variants[f"bm25+unit stripped + word-pair field {w}"] = field_scorer(
            (words_f, grams_f, pair_f), (sw, sg, sp), ((1 - w) / 2, (1 - w) / 2, w)
        )
    return variants


if __name__ == "__main__":
    raise SystemExit(main())
