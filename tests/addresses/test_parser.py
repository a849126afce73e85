"""Parser behaviour on the address traps ADDR-01, ADDR-02 and ADDR-03 and on bad input."""

from __future__ import annotations

import pytest

from civicgrid.addresses.gazetteer import default_gazetteer
from civicgrid.addresses.parser import Jurisdiction, parse


@pytest.mark.parametrize(
    "text",
    [
        "广东省深圳市南山区粤海街道XX路XX号",
        "南山区蛇口街道工业一路XX号",
        "南山科技园科苑路XX号",
    ],
)
def test_nanshan_resolves_to_shenzhen_440305(text: str) -> None:
    parsed = parse(text)
    assert (parsed.district, parsed.district_code) == ("南山区", "440305")
    assert (parsed.city, parsed.city_code) == ("深圳市", "440300")
    assert parsed.district_code.startswith(parsed.city_code[:4])
    assert "非本辖区" not in parsed.flags


def test_street_code_found_with_explicit_street() -> None:
    parsed = parse("广东省深圳市南山区粤海街道XX路XX号")
    assert (parsed.street, parsed.street_code) == ("粤海街道", "440305007")


def test_missing_city_is_inferred_from_district() -> None:
    parsed = parse("南山区蛇口街道工业一路XX号")
    assert parsed.street_code == "440305005"
    assert {"city", "province"} <= set(parsed.inferred)


def test_hegang_nanshan_keeps_its_own_code_and_is_flagged() -> None:
    parsed = parse("黑龙江省鹤岗市南山区XX路XX号")
    assert parsed.district_code == "230404"
    assert parsed.city_code == "230400"
    assert "非本辖区" in parsed.flags


def test_typo_district_gets_low_confidence_never_chaonan() -> None:
    parsed = parse("深圳市南区XX路XX号")
    assert parsed.district_code is None
    assert parsed.district_code != "440514"
    assert parsed.needs_review
    assert parsed.confidence < 0.5
    assert "区县未识别" in parsed.flags


@pytest.mark.parametrize(
    ("text", "road"),
    [
        ("南山区中山园路XX号", "中山园路"),
        ("南山区南海大道XX号", "南海大道"),
        ("南山区沙河西路XX号", "沙河西路"),
    ],
)
def test_admin_names_inside_roads_stay_roads(text: str, road: str) -> None:
    parsed = parse(text)
    assert parsed.road == road
    assert parsed.district_code == "440305"
    assert parsed.city_code == "440300"
    assert parsed.street is None


def test_word_hezuo_in_request_text_does_not_fire() -> None:
    parsed = parse("希望城管和交警合作处理，南山区桂庙路夜市占道经营严重")
    assert parsed.district_code == "440305"
    assert parsed.road == "桂庙路"
    assert "623001" not in {parsed.district_code, parsed.city_code}


def test_hong_kong_mention_is_recognised_not_taken_as_the_place() -> None:
    parsed = parse("从香港九龙过深圳湾口岸后，南山区东滨路XX号路口积水")
    assert (parsed.district_code, parsed.road) == ("440305", "东滨路")
    assert parsed.province_code == "440000"
    assert "提及香港" in parsed.flags
    assert parsed.district != "九龙县"


def test_hong_kong_address_is_flagged_outside_mainland() -> None:
    parsed = parse("香港九龙弥敦道100号")
    assert parsed.province_code == "810000"
    assert {"港澳台", "非本辖区"} <= set(parsed.flags)


def test_traditional_parses_like_simplified() -> None:
    traditional = parse("廣東省深圳市南山區南海大道XX號")
    simplified = parse("广东省深圳市南山区南海大道XX号")
    fields = ("province_code", "city_code", "district_code", "road", "road_number", "poi")
    assert [getattr(traditional, f) for f in fields] == [getattr(simplified, f) for f in fields]
    assert traditional.road == "南海大道"


@pytest.mark.parametrize(
    "text",
    ["XX花园3栋2单元1501", "XX花园3号楼2单元1501室", "XX花园3幢2单元1501", "XX花园3座2单元1501房"],
)
def test_building_word_variants_give_one_house(text: str) -> None:
    parsed = parse(text)
    assert (parsed.poi, parsed.building, parsed.unit, parsed.floor, parsed.room) == (
        "XX花园", "3", "2", "15", "1501",
    )


