"""Gas linkage: houses that use gas while nobody is registered there → verification tasks.

A gas company's customer list (reference, address text, monthly usage in m³) is matched to
the address base (:mod:`.matching`). Once gas usage has been imported into ground data
(:mod:`civicgrid.ground.utility`, already matched to houses), the check reads its customers
and their latest monthly usage from there (:func:`customers_for_check`) instead of a list of
its own; a list given explicitly still wins. Every customer matched automatically to a house whose
register of residents is empty (``residents`` 0 or unknown) and whose usage reaches
``min_usage`` becomes a :class:`~civicgrid.addresses.models.GasVerification` task assigned to
the grid worker serving the house's grid (:func:`civicgrid.grids.profiles.workers_of`); one
open task per house. Customers the matcher is unsure of go to the review queue of the report,
not to the workers. The worker feeds the result back (:func:`record_result`): residents
found (the register is updated), vacant, business use or other.

:func:`demo_customers` generates a customer list for the demo from the generated base,
labelled as generated, over homes (rooms in a unit; shops are business use), written the way
an outside list writes addresses (座 for 栋, lower case letters).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.addresses.matching import MatchResult, parts_of_text
from civicgrid.addresses.models import TASK_RESULTS, AddressBuilding, AddressHouse, GasVerification
from civicgrid.addresses.placing import base_index
from civicgrid.errors import NotFound, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

GENERATED_LABEL = "生成的燃气用户名单（非真实数据）"


def demo_customers(session: Session, *, seed: int = 20261204,
                   share: float = 0.6) -> list[dict[str, Any]]:
    """A generated gas customer list over the generated base (rooms only)."""
    rng = random.Random(seed)
    rows = session.execute(
        select(AddressHouse, AddressBuilding)
        .join(AddressBuilding, AddressHouse.building_id == AddressBuilding.id)
        .where(AddressHouse.generated.is_(True), AddressHouse.room.is_not(None),
               AddressHouse.unit.is_not(None))
        .order_by(AddressHouse.id)).all()
    customers = []
    for number, (house, building) in enumerate(rows, start=1):
        empty = not house.residents
        if rng.random() > (0.8 if empty else share):
            continue
        text = (f"{building.road}{building.road_number}号{building.estate}"
                f"{building.building_key}座{house.unit_key + '单元' if house.unit_key else ''}"
                f"{(house.room or '').lower()}")
        customers.append({"customer_ref": f"GAS{number:06d}", "address": text,
                          "usage_m3": round(rng.uniform(0.0, 30.0), 1), "generated": True})
    return customers


def ground_customers(session: Session) -> list[dict[str, Any]]:
    """Gas customers from ground utility data: each linked account's latest month, with the
    house the address matcher gave it at import (empty when no gas usage was imported)."""
    from civicgrid.ground.utility import latest_usage

    return [{"customer_ref": r["account"], "address": r["address"], "usage_m3": r["amount"],
             "month": r["month"], "house_code": r["house_code"],
             "probability": r["match_probability"], "generated": r["generated"]}
            for r in latest_usage(session=session, utility="gas")]


def customers_for_check(session: Session, *,
                        demo: bool = False) -> tuple[list[dict[str, Any]], str] | None:
    """The customers the check reads when no list is given, and where they came from:
    ground utility data once it exists, else the generated list for the demo, else None."""
    customers = ground_customers(session)
    if customers:
        return customers, "ground_utility"
    if demo:
        return demo_customers(session), "generated"
    return None


def link_customers(session: Session, customers: list[dict[str, Any]], *,
                   min_usage: float = 1.0) -> dict[str, Any]:
    """Match customers, open tasks for gas-using houses with nobody registered; a report.
    A customer carrying ``house_code`` (from ground utility data) is matched already."""
    from civicgrid.grids.profiles import workers_of

    index = base_index(session)
    open_houses = set(session.scalars(
        select(GasVerification.house_id).where(GasVerification.status == "open")))
    counts = {"customers": len(customers), "match": 0, "review": 0, "no_match": 0,
              "tasks_created": 0}
    review: list[dict[str, Any]] = []
    for number, row in enumerate(customers, start=1):
        usage = _usage(row, number)
        ref = str(row.get("customer_ref") or number)
        if row.get("house_code"):
            result = MatchResult(ref, "match", str(row["house_code"]),
                                 float(row.get("probability") or 1.0))
        else:
            result = index.match(parts_of_text(ref, str(row.get("address") or "")))
        counts[result.decision] += 1
        if result.decision == "review":
            review.append({"row": number, "customer_ref": row.get("customer_ref"),
                           "address": row.get("address"), "house_code": result.code,
                           "probability": result.probability})
        if result.decision != "match" or usage < min_usage:
            continue
        house = session.scalar(select(AddressHouse).where(AddressHouse.code == result.code))
        if house is None or house.residents or house.id in open_houses:
            continue
        workers = workers_of(session, house.grid_code) if house.grid_code else []
        session.add(GasVerification(
            house_id=house.id, customer_ref=str(row.get("customer_ref") or number),
            usage_m3=usage, grid_code=house.grid_code,
            assignee_id=workers[0]["user_id"] if workers else None))
        open_houses.add(house.id)
        counts["tasks_created"] += 1
    session.flush()
    log.info("gas linkage: %s", counts)
    return {**counts, "review_queue": review}


def _usage(row: dict[str, Any], number: int) -> float:
    try:
        return float(row.get("usage_m3") or 0.0)
    except (TypeError, ValueError):
        raise ValidationFailed(f"row {number}: usage_m3={row.get('usage_m3')!r} is not a number",
                               field="usage_m3", value=row.get("usage_m3"),
                               fix="give the monthly usage in m³ as a number") from None


def task_dict(session: Session, task: GasVerification) -> dict[str, Any]:
    """A task with its house's address for the console."""
    house = session.get(AddressHouse, task.house_id)
    return {"id": task.id, "house_code": house.code if house else None,
            "address": house.full_text if house else None, "customer_ref": task.customer_ref,
            "usage_m3": task.usage_m3, "grid_code": task.grid_code,
            "assignee_id": task.assignee_id, "status": task.status, "result": task.result,
            "residents_found": task.residents_found, "note": task.note,
            "done_at": task.done_at.isoformat() if task.done_at else None}


