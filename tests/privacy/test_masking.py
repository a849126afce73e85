"""Personal data: extraction boundaries, masks, and logs that never carry it (NLP-02)."""

from __future__ import annotations

import io
import logging

import pytest

from civicgrid.logs import RedactingFilter
from civicgrid.privacy.masking import (
    find_id_numbers,
    find_phones,
    is_valid_id_number,
    mask_id_number,
    mask_name,
    mask_phone,
    redact_text,
)

TRAP = "工单号202612041300000001，诉求人电话19900000001，备用0755-20000000，身份证11010519491231002X"


def test_phones_found_at_digit_boundaries_only() -> None:
    assert [f.value for f in find_phones(TRAP)] == ["19900000001", "0755-20000000"]


def test_id_number_found_and_nothing_taken_from_the_order_number() -> None:
    ids = find_id_numbers(TRAP)
    assert [f.value for f in ids] == ["11010519491231002X"]
    order = TRAP.index("202612041300000001")
    assert all(not (order <= f.start < order + 18) for f in find_phones(TRAP) + ids)


def test_masks_follow_the_policy() -> None:
    assert mask_phone("19900000001") == "199****0001"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_name("张三丰") == "张**"


def test_redacted_text_keeps_no_raw_value() -> None:
    redacted = redact_text(TRAP)
    for raw in ("19900000001", "0755-20000000", "11010519491231002X"):
        assert raw not in redacted
    assert "202612041300000001" in redacted


@pytest.mark.parametrize(("value", "valid"), [("11010519491231002X", True),
                                               ("110105194912310021", False)])
def test_id_check_digit(value: str, valid: bool) -> None:
    assert is_valid_id_number(value) is valid


def test_log_handler_masks_phones_and_ids() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("civicgrid.test.privacy")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("caller %s id %s", "13800138000", "11010519491231002X")
    finally:
        logger.removeHandler(handler)
    assert "13800138000" not in stream.getvalue() and "138****8000" in stream.getvalue()
    assert "11010519491231002X" not in stream.getvalue()
