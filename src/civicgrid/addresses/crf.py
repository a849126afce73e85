"""A linear-chain CRF that tags address characters (or tokens) with address elements.

The model is CRFsuite (python-crfsuite, L-BFGS with elastic-net penalties) over hand-built
features of each token:

* the token, its character class (digit, Chinese numeral, Latin letter, Han, punctuation),
  and those of its neighbours in a window of ±3, with bigrams and a trigram;
* *suffix words*: whether the token ends a word like 省/市/区/街道/社区/路/号/栋/单元/层/室,
  and which element such a word usually closes;
* *gazetteer windows*: whether the token lies at the start, inside or at the end of an
  administrative name of the built-in gazetteer, and at which level;
* *lexicon windows*: the same for entity strings seen in the training addresses, per label.
  On the training addresses themselves the lexicon is built jack-knife style (from the other
  parts only), otherwise the model would learn to trust a feature that is always right on
  the data it was built from and never on new data;
* *digit runs*: for digits and letters, the character before and the two after their run
  (``1501`` before ``室`` vs before ``号``), since the run's end is beyond a ±3 window;
* optionally (``CrfSettings.use_segmenter``) jieba word boundaries; measured +0.001 F1 on
  one CCKS fold for ~10% more training time, so off by default.

Training and scoring need no database. A trained model is a folder with ``model.crfsuite``
and ``model.json`` (lexicon and settings).
"""

from __future__ import annotations

import json
import logging
import random
import time
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from civicgrid.addresses.conll import EntityScore, TaggedAddress, score, spans
from civicgrid.addresses.gazetteer import default_gazetteer, short_name

log = logging.getLogger(__name__)

MODEL_FILE = "model.crfsuite"
META_FILE = "model.json"
MAX_ENTRY = 12
# Entity strings of these labels are never stored in a model's lexicon (people's names).
PRIVATE_LABELS = frozenset({"person", "name", "phone", "tel"})
CHINESE_DIGITS = set("零〇一二三四五六七八九十百千两壹贰叁肆伍陆柒捌玖拾")

# Words that close an address element, and the element they usually close.
SUFFIX_WORDS: dict[str, str] = {
    "省": "prov", "自治区": "prov", "市": "city", "州": "city", "区": "district", "县": "district",
    "镇": "town", "乡": "town", "街道": "town", "社区": "community", "村": "community",
    "组": "group", "路": "road", "街": "road", "道": "road", "大道": "road", "巷": "road",
    "弄": "road", "号": "no", "栋": "building", "幢": "building", "座": "building",
    "号楼": "building", "单元": "unit", "层": "floor", "楼": "floor", "室": "room",
    "房": "room", "米": "distance", "交叉口": "intersection", "交汇处": "intersection",
    "附近": "assist", "旁": "assist", "对面": "assist", "旁边": "assist", "门口": "assist",
    "大厦": "poi", "花园": "poi", "小区": "poi", "公寓": "poi", "中心": "poi", "广场": "poi",
    "园": "poi", "苑": "poi", "城": "poi", "学校": "poi", "医院": "poi", "公司": "poi",
    "开发区": "devzone", "工业区": "devzone", "园区": "devzone", "新区": "devzone",
}


class ModelError(ValueError):
    """A model folder that is missing or unreadable; the message says how to make one."""


@dataclass
class CrfSettings:
    """Training settings (L-BFGS penalties and iteration cap; lexicon jack-knife parts)."""

    c1: float = 0.05
    c2: float = 0.01
    max_iterations: int = 80
    feature_minfreq: float = 0.0
    jackknife_parts: int = 4
    use_lexicon: bool = True
    use_segmenter: bool = False
    seed: int = 20261204


def char_class(token: str) -> str:
    """A coarse class of a token: digit, cnum, alpha, han, punct, mixed or other."""
    classes = {_one_class(ch) for ch in token}
    return classes.pop() if len(classes) == 1 else "mixed"


def _one_class(ch: str) -> str:
    if ch.isdigit():
        return "digit"
    if ch in CHINESE_DIGITS:
        return "cnum"
    if ch.isascii() and ch.isalpha():
        return "alpha"
    if "\u4e00" <= ch <= "\u9fff":
        return "han"
    if unicodedata.category(ch).startswith("P") or ch in "-—~#":
        return "punct"
    return "other"


def _norm(token: str) -> str:
    return unicodedata.normalize("NFKC", token).lower()


