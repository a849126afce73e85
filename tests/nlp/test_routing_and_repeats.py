"""Routing rules and router; the repeat finder."""

from __future__ import annotations

import datetime as dt

from civicgrid.nlp.repeats import DEFAULT_WINDOW, RequestSketch, find_repeats, text_similarity
from civicgrid.nlp.routing import RoutingRules, suggest_unit

RULES = RoutingRules.from_rows([
    {"category": "噪音油烟扰民", "region": "粤海街道", "unit": "粤海街道执法队"},
    {"category": "噪音油烟扰民", "region": None, "unit": "区生态环境局"},
    {"category": None, "region": "蛇口街道", "unit": "蛇口街道办"},
])
T0 = dt.datetime(2026, 12, 4, 9, 0)


def test_most_specific_rule_wins() -> None:
    assert RULES.lookup("噪音油烟扰民", "粤海街道").unit == "粤海街道执法队"
    assert RULES.lookup("噪音油烟扰民", "南头街道").unit == "区生态环境局"
    assert RULES.lookup("物业管理", "蛇口街道").unit == "蛇口街道办"
    assert RULES.lookup("物业管理", "南头街道") is None


def test_rule_decides_and_model_offers_alternatives(unit_router) -> None:
    s = suggest_unit("楼下烧烤店油烟太大", category="噪音油烟扰民", region="粤海街道",
                     rules=RULES, router=unit_router)
    assert s.unit == "粤海街道执法队" and s.source == "rule" and len(s.top3) == 3


def test_router_suggests_the_unit_of_similar_past_cases(unit_router) -> None:
    s = suggest_unit("路口红绿灯坏了好几天", router=unit_router)
    assert s.source == "model" and s.unit == "区交通运输局"


def test_no_rule_and_no_model_says_so() -> None:
    s = suggest_unit("随便什么", category="其他")
    assert s.unit is None and s.source == "none" and "规则" in s.evidence


def sketch(key: str, text: str, hours: float, place: str | None = None,
           reporter: str | None = None, category: str | None = None) -> RequestSketch:
    return RequestSketch(key, text, T0 + dt.timedelta(hours=hours), place, reporter, category)


def test_same_place_and_similar_text_is_a_repeat() -> None:
    new = sketch("n", "桂庙路12号烧烤店油烟太大，每天熏得没法开窗", 0, place="P1")
    old = sketch("o", "桂庙路12号的烧烤店油烟很大熏得不能开窗", -30, place="P1")
    [candidate] = find_repeats(new, [old])
    assert candidate.key == "o" and candidate.rule == "same_place" and candidate.similarity > 0.35


def test_same_place_but_different_matter_is_not_a_repeat() -> None:
    new = sketch("n", "桂庙路12号烧烤店油烟太大", 0, place="P1")
    old = sketch("o", "小区电梯坏了没人修理", -30, place="P1")
    assert find_repeats(new, [old]) == []


def test_outside_the_window_is_not_a_repeat() -> None:
    new = sketch("n", "桂庙路12号烧烤店油烟太大", 0, place="P1")
    old = sketch("o", "桂庙路12号烧烤店油烟太大", -(DEFAULT_WINDOW.total_seconds() / 3600 + 1),
                 place="P1")
    assert find_repeats(new, [old]) == []


def test_same_reporter_same_category_is_a_repeat() -> None:
    new = sketch("n", "工资还是没发", 0, reporter="h1", category="劳动社保")
    old = sketch("o", "公司拖欠我三个月薪水", -48, reporter="h1", category="劳动社保")
    [candidate] = find_repeats(new, [old])
    assert candidate.rule == "same_reporter"


def test_similarity_ignores_digits_and_punctuation() -> None:
    assert text_similarity("桂庙路12号油烟！", "桂庙路99号油烟。") == 1.0
