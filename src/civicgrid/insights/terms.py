"""Words of a citizen request, with the petition boilerplate taken out.

Requests to a government board are wrapped in greetings and formulas (您好, 尊敬的领导, 谢谢,
请问, 希望有关部门…) that say nothing about the problem. Clustering on them would group
polite letters together, and labels made from them would read "领导·您好". This module
segments text with jieba and drops those words, stop words, numbers, punctuation, single
characters and the organisers' anonymised place codes (A市, A3区, K9县), so that what is left
names the problem: 搅拌站, 噪音, 停车位, 学位.

jieba is loaded lazily and told to log only warnings, so that nothing reaches standard output.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

log = logging.getLogger(__name__)

# Greetings, formulas and generic petition verbs; each carries no problem content.
BOILERPLATE_WORDS: frozenset[str] = frozenset(
    """
    您好 你好 领导 尊敬 尊敬的 谢谢 感谢 非常感谢 请问 问问 再问 希望 恳请 恳求 请求 要求 麻烦
    反映 反应 投诉 举报 咨询 建议 关于 问题 情况 事情 事宜 相关 有关 部门 相关部门 有关部门
    政府 领导们 书记 市长 县长 区长 局长 厅长 主任 百忙之中 百忙 打扰 辛苦 回复 答复 解决 处理
    落实 关注 重视 关心 帮助 帮忙 尽快 及时 予以 给予 能否 能不能 可否 是否 为何 为什么 怎么
    怎么办 如何 什么 何时 哪里 多少 现在 目前 已经 一直 还是 仍然 依然 但是 因为 所以 如果 虽然
    而且 并且 以及 或者 这个 那个 这些 那些 这样 那样 这里 那里 我们 你们 他们 她们 大家 本人
    自己 我家 市民 居民 群众 老百姓 百姓 业主们 一个 一些 一下 一直 没有 不是 就是 可以 应该
    需要 进行 已经 还有 很多 非常 严重 特别 真的 真是 一样 时候 之后 之前 以后 以来 期间 今年
    去年 明年 今天 昨天 每天 同时 其中 其他 另外 此外 然后 以上 以下 通过 根据 按照 对于 由于
    关于 作为 这种 那种 各位 诸位 敬请 此致 敬礼 盼复 望 请 谢 您 的 了 和 与 及 等 在 是 我
    你 他 她 它 也 都 就 还 又 再 很 太 被 把 让 给 对 向 从 到 为 以 于 之 其 并 或 而 但 如
    """.split()
)

# Words too general to tell one problem from another (places in the abstract, intensifiers,
# the anonymised province 西地省); removed from features and labels alike.
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    小区 社区 街道 西地省 西地 大道 东路 西路 南路 北路 路段 附近 周边 县城 城区 地区 片区 区域
    迟迟 加快 力度 步伐 存在 影响 生活 不能 增加 设置 收取 有限公司 公司 行为 涉嫌 强烈 坚决 多次
    长期 一年 两年 三年 几年 多年 年底 月份 部分 方面 工作 地方 单位 本地 全市 市区 有没有 是不是
    """.split()
)

_PLACE_CODE = re.compile(r"[A-Z]\d*[市区县省镇]|[A-Z]\d+")
_KEEP_CHARS = re.compile(r"[^\u4e00-\u9fff]+")
_BOILERPLATE_PATTERN = re.compile(
    "|".join(sorted((re.escape(w) for w in BOILERPLATE_WORDS if len(w) > 1), key=len, reverse=True))
)


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def content_words(text: str | None) -> list[str]:
    """The words of ``text`` that can name a problem (boilerplate, stop words, codes removed)."""
    if not text:
        return []
    cleaned = _PLACE_CODE.sub(" ", text)
    words = []
    for word in _jieba().lcut(cleaned):
        word = word.strip()
        if len(word) < 2 or word in BOILERPLATE_WORDS or word in GENERIC_WORDS:
            continue
        if _KEEP_CHARS.search(word):
            continue
        words.append(word)
    return words


def content_characters(text: str | None) -> str:
    """``text`` reduced to Chinese characters, boilerplate phrases and place codes removed.

    Used for character n-grams, which catch names jieba splits (丽发新城 → 丽发 新城).
    """
    if not text:
        return ""
    cleaned = _PLACE_CODE.sub(" ", text)
    cleaned = _BOILERPLATE_PATTERN.sub(" ", cleaned)
    return _KEEP_CHARS.sub(" ", cleaned).strip()


def tokenise_all(texts: Iterable[str | None]) -> list[list[str]]:
    """:func:`content_words` of every text, in order."""
    return [content_words(text) for text in texts]
