"""Bulk import behaviours on small files made here: bad input, duplicates, history, resume."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from civicgrid.cases.models import Case, CaseEvent, SourceMapping
from civicgrid.intake.files import TableError
from civicgrid.intake.importer import import_file
from civicgrid.intake.mapping import ColumnMapping
from civicgrid.notifications.models import InboxMessage, OutboundMessage

pytestmark = pytest.mark.db

HOTLINE = ColumnMapping(fields={
    "source_id": "工单编号", "time": "受理时间", "text": "诉求内容", "phone": "来电号码",
    "category": "诉求分类", "unit": "承办单位", "reply": "答复内容", "reply_time": "答复时间",
    "closed_time": "办结时间",
})
HEADER = "工单编号,受理时间,诉求内容,来电号码,诉求分类,承办单位,答复内容,答复时间,办结时间"


def _csv(tmp_path: Path, lines: list[str], encoding: str = "utf-8", name: str = "h.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding))
    return path


def _case(factory, source_id: str) -> Case:
    with factory() as session:
        return session.scalar(select(Case).where(Case.source_id == source_id))


def test_gbk_file_imports_with_encoding_reported(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026/11/02 09:30,路灯不亮,,,,,,"], encoding="gbk")
    report = import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert (report.added, report.encoding) == (1, "gbk")
    assert _case(import_db, "A1").text == "路灯不亮"


def test_float_phone_from_excel_csv_is_repaired(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,13800000000.0,,,,,"])
    import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert _case(import_db, "A1").reporter_phone == "13800000000"


def test_phone_in_scientific_notation_is_rejected_with_fix(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,1.38E+10,,,,,"])
    report = import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert report.added == 0
    assert report.rejected[0]["row"] == 1 and report.rejected[0]["column"] == "来电号码"
    assert "设为文本" in report.rejected[0]["reason"]


def test_unreadable_date_is_rejected_naming_row_and_column(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,,,,", "A2,上周三下午,噪音,,,,,,"])
    report = import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert report.added == 1
    assert report.rejected == [{"row": 2, "column": "受理时间",
                                "reason": report.rejected[0]["reason"]}]
    assert "无法识别的时间" in report.rejected[0]["reason"]


def test_reply_before_request_is_rejected(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,,已处理,2026-11-01 10:00,"])
    report = import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert report.added == 0
    assert report.rejected[0]["column"] == "答复时间"
    assert "早于" in report.rejected[0]["reason"]


def test_empty_rows_are_ignored(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,,,,", ",,,,,,,,", "", "A2,2026-11-02,灯,,,,,,"])
    report = import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert (report.rows, report.added, report.rejected) == (2, 2, [])


def test_duplicated_id_in_one_file_is_counted_once(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,,,,", "A1,2026-11-03 09:30,又是噪音,,,,,,"])
    report = import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert (report.added, report.duplicates) == (1, 1)


def test_reimport_adds_nothing(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,,,,", "A2,2026-11-02 10:30,灯,,,,,,"])
    import_file(factory=import_db, path=path, mapping=HOTLINE)
    again = import_file(factory=import_db, path=path, mapping=HOTLINE)
    assert (again.added, again.duplicates) == (0, 2)


def test_without_source_id_duplicates_are_found_by_hash(import_db, tmp_path: Path) -> None:
    mapping = ColumnMapping(fields={"time": "受理时间", "text": "诉求内容"})
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,,,,", "A2,2026-11-02 09:30,噪音,,,,,,"])
    first = import_file(factory=import_db, path=path, mapping=mapping)
    second = import_file(factory=import_db, path=path, mapping=mapping)
    assert (first.added, first.duplicates, second.added) == (1, 1, 0)


def test_missing_column_names_the_file_columns(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,,,,"])
    mapping = ColumnMapping(fields={"time": "受理日期", "text": "诉求内容"})
    with pytest.raises(TableError, match="time=受理日期.*工单编号, 受理时间"):
        import_file(factory=import_db, path=path, mapping=mapping)


def test_history_keeps_times_reply_and_closes_unconfirmed(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, [
        "A1,2026-11-02 09:30,噪音,,城乡建设,南山区城市管理和综合执法局,已处理,"
        "2026-11-03 10:00,2026-11-04 09:30",
    ])
    import_file(factory=import_db, path=path, mapping=HOTLINE)
    case = _case(import_db, "A1")
    assert (case.status, case.resolution, case.lead_unit, case.handling_days) == (
        "closed", "closed_unconfirmed", "CGJ", 2.0)
    assert case.received_at == dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)


def test_history_timeline_uses_the_rows_own_times(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,CGJ,已处理,2026-11-03 10:00,2026-11-04 09:30"])
    import_file(factory=import_db, path=path, mapping=HOTLINE)
    case = _case(import_db, "A1")
    with import_db() as session:
        events = session.execute(select(CaseEvent.kind, CaseEvent.at).where(
            CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id)).all()
    local = [(kind, at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%m-%d %H:%M"))
             for kind, at in events]
    assert local == [("create", "11-02 09:30"), ("reply", "11-03 10:00"),
                     ("close", "11-04 09:30")]


def test_history_leaves_the_unknown_dispatch_moment_empty(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,CGJ,,,"])
    import_file(factory=import_db, path=path, mapping=HOTLINE)
    case = _case(import_db, "A1")
    assert (case.status, case.lead_unit, case.dispatched_at, case.responded_on_time) == (
        "dispatched", "CGJ", None, None)


def test_history_raises_no_notifications(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,,CGJ,已处理,2026-11-03 10:00,"])
    import_file(factory=import_db, path=path, mapping=HOTLINE)
    with import_db() as session:
        inbox = session.scalar(select(func.count()).select_from(InboxMessage))
        outbound = session.scalar(select(func.count()).select_from(OutboundMessage))
    assert (inbox, outbound) == (0, 0)


def test_unknown_category_and_unit_are_kept_and_queued(import_db, tmp_path: Path) -> None:
    path = _csv(tmp_path, ["A1,2026-11-02 09:30,噪音,,夜间施工,某某物业公司,,,",
                           "A2,2026-11-02 09:40,噪音,,夜间施工,,,,"])
    report = import_file(factory=import_db, path=path, mapping=HOTLINE)
    case = _case(import_db, "A1")
    with import_db() as session:
        queued = {(m.kind, m.raw_value): m.seen for m in session.scalars(select(SourceMapping))}
    assert (case.source_category, case.category_code, case.source_unit) == (
        "夜间施工", None, "某某物业公司")
    assert queued == {("category", "夜间施工"): 2, ("unit", "某某物业公司"): 1}
    assert report.to_dict()["queued"] == {"category": {"夜间施工": 2}, "unit": {"某某物业公司": 1}}


def test_crash_leaves_whole_batches_and_rerun_resumes(import_db, tmp_path: Path) -> None:
    lines = [f"A{i},2026-11-02 09:30,噪音{i},,,,,," for i in range(25)]
    path = _csv(tmp_path, lines)

    def crash(_message: str) -> None:
        raise RuntimeError("power cut after the first batch")

    with pytest.raises(RuntimeError):
        import_file(factory=import_db, path=path, mapping=HOTLINE, batch_size=10, progress=crash)
    with import_db() as session:
        after_crash = session.scalar(select(func.count()).select_from(Case))
    report = import_file(factory=import_db, path=path, mapping=HOTLINE, batch_size=10)
    assert after_crash == 10
    assert (report.added, report.duplicates) == (15, 10)


def _xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "工单"
    sheet.append(["工单编号", "受理时间", "诉求内容", "来电号码", "身份证号"])
    sheet.append([202612040001, 46360.5, "噪音", 13800000000, 110105194912310021])
    sheet.append([202612040002, 46360.75, "路灯", "+86 138 0000 0001", "11010519491231002X"])
    sheet.append([202612040003, 46361, "垃圾", None, None])
    book.save(path)
    return path


XLSX_MAPPING = ColumnMapping(fields={"source_id": "工单编号", "time": "受理时间",
                                     "text": "诉求内容", "phone": "来电号码"})


def test_numeric_id_cell_is_rejected_naming_sheet_row_column(import_db, tmp_path: Path) -> None:
    report = import_file(factory=import_db, path=_xlsx(tmp_path / "ids.xlsx"),
                         mapping=XLSX_MAPPING)
    rejected = report.rejected[0]
    assert (rejected["row"], rejected["column"], rejected["sheet"]) == (1, "身份证号", "工单")
    assert "set the column to text" in rejected["reason"]
    assert "110105" not in rejected["reason"]  # the ID itself is never echoed


def test_xlsx_numbers_become_exact_phones_and_order_numbers(import_db, tmp_path: Path) -> None:
    report = import_file(factory=import_db, path=_xlsx(tmp_path / "ids.xlsx"),
                         mapping=XLSX_MAPPING)
    assert report.added == 2
    assert _case(import_db, "202612040002").reporter_phone == "13800000001"
    assert _case(import_db, "202612040003").reporter_phone is None


def test_excel_serial_dates_are_read(import_db, tmp_path: Path) -> None:
    import_file(factory=import_db, path=_xlsx(tmp_path / "ids.xlsx"), mapping=XLSX_MAPPING)
    case = _case(import_db, "202612040002")
    # 46360.75 is 2026-12-04 18:00 in the 1900 date system, read as Beijing time.
    assert case.received_at == dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)


def test_undecodable_file_writes_nothing(import_db, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER + "\r\nA1,2026-11-02 09:30,").encode("utf-8") + b"\xff\xfe\xff\r\n")
    with pytest.raises(TableError, match="byte offset"):
        import_file(factory=import_db, path=path, mapping=HOTLINE)
    with import_db() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
