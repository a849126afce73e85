"""Chinese tokenisation for lexical retrieval.

A whitespace tokenizer sees a whole Chinese sentence as one token, so every query scores 0
against every passage (trap RAG-01). Here a text becomes two token streams:

* ``words``: jieba words (search mode, so 占道经营 also yields 占道 and 经营), lower-cased,
  with punctuation and a short list of question words (怎么, 如何, 我们 ...) removed;
* ``bigrams``: overlapping pairs of Chinese characters, which match where jieba cuts the
  query and the passage differently (办理/理组/组合 ...).

Both are plain lists of strings. jieba runs as a private ``jieba.Tokenizer`` (so the words
added here never change other packages' segmentation), extended with the civic terms of
``civic_words.txt`` (占道经营, 网格员 ...), loaded once and silent: its dictionary message goes
to its own logger at WARNING, never to standard output.

:func:`information` weighs a word by how rare it is in general Chinese, ``ln(total / freq)``
from jieba's dictionary counts (unknown words weigh most). Answers use it to tell whether a
passage covers the informative part of a question (火星, 移民) or only common words (政策).
"""

from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# Words that say "this is a question" and carry no topic. Kept short on purpose: BM25's idf
# already discounts common words; these are the ones frequent in questions but rare in
# answers, which idf computed over answers would otherwise over-weight.
STOPWORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 么 是 在 和 与 及 或 有 我 你 他 她 它 我们 你们 他们 请问 请 问
    怎么 怎么样 怎样 如何 什么 哪些 哪里 哪儿 哪个 多少 为什么 是否 能否 可否 可以 能 该 应该
    需要 要 一下 一些 这个 那个 这 那 些 吗 么 嘛 呐 都 也 就 还 又 被 把 对 从 到 给 向 为
    让 使 会 想 请教 咨询 您好 你好 谢谢 问题 情况 有关 关于 相关 应 需 该如何 怎么办 办 做
    """.split()
)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_WORD_CHAR = re.compile(r"[\w\u3400-\u4dbf\u4e00-\u9fff]", re.UNICODE)


EVERYDAY_INFORMATION = 7.0
_CIVIC_WORDS = Path(__file__).with_name("civic_words.txt")


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    segmenter = jieba.Tokenizer()
    segmenter.initialize()
    for line in _CIVIC_WORDS.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            segmenter.add_word(word, freq=max(segmenter.suggest_freq(word), 1000))
    return segmenter


def information(word: str) -> float:
    """How informative ``word`` is: ln(total / freq) over jieba's dictionary (rare = high)."""
    segmenter = _jieba()
    freq = segmenter.FREQ.get(word) or 0
    return math.log(segmenter.total / max(freq, 1))


def salience(word: str) -> float:
    """Information above that of everyday words: ``max(information - 7, 0)``.

    Words at or below ln(total / freq) = 7 (about one in 1,100 tokens: 问题, 时间, 办理) say
    nothing about the topic, so a passage matching only them does not cover a question.
    """
    return max(information(word) - EVERYDAY_INFORMATION, 0.0)


def words(text: str) -> list[str]:
    """jieba search-mode words of ``text`` without punctuation and question words."""
    tokens = []
    for token in _jieba().lcut_for_search(text.lower()):
        token = token.strip()
        if not token or token in STOPWORDS or not _WORD_CHAR.search(token):
            continue
        tokens.append(token)
    return tokens


def bigrams(text: str) -> list[str]:
    """Overlapping Chinese character pairs of ``text`` (single characters for 1-char runs)."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            grams.append(run)
            continue
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def has_chinese(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese character."""
    return bool(_CJK.search(text))
