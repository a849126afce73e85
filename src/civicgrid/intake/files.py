"""Reading tabular files (CSV and XLSX) as government offices export them.

The readers return a :class:`Table` of strings, whatever the file's encoding or cell types:

* CSV: a byte-order mark selects UTF-8; otherwise the whole file must decode as strict UTF-8,
  else as GB18030 (the superset of GBK and GB2312). UTF-8 is tried first because GB18030
  accepts most UTF-8 byte sequences and would turn them into mojibake silently. A file that
  decodes in neither is refused with the row and byte offset of the first bad byte.
* XLSX: numbers that are whole become digit strings (``13800000000``, never ``1.38e10`` or
  ``…0.0``); dates become ISO strings; merged cells are filled from their top-left cell;
  a title row merged across the sheet and a total row (合计/总计) are skipped and reported;
  a two-row header whose upper cells are merged across several columns is joined as
  ``上级_下级`` (``诉求人信息_姓名``).

Row numbers in a table are 1-based data rows, the header excluded, so that every command
that reports rows reports them the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

_TOTAL_WORDS = ("合计", "总计", "小计", "总数")


class TableError(ValueError):
    """A file that cannot be read as a table; the message says where and what to do."""


@dataclass
class Table:
    """A file's header and data rows, all values as stripped strings (empty cells None)."""

    columns: list[str]
    rows: list[list[str | None]]
    encoding: str
    skipped: list[dict] = field(default_factory=list)
    # (data row index 0-based, column index) of cells that were numbers in a spreadsheet.
    numeric_cells: set[tuple[int, int]] = field(default_factory=set)
    sheet: str | None = None

    def column(self, name: str) -> int:
        """Index of a column by its exact header, or a TableError listing the headers."""
        try:
            return self.columns.index(name)
        except ValueError:
            raise TableError(
                f"column {name!r} is not in the file; its columns are: "
                + ", ".join(self.columns)
            ) from None

    def values(self, name: str) -> list[str | None]:
        """All values of one column, in row order."""
        index = self.column(name)
        return [row[index] if index < len(row) else None for row in self.rows]

    def records(self) -> list[dict[str, str | None]]:
        """Rows as dicts keyed by header."""
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


def read_table(
    path: str | Path, *, sheet: str | None = None, header_rows: int | None = None
) -> Table:
    """Read a CSV, TSV or XLSX file into a :class:`Table`."""
    path = Path(path)
    if not path.exists():
        raise TableError(f"file {str(path)!r} does not exist; check the path")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet=sheet, header_rows=header_rows)
    if suffix == ".xls":
        raise TableError(
            f"{path.name}: the old .xls format is not read; open it in Excel or WPS and save "
            "it as .xlsx or CSV"
        )
    return read_csv(path)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode exported text, returning (text, encoding name)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gbk"), "gbk"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        # Name the bad byte of the encoding that read furthest: a UTF-8 file with one
        # broken byte fails early as GB18030, and pointing there would mislead.
        bad = max(utf8_error.start, exc.start)
        line = data.count(b"\n", 0, bad) + 1
        raise TableError(
            f"the file is neither UTF-8 nor GBK/GB18030: undecodable byte 0x{data[bad]:02x} "
            f"at byte offset {bad} (line {line}, data row {line - 1}); re-save the file "
            "as UTF-8 CSV (文件编码无法识别，请另存为 UTF-8 CSV)"
        ) from None


def read_csv(path: Path) -> Table:
    """Read a delimited text file in any of the encodings Chinese offices export."""
    text, encoding = decode_bytes(path.read_bytes())
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw = [row for row in reader]
    return _table_from_grid(raw, encoding=encoding, merged={}, numeric=set(), header_rows=None)


