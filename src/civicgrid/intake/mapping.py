"""Column mappings for bulk import: which column of a file fills which case field.

A mapping names, for some of :data:`IMPORT_FIELDS`, the exact header of the column that
fills it, plus the time zone of times written without one. Mappings are saved by name
(table ``import_mappings``) and reused; the presets below describe the real public files
the project is tested with and can be used by name without saving:

========================  =========================================================
preset                    file
========================  =========================================================
``tipdm-messages``        泰迪杯 2020 C attachment 3 (messages with likes)
``tipdm-replies``         泰迪杯 2020 C attachment 4 (messages with official replies)
``shangluo-mailbox``      商洛市长信箱 2012–2022 (letters, replies, replying agency)
``sf311``                 San Francisco 311 sample (UTC times, coordinates, agencies)
``nyc311``                New York 311 half day (local New York times, due dates)
========================  =========================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.intake.files import Table, TableError
from civicgrid.intake.models import ImportMapping

IMPORT_FIELDS: tuple[str, ...] = (
    "source_id", "title", "text", "time", "reporter", "phone", "address", "lat", "lon",
    "category", "unit", "status", "reply", "reply_time", "closed_time", "due_time",
)
TIME_FIELDS = ("time", "reply_time", "closed_time", "due_time")
DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass
class ColumnMapping:
    """Field → column header, and how to read the file's times."""

    fields: dict[str, str]
    name: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    header_rows: int | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(
                f"unknown time zone {self.timezone!r}", field="timezone", value=self.timezone,
                fix="use an IANA name such as Asia/Shanghai or America/New_York",
            ) from None

    def check_fields(self) -> None:
        """Refuse unknown field names and a mapping that fills neither text nor title."""
        unknown = [name for name in self.fields if name not in IMPORT_FIELDS]
        if unknown:
            raise ValidationFailed(
                f"unknown import field(s): {', '.join(unknown)}", field="map", value=unknown,
                allowed=list(IMPORT_FIELDS), fix="use only the listed field names",
            )
        if "time" not in self.fields:
            raise ValidationFailed("the mapping must say which column holds the request time",
                                   field="time", value=None, fix="add --map time=<column>")
        if "text" not in self.fields and "title" not in self.fields:
            raise ValidationFailed("the mapping must fill text or title", field="text",
                                   value=None, fix="add --map text=<column>")

    def columns_in(self, table: Table) -> dict[str, int]:
        """Field → column index in ``table``; TableError naming every missing column."""
        missing = [f"{name}={col}" for name, col in self.fields.items() if col not in table.columns]
        if missing:
            raise TableError(
                "文件中没有映射的列 / mapped columns not in the file: " + ", ".join(missing)
                + "；文件的列为 / the file's columns are: " + ", ".join(table.columns)
            )
        return {name: table.columns.index(col) for name, col in self.fields.items()}


PRESETS: dict[str, ColumnMapping] = {
    "tipdm-messages": ColumnMapping(name="tipdm-messages", fields={
        "source_id": "留言编号", "reporter": "留言用户", "title": "留言主题",
        "time": "留言时间", "text": "留言详情",
    }),
    "tipdm-replies": ColumnMapping(name="tipdm-replies", fields={
        "source_id": "留言编号", "reporter": "留言用户", "title": "留言主题",
        "time": "留言时间", "text": "留言详情", "reply": "答复意见", "reply_time": "答复时间",
    }),
    "shangluo-mailbox": ColumnMapping(name="shangluo-mailbox", fields={
        "source_id": "mail_id", "title": "title", "text": "query", "time": "query_date",
        "reply": "reply", "reply_time": "reply_date", "unit": "reply_agency",
    }),
    "sf311": ColumnMapping(name="sf311", timezone="UTC", fields={
        "source_id": "unique_key", "time": "created_date", "closed_time": "closed_date",
        "status": "status", "reply": "status_notes", "reply_time": "resolution_action_updated_date",
        "unit": "agency_name", "category": "category", "title": "complaint_type",
        "text": "descriptor", "address": "incident_address", "lat": "latitude",
        "lon": "longitude",
    }),
    "nyc311": ColumnMapping(name="nyc311", timezone="America/New_York", fields={
        "source_id": "Unique Key", "time": "Created Date", "closed_time": "Closed Date",
        "unit": "Agency Name", "category": "Complaint Type", "title": "Complaint Type",
        "text": "Descriptor", "address": "Incident Address", "status": "Status",
        "due_time": "Due Date", "reply": "Resolution Description",
        "reply_time": "Resolution Action Updated Date", "lat": "Latitude", "lon": "Longitude",
    }),
}


def parse_map_options(pairs: list[str]) -> dict[str, str]:
    """``["time=留言时间", ...]`` as a dict; a pair without '=' is refused by name."""
    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise ValidationFailed(f"--map {pair!r} is not FIELD=COLUMN", field="map",
                                   value=pair, fix="write e.g. --map time=受理时间")
        fields[name.strip()] = column.strip()
    return fields


def _from_row(row: ImportMapping) -> ColumnMapping:
    options = dict(row.options or {})
    return ColumnMapping(
        name=row.name, fields=dict(row.fields),
        timezone=options.pop("timezone", DEFAULT_TIMEZONE),
        header_rows=options.pop("header_rows", None), options=options,
    )


def get_mapping(*, session: Session, name: str) -> ColumnMapping:
    """A saved mapping by name, else a preset; NotFound listing both otherwise."""
    row = session.scalar(select(ImportMapping).where(ImportMapping.name == name))
    if row is not None:
        return _from_row(row)
    if name in PRESETS:
        preset = PRESETS[name]
        return ColumnMapping(name=preset.name, fields=dict(preset.fields),
                             timezone=preset.timezone, header_rows=preset.header_rows)
    saved = list(session.scalars(select(ImportMapping.name)))
    raise NotFound(f"no mapping named {name!r}", field="mapping", value=name,
                   allowed=sorted(set(saved) | set(PRESETS)),
                   fix="save it first, or pass the columns with --map FIELD=COLUMN")


def all_mappings(*, session: Session) -> list[ColumnMapping]:
    """Saved mappings, then the presets not overridden by a saved one."""
    rows = session.scalars(select(ImportMapping).order_by(ImportMapping.name))
    saved = [_from_row(row) for row in rows]
    names = {m.name for m in saved}
    return saved + [m for n, m in PRESETS.items() if n not in names]


def save_mapping(*, session: Session, mapping: ColumnMapping) -> ImportMapping:
    """Create or replace the mapping saved under ``mapping.name``."""
    if not mapping.name:
        raise ValidationFailed("a saved mapping needs a name", field="name", value=None,
                               fix="give a short name such as hotline-2026")
    mapping.check_fields()
    _ = mapping.zone
    options = {**mapping.options, "timezone": mapping.timezone, "header_rows": mapping.header_rows}
    row = session.scalar(select(ImportMapping).where(ImportMapping.name == mapping.name))
    if row is None:
        row = ImportMapping(name=mapping.name, fields=dict(mapping.fields), options=options)
        session.add(row)
    else:
        row.fields, row.options = dict(mapping.fields), options
    session.flush()
    return row
