"""Profiles (画像) of a grid and of a grid worker, read from the database, and their XLSX.

A grid's profile: area, counts of houses, residents and enterprises where the address base
has been linked (``未接入`` until then), cases by category and month, its worker(s), the
generated unit workload, and the expected monthly hours from
:func:`civicgrid.grids.workload.estimate_workload` with every part explained. Weights are
the library defaults unless the setting ``grid_workload_weights`` names a JSON file of
overrides. Cases per month are the average over the last ``months`` months.

A grid worker's profile: their grids, the cases received in those grids while assigned,
timeliness (on-time closure and response), satisfaction, reopen rate, and the monthly trend.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from civicgrid.accounts.models import User
from civicgrid.cases.models import Case
from civicgrid.errors import NotFound
from civicgrid.grids.models import GridUnit, GridWorker
from civicgrid.grids.versions import grid_shape, today
from civicgrid.grids.workload import GridProfile, WorkloadWeights, estimate_workload, load_weights
from civicgrid.jurisdiction.models import Category, Region

log = logging.getLogger(__name__)

NOT_LINKED = "未接入"
# Address-base tables counted per grid when they exist and carry a grid_code column.
LINKED_TABLES = {"houses": "houses", "population": "residents", "enterprises": "enterprises"}


def weights_from(path: Path | None) -> WorkloadWeights:
    """The configured workload weights (defaults when no file is set)."""
    return load_weights(path)


def _linked_count(session: Session, table: str, grid_code: str) -> int | str:
    inspector = inspect(session.get_bind())
    if not inspector.has_table(table):
        return NOT_LINKED
    if "grid_code" not in {c["name"] for c in inspector.get_columns(table)}:
        return NOT_LINKED
    from sqlalchemy import column, table as table_of

    rows = table_of(table, column("grid_code"))
    return int(session.scalar(
        select(func.count()).select_from(rows).where(rows.c.grid_code == grid_code)) or 0)


def workers_of(session: Session, grid_code: str, on: dt.date | None = None) -> list[dict]:
    """Grid workers serving a grid on a day: assignments, else accounts scoped to the grid."""
    on = on or today()
    rows = session.execute(
        select(GridWorker, User).join(User, User.id == GridWorker.user_id).where(
            GridWorker.grid_code == grid_code, GridWorker.since <= on,
            (GridWorker.until.is_(None)) | (GridWorker.until >= on))
    ).all()
    found = [{"user_id": u.id, "name": u.display_name, "since": w.since.isoformat()}
             for w, u in rows]
    if found:
        return found
    users = session.scalars(select(User).where(
        User.role == "grid_worker", User.region_code == grid_code, User.active.is_(True)))
    return [{"user_id": u.id, "name": u.display_name, "since": None} for u in users]


def _workload_key(category: Category | None, categories: dict[str, Category],
                  weights: WorkloadWeights) -> str:
    """The most specific category name that has an hour rate, else the second-level name."""
    chain: list[Category] = []
    while category is not None:
        chain.append(category)
        category = categories.get(category.parent_code) if category.parent_code else None
    for item in chain:
        if item.name in weights.case_hours:
            return item.name
    second = [c for c in chain if c.level == 2]
    return second[0].name if second else (chain[-1].name if chain else "未分类")


def _month(day: dt.date | None) -> str:
    return day.strftime("%Y-%m") if day else "未知"


def _case_counts(
    session: Session, code: str, weights: WorkloadWeights, months: int,
) -> tuple[dict[str, Any], Counter[str]]:
    """Cases of a grid by category and month, and the last ``months`` months' cases counted
    under the category names the workload weights know."""
    categories = {c.code: c for c in session.scalars(select(Category))}
    rows = session.execute(select(Case.category_code, Case.received_on).where(
        Case.grid_code == code)).all()
    by_category: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    table: dict[str, Counter[str]] = defaultdict(Counter)
    since = today() - dt.timedelta(days=30 * months)
    recent: Counter[str] = Counter()
    for category_code, received_on in rows:
        name = categories[category_code].name if category_code in categories else "未分类"
        by_category[name] += 1
        by_month[_month(received_on)] += 1
        table[name][_month(received_on)] += 1
        if received_on and received_on >= since:
            recent[_workload_key(categories.get(category_code), categories, weights)] += 1
    return {"total": len(rows), "by_category": dict(by_category.most_common()),
            "by_month": dict(sorted(by_month.items())),
            "by_category_month": {k: dict(sorted(v.items())) for k, v in table.items()}}, recent


def grid_profile(
    session: Session, code: str, *, weights: WorkloadWeights | None = None, months: int = 3,
) -> dict[str, Any]:
    """Everything known about one grid, with its workload explained part by part."""
    shape = grid_shape(session, code)
    weights = weights or WorkloadWeights()
    names = {r.code: r.name for r in session.scalars(select(Region).where(
        Region.code.in_([code, shape.community_code, shape.street_code])))}
    case_counts, recent = _case_counts(session, code, weights, months)
    counts = {key: _linked_count(session, t, code) for key, t in LINKED_TABLES.items()}
    profile = GridProfile(
        grid_id=code, area_km2=shape.area_m2 / 1e6,
        houses=counts["houses"] if isinstance(counts["houses"], int) else 0,
        enterprises=counts["enterprises"] if isinstance(counts["enterprises"], int) else 0,
        cases_by_category={k: round(v / months, 3) for k, v in recent.items()},
    )
    estimate = estimate_workload(profile, weights)
    unit_load = session.scalar(select(func.sum(GridUnit.workload)).where(
        GridUnit.grid_code == code))
    return {
        "code": code, "name": shape.name or names.get(code, code), "generated": shape.generated,
        "version_id": shape.version_id,
        "community": {"code": shape.community_code, "name": names.get(shape.community_code)},
        "street": {"code": shape.street_code, "name": names.get(shape.street_code)},
        "area_m2": round(shape.area_m2, 1), "area_km2": round(shape.area_m2 / 1e6, 4),
        "counts": counts,
        "cases": case_counts,
        "workers": workers_of(session, code),
        "workload": {**estimate.to_dict(), "window_months": months,
                     "not_linked": [k for k, v in counts.items() if v == NOT_LINKED],
                     "weights": weights.to_dict()},
        "unit_workload": {"hours": round(float(unit_load), 2) if unit_load else None,
                          "generated": True,
                          "note": "sum of the generated workloads of its atomic units"},
    }


def _assignments(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(select(GridWorker).where(GridWorker.user_id == user.id)
                           .order_by(GridWorker.since))
    found = [{"grid_code": w.grid_code, "since": w.since, "until": w.until} for w in rows]
    if not found and user.region_code:
        found = [{"grid_code": user.region_code, "since": None, "until": None}]
    return found


def worker_profile(session: Session, user_id: int) -> dict[str, Any]:
    """A grid worker's grids and how the cases in them were handled, with the monthly trend."""
    user = session.get(User, user_id)
    if user is None or user.role != "grid_worker":
        raise NotFound(f"user {user_id} is not a grid worker", field="user_id", value=user_id)
    assignments = _assignments(session, user)
    handled: list[Case] = []
    for item in assignments:
        query = select(Case).where(Case.grid_code == item["grid_code"])
        if item["since"]:
            query = query.where(Case.received_on >= item["since"])
        if item["until"]:
            query = query.where(Case.received_on <= item["until"])
        handled += list(session.scalars(query))
    months: dict[str, list[Case]] = defaultdict(list)
    for case in handled:
        months[_month(case.received_on)].append(case)
    return {
        "user_id": user.id, "name": user.display_name,
        "grids": [{**a, "since": a["since"].isoformat() if a["since"] else None,
                   "until": a["until"].isoformat() if a["until"] else None}
                  for a in assignments],
        "summary": _rates(handled),
        "trend": [{"month": m, **_rates(items)} for m, items in sorted(months.items())],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rates(items: list[Case]) -> dict[str, Any]:
    closed = [c for c in items if c.closed_at is not None]
    timed = [c for c in closed if c.closed_on_time is not None]
    responded = [c for c in items if c.responded_on_time is not None]
    rated = [c for c in items if c.satisfaction]
    return {
        "cases": len(items), "closed": len(closed),
        "on_time_rate": _share(sum(bool(c.closed_on_time) for c in timed), len(timed)),
        "response_rate": _share(sum(bool(c.responded_on_time) for c in responded),
                                len(responded)),
        "satisfaction_rate": _share(
            sum(c.satisfaction in ("satisfied", "basic") for c in rated), len(rated)),
        "reopen_rate": _share(sum((c.reopen_count or 0) > 0 for c in items), len(items)),
    }


def grid_workbook(profile: dict[str, Any]) -> bytes:
    """The grid profile as an XLSX file (overview, cases by category and month, workload)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "概况"
    for key, value in [("网格编码", profile["code"]), ("网格名称", profile["name"]),
                       ("社区", profile["community"]["name"]), ("街道", profile["street"]["name"]),
                       ("面积(m²)", profile["area_m2"]), ("生成数据", profile["generated"]),
                       *[(k, v) for k, v in profile["counts"].items()],
                       ("网格员", "、".join(w["name"] for w in profile["workers"])),
                       ("月工作量(小时)", profile["workload"]["total_hours"])]:
        sheet.append([key, value])
    months = sorted({m for row in profile["cases"]["by_category_month"].values() for m in row})
    cases = book.create_sheet("诉求类别×月份")
    cases.append(["类别", *months, "合计"])
    for name, row in profile["cases"]["by_category_month"].items():
        cases.append([name, *[row.get(m, 0) for m in months], sum(row.values())])
    parts = book.create_sheet("工作量构成")
    parts.append(["部分", "明细", "数量", "单位工时", "小时", "依据"])
    for part in profile["workload"]["parts"]:
        parts.append([part["name"], part["detail"], part["quantity"], part["rate"],
                      part["hours"], part["basis"]])
    return _bytes(book)


def worker_workbook(profile: dict[str, Any]) -> bytes:
    """The grid worker's profile as an XLSX file (grids, summary, monthly trend)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "概况"
    sheet.append(["网格员", profile["name"]])
    for grid in profile["grids"]:
        sheet.append(["网格", grid["grid_code"], grid["since"], grid["until"]])
    for key, value in profile["summary"].items():
        sheet.append([key, value])
    trend = book.create_sheet("月度趋势")
    columns = ["cases", "closed", "on_time_rate", "response_rate", "satisfaction_rate",
               "reopen_rate"]
    trend.append(["month", *columns])
    for row in profile["trend"]:
        trend.append([row["month"], *[row[c] for c in columns]])
    return _bytes(book)


def _bytes(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def assign_worker(
    session: Session, *, user_id: int, grid_code: str, since: dt.date | None = None,
) -> GridWorker:
    """Assign a grid worker to a grid from ``since``; their open assignment ends the day before."""
    user = session.get(User, user_id)
    if user is None or user.role != "grid_worker":
        raise NotFound(f"user {user_id} is not a grid worker", field="user_id", value=user_id,
                       fix="give a user id of role grid_worker")
    region = session.get(Region, grid_code)
    if region is None or region.level != "grid":
        raise NotFound(f"{grid_code!r} is not a grid of the pack", field="grid_code",
                       value=grid_code)
    since = since or today()
    for open_row in session.scalars(select(GridWorker).where(
            GridWorker.user_id == user_id, GridWorker.until.is_(None))):
        open_row.until = since - dt.timedelta(days=1)
    row = GridWorker(user_id=user_id, grid_code=grid_code, since=since)
    session.add(row)
    session.flush()
    return row
