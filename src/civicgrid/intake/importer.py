"""Bulk import of historical hotline exports (CSV or XLSX) into cases.

Each data row becomes one case on the ``import`` channel whose timeline is rebuilt from the
row's own times, so that metrics and timelines are true to the data:

* ``create`` at the request time, naming the handling unit when the row gives one (the case
  is then 已分拨); ``reply`` at the reply time; ``close`` at the closing time (or the reply
  time when the file has no closing time).
* Exports do not record when a case was dispatched or accepted, so ``dispatched_at`` and
  ``accepted_at`` stay empty: the response rate, which needs them, is not computed from
  history instead of being invented (a unit is not punished for an unknown response).
* A row is closed when its status column says so (Closed, 已办结 …), or, when the file has
  no status column, when it carries a closing time or a reply. Closed history is recorded
  as 办结（未注明解决） (``closed_unconfirmed``): an export does not confirm that the problem was
  solved, so imported rows never inflate the resolved figures.
* The due time, when mapped, is the completion deadline; on-time and overdue flags follow.
* Categories and units the district pack does not know are kept as the source's words
  (``source_category`` / ``source_unit``) and queued in ``source_mappings`` for a person to
  map; a value already mapped there is applied.

History raises nothing live: no case event is published, so no notification, alert or
audit return fires (the lead's ``live=False`` rule, applied in bulk for speed).

Duplicates: a row whose source id (when mapped) was imported before, otherwise whose hash
over all mapped cells was, is counted and skipped; the key is kept in ``cases.source_id``:
``<mapping name>:<id>`` for a named mapping (so two sources whose ids collide stay apart),
the bare id for an ad-hoc ``--map`` import, and ``h:`` + hash when there is no source id.
Rows are written in batches, each in its own transaction, so a crash leaves only whole
batches and running the same import again resumes where it stopped. An invalid row is
reported with its row number (1-based data row), column and reason, and skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, column, insert, select, text, update
from sqlalchemy import values as values_clause
from sqlalchemy.orm import Session, sessionmaker

from civicgrid.cases import deadlines, states
from civicgrid.cases.models import Case, CaseEvent, CaseSequence, SourceMapping
from civicgrid.intake import values
from civicgrid.intake.files import Table, read_table
from civicgrid.intake.mapping import ColumnMapping
from civicgrid.jurisdiction.models import Category, Unit

log = logging.getLogger(__name__)

CHANNEL = "import"
ACTOR_NAME = "历史导入"
ID_HEADER_WORDS = ("身份证", "证件号")
Progress = Callable[[str], None]


@dataclass
class ImportReport:
    """What one import did; ``to_dict`` is the CLI's and the API's answer."""

    file: str
    encoding: str
    sheet: str | None
    rows: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    queued: dict[str, Counter] = field(default_factory=lambda: {"category": Counter(),
                                                                "unit": Counter()})
    batches: int = 0
    mapping: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "encoding": self.encoding, "sheet": self.sheet,
            "mapping": self.mapping, "rows": self.rows, "added": self.added,
            "duplicates": self.duplicates, "rejected": self.rejected,
            "skipped": self.skipped, "batches": self.batches,
            "queued": {kind: dict(counts.most_common()) for kind, counts in self.queued.items()},
        }


@dataclass
class _Lookup:
    """The pack's categories and units by code and name, and mapped source values."""

    categories: dict[str, str]
    units: dict[str, str]

    @classmethod
    def load(cls, session: Session) -> _Lookup:
        categories: dict[str, str] = {}
        for code, name, path in session.execute(
            select(Category.code, Category.name, Category.path).order_by(Category.level)
        ):
            categories.update({name: code, path: code, code: code})
        units: dict[str, str] = {}
        for code, name in session.execute(select(Unit.code, Unit.name)):
            units.update({name: code, code: code})
        for kind, raw, target in session.execute(
            select(SourceMapping.kind, SourceMapping.raw_value, SourceMapping.mapped_to)
            .where(SourceMapping.mapped_to.is_not(None))
        ):
            (categories if kind == "category" else units)[raw] = target
        return cls(categories=categories, units=units)