@dataclass
class Lexicon:
    """Entity strings per label, with the longest-window lookup used as features."""

    entries: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_addresses(cls, addresses: Sequence[TaggedAddress]) -> Lexicon:
        """Collect every entity string (2+ characters) per label, except personal ones."""
        table: dict[str, set[str]] = defaultdict(set)
        for address in addresses:
            for label, start, end in spans(address.tags):
                if label.lower() in PRIVATE_LABELS:
                    continue
                text = _norm("".join(address.tokens[start:end]))
                if 2 <= len(text) <= MAX_ENTRY:
                    table[text].add(label)
        return cls(dict(table))

    def windows(self, text: str) -> list[dict[str, str]]:
        """Per character: label → B/I/E of the longest lexicon entry of that label covering it."""
        return _windows(text, self.entries)


def _windows(text: str, table: dict[str, set[str]] | dict[str, str]) -> list[dict[str, str]]:
    best: list[dict[str, tuple[int, str]]] = [{} for _ in text]
    for start in range(len(text)):
        for end in range(start + 2, min(len(text), start + MAX_ENTRY) + 1):
            found = table.get(text[start:end])
            if not found:
                continue
            labels = {found} if isinstance(found, str) else found
            for label in labels:
                _mark(best, label, start, end)
    return [{label: pos for label, (_, pos) in cell.items()} for cell in best]


def _mark(best: list[dict[str, tuple[int, str]]], label: str, start: int, end: int) -> None:
    length = end - start
    for index in range(start, end):
        pos = "B" if index == start else ("E" if index == end - 1 else "I")
        current = best[index].get(label)
        if current is None or current[0] < length:
            best[index][label] = (length, pos)


@lru_cache(maxsize=1)
def _gazetteer_table() -> dict[str, str]:
    """Gazetteer names (full and short) → level, for dictionary-window features."""
    table: dict[str, str] = {}
    for name, level in default_gazetteer().names().items():
        table[name] = level
        short = short_name(name)
        if len(short) >= 2:
            table.setdefault(short, level + "_short")
    return table


def _suffix_feature(text: str, end: int) -> str | None:
    """The element closed by a suffix word ending at character ``end`` (exclusive), if any."""
    for length in (3, 2, 1):
        word = text[max(0, end - length) : end]
        if len(word) == length and word in SUFFIX_WORDS:
            return SUFFIX_WORDS[word]
    return None


@lru_cache(maxsize=1)
def _segmenter() -> object:
    """jieba's tokenizer, loaded once, with its start-up chatter kept off standard output."""
    import contextlib
    import sys

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with contextlib.redirect_stdout(sys.stderr):
        tokenizer.initialize()
    return tokenizer


def _segment_tags(text: str) -> list[tuple[str, int, str]]:
    """Per character: position in its jieba word (B/M/E/S), the word length, the word."""
    tags: list[tuple[str, int, str]] = []
    for word, start, end in _segmenter().tokenize(text, HMM=False):  # type: ignore[attr-defined]
        length = end - start
        for k in range(length):
            pos = "S" if length == 1 else ("B" if k == 0 else ("E" if k == length - 1 else "M"))
            tags.append((pos, min(length, 6), word if length >= 2 else "-"))
    return tags


def token_features(
    tokens: Sequence[str], lexicon: Lexicon | None, segmenter: bool = False
) -> list[list[str]]:
    """The feature strings of every token of one address."""
    words = [_norm(t) for t in tokens]
    text = "".join(words)
    starts: list[int] = []
    offset = 0
    for word in words:
        starts.append(offset)
        offset += len(word)
    gaz = _windows(text, _gazetteer_table())
    lex = lexicon.windows(text) if lexicon else [{} for _ in text]
    classes = [char_class(w) for w in words]
    suffixes = [_suffix_feature(text, s + len(w)) for s, w in zip(starts, words, strict=True)]

    segs = _segment_tags(text) if segmenter else None
    runs = _run_context(words, classes)
    ahead = _next_suffixes(suffixes)
    features: list[list[str]] = []
    for i, word in enumerate(words):
        first, last = starts[i], starts[i] + len(word) - 1
        feats = _context_features(words, classes, suffixes, i)
        feats += runs[i] + ahead[i]
        if segs:
            pos, length, seg_word = segs[first]
            feats += [f"seg={pos}", f"seglen={length}", f"segw={seg_word}"]
        feats += [f"gz:{lvl}:{pos}" for lvl, pos in gaz[first].items()]
        feats += [f"gz_end:{lvl}:{pos}" for lvl, pos in gaz[last].items() if last != first]
        feats += [f"lx:{lbl}:{pos}" for lbl, pos in lex[first].items()]
        feats += [f"lx_end:{lbl}:{pos}" for lbl, pos in lex[last].items() if last != first]
        features.append(feats)
    return features


