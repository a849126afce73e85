"""Trap rows NLP-02 and NLP-03 of /work/shared/traps.md, with their exact expected values."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from civicgrid.nlp.facts import extract_facts
from civicgrid.nlp.normalise import normalise, utf16_offset
from civicgrid.nlp.service import SuggestionModels, suggest
from civicgrid.privacy.masking import find_id_numbers, find_phones

RECEIVED = dt.datetime(2026, 12, 4, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
NLP02 = "工单号202612041300000001，诉求人电话19900000001，备用0755-20000000，身份证11010519491231002X"
NLP03 = "楼下烧烤店油烟太大😡😡每天开到凌晨2点，地址：南山区\u200b桂庙路XX号"
# A 19-digit work-order number (the brief's form) must not yield a phone either.
NLP02_19 = "工单号2026120413000000001，电话19900000001"


def test_nlp02_phones_are_the_mobile_and_the_landline() -> None:
    facts = extract_facts(NLP02, RECEIVED)
    assert [f.value for f in facts.of_kind("phone")] == ["19900000001", "0755-20000000"]


def test_nlp02_id_number_is_found_whole() -> None:
    facts = extract_facts(NLP02, RECEIVED)
    assert [f.value for f in facts.of_kind("id_number")] == ["11010519491231002X"]


def test_nlp02_nothing_is_taken_from_inside_the_order_number_or_the_id() -> None:
    order = (NLP02.index("2026"), NLP02.index("2026") + 18)
    ident = (NLP02.index("1101"), NLP02.index("1101") + 18)
    found = find_phones(NLP02) + find_id_numbers(NLP02)
    for item in found:
        inside_order = order[0] <= item.start < order[1]
        inside_id = ident[0] <= item.start < ident[1] and item.kind != "id_number"
        assert not inside_order and not inside_id, item


def test_nlp02_nineteen_digit_order_number_yields_no_phone() -> None:
    assert [p.value for p in find_phones(NLP02_19)] == ["19900000001"]


def test_nlp02_masks_are_the_policy_masks() -> None:
    facts = extract_facts(NLP02, RECEIVED)
    displays = {f.value: f.display for f in facts.facts}
    assert displays["19900000001"] == "199****0001"
    assert displays["11010519491231002X"] == "110105********002X"


def test_nlp02_raw_values_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="civicgrid")
    suggest(NLP02, RECEIVED)
    assert "19900000001" not in caplog.text and "11010519491231002X" not in caplog.text


def test_nlp02_suggestion_dict_shows_personal_numbers_masked_only() -> None:
    shown = str(suggest(NLP02, RECEIVED, models=SuggestionModels()).as_dict())
    assert "19900000001" not in shown and "199****0001" in shown
    assert "11010519491231002X" not in shown


def test_nlp03_address_span_is_exact_in_code_points_of_the_original() -> None:
    [address] = extract_facts(NLP03, RECEIVED).of_kind("address")
    assert (address.start, address.end) == (23, 33)
    assert NLP03[address.start : address.end] == "南山区\u200b桂庙路XX号"
    assert address.value == "南山区桂庙路XX号"


def test_nlp03_address_span_in_utf16_units_counts_each_emoji_twice() -> None:
    [address] = extract_facts(NLP03, RECEIVED).of_kind("address")
    assert (utf16_offset(NLP03, address.start), utf16_offset(NLP03, address.end)) == (25, 35)


def test_nlp03_zero_width_space_is_dropped_in_normalised_text() -> None:
    assert "\u200b" not in normalise(NLP03).text
    assert normalise(NLP03).text.endswith("南山区桂庙路XX号")


def test_nlp03_time_after_the_emoji_is_found_and_recurring() -> None:
    [time] = extract_facts(NLP03, RECEIVED).of_kind("time")
    assert NLP03[time.start : time.end] == "凌晨2点"
    assert time.value.startswith("2026-12-04T02:00:00+08:00")
    assert time.detail["recurring"] is True


def test_nlp03_category_is_the_noise_and_fumes_branch(category_model) -> None:
    [prediction] = category_model.predict([NLP03])
    assert prediction.label == "噪音油烟扰民"
