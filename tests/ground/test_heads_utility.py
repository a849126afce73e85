"""Building heads' points from verified actions only; utility usage signals."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.errors import Conflict
from civicgrid.ground.config import DEFAULTS, load_config
from civicgrid.ground.heads import appoint, balance, board, claim, redeem, verify
from civicgrid.ground.records import PersonIn, save_person
from civicgrid.ground.utility import import_usage, signals
from civicgrid.ground.vault import Vault

pytestmark = pytest.mark.db
RULES = load_config(DEFAULTS)["head_points"]
VAULT = Vault("k")


def _head(session, street: str = "ST-T"):  # noqa: ANN001, ANN202
    return appoint(session=session, vault=VAULT, actor="t_admin", values={
        "name": "楼长甲", "building_code": "HB-1", "street_code": street,
        "phone": "13700137000", "duties": ["通知送达"]})


def test_claimed_action_earns_nothing_until_verified(session) -> None:  # noqa: ANN001
    head = _head(session)
    action = claim(session=session, head_id=head.id, kind="meeting",
                   occurred_on=dt.date(2026, 12, 1), rules=RULES)
    assert balance(session=session, head_id=head.id) == 0
    verify(session=session, action_id=action.id, verifier="t_grid", rules=RULES)
    assert balance(session=session, head_id=head.id) == RULES["meeting"]


def test_action_cannot_be_verified_twice(session) -> None:  # noqa: ANN001
    head = _head(session)
    action = claim(session=session, head_id=head.id, kind="notice",
                   occurred_on=dt.date(2026, 12, 1), rules=RULES)
    verify(session=session, action_id=action.id, verifier="t_grid", rules=RULES)
    with pytest.raises(Conflict):
        verify(session=session, action_id=action.id, verifier="t_grid", rules=RULES)
    assert balance(session=session, head_id=head.id) == RULES["notice"]


def test_redemption_beyond_balance_is_refused(session) -> None:  # noqa: ANN001
    head = _head(session)
    action = claim(session=session, head_id=head.id, kind="case_report",
                   occurred_on=dt.date(2026, 12, 1), rules=RULES)
    verify(session=session, action_id=action.id, verifier="t_grid", rules=RULES)
    redeem(session=session, head_id=head.id, points=4, item="米", actor="t_grid")
    with pytest.raises(Conflict):
        redeem(session=session, head_id=head.id, points=100, item="油", actor="t_grid")
    assert balance(session=session, head_id=head.id) == RULES["case_report"] - 4


def test_board_ranks_heads_of_a_street(session) -> None:  # noqa: ANN001
    low, high = _head(session, "ST-B"), _head(session, "ST-B")
    action = claim(session=session, head_id=high.id, kind="meeting",
                   occurred_on=dt.date(2026, 12, 1), rules=RULES)
    verify(session=session, action_id=action.id, verifier="t_grid", rules=RULES)
    ranked = board(session=session, street_code="ST-B")
    assert [r["head_id"] for r in ranked] == [high.id, low.id]


def test_usage_signals(session, tmp_path) -> None:  # noqa: ANN001
    save_person(session=session, vault=VAULT, actor="t_grid",
                data=PersonIn(house_code="U-OCC", name="住户"))
    path = tmp_path / "gas.csv"
    lines = ["account,month,amount,house_code"]
    for month in ("2026-09", "2026-10", "2026-11"):
        lines += [f"A1,{month},0,U-OCC", f"A2,{month},12,U-EMPTY"]
    lines.append("A3,2026-13,1,U-X")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_usage(session=session, path=path, utility="gas")
    assert result["loaded"] == 6
    assert result["problems"][0]["field"] == "month" and result["problems"][0]["row"] == "7"
    found = {(s["signal"], s["house_code"]) for s in signals(session=session)}
    assert ("long_zero_usage", "U-OCC") in found
    assert ("usage_without_residents", "U-EMPTY") in found