def _run_context(words: list[str], classes: list[str]) -> list[list[str]]:
    """For digits and letters: what precedes and follows their run (``3`` in ``3栋`` → 栋)."""
    out: list[list[str]] = [[] for _ in words]
    i = 0
    while i < len(words):
        if classes[i] not in ("digit", "alpha", "mixed"):
            i += 1
            continue
        j = i
        while j < len(words) and classes[j] in ("digit", "alpha", "mixed", "punct"):
            j += 1
        before = words[i - 1] if i > 0 else "<s>"
        after = "".join(words[j : j + 2]) if j < len(words) else "</s>"
        for k in range(i, j):
            out[k] = [f"run_prev={before}", f"run_next={after[:1]}", f"run_next2={after}",
                      f"run_len={min(j - i, 5)}", f"run_pos={min(k - i, 4)}"]
        i = j
    return out


def _next_suffixes(suffixes: list[str | None]) -> list[list[str]]:
    """The next suffix word ahead (type and distance) and the last one behind."""
    n = len(suffixes)
    out: list[list[str]] = []
    for i in range(n):
        ahead = next(((j - i, suffixes[j]) for j in range(i, min(n, i + 8)) if suffixes[j]),
                     None)
        behind = next((suffixes[j] for j in range(i - 1, max(-1, i - 8), -1) if suffixes[j]),
                      "-")
        feats = [f"behind={behind}"]
        if ahead:
            feats += [f"ahead={ahead[1]}", f"ahead={ahead[1]}@{min(ahead[0], 4)}"]
        out.append(feats)
    return out


def _context_features(
    words: list[str], classes: list[str], suffixes: list[str | None], i: int
) -> list[str]:
    n = len(words)

    def w(k: int) -> str:
        j = i + k
        return words[j] if 0 <= j < n else ("<s>" if j < 0 else "</s>")

    def c(k: int) -> str:
        j = i + k
        return classes[j] if 0 <= j < n else "pad"

    def s(k: int) -> str:
        j = i + k
        return (suffixes[j] or "-") if 0 <= j < n else "pad"

    feats = ["bias", f"w={w(0)}", f"c={c(0)}", f"len={min(len(words[i]), 4)}"]
    feats += [f"w{k}={w(k)}" for k in (-3, -2, -1, 1, 2, 3)]
    feats += [f"w-1w0={w(-1)}|{w(0)}", f"w0w1={w(0)}|{w(1)}", f"w-2w-1={w(-2)}|{w(-1)}"]
    feats += [f"w1w2={w(1)}|{w(2)}", f"w-1w0w1={w(-1)}|{w(0)}|{w(1)}"]
    feats += [f"c-1c0c1={c(-1)}|{c(0)}|{c(1)}", f"c-1={c(-1)}", f"c1={c(1)}"]
    feats += [f"sfx={s(0)}", f"sfx-1={s(-1)}", f"sfx1={s(1)}", f"sfx2={s(2)}"]
    if i == 0:
        feats.append("BOS")
    if i == n - 1:
        feats.append("EOS")
    return feats


def _jackknife_features(
    addresses: Sequence[TaggedAddress], settings: CrfSettings
) -> list[list[list[str]]]:
    """Features of training addresses, each with a lexicon built without its own part."""
    if not settings.use_lexicon:
        return [token_features(a.tokens, None, settings.use_segmenter) for a in addresses]
    parts = max(2, settings.jackknife_parts)
    order = list(range(len(addresses)))
    random.Random(settings.seed).shuffle(order)
    fold_of = {index: k % parts for k, index in enumerate(order)}
    features: list[list[list[str]]] = [[] for _ in addresses]
    for part in range(parts):
        others = [a for i, a in enumerate(addresses) if fold_of[i] != part]
        lexicon = Lexicon.from_addresses(others)
        for i, address in enumerate(addresses):
            if fold_of[i] == part:
                features[i] = token_features(address.tokens, lexicon, settings.use_segmenter)
    return features


