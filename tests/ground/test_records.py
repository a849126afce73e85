"""People, enterprises and visits with history, encryption at rest, duplicates and purge."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civicgrid.ground.models import Person, Revision, ViewLog
from civicgrid.ground.privacy import export_people_xlsx, purge_departed, view_person
from civicgrid.ground.records import (
    PersonIn,
    duplicates,
    history,
    merge,
    record_visit,
    save_enterprise,
    save_person,
)
from civicgrid.ground.vault import Vault
from civicgrid.ground.checks import credit_check_character
from tests.ground.test_checks import FIRST17, VALID_CREDIT, VALID_ID

pytestmark = pytest.mark.db
VAULT = Vault("test-pii-secret")


def _person(session, house: str = "H1", number: str = VALID_ID, **kw):  # noqa: ANN001, ANN202
    data = PersonIn(house_code=house, name="张三", id_number=number, phone="13800138000", **kw)
    return save_person(session=session, vault=VAULT, data=data, actor="t_grid")


def test_id_number_and_phone_are_encrypted_at_rest(session) -> None:  # noqa: ANN001
    saved = _person(session)
    row = session.get(Person, saved.record.id)
    assert VALID_ID not in (row.id_cipher or "") and "13800138000" not in (row.phone_cipher or "")
    assert VAULT.open(row.id_cipher) == VALID_ID
    assert row.id_hash == VAULT.digest(VALID_ID)


def test_wrong_check_digit_is_stored_with_the_record(session) -> None:  # noqa: ANN001
    wrong = FIRST17 + ("0" if VALID_ID[-1] != "0" else "1")
    saved = _person(session, number=wrong)
    assert [p["field"] for p in saved.record.problems] == ["id_number"]


def test_correction_keeps_history_with_who_and_when(session) -> None:  # noqa: ANN001
    saved = _person(session)
    data = PersonIn(house_code="H2", name="张三", id_number=VALID_ID, phone="13900139000")
    save_person(session=session, vault=VAULT, data=data, actor="t_admin",
                person_id=saved.record.id)
    trail = history(session=session, record_type="person", record_id=saved.record.id)
    assert [t["version"] for t in trail] == [1, 2]
    assert trail[1]["by"] == "t_admin"
    assert trail[1]["changes"]["house_code"] == ["H1", "H2"]
    assert trail[1]["changes"]["phone_cipher"] == "(changed)"


def test_same_id_number_in_two_houses_is_offered_for_merge(session) -> None:  # noqa: ANN001
    a, b = _person(session, house="HA"), _person(session, house="HB")
    [group] = [g for g in duplicates(session=session) if a.record.id in g["ids"]]
    assert group["ids"] == [a.record.id, b.record.id] and group["field"] == "id_number"
    merge(session=session, record_type="person", keep_id=a.record.id, drop_id=b.record.id,
          actor="t_admin")
    assert not [g for g in duplicates(session=session) if a.record.id in g["ids"]]


def test_reused_credit_code_is_a_duplicate(session) -> None:  # noqa: ANN001
    code17 = "91440300MA5DUP001"
    values = {"name": "南山科技", "credit_code": code17 + credit_check_character(code17)}
    one = save_enterprise(session=session, values=values, actor="t_grid")
    two = save_enterprise(session=session, values={**values, "name": "南山科技二"},
                          actor="t_grid")
    groups = [g for g in duplicates(session=session) if g["record_type"] == "enterprise"]
    assert [one.record.id, two.record.id] in [g["ids"] for g in groups]


def test_visit_needs_findings(session) -> None:  # noqa: ANN001
    from civicgrid.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        record_visit(session=session, values={"house_code": "H1", "findings": ""},
                     actor="t_grid")
    assert caught.value.field == "findings"


def test_view_is_masked_and_logged_for_staff(session) -> None:  # noqa: ANN001
    saved = _person(session)
    shown = view_person(session=session, vault=VAULT, person_id=saved.record.id, user_id=1,
                        username="t_grid", role="grid_worker", reason="走访核实")
    assert shown["id_number"] != VALID_ID and shown["phone"] == "138****8000"
    logged = session.scalars(select(ViewLog).where(ViewLog.person_id == saved.record.id)).all()
    assert [(v.username, v.reason) for v in logged] == [("t_grid", "走访核实")]


def test_admin_sees_id_number(session) -> None:  # noqa: ANN001
    saved = _person(session)
    shown = view_person(session=session, vault=VAULT, person_id=saved.record.id, user_id=1,
                        username="t_admin", role="admin", reason="核查")
    assert shown["id_number"] == VALID_ID


def test_export_carries_watermark(session) -> None:  # noqa: ANN001
    import io

    import openpyxl

    _person(session, grid_code="G-EXPORT")
    data = export_people_xlsx(session=session, vault=VAULT, username="t_admin", role="admin",
                              grid_code="G-EXPORT")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert "t_admin" in sheet["A1"].value


def test_purge_removes_people_who_left_long_ago(session) -> None:  # noqa: ANN001
    old = _person(session, left_on=dt.date(2020, 1, 1))
    stays = _person(session, house="H9")
    assert purge_departed(session=session, retention_days=365) >= 1
    assert session.get(Person, old.record.id) is None
    assert session.get(Person, stays.record.id) is not None
    kinds = session.scalars(select(Revision.action).where(
        Revision.record_id == old.record.id, Revision.record_type == "person")).all()
    assert kinds == ["purge"]


def test_unknown_grid_code_is_reported_with_the_record(session) -> None:  # noqa: ANN001
    from civicgrid.jurisdiction.models import Region

    session.add(Region(code="G-KNOWN-TEST", name="测试网格", level="grid"))
    session.flush()
    assert _person(session, grid_code="G-KNOWN-TEST").record.problems == []
    saved = _person(session, house="H-GRID", grid_code="NO-SUCH-GRID")
    assert [(p["field"], p["code"]) for p in saved.record.problems] == \
        [("grid_code", "unknown_grid")]
