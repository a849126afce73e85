"""Case-level detectors: repeat (with links), concentration, hazard rules, weak signals."""

from __future__ import annotations

import datetime as dt

from civicgrid.risk.alerts import AlertType, Severity
from civicgrid.risk.concentration import concentration_alerts
from civicgrid.risk.hazard import hazard_alerts
from civicgrid.risk.repeat import repeat_alerts
from civicgrid.risk.weak_signals import first_of_a_kind, weak_signal_alerts
from civicgrid.risk.records import as_cases

T0 = dt.datetime(2026, 11, 2, 9, 0)


def _case(i: int, hours: float = 0, **fields: object) -> dict:
    return {"id": f"C{i}", "time": T0 + dt.timedelta(hours=hours), "category": "噪音",
            **fields}


def test_repeat_reads_the_repeat_finders_links() -> None:
    cases = [_case(i, 24 * i, place="桃源村3栋", reporter=f"r{i}") for i in range(4)]
    alerts = repeat_alerts(cases, links=[("C0", "C1"), ("C1", "C2"), ("C2", "C3")])
    assert len(alerts) == 1
    assert alerts[0].subject["place"] == "桃源村3栋"
    assert alerts[0].evidence.case_ids == ("C0", "C1", "C2", "C3")


def test_repeat_without_links_raises_nothing_for_unlinked_cases() -> None:
    cases = [_case(i, 24 * i, place="桃源村3栋", reporter=f"r{i}") for i in range(4)]
    assert repeat_alerts(cases, links=[]) == []


def test_repeat_flags_a_case_reopened_again_and_again() -> None:
    alerts = repeat_alerts([_case(1, reopen_count=3)], links=[])
    assert [(a.subject["case"], a.severity) for a in alerts] == [("C1", Severity.ORANGE)]


def test_concentration_needs_many_distinct_reporters() -> None:
    same = [_case(i, i, place="海岸城", reporter="r1") for i in range(6)]
    many = [_case(i, i, place="海岸城", reporter=f"r{i}") for i in range(6)]
    assert concentration_alerts(same, min_reporters=5) == []
    alerts = [a for a in concentration_alerts(many, min_reporters=5) if "place" in a.subject]
    assert alerts[0].evidence.statistic == 6.0
    assert alerts[0].dedup_key == "concentration|place|海岸城"
    assert alerts[0].title == "同一地点6位诉求人集中反映（疑似群体诉求）"


def test_concentration_ignores_reporters_spread_over_weeks() -> None:
    spread = [_case(i, 24 * 7 * i, place="海岸城", reporter=f"r{i}") for i in range(6)]
    assert concentration_alerts(spread, window_hours=72) == []


def test_hazard_rules_find_gas_and_lift_but_not_a_negated_smell() -> None:
    cases = [_case(1, text="楼道里闻到很浓的煤气味"), _case(2, text="今天检查没有闻到煤气味"),
             _case(3, text="电梯困人半小时无人处理"), _case(4, text="公司拖欠三个月工资")]
    found = {(a.subject["case"], a.subject["hazard"]) for a in hazard_alerts(cases)}
    assert found == {("C1", "gas_smell"), ("C3", "lift_entrapment"), ("C4", "unpaid_wages")}


def test_hazard_merges_model_signals() -> None:
    alerts = hazard_alerts([_case(1, text="情况紧急")], signals={"C1": ["self_harm"]})
    assert [(a.subject["hazard"], a.evidence.method) for a in alerts] == [
        ("self_harm", "nlp_signal")]


def test_weak_signal_rising_negativity_at_a_place() -> None:
    calm = [_case(i, 24 * i, place="南光村", text="路灯不亮") for i in range(3)]
    angry = [_case(10 + i, 24 * (15 + i), place="南光村", text="多次反映一直没人管，要找媒体曝光")
             for i in range(3)]
    alerts = weak_signal_alerts(calm + angry, now=T0 + dt.timedelta(days=18))
    kinds = {a.subject["signal"] for a in alerts}
    assert "rising_negativity" in kinds
    assert all(a.type == AlertType.WEAK_SIGNAL for a in alerts)


def test_weak_signal_first_of_a_kind_at_an_established_place() -> None:
    usual = [_case(i, i, place="西丽社区") for i in range(10)]
    new = _case(99, 20, place="西丽社区", category="燃气")
    alerts = first_of_a_kind(as_cases(usual + [new]), established_cases=10)
    assert [a.evidence.case_ids for a in alerts] == [("C99",)]


def test_hazard_does_not_read_restaurant_smoke_or_a_gas_bill_as_danger() -> None:
    cases = [_case(1, text="楼下烧烤店浓烟呛人，油烟很大"), _case(2, text="燃气公司漏了抄表，燃气费算错"),
             _case(3, text="楼道电动车充电冒烟了")]
    found = {(a.subject["case"], a.subject["hazard"]) for a in hazard_alerts(cases)}
    assert found == {("C3", "fire")}


def test_topic_concentration_made_of_one_place_is_not_raised_twice() -> None:
    one_place = [_case(i, i, place="海岸城", reporter=f"r{i}") for i in range(6)]
    subjects = [a.subject for a in concentration_alerts(one_place, min_reporters=5)]
    assert subjects == [{"place": "海岸城"}]
    spread = [_case(i, i, place=f"海岸城{i}栋", reporter=f"r{i}") for i in range(6)]
    kinds = [next(iter(a.subject)) for a in concentration_alerts(spread, min_reporters=5)]
    assert kinds == ["topic"]
