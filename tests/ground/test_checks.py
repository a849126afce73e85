"""Check digits of ID numbers (GB 11643) and credit codes (GB 32100)."""

from __future__ import annotations

import datetime as dt

from civicgrid.ground.checks import (
    credit_check_character,
    credit_code_problems,
    id_number_problems,
    is_valid_credit_code,
)
from civicgrid.privacy.masking import id_check_character

FIRST17 = "44030519900101123"
VALID_ID = FIRST17 + id_check_character(FIRST17)
CREDIT17 = "91440300MA5D00001"
VALID_CREDIT = CREDIT17 + credit_check_character(CREDIT17)


def test_computed_credit_code_is_valid() -> None:
    assert is_valid_credit_code(VALID_CREDIT)
    assert credit_code_problems(VALID_CREDIT) == []


def test_published_sample_credit_code_is_valid() -> None:
    assert credit_check_character("91350100M000100Y4") == "3"


def test_credit_code_with_wrong_check_character_names_field() -> None:
    wrong = CREDIT17 + ("0" if VALID_CREDIT[-1] != "0" else "1")
    [problem] = credit_code_problems(wrong)
    assert (problem.field, problem.code) == ("credit_code", "check_character")


def test_credit_code_with_letter_o_is_wrong_shape() -> None:
    [problem] = credit_code_problems("91440300MO5D000010")
    assert problem.code == "shape"


def test_valid_id_number_has_no_problems() -> None:
    assert id_number_problems(VALID_ID) == []


def test_wrong_id_check_digit_is_reported_masked() -> None:
    wrong = FIRST17 + ("0" if VALID_ID[-1] != "0" else "1")
    [problem] = id_number_problems(wrong)
    assert problem.code == "check_digit"
    assert problem.value is not None and "19900101" not in problem.value


def test_fifteen_digit_id_number_is_old_form() -> None:
    [problem] = id_number_problems("440305900101123")
    assert problem.code == "old_15_digit"


def test_future_birth_date_is_reported() -> None:
    first17 = "44030520300101123"
    number = first17 + id_check_character(first17)
    codes = [p.code for p in id_number_problems(number, today=dt.date(2026, 12, 4))]
    assert codes == ["future_birth"]
