"""Sync to the city (市区数据底座共享): incremental export and an idempotent outbound push.

The cursor is the id of :class:`~.models.Revision`, which orders every change; ``0`` means
everything. A record changed after the cursor is sent in its *current* state with its
``version``; the city keeps the highest version per record id, so sending again is harmless
(idempotent by record id and version). Fields are renamed to the city's standard by the
``sync_mapping`` of the ground configuration. People are never synced (the city's feed takes
buildings and houses, legal persons, grid workers, visits and building heads, not residents'
personal data).

Buildings and houses of the address base and grid workers keep no versions themselves; every
export, push and reconciliation first captures their changes (:mod:`.feed`), so they share
the same cursor. A mapped field may name a privacy rule: ``{"to": "LXDH", "privacy":
"masked"}`` sends a phone masked (the default for phones), ``"full"`` in clear (only where
the city's agreement allows it), ``"omit"`` not at all.

:func:`push` sends batches in cursor order and stores the cursor the city acknowledged after
each batch, so an interrupted push resumes after the last acknowledged batch; failures are
retried with back-off. :func:`reconcile` compares counts and checksums on both sides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.db.core import utcnow
from civicgrid.ground import feed
from civicgrid.ground.models import Revision, SyncState
from civicgrid.ground.records import RECORD_CLASSES
from civicgrid.ground.vault import Vault
from civicgrid.privacy.masking import mask_phone

log = logging.getLogger(__name__)

PRIVACY = ("masked", "full", "omit")
DELETED = "_deleted"  # marks a deletion among the records a type yields
_PERSONAL = {"phone", "phone_cipher"}  # fields sent masked unless the mapping says otherwise


def parse_cursor(value: str | int) -> int:
    """A cursor as given on the command line: a non-negative integer."""
    try:
        cursor = int(value)
    except ValueError:
        raise ValueError(
            f"--since {value!r} is no cursor; give 0 or a cursor printed by a previous export"
        ) from None
    if cursor < 0:
        raise ValueError(f"--since {cursor} is negative; give 0 for everything")
    return cursor


def _rule(field: str, target: str | dict[str, Any]) -> tuple[str, str | None]:
    """(city field name, privacy rule) of one mapped field."""
    if isinstance(target, str):
        return target, "masked" if field in _PERSONAL else None
    rule = target.get("privacy", "masked" if field in _PERSONAL else None)
    if rule is not None and rule not in PRIVACY:
        raise ValueError(
            f"sync_mapping field {field!r}: privacy {rule!r} is unknown; use "
            f"one of {', '.join(PRIVACY)}"
        )
    return target["to"], rule


def _personal(value: Any, rule: str | None, vault: Vault | None) -> Any:
    if value is None or rule is None:
        return value
    if vault is None:
        return None  # no key at hand: send nothing rather than ciphertext
    try:
        plain = vault.open(value)
    except ValueError:
        log.warning("a phone in the sync feed was sealed with another pii key; sent empty")
        return None
    return plain if rule == "full" else mask_phone(plain)


def map_record(record: Any, spec: dict[str, Any], vault: Vault | None = None) -> dict[str, Any]:
    """One record in the city's field names (only the mapped fields, privacy rules applied;
    a sealed field such as ``phone_cipher`` is opened with ``vault``)."""
    if isinstance(record, Mapping) and record.get(DELETED):
        return _deletion(record, spec)
    out = {}
    for field, target in spec["fields"].items():
        city, rule = _rule(field, target)
        if rule == "omit":
            continue
        value = record[field] if isinstance(record, Mapping) else getattr(record, field)
        if field.endswith("_cipher"):
            value = _personal(value, rule, vault)
        elif rule is not None:
            value = mask_phone(value) if rule == "masked" else value
        out[city] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


def _deletion(record: Mapping[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """A deleted record in the city's names: its id, its last version and the deletion flag
    (``deleted_field`` of the mapping, ``SCBZ`` 删除标志 by default)."""
    fields = spec["fields"]
    out = {_rule(f, fields[f])[0]: record[f] for f in ("id", "version") if f in fields}
    return out | {spec.get("deleted_field", "SCBZ"): True}


def _records(
    session: Session, record_type: str, ids: Any, chunk: int = 5000
) -> Iterator[tuple[int, int, Any]]:
    """(id, version, record) of the records of ``record_type`` whose id is in ``ids`` (a list
    or a subquery), in id order, streamed."""
    if record_type in RECORD_CLASSES:
        cls = RECORD_CLASSES[record_type]
        query = select(cls).where(cls.id.in_(ids)).order_by(cls.id)
        for record in session.scalars(query.execution_options(yield_per=chunk)):
            yield record.id, record.version, record
        return
    id_column, query = feed.current_query(record_type)
    query = query.where(id_column.in_(ids)).order_by(id_column)
    for row in session.execute(query.execution_options(yield_per=chunk)).mappings():
        yield row["id"], row["version"], row
    for record_id, version in feed.tombstones(session=session, record_type=record_type, ids=ids):
        yield record_id, version, {"id": record_id, "version": version, DELETED: True}


def _changed(
    session: Session, record_type: str, since: int, upto: int, chunk: int = 5000
) -> Iterator[tuple[int, int, Any]]:
    ids = select(Revision.record_id).where(
        Revision.record_type == record_type, Revision.id > since, Revision.id <= upto
    )
    yield from _records(session, record_type, ids, chunk)


def _check_mapping(mapping: dict[str, Any]) -> None:
    for record_type, spec in mapping.items():
        if record_type == "person":
            raise ValueError(
                "sync_mapping has record type 'person'; residents' records are never sent to "
                "the city: remove it from the mapping"
            )
        if record_type not in RECORD_CLASSES and record_type not in feed.FEED_TYPES:
            known = sorted(RECORD_CLASSES) + list(feed.FEED_TYPES)
            raise ValueError(
                f"sync_mapping has record type {record_type!r}; use one of {', '.join(known)}"
            )
        for field, target in spec["fields"].items():
            _rule(field, target)


def capture(*, session: Session, mapping: dict[str, Any]) -> dict[str, int]:
    """Capture changes of the mapped records kept outside ground data, committed so the
    revision ids (the cursor) are final before anything is exported or sent."""
    _check_mapping(mapping)
    types = [t for t in mapping if t in feed.FEED_TYPES]
    counts = feed.capture(session=session, record_types=types) if types else {}
    if any(counts.values()):
        session.commit()
    return counts


def export(
    *,
    session: Session,
    since: int,
    out_dir: Path,
    mapping: dict[str, Any],
    vault: Vault | None = None,
) -> dict[str, Any]:
    """Write ``out_dir/<record type>.jsonl`` with every record changed after ``since``;
    returns the new cursor and the line count per file."""
    captured = capture(session=session, mapping=mapping)
    upto = session.scalar(select(func.max(Revision.id))) or 0
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for record_type, spec in mapping.items():
        name = spec["record_type"]
        count = 0
        with (out_dir / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for _id, _version, record in _changed(session, record_type, since, upto):
                line = map_record(record, spec, vault)
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
            session.expunge_all()
        counts[name] = count
    return {"cursor": max(upto, since), "since": since, "counts": counts, "captured": captured}


def _batches(
    session: Session,
    after: int,
    mapping: dict[str, Any],
    size: int,
    vault: Vault | None = None,
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(last revision id, records) in revision order, each record in its current state."""
    while True:
        revs = session.execute(
            select(Revision.id, Revision.record_type, Revision.record_id)
            .where(Revision.id > after, Revision.record_type.in_(list(mapping)))
            .order_by(Revision.id)
            .limit(size)
        ).all()
        if not revs:
            return
        wanted: dict[str, set[int]] = {}
        for _rid, rtype, record_id in revs:
            wanted.setdefault(rtype, set()).add(record_id)
        records = []
        for rtype, ids in wanted.items():
            spec = mapping[rtype]
            for record_id, version, record in _records(session, rtype, sorted(ids)):
                records.append(
                    {
                        "type": spec["record_type"],
                        "id": record_id,
                        "version": version,
                        "deleted": isinstance(record, Mapping) and bool(record.get(DELETED)),
                        "data": map_record(record, spec, vault),
                    }
                )
        session.expunge_all()
        after = revs[-1][0]
        yield after, records