def test_courtyard_number_and_building_number() -> None:
    parsed = parse("XX路2号院1号楼北侧")
    assert (parsed.road, parsed.road_number, parsed.building) == ("XX路", "2", "1")
    assert parsed.remainder == "北侧"


def test_full_width_digits_and_letters_are_normalised() -> None:
    parsed = parse("XX路１０８８号XX大厦Ａ座１５０１")
    assert (parsed.road_number, parsed.poi, parsed.building, parsed.room) == (
        "1088", "XX大厦", "A", "1501",
    )


def test_number_inside_estate_name_is_not_a_road_number() -> None:
    gazetteer = default_gazetteer().with_estates(("XX湾1号",))
    parsed = parse("XX湾1号T7栋2单元15A", gazetteer=gazetteer)
    assert parsed.poi == "XX湾1号"
    assert (parsed.building, parsed.unit, parsed.room) == ("T7", "2", "15A")
    assert parsed.road_number is None


def test_built_in_numbered_estate() -> None:
    parsed = parse("南山区深圳湾1号T7栋2单元15A")
    assert parsed.poi == "深圳湾1号"
    assert parsed.road_number is None


def test_no_admin_text_takes_jurisdiction_with_lower_confidence() -> None:
    parsed = parse("桃园路12号")
    assert parsed.district_code == "440305"
    assert "市区由辖区推定" in parsed.flags
    assert parsed.confidence <= 0.6


def test_other_jurisdiction_changes_what_is_ours() -> None:
    parsed = parse("南山区桃园路12号", jurisdiction=Jurisdiction("440304"))
    assert parsed.district_code == "440305"
    assert "非本辖区" in parsed.flags


def test_other_city_is_flagged() -> None:
    parsed = parse("浙江省杭州市西湖区文三路100号")
    assert (parsed.city_code, parsed.district_code) == ("330100", "330106")
    assert "非本辖区" in parsed.flags


def test_zero_width_and_brackets_are_removed() -> None:
    parsed = parse("南山\u200b区沁园路4589号(深圳市人才研修院)六号楼一楼")
    assert parsed.district_code == "440305"
    assert (parsed.road, parsed.road_number, parsed.building, parsed.floor) == (
        "沁园路", "4589", "6", "1",
    )
    assert parsed.notes == ["深圳市人才研修院"]


def test_noise_words_end_the_place_name() -> None:
    parsed = parse("南山区滨海大道3001号华润深圳湾体育中心南侧肯德基门前广场附近")
    assert parsed.poi == "华润深圳湾体育中心"
    assert parsed.remainder.startswith("南侧")


def test_locality_before_road_is_split_off() -> None:
    parsed = parse("广东省深圳市南山区华侨城深南大道9009号")
    assert (parsed.poi, parsed.road, parsed.road_number) == ("华侨城", "深南大道", "9009")


def test_empty_text_is_reported_not_placed() -> None:
    parsed = parse("")
    assert parsed.level is None
    assert parsed.flags == ["空地址"]
    assert parsed.needs_review


def test_english_address_is_reported_not_guessed() -> None:
    parsed = parse("Nanshan District, Shenzhen")
    assert parsed.district_code is None
    assert "非中文地址" in parsed.flags
    assert parsed.needs_review


def test_poi_only_address_reports_its_level() -> None:
    parsed = parse("深圳湾体育中心")
    assert (parsed.level, parsed.poi) == ("poi", "深圳湾体育中心")
    assert "仅有POI" in parsed.flags


def test_abbreviated_home_city_district_is_recognised() -> None:
    parsed = parse("罗湖宝岗路12号")
    assert (parsed.district_code, parsed.road) == ("440303", "宝岗路")
    assert "非本辖区" in parsed.flags


def test_district_short_name_followed_by_road_word_is_a_road() -> None:
    parsed = parse("南山大道1088号")
    assert (parsed.road, parsed.road_number) == ("南山大道", "1088")
    assert "市区由辖区推定" in parsed.flags


def test_unnamed_county_elsewhere_is_kept_by_name() -> None:
    parsed = parse("浙江省温州市平阳县海西镇宋埠公园南路100号")
    assert (parsed.city_code, parsed.district, parsed.street) == ("330300", "平阳县", "海西镇")
    assert parsed.district_code is None
    assert parsed.road == "宋埠公园南路"
    assert "区县未识别" not in parsed.flags
