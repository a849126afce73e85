"""Utility data: monthly gas and power usage per account, imported from the companies' files,
and the signals drawn from it.

A file (CSV or XLSX) holds columns ``account``, ``month`` (YYYY-MM), ``amount`` and
``house_code`` (or ``address``, kept for linking once the address matcher places it).
Importing again replaces the same (utility, account, month). Two signals:

* usage without registered residents: a house used at least the configured minimum in the
  latest month but has no live person registered;
* long-zero usage in an occupied house: a house with live people whose usage was zero for the
  configured number of latest months in a row.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from civicgrid.errors import ValidationFailed
from civicgrid.ground.models import Person, UtilityUsage
from civicgrid.intake.files import read_table

log = logging.getLogger(__name__)

UTILITIES = ("gas", "power")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _row(values: dict[str, str | None], line: int) -> dict[str, Any] | dict[str, str]:
    """A usage row, or a problem naming the row and field."""
    month = (values.get("month") or "").strip()
    if not _MONTH.fullmatch(month):
        return {"row": str(line), "field": "month", "value": month,
                "message": "month must be YYYY-MM"}
    try:
        amount = float((values.get("amount") or "").strip())
    except ValueError:
        return {"row": str(line), "field": "amount", "value": values.get("amount") or "",
                "message": "amount must be a number"}
    account = (values.get("account") or "").strip()
    if not account:
        return {"row": str(line), "field": "account", "value": "", "message": "no account"}
    return {"account": account, "month": month, "amount": amount,
            "house_code": (values.get("house_code") or "").strip() or None,
            "address": (values.get("address") or "").strip() or None}


def import_usage(*, session: Session, path: Path, utility: str,
                 generated: bool = False) -> dict[str, Any]:
    """Load one company's file; returns rows loaded and per-row problems."""
    if utility not in UTILITIES:
        raise ValidationFailed(f"utility {utility!r} is not known", field="utility",
                               value=utility, allowed=list(UTILITIES))
    table = read_table(path)
    for needed in ("account", "month", "amount"):
        table.column(needed)  # raises TableError naming the available columns
    loaded, problems = 0, []
    for line, raw in enumerate(table.rows, start=1):
        row = _row(dict(zip(table.columns, raw, strict=False)), line)
        if "message" in row:
            problems.append(row)
            continue
        session.execute(delete(UtilityUsage).where(
            UtilityUsage.utility == utility, UtilityUsage.account == row["account"],
            UtilityUsage.month == row["month"]))
        session.add(UtilityUsage(utility=utility, source=path.name, generated=generated, **row))
        loaded += 1
    session.flush()
    return {"loaded": loaded, "problems": problems, "unlinked": session.scalar(
        select(func.count()).select_from(UtilityUsage).where(UtilityUsage.house_code.is_(None)))}


def _occupied(session: Session) -> set[str]:
    return set(session.scalars(select(Person.house_code).where(
        Person.left_on.is_(None), Person.merged_into.is_(None)).distinct()))


def signals(*, session: Session, long_zero_months: int = 3,
            min_usage: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Houses with usage but no residents, and occupied houses with long-zero usage; each
    house is judged on its own latest months (billing cycles differ between accounts)."""
    min_usage = min_usage or {"gas": 5, "power": 30}
    occupied, found = _occupied(session), []
    for utility in UTILITIES:
        rows = session.execute(select(UtilityUsage.house_code, UtilityUsage.month,
                                      func.sum(UtilityUsage.amount))
                               .where(UtilityUsage.utility == utility,
                                      UtilityUsage.house_code.is_not(None))
                               .group_by(UtilityUsage.house_code, UtilityUsage.month)).all()
        usage: dict[str, dict[str, float]] = {}
        for house, month, amount in rows:
            usage.setdefault(house, {})[month] = float(amount)
        for house, by_month in sorted(usage.items()):
            months = sorted(by_month, reverse=True)[:long_zero_months]
            latest = by_month[months[0]]
            if house not in occupied and latest >= min_usage.get(utility, 0):
                found.append({"signal": "usage_without_residents", "utility": utility,
                              "house_code": house, "month": months[0], "amount": latest})
            elif (house in occupied and len(months) == long_zero_months
                  and all(by_month[m] == 0 for m in months)):
                found.append({"signal": "long_zero_usage", "utility": utility,
                              "house_code": house, "months": sorted(months)})
    return found
