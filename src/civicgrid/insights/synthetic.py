"""GENERATED cases with planted problem classes, for tests, benchmarks and the demo.

Nothing here is real: each class is a made-up recurring problem (a subject, its problem
words and a few estates), and one-off cases mix words from every class at random. Each
generated case carries its planted class (``-1`` for one-offs) so that mining can be scored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PLANTED_CLASSES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("搅拌站噪音", ("搅拌站", "噪音", "粉尘", "夜间", "轰鸣"), ("丽发新城", "暮云", "南托")),
    ("车位捆绑销售", ("车位", "捆绑", "销售", "开发商", "购房"), ("伊景园", "滨河苑", "广铁")),
    ("学位入学", ("学位", "入学", "划片", "小学", "适龄"), ("青竹湖", "梅溪湖", "麓谷")),
    ("餐饮油烟", ("油烟", "餐馆", "排烟", "异味", "门面"), ("魅力之城", "万科", "沁园")),
    ("拖欠工资", ("拖欠", "工资", "农民工", "工地", "包工头"), ("怀邵衡", "铁路", "标段")),
    ("公交线路", ("公交", "线路", "站点", "发车", "首末站"), ("星沙", "泉塘", "开元路")),
    ("物业收费", ("物业费", "物业", "收费", "服务", "业委会"), ("金麓", "恒大", "保利")),
    ("道路积水", ("积水", "排水", "下水道", "暴雨", "路面"), ("芙蓉路", "劳动路", "韶山路")),
)
_OPENERS = ("尊敬的领导您好，", "您好！", "领导好，", "", "请问", "")
_CLOSERS = ("希望有关部门尽快解决，谢谢！", "恳请领导重视。", "", "盼复。", "")
_FILLERS = ("情况已经持续很久", "严重影响居民生活", "多次反映没有结果", "居民意见很大", "")


@dataclass(frozen=True)
class GeneratedCase:
    """One generated request: text, time, reporter, place, likes and planted class."""

    text: str
    time: str
    reporter: str
    place: str
    likes: int
    planted: int


def _sentence(rng: random.Random, words: tuple[str, ...], place: str) -> str:
    picked = rng.sample(words, k=min(len(words), rng.randint(3, 5)))
    middle = "，".join([f"{place}{picked[0]}{picked[1]}问题", *picked[2:]])
    tail = "，".join(p for p in (rng.choice(_FILLERS), rng.choice(_CLOSERS)) if p)
    return f"{rng.choice(_OPENERS)}{middle}" + (f"，{tail}" if tail else "。")


def generate_cases(
    per_class: int = 20, one_offs: int = 20, *, classes: int | None = None, seed: int = 7
) -> list[GeneratedCase]:
    """``per_class`` cases for each planted class plus ``one_offs`` mixed cases, shuffled."""
    rng = random.Random(seed)
    planted = PLANTED_CLASSES[: classes or len(PLANTED_CLASSES)]
    cases = []
    for number, (_, words, places) in enumerate(planted):
        for _ in range(per_class):
            cases.append(_case(rng, words, rng.choice(places), number))
    pool = tuple(w for _, words, _ in PLANTED_CLASSES for w in words)
    for n in range(one_offs):
        words = tuple(rng.sample(pool, k=5))
        cases.append(_case(rng, words, f"{rng.choice('东西南北')}{n}号楼", -1))
    rng.shuffle(cases)
    return cases


def _case(rng: random.Random, words: tuple[str, ...], place: str, planted: int) -> GeneratedCase:
    day = rng.randint(1, 28)
    return GeneratedCase(
        text=_sentence(rng, words, place), time=f"2026-11-{day:02d} {rng.randint(8, 22)}:00:00",
        reporter=f"U{rng.randint(1, 10_000):05d}", place=place, likes=rng.randint(0, 5),
        planted=planted,
    )


def write_cases_csv(cases: list[GeneratedCase], path: str) -> None:
    """Write generated cases as a CSV with Chinese headers (内容, 时间, 用户, 地点, 点赞数)."""
    import csv

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["内容", "时间", "用户", "地点", "点赞数"])
        for case in cases:
            writer.writerow([case.text, case.time, case.reporter, case.place, case.likes])
