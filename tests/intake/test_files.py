"""The table reader on the exports that broke other systems (traps IMP-01, IMP-02, IMP-04)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from civicgrid.intake.files import TableError, read_table

HEADER = ["工单编号", "受理时间", "诉求内容", "地址"]
ROWS = [
    ["202612040001", "2026-12-04 09:30", "楼下噪音扰民", "南山区麻磡村12号"],
    ["202612040002", "2026/12/4 10:05", "路灯不亮，晚上很黑", "南山区桂庙路"],
    ["202612040003", "2026-12-04 11:00", "垃圾未及时清运", "南山区蛇口街道"],
]


def _csv_text(quoted_header: bool = False) -> str:
    header = ",".join(f'"{h}"' if quoted_header else h for h in HEADER)
    return "\r\n".join([header] + [",".join(row) for row in ROWS]) + "\r\n"


@pytest.fixture
def five_encodings(tmp_path: Path) -> dict[str, Path]:
    """The IMP-01 table saved five ways."""
    files = {
        "utf8_bom_quoted": b"\xef\xbb\xbf" + _csv_text(quoted_header=True).encode("utf-8"),
        "utf8": _csv_text().encode("utf-8"),
        "gbk": _csv_text().encode("gbk"),
        # 磡 is outside GB2312; 䶮 is outside Python's GBK and only in GB18030.
        "gb18030": (_csv_text() + "202612040004,2026-12-04 12:00,䶮字测试,南山区\r\n")
        .encode("gb18030"),
        "gbk_ascii_head": (
            "\r\n".join(
                [",".join(HEADER)]
                + [f"X{i:05d},2026-12-01 08:00,ascii only row {i:04d} padding padding,addr"
                   for i in range(200)]
                + [",".join(row) for row in ROWS]
            ) + "\r\n"
        ).encode("gbk"),
    }
    assert "磡".encode("gbk") and _not_in_gb2312("磡")
    paths = {}
    for name, data in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        paths[name] = path
    return paths


def _not_in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def test_five_encodings_give_identical_headers_without_bom_or_quotes(five_encodings) -> None:
    for name, path in five_encodings.items():
        table = read_table(path)
        assert table.columns == HEADER, name


def test_five_encodings_give_identical_text(five_encodings) -> None:
    for name, path in five_encodings.items():
        table = read_table(path)
        assert table.rows[-3:] == ROWS or table.rows[:3] == ROWS, name


def test_encoding_is_reported(five_encodings) -> None:
    found = {name: read_table(path).encoding for name, path in five_encodings.items()}
    assert found == {"utf8_bom_quoted": "utf-8-sig", "utf8": "utf-8", "gbk": "gbk",
                     "gb18030": "gb18030", "gbk_ascii_head": "gbk"}


def test_gb18030_character_outside_gbk_is_kept(five_encodings) -> None:
    table = read_table(five_encodings["gb18030"])
    assert table.rows[3][2] == "䶮字测试"


def test_gbk_file_with_ascii_first_10kb_is_not_taken_for_utf8(five_encodings) -> None:
    table = read_table(five_encodings["gbk_ascii_head"])
    assert table.rows[-3][3] == "南山区麻磡村12号"


def test_undecodable_bytes_are_refused_with_row_and_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    head = "工单编号,诉求内容\r\n1,好\r\n2,".encode("utf-8")
    path.write_bytes(head + b"\xff\xff\r\n")
    with pytest.raises(TableError, match=rf"byte offset {len(head)} .*data row 2"):
        read_table(path)


def _xlsx_ids(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "工单"
    sheet.append(["工单编号", "来电号码", "身份证号", "诉求内容"])
    sheet.append([202612040001, 13800000000, 110105194912310021, "噪音"])
    sheet.append([202612040002, "+86 138 0000 0001", "11010519491231002X", "路灯"])
    sheet.append([202612040003, None, None, "垃圾"])
    book.save(path)
    return path


def test_numeric_phone_cell_reads_as_digits(tmp_path: Path) -> None:
    table = read_table(_xlsx_ids(tmp_path / "ids.xlsx"))
    assert table.values("来电号码")[0] == "13800000000"


def test_empty_phone_cell_stays_empty(tmp_path: Path) -> None:
    table = read_table(_xlsx_ids(tmp_path / "ids.xlsx"))
    assert table.values("来电号码")[2] is None


def test_numeric_order_number_keeps_all_digits(tmp_path: Path) -> None:
    table = read_table(_xlsx_ids(tmp_path / "ids.xlsx"))
    assert table.values("工单编号") == ["202612040001", "202612040002", "202612040003"]


def test_numeric_id_cell_holds_only_15_significant_digits(tmp_path: Path) -> None:
    table = read_table(_xlsx_ids(tmp_path / "ids.xlsx"))
    value = table.values("身份证号")[0]
    assert value == "110105194912310000" and (0, 2) in table.numeric_cells


def test_text_id_cell_is_kept_exactly(tmp_path: Path) -> None:
    table = read_table(_xlsx_ids(tmp_path / "ids.xlsx"))
    assert table.values("身份证号")[1] == "11010519491231002X"


def _printed_report(path: Path) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "明细"
    ws.append(["南山区民生诉求工单明细（2026年11月）", None, None, None, None])
    ws.merge_cells("A1:E1")
    ws.append(["工单编号", "诉求人信息", None, "诉求内容", "承办单位"])
    ws.merge_cells("B2:C2")
    ws.append([None, "姓名", "电话", None, None])
    ws.merge_cells("A2:A3")
    ws.merge_cells("D2:D3")
    ws.merge_cells("E2:E3")
    ws.append(["A1", "张三", "13800000000", "噪音", "XX街道办"])
    ws.append(["A2", "李四", "13800000001", "路灯", None])
    ws.append(["A3", "王五", "13800000002", "垃圾", None])
    ws.merge_cells("E4:E6")
    ws.append(["合计 3", None, None, None, None])
    book.save(path)
    return path


def test_two_row_header_joins_merged_parent_and_child(tmp_path: Path) -> None:
    table = read_table(_printed_report(tmp_path / "report.xlsx"))
    assert table.columns == ["工单编号", "诉求人信息_姓名", "诉求人信息_电话", "诉求内容", "承办单位"]


def test_unit_merged_down_reaches_every_case(tmp_path: Path) -> None:
    table = read_table(_printed_report(tmp_path / "report.xlsx"))
    assert table.values("承办单位") == ["XX街道办", "XX街道办", "XX街道办"]


def test_title_and_total_rows_are_skipped_and_listed(tmp_path: Path) -> None:
    table = read_table(_printed_report(tmp_path / "report.xlsx"))
    reasons = [item["reason"] for item in table.skipped]
    assert len(table.rows) == 3
    assert reasons[0].startswith("标题行") and reasons[1].startswith("合计行")


def test_declared_header_rows_give_the_same_columns(tmp_path: Path) -> None:
    table = read_table(_printed_report(tmp_path / "report.xlsx"), header_rows=2)
    assert table.columns[1:3] == ["诉求人信息_姓名", "诉求人信息_电话"]