def acked_cursor(*, session: Session, target: str) -> int:
    """The last cursor ``target`` acknowledged (0 when never synced)."""
    state = session.get(SyncState, target)
    return state.acked_cursor if state else 0


def _send(
    client: httpx.Client, url: str, body: dict[str, Any], retries: int, backoff: float
) -> dict[str, Any]:
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            answer = client.post(url, json=body)
            if answer.status_code < 300:
                return answer.json()
            last = RuntimeError(f"city answered {answer.status_code}")
        except httpx.HTTPError as error:
            last = error
        log.warning(
            "sync batch up to %s failed (attempt %d): %s", body["cursor"], attempt + 1, last
        )
        time.sleep(backoff * (2**attempt))
    raise RuntimeError(f"sync to {url} failed after {retries + 1} attempts: {last}")


def push(
    *,
    session: Session,
    base_url: str,
    mapping: dict[str, Any],
    target: str = "city",
    batch_size: int = 500,
    retries: int = 3,
    backoff: float = 0.2,
    timeout: float = 10.0,
    vault: Vault | None = None,
) -> dict[str, Any]:
    """Send every change after the acknowledged cursor; commits the cursor per batch.
    Returns sent counts, the acknowledged cursor and, on failure, the error."""
    capture(session=session, mapping=mapping)
    start = acked_cursor(session=session, target=target)
    sent, batches, error = 0, 0, None
    with httpx.Client(timeout=timeout) as client:
        for cursor, records in _batches(session, start, mapping, batch_size, vault):
            try:
                answer = _send(
                    client,
                    f"{base_url}/records",
                    {"cursor": cursor, "records": records},
                    retries,
                    backoff,
                )
            except RuntimeError as exc:
                error = str(exc)
                break
            _ack(session, target, int(answer.get("acked", cursor)))
            sent, batches = sent + len(records), batches + 1
    return {
        "from": start,
        "acked": acked_cursor(session=session, target=target),
        "sent": sent,
        "batches": batches,
        "error": error,
    }