def list_tasks(session: Session, *, assignee_id: int | None = None,
               status: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Tasks, newest first; a grid worker's own when ``assignee_id`` is given."""
    query = select(GasVerification).order_by(GasVerification.id.desc()).limit(limit)
    if assignee_id is not None:
        query = query.where(GasVerification.assignee_id == assignee_id)
    if status:
        query = query.where(GasVerification.status == status)
    return [task_dict(session, t) for t in session.scalars(query)]


def record_result(session: Session, task_id: int, *, actor_id: int, actor_name: str,
                  actor_role: str, result: str, residents_found: int | None = None,
                  note: str | None = None) -> dict[str, Any]:
    """Feed back a worker's visit; residents found are written into the house's register."""
    task = session.get(GasVerification, task_id)
    if task is None:
        raise NotFound(f"gas verification task {task_id} does not exist", field="task_id",
                       value=task_id, fix="list tasks with GET /api/addresses/gas/tasks")
    if actor_role == "grid_worker" and task.assignee_id != actor_id:
        raise PermissionDenied("a grid worker may report only on their own tasks",
                               field="task_id", value=task_id)
    if result not in TASK_RESULTS:
        raise ValidationFailed(f"result={result!r} is unknown", field="result", value=result,
                               fix=f"use one of {', '.join(TASK_RESULTS)}")
    if result == "residents_found" and not residents_found:
        raise ValidationFailed("residents_found must be at least 1 with result residents_found",
                               field="residents_found", value=residents_found,
                               fix="give how many residents were found")
    task.status, task.result, task.note = "done", result, note
    task.residents_found = residents_found if result == "residents_found" else 0
    task.done_at, task.done_by = dt.datetime.now(dt.UTC), actor_name
    house = session.get(AddressHouse, task.house_id)
    if house is not None and result == "residents_found":
        house.residents = (house.residents or 0) + int(residents_found or 0)
    session.flush()
    return task_dict(session, task)


def summary(session: Session) -> dict[str, Any]:
    """Open and done tasks and the residents found so far."""
    tasks = list(session.scalars(select(GasVerification)))
    return {"open": sum(t.status == "open" for t in tasks),
            "done": sum(t.status == "done" for t in tasks),
            "residents_found": sum(t.residents_found or 0 for t in tasks)}