@dataclass
class AddressTagger:
    """A trained CRF with the lexicon its features need."""

    model_dir: Path
    lexicon: Lexicon | None
    settings: CrfSettings

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """The predicted tag of every token."""
        return self.tag_many([tokens])[0]

    def tag_many(self, sequences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Predicted tags of many token sequences."""
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(str(self.model_dir / MODEL_FILE))
        try:
            return [
                list(tagger.tag(token_features(tokens, self.lexicon, self.settings.use_segmenter)))
                if tokens
                else []
                for tokens in sequences
            ]
        finally:
            tagger.close()


def train(
    addresses: Sequence[TaggedAddress], model_dir: Path, settings: CrfSettings | None = None
) -> AddressTagger:
    """Train a CRF on tagged addresses and save it in ``model_dir``."""
    import pycrfsuite

    settings = settings or CrfSettings()
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    features = _jackknife_features(addresses, settings)
    trainer = pycrfsuite.Trainer(verbose=False)
    for feats, address in zip(features, addresses, strict=True):
        trainer.append(feats, list(address.tags))
    trainer.set_params(
        {
            "c1": settings.c1,
            "c2": settings.c2,
            "max_iterations": settings.max_iterations,
            "feature.possible_transitions": True,
            "feature.minfreq": settings.feature_minfreq,
        }
    )
    trainer.train(str(model_dir / MODEL_FILE))
    lexicon = Lexicon.from_addresses(addresses) if settings.use_lexicon else None
    _save_meta(model_dir, lexicon, settings)
    log.info("trained CRF on %s addresses in %.1f s", len(addresses), time.perf_counter() - started)
    return AddressTagger(model_dir, lexicon, settings)


def _save_meta(model_dir: Path, lexicon: Lexicon | None, settings: CrfSettings) -> None:
    meta = {
        "settings": asdict(settings),
        "lexicon": {k: sorted(v) for k, v in lexicon.entries.items()} if lexicon else None,
    }
    (model_dir / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def load(model_dir: Path) -> AddressTagger:
    """Load a model folder written by :func:`train`."""
    model_dir = Path(model_dir)
    if not (model_dir / MODEL_FILE).is_file() or not (model_dir / META_FILE).is_file():
        raise ModelError(
            f"--model {model_dir}: no trained address model there; "
            "run `civicgrid address train --conll FILE --model-out DIR` first"
        )
    meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    settings = CrfSettings(**meta["settings"])
    raw = meta.get("lexicon")
    lexicon = Lexicon({k: set(v) for k, v in raw.items()}) if raw is not None else None
    return AddressTagger(model_dir, lexicon, settings)


@dataclass
class CrossValidation:
    """Pooled entity scores of a K-fold cross-validation and the out-of-fold predictions."""

    score: EntityScore
    predictions: list[list[str]]
    folds: int
    train_seconds: float


def _run_fold(
    addresses: Sequence[TaggedAddress],
    test_ids: list[int],
    work_dir: Path,
    settings: CrfSettings,
) -> tuple[list[int], list[list[str]], float]:
    """Train on every address outside ``test_ids`` and tag those inside."""
    held_out = set(test_ids)
    train_set = [a for i, a in enumerate(addresses) if i not in held_out]
    started = time.perf_counter()
    tagger = train(train_set, work_dir, settings)
    seconds = time.perf_counter() - started
    return test_ids, tagger.tag_many([addresses[i].tokens for i in test_ids]), seconds


def cross_validate(
    addresses: Sequence[TaggedAddress],
    folds: int,
    work_dir: Path,
    settings: CrfSettings | None = None,
    workers: int = 1,
) -> CrossValidation:
    """K-fold cross-validation; every address is predicted by a model that never saw it.

    Folds run in ``workers`` processes at once (CRFsuite training is single-threaded).
    """
    if folds < 2 or folds > len(addresses):
        raise ValueError(
            f"--cv {folds}: needs 2 <= K <= number of addresses ({len(addresses)})"
        )
    settings = settings or CrfSettings()
    order = list(range(len(addresses)))
    random.Random(settings.seed).shuffle(order)
    fold_ids = [sorted(order[k::folds]) for k in range(folds)]
    jobs = [
        (addresses, ids, Path(work_dir) / f"fold{k}", settings) for k, ids in enumerate(fold_ids)
    ]
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, folds)) as pool:
            results = list(pool.map(_run_fold, *zip(*jobs, strict=True)))
    else:
        results = [_run_fold(*job) for job in jobs]

    predictions: list[list[str]] = [[] for _ in addresses]
    train_seconds = 0.0
    for test_ids, tagged, seconds in results:
        train_seconds += seconds
        for i, tags in zip(test_ids, tagged, strict=True):
            predictions[i] = tags
    pooled = score([a.tags for a in addresses], predictions)
    log.info("cross-validated %s folds, entity F1 %.4f", folds, pooled.f1)
    return CrossValidation(pooled, predictions, folds, train_seconds)
