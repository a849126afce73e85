"""MATCH-01: letter+number rooms and floor synonyms are identities, not typos."""

from __future__ import annotations

import pytest

from civicgrid.addresses.matching import BaseIndex, parts_of


@pytest.fixture
def index() -> BaseIndex:
    houses = [
        parts_of("H-18C08", "XX花园", None, None, "A栋", "C单元", "18层", "18C08"),
        parts_of("H-18C09", "XX花园", None, None, "A栋", "C单元", "18层", "18C09"),
        parts_of("H-18C80", "XX花园", None, None, "A栋", "C单元", "18层", "18C80"),
        parts_of("H-B1", "XX广场", None, None, None, None, "负一层", None),
        parts_of("H-F1", "XX广场", None, None, None, None, "1层", None),
        parts_of("H-L1-21", "XX广场", None, None, None, None, "1层", "L1-21"),
        parts_of("H-L1-21A", "XX广场", None, None, None, None, "1层", "L1-21A"),
    ]
    return BaseIndex(houses)


def test_lower_case_letter_room_matches_18C08(index: BaseIndex) -> None:
    result = index.match_text("q1", "XX花园A座C单元18c08")
    assert (result.decision, result.code) == ("match", "H-18C08")


def test_absent_room_18C10_gets_no_automatic_match(index: BaseIndex) -> None:
    result = index.match_text("q2", "XX花园A栋C单元18C10")
    assert result.decision == "no_match"
    assert result.code is None
    assert all(c.probability <= 0.5 for c in result.candidates)


@pytest.mark.parametrize("text", ["XX广场B1层XX店", "XX广场地下一层"])
def test_basement_synonyms_match_the_minus_one_floor_never_floor_one(
        index: BaseIndex, text: str) -> None:
    result = index.match_text("q", text)
    assert (result.decision, result.code) == ("match", "H-B1")
    floor_one = [c for c in result.candidates if c.code == "H-F1"]
    assert all(c.probability < 0.5 for c in floor_one)


def test_shop_L1_21A_matches_itself_not_L1_21(index: BaseIndex) -> None:
    result = index.match_text("q", "XX广场L1-21A")
    assert (result.decision, result.code) == ("match", "H-L1-21A")
    assert all(c.probability < 0.5 for c in result.candidates if c.code == "H-L1-21")


def test_shop_L1_21_matches_itself_not_L1_21A(index: BaseIndex) -> None:
    result = index.match_text("q", "XX广场L1-21")
    assert (result.decision, result.code) == ("match", "H-L1-21")


def test_estate_typo_is_found_through_one_character_variants(index: BaseIndex) -> None:
    result = index.match_text("q", "XY花园A栋C单元18C09")
    assert result.code == "H-18C09"
    assert result.decision in {"match", "review"}
