"""Hazard and urgency signals in request texts, and the priority they give a case.

A dispatcher must see at once that a request mentions a gas smell, a fire, someone trapped
in a lift or a person threatening self-harm, whatever its category. Each signal below is a
small list of phrases (simplified Chinese, matched on the normalised text) with a level:

* ``urgent`` (紧急): danger to life now: gas, fire, fall from height, lift entrapment,
  self-harm, exposed live wires, collapse, violence;
* ``high`` (较急): crowds and unrest, unpaid wages, flooding, road blocked, water/power cut.

A phrase preceded within three characters by a negation (没有/没/无/未/不是) is ignored, so
``没有闻到煤气味`` raises nothing. The case priority is the highest level found, else
``normal``. Lists live here as data so a district can extend them without code changes
(pass ``extra`` to :func:`find_hazards`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

URGENT, HIGH, NORMAL = "urgent", "high", "normal"
PRIORITY_ORDER = {NORMAL: 0, HIGH: 1, URGENT: 2}

# signal -> (level, Chinese label, phrases)
SIGNALS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "gas_leak": (URGENT, "燃气泄漏", (
        "煤气味", "燃气味", "天然气味", "液化气味", "煤气泄漏", "燃气泄漏", "天然气泄漏",
        "漏气", "闻到煤气", "闻到燃气", "闻到天然气", "煤气罐泄漏")),
    "fire": (URGENT, "火情", (
        "着火", "起火", "失火", "火灾", "浓烟", "冒烟", "烧起来", "火警", "明火")),
    "fall_from_height": (URGENT, "高处坠落", (
        "坠楼", "高空坠物", "高空抛物", "坠落", "跌落", "从楼上掉", "掉下来砸", "摔下来")),
    "lift_entrapment": (URGENT, "电梯困人", (
        "困电梯", "困在电梯", "电梯困人", "被困电梯", "关在电梯", "卡在电梯", "电梯里被困")),
    "self_harm": (URGENT, "轻生风险", (
        "轻生", "跳楼", "自杀", "不想活", "割腕", "寻短见", "跳河", "喝农药", "想死")),
    "live_wire": (URGENT, "触电危险", ("漏电", "触电", "电线裸露", "电线掉落", "电线起火")),
    "collapse": (URGENT, "坍塌", ("坍塌", "塌方", "倒塌", "墙体开裂", "危房", "塌陷")),
    "violence": (URGENT, "暴力冲突", ("打人", "斗殴", "持刀", "砍人", "家暴", "殴打")),
    "crowd": (HIGH, "人员聚集", (
        "聚集", "围堵", "堵路", "拉横幅", "群体性", "闹事", "集体上访", "围攻", "堵门")),
    "unpaid_wages": (HIGH, "欠薪", (
        "欠薪", "拖欠工资", "讨薪", "欠工资", "不发工资", "拖欠农民工", "工资拖欠", "拿不到工资")),
    "flooding": (HIGH, "内涝", ("内涝", "水浸", "被淹", "积水严重", "水漫")),
    "outage": (HIGH, "停水停电", ("停水", "停电", "断水", "断电", "停气")),
}
_NEGATION = re.compile(r"(?:没有|没|无|未|不是|并非)$")


@dataclass(frozen=True)
class HazardSignal:
    """One hazard phrase found: signal id, level, Chinese label and its span."""

    signal: str
    level: str
    label: str
    phrase: str
    start: int
    end: int


def _compile(signals: dict[str, tuple[str, str, tuple[str, ...]]]) -> re.Pattern[str]:
    phrases = sorted({p for _, _, ps in signals.values() for p in ps}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases))


_PATTERN = _compile(SIGNALS)
_BY_PHRASE = {p: name for name, (_, _, ps) in SIGNALS.items() for p in ps}


def find_hazards(
    text: str, extra: dict[str, tuple[str, str, tuple[str, ...]]] | None = None
) -> list[HazardSignal]:
    """Hazard signals in a normalised text, negated mentions excluded."""
    signals, pattern, by_phrase = SIGNALS, _PATTERN, _BY_PHRASE
    if extra:
        signals = {**SIGNALS, **extra}
        pattern = _compile(signals)
        by_phrase = {p: name for name, (_, _, ps) in signals.items() for p in ps}
    found = []
    for m in pattern.finditer(text):
        if _NEGATION.search(text[max(0, m.start() - 3) : m.start()]):
            continue
        name = by_phrase[m.group()]
        level, label, _ = signals[name]
        found.append(HazardSignal(name, level, label, m.group(), m.start(), m.end()))
    return found


def priority_of(signals: list[HazardSignal]) -> str:
    """The case priority the signals give: ``urgent``, ``high`` or ``normal``."""
    levels = [s.level for s in signals] or [NORMAL]
    return max(levels, key=PRIORITY_ORDER.__getitem__)