def read_xlsx(path: Path, *, sheet: str | None = None, header_rows: int | None = None) -> Table:
    """Read one sheet of an XLSX workbook, resolving merged cells and exact numbers."""
    from openpyxl import load_workbook

    big = path.stat().st_size > 8 * 1024 * 1024  # read-only mode: no merged cells
    workbook = load_workbook(path, read_only=big, data_only=True)
    if sheet is not None and sheet not in workbook.sheetnames:
        raise TableError(
            f"sheet {sheet!r} is not in {path.name}; its sheets are: "
            + ", ".join(workbook.sheetnames)
        )
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    merged: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    if not big:
        for rng in ws.merged_cells.ranges:
            box = (rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, rng.max_col - 1)
            for r in range(box[0], box[2] + 1):
                for c in range(box[1], box[3] + 1):
                    merged[(r, c)] = box
    grid: list[list[str | None]] = []
    numeric: set[tuple[int, int]] = set()
    for r, row in enumerate(ws.iter_rows(values_only=True)):
        out: list[str | None] = []
        for c, value in enumerate(row):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numeric.add((r, c))
            out.append(_cell_text(value))
        grid.append(out)
    # Fill merged children from their top-left anchor.
    for (r, c), (r0, c0, _r1, _c1) in merged.items():
        if (r, c) != (r0, c0) and r < len(grid) and r0 < len(grid):
            while len(grid[r]) <= c:
                grid[r].append(None)
            anchor = grid[r0][c0] if c0 < len(grid[r0]) else None
            grid[r][c] = anchor
            if (r0, c0) in numeric:
                numeric.add((r, c))
    table = _table_from_grid(
        grid, encoding="xlsx", merged=merged, numeric=numeric, header_rows=header_rows
    )
    table.sheet = ws.title
    workbook.close()
    return table


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace("\ufeff", "").strip()
    return value or None


def _table_from_grid(
    grid: list[list[str | None]],
    *,
    encoding: str,
    merged: dict[tuple[int, int], tuple[int, int, int, int]],
    numeric: set[tuple[int, int]],
    header_rows: int | None,
) -> Table:
    grid = [[_clean(v) for v in row] for row in grid]
    width = max((len(row) for row in grid), default=0)
    skipped: list[dict] = []

    start = 0
    while start < len(grid) and _is_title_row(grid[start], start, merged, width):
        text = next((v for v in grid[start] if v), "")
        skipped.append({"row": start + 1, "reason": f"标题行已跳过: {text}"})
        start += 1
    if start >= len(grid):
        raise TableError("the file has no header row; the first row must name the columns")

    if header_rows is None:
        header_rows = 2 if _has_two_row_header(grid, start, merged) else 1
    header = _header(grid, start, header_rows, width)
    first_data = start + header_rows

    rows: list[list[str | None]] = []
    kept_numeric: set[tuple[int, int]] = set()
    for r in range(first_data, len(grid)):
        row = grid[r] + [None] * (width - len(grid[r]))
        if not any(row):
            continue
        if _is_total_row(row):
            skipped.append({"row": r + 1, "reason": f"合计行已跳过: {' '.join(v for v in row if v)}"})
            continue
        index = len(rows)
        rows.append(row[: len(header)])
        kept_numeric.update((index, c) for c in range(len(header)) if (r, c) in numeric)
    return Table(
        columns=header, rows=rows, encoding=encoding, skipped=skipped, numeric_cells=kept_numeric
    )


def _is_title_row(row: list[str | None], r: int, merged: dict, width: int) -> bool:
    filled = [v for v in row if v]
    # Merged children were filled from their anchor, so a merged title repeats one value.
    if len(set(filled)) != 1 or width <= 2:
        return False
    box = merged.get((r, next(i for i, v in enumerate(row) if v)))
    if box is not None and box[3] - box[1] + 1 >= max(2, width - 1):
        return True
    # An unmerged lone title in CSV exports: one long cell over an otherwise empty row.
    return len(filled) == 1 and len(filled[0]) >= 8 and not merged


def _has_two_row_header(grid: list[list[str | None]], start: int, merged: dict) -> bool:
    row = grid[start]
    for c, value in enumerate(row):
        box = merged.get((start, c))
        if value and box and box[0] == start and box[2] == start and box[3] > box[1]:
            return start + 1 < len(grid)
    return False


def _header(grid: list[list[str | None]], start: int, header_rows: int, width: int) -> list[str]:
    names: list[str] = []
    for c in range(width):
        parts: list[str] = []
        for r in range(start, start + header_rows):
            value = grid[r][c] if c < len(grid[r]) else None
            if value and value not in parts:
                parts.append(value)
        names.append("_".join(parts) if parts else f"列{c + 1}")
    while names and names[-1].startswith("列") and all(
        (len(row) <= len(names) - 1 or not row[len(names) - 1]) for row in grid[start:]
    ):
        names.pop()
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            seen[name] += 1
            names[i] = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
    return names


def _is_total_row(row: list[str | None]) -> bool:
    first = next((v for v in row if v), "")
    return first.replace(" ", "") in _TOTAL_WORDS or first.startswith(("合计", "总计"))