@dataclass
class _Row:
    """One valid data row, ready to be written."""

    number: int
    key: str
    case: dict[str, Any]
    events: list[dict[str, Any]]
    unknown: list[tuple[str, str]]


def import_file(
    *,
    factory: sessionmaker[Session],
    path: str | Path,
    mapping: ColumnMapping,
    sheet: str | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Read a CSV/XLSX file and import its rows (TableError if it cannot be read)."""
    table = read_table(path, sheet=sheet, header_rows=mapping.header_rows)
    return import_table(factory=factory, table=table, mapping=mapping, name=Path(path).name,
                        batch_size=batch_size, progress=progress, now=now)


def import_table(
    *,
    factory: sessionmaker[Session],
    table: Table,
    mapping: ColumnMapping,
    name: str = "table",
    batch_size: int = 1000,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Import the rows of an already read table, batch by batch."""
    mapping.check_fields()
    columns = mapping.columns_in(table)
    report = ImportReport(file=name, encoding=table.encoding, sheet=table.sheet,
                          rows=len(table.rows), skipped=list(table.skipped), mapping=mapping.name)
    now = now or dt.datetime.now(dt.UTC)
    with factory() as session:
        lookup = _Lookup.load(session)
    reader = _RowReader(table=table, columns=columns, mapping=mapping, lookup=lookup, now=now)
    seen: set[str] = set()
    for start in range(0, len(table.rows), batch_size):
        batch: list[_Row] = []
        for index in range(start, min(start + batch_size, len(table.rows))):
            row = reader.read(index, report)
            if row is None:
                continue
            if row.key in seen:
                report.duplicates += 1
                continue
            seen.add(row.key)
            batch.append(row)
        with factory() as session:
            added = _write_batch(session, batch, report)
            session.commit()
        report.added += added
        report.duplicates += len(batch) - added
        report.batches += 1
        if progress:
            done = min(start + batch_size, len(table.rows))
            progress(f"导入 {name}: {done}/{len(table.rows)} 行，新增 {report.added}，"
                     f"重复 {report.duplicates}，拒绝 {len(report.rejected)}")
    log.info("import of %s: %s added, %s duplicates, %s rejected", name, report.added,
             report.duplicates, len(report.rejected))
    return report


class _RowReader:
    """Turns one table row into a :class:`_Row`, or records why it was rejected."""

    def __init__(self, *, table: Table, columns: dict[str, int], mapping: ColumnMapping,
                 lookup: _Lookup, now: dt.datetime) -> None:
        self.table = table
        self.columns = columns
        self.mapping = mapping
        self.zone = mapping.zone
        self.lookup = lookup
        self.now = now
        self.id_columns = [i for i, name in enumerate(table.columns)
                           if any(word in name for word in ID_HEADER_WORDS)]

    def read(self, index: int, report: ImportReport) -> _Row | None:
        problems: list[dict[str, str]] = []
        row = self.table.rows[index]
        self._check_lost_digits(index, row, problems)
        cells = {name: (row[i] if i < len(row) else None) for name, i in self.columns.items()}
        parsed = self._parse(index, cells, problems)
        if problems:
            first = problems[0]
            entry = {"row": index + 1, "column": first["column"], "reason": first["reason"]}
            if self.table.sheet:
                entry["sheet"] = self.table.sheet
            if len(problems) > 1:
                entry["errors"] = problems
            report.rejected.append(entry)
            return None
        return self._build(index, cells, parsed, report)

    def _problem(self, problems: list, field_name: str, reason: str) -> None:
        column = self.mapping.fields.get(field_name, field_name)
        problems.append({"column": column, "field": field_name, "reason": reason})

    def _check_lost_digits(self, index: int, row: list[str | None], problems: list) -> None:
        if not self.table.numeric_cells:  # CSV: no number cells
            return
        for c, value in enumerate(row):
            if value is None or (index, c) not in self.table.numeric_cells:
                continue
            if values.lost_digits(value) or (c in self.id_columns and len(value) >= 15):
                where = f"工作表“{self.table.sheet}”" if self.table.sheet else "文件"
                problems.append({
                    "column": self.table.columns[c], "field": "",
                    "reason": f"{where}第 {index + 1} 行“{self.table.columns[c]}”列是数字单元格，"
                              "Excel 只保留 15 位有效数字，长号码（如身份证号）末几位已丢失；"
                              "请把该列设为文本后重新填写 (set the column to text)",
                })

    def _time(self, index: int, cells: dict, name: str, problems: list) -> dt.datetime | None:
        text = cells.get(name)
        if not text:
            return None
        column = self.columns[name]
        try:
            return values.parse_time(text, zone=self.zone,
                                     numeric=(index, column) in self.table.numeric_cells)
        except values.CellError as exc:
            self._problem(problems, name, str(exc))
            return None

    def _parse(self, index: int, cells: dict, problems: list) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for name in ("time", "reply_time", "closed_time", "due_time"):
            parsed[name] = self._time(index, cells, name, problems)
        if "time" in self.columns and not cells.get("time") :
            self._problem(problems, "time", "诉求时间为空")
        received = parsed["time"]
        for name, label in (("reply_time", "答复时间"), ("closed_time", "办结时间")):
            if received and parsed[name] and parsed[name] < received:
                self._problem(problems, name, f"{label}早于诉求时间（reply before request）")
        if not (cells.get("text") or cells.get("title")):
            self._problem(problems, "text", "诉求内容和标题都为空")
        if cells.get("phone"):
            try:
                parsed["phone"] = values.parse_phone(cells["phone"])
            except values.CellError as exc:
                self._problem(problems, "phone", str(exc))
        for name, low, high, label in (("lat", -90, 90, "纬度"), ("lon", -180, 180, "经度")):
            if cells.get(name):
                try:
                    parsed[name] = values.parse_coordinate(cells[name], lower=low, upper=high,
                                                           name=label)
                except values.CellError as exc:
                    self._problem(problems, name, str(exc))
        return parsed

    def _key(self, cells: dict[str, str | None]) -> str:
        source_id = cells.get("source_id")
        if source_id:
            key = f"{self.mapping.name}:{source_id}" if self.mapping.name else source_id
            if len(key) <= 64:
                return key
        text = json.dumps(cells, ensure_ascii=False, sort_keys=True)
        return "h:" + hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _build(self, index: int, cells: dict, parsed: dict, report: ImportReport) -> _Row:
        received: dt.datetime = parsed["time"]
        text = cells.get("text") or cells.get("title") or ""
        title = cells.get("title") or text.strip().splitlines()[0][:60]
        unknown: list[tuple[str, str]] = []
        category_code = unit_code = None
        if cells.get("category"):
            category_code = self.lookup.categories.get(cells["category"])
            if category_code is None:
                unknown.append(("category", cells["category"][:200]))
        if cells.get("unit"):
            unit_code = self.lookup.units.get(cells["unit"])
            if unit_code is None:
                unknown.append(("unit", cells["unit"][:200]))
        for kind, raw in unknown:
            report.queued[kind][raw] += 1
        case = {
            "channel": CHANNEL, "source_id": self._key(cells), "imported": True,
            "generated": False, "reporter_name": (cells.get("reporter") or None),
            "reporter_phone": parsed.get("phone"), "anonymous": False, "title": title[:200],
            "text": text, "location_text": (cells.get("address") or None),
            "lat": parsed.get("lat"), "lon": parsed.get("lon"),
            "category_code": category_code, "source_category": cells.get("category"),
            "lead_unit": unit_code, "source_unit": cells.get("unit"),
            "received_at": received, "completion_due": parsed.get("due_time"),
            "reply": cells.get("reply"),
        }
        events = self._history(case, cells, parsed)
        return _Row(number=index + 1, key=case["source_id"], case=case, events=events,
                    unknown=unknown)

    def _history(self, case: dict, cells: dict, parsed: dict) -> list[dict[str, Any]]:
        received: dt.datetime = parsed["time"]
        status = states.DISPATCHED if case["source_unit"] else states.RECEIVED
        events = [_event("create", None, status, received,
                         {"channel": CHANNEL, "source_id": case["source_id"],
                          "unit_code": case["lead_unit"], "source_unit": case["source_unit"]},
                         unit=case["lead_unit"])]
        case.update(dispatched_at=None, replied_at=None, closed_at=None, resolution=None,
                    closed_on_time=None, handling_days=None, overdue=False)
        closed = self._closed(cells, parsed)
        if case["reply"]:
            at = parsed["reply_time"] or parsed["closed_time"] or received
            case["replied_at"] = at
            events.append(_event("reply", status, states.REPLIED, at, {"reply": case["reply"]},
                                 unit=case["lead_unit"]))
            status = states.REPLIED
        if closed:
            at = parsed["closed_time"] or parsed["reply_time"] or received
            due = case["completion_due"]
            case.update(closed_at=at, resolution="closed_unconfirmed",
                        closed_on_time=None if due is None else at <= due,
                        handling_days=round((at - received).total_seconds() / 86400, 3))
            events.append(_event("close", status, states.CLOSED, at,
                                 {"resolution": "closed_unconfirmed",
                                  "source_status": cells.get("status"),
                                  "closed_on_time": case["closed_on_time"]},
                                 unit=case["lead_unit"]))
            status = states.CLOSED
        due = case["completion_due"]
        if due is not None:
            case["overdue"] = (case["closed_at"] or self.now) > due
        case["status"] = status
        return events

    def _closed(self, cells: dict, parsed: dict) -> bool:
        if "status" in self.columns and cells.get("status"):
            return values.is_closed_status(cells["status"])
        return bool(parsed["closed_time"] or cells.get("reply"))


def _event(kind: str, before: str | None, after: str, at: dt.datetime, payload: dict,
           unit: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "from_status": before, "to_status": after, "at": at,
            "actor_name": ACTOR_NAME, "unit_code": unit,
            "payload": {**payload, "imported": True}}


def _write_batch(session: Session, rows: list[_Row], report: ImportReport) -> int:
    """Insert the rows not imported before; returns how many were added."""
    if not rows:
        return 0
    keys = [row.key for row in rows]
    existing = _imported_before(session, keys)
    fresh = [row for row in rows if row.key not in existing]
    if not fresh:
        return 0
    numbers = _allocate_numbers(session, [row.case["received_at"] for row in fresh])
    now = dt.datetime.now(dt.UTC)
    params = [{**_CASE_DEFAULTS, **row.case, "number": number, "created_at": now,
               "updated_at": now} for row, number in zip(fresh, numbers, strict=True)]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_postgres(connection, fresh, params)
    else:
        cases_table = Case.__table__
        ids = connection.execute(
            insert(cases_table).returning(cases_table.c.id, sort_by_parameter_order=True), params
        ).scalars().all()
        events = [{**event, "case_id": case_id, "actor_id": None, "dedup_key": None}
                  for row, case_id in zip(fresh, ids, strict=True) for event in row.events]
        connection.execute(insert(CaseEvent.__table__), events)
    _queue_unknown(session, Counter(value for row in fresh for value in row.unknown))
    return len(fresh)


def _imported_before(session: Session, keys: list[str]) -> set[str]:
    """Which of these keys are already imported."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return set(session.scalars(
            select(Case.source_id).where(Case.channel == CHANNEL, Case.source_id.in_(keys))
        ))
    # Not a prepared statement: psycopg prepares a query after 5 runs, and the generic plan
    # made while the table was still empty scans the whole table in every later batch.
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute("SELECT source_id FROM cases WHERE channel = %s AND source_id = ANY(%s)",
                   (CHANNEL, keys), prepare=False)
    return {row[0] for row in cursor.fetchall()}


# Python-side defaults of the cases table, given explicitly so every row has every column.
_CASE_DEFAULTS: dict[str, Any] = {
    "priority": "normal", "extended_days": 0, "deadline_provisional": False, "overdue": False,
    "reopen_count": 0, "supervised": False, "version": 1, "generated": False,
    "anonymous": False, "imported": True,
}
_EVENT_COLUMNS = ("case_id", "kind", "from_status", "to_status", "actor_id", "actor_name",
                  "unit_code", "at", "payload", "dedup_key")


def _copy_postgres(connection: Any, rows: list[_Row], params: list[dict[str, Any]]) -> None:
    """PostgreSQL: ids from the sequence, then COPY cases and events (several times
    faster than multi-row INSERT on large imports)."""
    ids = connection.execute(
        text("SELECT nextval(pg_get_serial_sequence('cases', 'id')) "
             "FROM generate_series(1, :n)"), {"n": len(rows)}
    ).scalars().all()
    columns = ["id", *params[0].keys()]
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY cases ({', '.join(columns)}) FROM STDIN") as copy:
        for case_id, values_ in zip(ids, params, strict=True):
            copy.write_row([case_id, *values_.values()])
    with cursor.copy(f"COPY case_events ({', '.join(_EVENT_COLUMNS)}) FROM STDIN") as copy:
        for case_id, row in zip(ids, rows, strict=True):
            for event in row.events:
                copy.write_row([case_id, event["kind"], event["from_status"],
                                event["to_status"], None, event["actor_name"],
                                event["unit_code"], event["at"],
                                json.dumps(event["payload"], ensure_ascii=False), None])


def _allocate_numbers(session: Session, times: list[dt.datetime], prefix: str = "NS") -> list[str]:
    """Case numbers for these receipt times. Each day's block is reserved atomically by
    UPDATE … RETURNING: on PostgreSQL one UPDATE … FROM (VALUES …) per 500 days (a
    statement per day cost a network round trip each, the bottleneck of large imports)."""
    keys = [f"{prefix}{deadlines.local_date(t):%Y%m%d}" for t in times]
    counts = Counter(keys)
    table = CaseSequence.__table__
    connection = session.connection()
    names = list(counts)
    last: dict[str, int] = {}
    if connection.dialect.name == "postgresql":
        for start in range(0, len(names), 500):
            chunk = values_clause(column("k", String), column("n", Integer), name="v").data(
                [(key, counts[key]) for key in names[start:start + 500]]
            )
            reserved = connection.execute(
                update(table).where(table.c.key == chunk.c.k)
                .values(value=table.c.value + chunk.c.n).returning(table.c.key, table.c.value)
            ).all()
            last.update({key: value - counts[key] for key, value in reserved})
    else:  # SQLite has no VALUES column aliases; one local statement per day is cheap there
        for key in names:
            end = connection.execute(
                update(table).where(table.c.key == key)
                .values(value=table.c.value + counts[key]).returning(table.c.value)
            ).scalar()
            if end is not None:
                last[key] = end - counts[key]
    fresh = [{"key": key, "value": counts[key]} for key in names if key not in last]
    if fresh:
        connection.execute(insert(table), fresh)
        last.update({row["key"]: 0 for row in fresh})
    numbers = []
    for key in keys:
        last[key] += 1
        numbers.append(f"{key}{last[key]:06d}")
    return numbers


def _queue_unknown(session: Session, counts: Counter) -> None:
    for (kind, raw), count in counts.items():
        row = session.scalar(select(SourceMapping).where(SourceMapping.kind == kind,
                                                         SourceMapping.raw_value == raw))
        if row is None:
            session.add(SourceMapping(kind=kind, raw_value=raw, seen=count))
        else:
            row.seen += count
    session.flush()
