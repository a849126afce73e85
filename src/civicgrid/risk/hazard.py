"""Hazard detector: text rules for dangers that must reach someone within hours.

Each rule is a regular expression over the case text for one hazard: gas smell (燃气),
fire (火情), structural danger (结构安全), lift entrapment (电梯困人), self-harm (自伤),
crowds (人员聚集) and unpaid wages (欠薪). A match preceded closely by a negation (没有, 未, 无,
不是) is ignored ("没有闻到煤气味"). Hazard signals that the understanding package's models
produce can be passed as ``signals`` (case id → hazard names) and are merged with the rules,
so one mechanism reports both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from civicgrid.risk.alerts import AlertCandidate, AlertType, Evidence, Severity, dedup_key
from civicgrid.risk.records import as_cases


@dataclass(frozen=True)
class HazardRule:
    """One hazard: its name, Chinese label, severity and pattern."""

    name: str
    label: str
    severity: Severity
    pattern: re.Pattern[str]


HAZARD_RULES: tuple[HazardRule, ...] = (
    HazardRule("gas_smell", "燃气泄漏", Severity.RED, re.compile(
        r"(煤气|燃气|天然气|液化气|瓦斯)\S{0,4}(味|泄漏|泄露|漏气)|闻到\S{0,4}(煤气|燃气|天然气)")),
    # Smoke alone is usually cooking fumes (油烟) from a restaurant; it counts as fire only
    # from wiring, a meter box or a charging e-bike.
    HazardRule("fire", "火情", Severity.RED, re.compile(
        r"着火|起火|失火|火灾|明火|烧起来|火势|(电线|电表|插座|配电|电箱|电动车|充电)\S{0,4}冒烟")),
    HazardRule("structural", "结构安全", Severity.ORANGE, re.compile(
        r"(墙|楼|房|梁|柱|天花|外墙|阳台)\S{0,4}(开裂|裂缝|倾斜|坍塌|塌陷|脱落|掉落)|危房|摇摇欲坠")),
    HazardRule("lift_entrapment", "电梯困人", Severity.RED, re.compile(
        r"电梯\S{0,6}(困人|被困|困住|关在|卡住)|(困|关)在电梯")),
    HazardRule("self_harm", "自伤风险", Severity.RED, re.compile(
        r"自杀|轻生|跳楼|不想活|割腕|寻死|活不下去")),
    HazardRule("crowd", "人员聚集", Severity.ORANGE, re.compile(
        r"聚集|围堵|拉横幅|堵路|踩踏|人群拥挤|集体上访|群体事件")),
    HazardRule("unpaid_wages", "欠薪", Severity.ORANGE, re.compile(
        r"拖欠\S{0,6}(工资|工钱|薪)|欠薪|讨薪|(工资|工钱)\S{0,4}(未发|没发|拖欠|不发)")),
)
_NEGATION = re.compile(r"(没有|没|未|无|不是|并非)\S{0,2}$")


def hazard_matches(text: str) -> list[tuple[HazardRule, str]]:
    """(rule, matched text) for every hazard the text names, negated mentions left out."""
    found = []
    for rule in HAZARD_RULES:
        for match in rule.pattern.finditer(text):
            if not _NEGATION.search(text[max(0, match.start() - 4): match.start()]):
                found.append((rule, match.group(0)))
                break
    return found


def hazard_alerts(records: Iterable[Mapping[str, Any] | Any],
                  signals: Mapping[str, Iterable[str]] | None = None) -> list[AlertCandidate]:
    """One alert per case and hazard found by the rules or given as model ``signals``."""
    rules = {r.name: r for r in HAZARD_RULES}
    alerts = []
    for case in as_cases(records):
        hits = {rule.name: (rule, text) for rule, text in hazard_matches(case.text)}
        for name in (signals or {}).get(case.id, ()):
            if name in rules and name not in hits:
                hits[name] = (rules[name], "model")
        for name, (rule, text) in hits.items():
            alerts.append(AlertCandidate(
                type=AlertType.HAZARD, severity=rule.severity,
                subject={"case": case.id, "place": case.place, "hazard": name},
                evidence=Evidence(case_ids=(case.id,), score=1.0, method="text_rule"
                                  if text != "model" else "nlp_signal", note=text),
                dedup_key=dedup_key(AlertType.HAZARD, name, case.place or case.id),
                detected_on=case.time.date(),
                title=f"{rule.label}：{case.place or case.id}",
            ))
    return alerts
