"""House-level keys (MATCH-01): notation is absorbed, identity characters are not."""

from __future__ import annotations

import pytest

from civicgrid.addresses.keys import HouseKey, floor_key, house_key_of, place_key, room_key
from civicgrid.addresses.parser import parse

BASE_ROOMS = {HouseKey.of("A栋", "C单元", None, room) for room in ("18C08", "18C09", "18C80")}


def test_lower_case_room_and_zuo_match_the_base_room() -> None:
    key = house_key_of(parse("XX花园A座C单元18c08"))
    assert key.room == "18C08"
    assert HouseKey(key.building, key.unit, None, key.room) in BASE_ROOMS


def test_absent_room_has_no_exact_key_in_base() -> None:
    key = house_key_of(parse("XX花园A栋C单元18C10"))
    assert key.room == "18C10"
    assert HouseKey(key.building, key.unit, None, key.room) not in BASE_ROOMS


@pytest.mark.parametrize("text", ["XX广场B1层XX店", "XX广场地下一层", "XX广场负一层", "XX广场-1层"])
def test_basement_floor_synonyms_mean_minus_one(text: str) -> None:
    parsed = parse(text)
    assert house_key_of(parsed).floor == floor_key("负一层") == "-1"
    assert house_key_of(parsed).floor != floor_key("1层")


@pytest.mark.parametrize("text", ["B1", "B1层", "地下一层", "负一层", "-1层"])
def test_floor_key_of_basement_words(text: str) -> None:
    assert floor_key(text) == "-1"


@pytest.mark.parametrize("text", ["1层", "一楼", "1F", "1"])
def test_floor_key_of_ground_floor_words(text: str) -> None:
    assert floor_key(text) == "1"


def test_letter_suffix_is_significant() -> None:
    parsed = parse("XX广场L1-21A")
    assert house_key_of(parsed).room == "L1-21A"
    assert room_key("L1-21A") != room_key("L1-21")


def test_building_words_share_one_key() -> None:
    keys = {HouseKey.of(b, "2单元", None, "1501室") for b in ("3栋", "3号楼", "3幢", "3座")}
    assert keys == {HouseKey("3", "2", None, "1501")}


def test_key_text_names_the_levels() -> None:
    assert HouseKey.of("3栋", "2单元", "15层", "1501").text() == "栋3|单元2|层15|室1501"


def test_place_key_prefers_estate_then_road_number() -> None:
    assert place_key(parse("XX花园3栋")) == "XX花园"
    assert place_key(parse("南山区科苑路15号")) == "科苑路15号"


def test_four_building_forms_parse_to_one_standard_key() -> None:
    forms = ["XX花园3栋2单元1501", "XX花园3号楼2单元1501室", "XX花园3幢2单元1501",
             "XX花园3座2单元1501房"]
    keys = {(place_key(parse(f)), house_key_of(parse(f)).text()) for f in forms}
    assert keys == {("XX花园", "栋3|单元2|层15|室1501")}