def _ack(session: Session, target: str, cursor: int) -> None:
    state = session.get(SyncState, target) or SyncState(target=target, acked_cursor=0)
    state.acked_cursor, state.acked_at = cursor, utcnow()
    session.add(state)
    session.commit()


def record_checksum(pairs: list[tuple[int, int]]) -> str:
    """An order-independent checksum of (record id, version) pairs (both sides use it)."""
    total = 0
    for record_id, version in pairs:
        digest = hashlib.sha256(f"{record_id}:{version}".encode()).hexdigest()
        total = (total + int(digest[:15], 16)) % (1 << 60)
    return f"{total:015x}"


def local_summary(*, session: Session, mapping: dict[str, Any]) -> dict[str, Any]:
    """Count and checksum of the records of each synced type on our side."""
    out = {}
    for record_type, spec in mapping.items():
        if record_type in RECORD_CLASSES:
            cls = RECORD_CLASSES[record_type]
            pairs = [(i, v) for i, v in session.execute(select(cls.id, cls.version))]
        else:
            pairs = feed.versions(session=session, record_type=record_type)
        out[spec["record_type"]] = {"count": len(pairs), "checksum": record_checksum(pairs)}
    return out


def reconcile(
    *, session: Session, base_url: str, mapping: dict[str, Any], timeout: float = 10.0
) -> dict[str, Any]:
    """Counts and checksums on both sides, per record type, and whether they match."""
    capture(session=session, mapping=mapping)
    local = local_summary(session=session, mapping=mapping)
    remote = httpx.get(f"{base_url}/reconcile", timeout=timeout).json()
    types = sorted(set(local) | set(remote))
    empty = {"count": 0, "checksum": record_checksum([])}
    rows = [
        {
            "record_type": t,
            "local": local.get(t, empty),
            "city": remote.get(t, empty),
            "match": local.get(t, empty) == remote.get(t, empty),
        }
        for t in types
    ]
    return {"types": rows, "match": all(r["match"] for r in rows)}
