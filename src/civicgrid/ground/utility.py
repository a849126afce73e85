"""Utility data: monthly gas and power usage per account, imported from the companies' files,
linked to houses of the address base through the address matcher, and the signals drawn
from it.

A file (CSV or XLSX) holds columns ``account``, ``month`` (YYYY-MM), ``amount`` and
``address`` as the company writes it (full-width digits, 座 for 栋, no district or street
prefix …). Each address is matched to the base with :mod:`civicgrid.addresses.matching`
(once per distinct text); the decision (``match``, ``review``, ``no_match``) and the
probability are kept with every row, and only an automatic match links the row to its house.
A row the matcher is unsure of or cannot place stays unlinked with the reason, and is listed
by :func:`unmatched` for a person to resolve. A file that already carries our ``house_code``
(an internal export) is linked by that code (decision ``house_code``).

Importing again replaces the same (utility, account, month). Two signals, on linked houses:

* usage without registered residents: a house used at least the configured minimum in the
  latest month but has nobody registered (no live person in ground data and no residents in
  the address base's register);
* long-zero usage in an occupied house: a house with registered residents whose usage was
  zero for the configured number of latest months in a row.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from civicgrid.addresses.models import AddressHouse
from civicgrid.errors import ValidationFailed
from civicgrid.ground.models import Person, UtilityUsage
from civicgrid.intake.files import read_table

log = logging.getLogger(__name__)

UTILITIES = ("gas", "power")
LINKED = ("match", "house_code")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _row(values: dict[str, Any], line: int) -> dict[str, Any]:
    """A usage row, or a problem naming the row and field."""
    month = str(values.get("month") or "").strip()
    if not _MONTH.fullmatch(month):
        return {
            "row": str(line),
            "field": "month",
            "value": month,
            "message": "month must be YYYY-MM",
        }
    try:
        raw = values.get("amount")
        amount = float(str("" if raw is None else raw).strip())
    except ValueError:
        return {
            "row": str(line),
            "field": "amount",
            "value": values.get("amount") or "",
            "message": "amount must be a number",
        }
    account = str(values.get("account") or "").strip()
    if not account:
        return {"row": str(line), "field": "account", "value": "", "message": "no account"}
    return {
        "account": account,
        "month": month,
        "amount": amount,
        "house_code": str(values.get("house_code") or "").strip() or None,
        "address": str(values.get("address") or "").strip() or None,
    }


class _Linker:
    """Matches usage addresses to the base, once per distinct address text."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, dict[str, Any]] = {}
        self._index: Any = None

    def link(self, row: dict[str, Any]) -> dict[str, Any]:
        """The house code, decision, probability and (when unlinked) reason of a row."""
        if row["house_code"]:
            return {
                "house_code": row["house_code"],
                "match_decision": "house_code",
                "match_probability": 1.0,
                "match_reason": None,
            }
        if not row["address"]:
            return {
                "house_code": None,
                "match_decision": "no_match",
                "match_probability": 0.0,
                "match_reason": "未提供地址：请填写账单上的地址",
            }
        if row["address"] not in self.known:
            self.known[row["address"]] = self._match(row["account"], row["address"])
        return self.known[row["address"]]

    def _match(self, account: str, address: str) -> dict[str, Any]:
        from civicgrid.addresses.placing import base_index

        if self._index is None:
            self._index = base_index(self.session)
        if not self._index.houses:
            return {
                "house_code": None,
                "match_decision": "no_match",
                "match_probability": 0.0,
                "match_reason": "标准地址库为空：请先导入地址库",
            }
        result = self._index.match_text(account, address)
        probability = round(result.probability, 4)
        if result.decision == "match":
            return {
                "house_code": result.code,
                "match_decision": "match",
                "match_probability": probability,
                "match_reason": None,
            }
        if result.decision == "review":
            reason = f"匹配不确定（p={probability}），候选房屋 {result.code}：请人工确认或更正地址"
        else:
            reason = "标准地址库中没有与该地址匹配的房屋"
        return {
            "house_code": None,
            "match_decision": result.decision,
            "match_probability": probability,
            "match_reason": reason[:200],
        }


def import_usage(
    *, session: Session, path: Path, utility: str, generated: bool = False
) -> dict[str, Any]:
    """Load one company's file; returns rows loaded, per-row problems and unmatched rows."""
    table = read_table(path)
    for needed in ("account", "month", "amount"):
        table.column(needed)  # raises TableError naming the available columns
    rows = (dict(zip(table.columns, raw, strict=False)) for raw in table.rows)
    return import_rows(
        session=session, rows=rows, utility=utility, source=path.name, generated=generated
    )


def import_rows(
    *,
    session: Session,
    rows: Iterable[dict[str, Any]],
    utility: str,
    source: str,
    generated: bool = False,
) -> dict[str, Any]:
    """Load usage rows (dicts with the file's columns), matching each address to a house."""
    if utility not in UTILITIES:
        raise ValidationFailed(
            f"utility {utility!r} is not known",
            field="utility",
            value=utility,
            allowed=list(UTILITIES),
        )
    linker = _Linker(session)
    loaded, problems, unlinked = 0, [], []
    for line, values in enumerate(rows, start=1):
        row = _row(values, line)
        if "message" in row:
            problems.append(row)
            continue
        match = linker.link(row)
        session.execute(
            delete(UtilityUsage).where(
                UtilityUsage.utility == utility,
                UtilityUsage.account == row["account"],
                UtilityUsage.month == row["month"],
            )
        )
        session.add(
            UtilityUsage(utility=utility, source=source, generated=generated, **(row | match))
        )
        loaded += 1
        if match["match_decision"] not in LINKED:
            unlinked.append(
                {
                    "row": line,
                    "account": row["account"],
                    "month": row["month"],
                    "address": row["address"],
                    **match,
                }
            )
    session.flush()
    decisions: dict[str, int] = {}
    for match in linker.known.values():
        decisions[match["match_decision"]] = decisions.get(match["match_decision"], 0) + 1
    log.info(
        "%s usage import from %s: %d rows, %d unlinked, %d problems",
        utility,
        source,
        loaded,
        len(unlinked),
        len(problems),
    )
    return {"loaded": loaded, "problems": problems, "unmatched": unlinked, "addresses": decisions}


def unmatched(
    *, session: Session, utility: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Accounts whose address is not linked to a house, with the matcher's reason (one line
    per utility, account and address; the latest month shown)."""
    shown = (
        UtilityUsage.utility,
        UtilityUsage.account,
        UtilityUsage.address,
        UtilityUsage.match_decision,
        UtilityUsage.match_probability,
        UtilityUsage.match_reason,
    )
    query = (
        select(*shown, func.max(UtilityUsage.month))
        .where(UtilityUsage.house_code.is_(None))
        .group_by(*shown)
        .order_by(UtilityUsage.utility, UtilityUsage.account)
        .limit(limit)
    )
    if utility:
        query = query.where(UtilityUsage.utility == utility)
    return [
        {
            "utility": u,
            "account": a,
            "address": addr,
            "match_decision": d,
            "match_probability": p,
            "reason": r,
            "latest_month": m,
        }
        for u, a, addr, d, p, r, m in session.execute(query)
    ]


def _occupied(session: Session) -> set[str]:
    """Houses with somebody registered: live people of ground data or the base's register."""
    people = set(
        session.scalars(
            select(Person.house_code)
            .where(Person.left_on.is_(None), Person.merged_into.is_(None))
            .distinct()
        )
    )
    register = set(session.scalars(select(AddressHouse.code).where(AddressHouse.residents > 0)))
    return people | register


def latest_usage(*, session: Session, utility: str) -> list[dict[str, Any]]:
    """Per linked account: its house, latest month and amount, address and match decision."""
    latest = (
        select(UtilityUsage.account, func.max(UtilityUsage.month).label("month"))
        .where(UtilityUsage.utility == utility, UtilityUsage.house_code.is_not(None))
        .group_by(UtilityUsage.account)
        .subquery()
    )
    rows = session.scalars(
        select(UtilityUsage)
        .join(
            latest,
            (UtilityUsage.account == latest.c.account) & (UtilityUsage.month == latest.c.month),
        )
        .where(UtilityUsage.utility == utility)
        .order_by(UtilityUsage.account)
    )
    return [
        {
            "account": r.account,
            "house_code": r.house_code,
            "month": r.month,
            "amount": r.amount,
            "address": r.address,
            "match_decision": r.match_decision,
            "match_probability": r.match_probability,
            "generated": r.generated,
        }
        for r in rows
    ]


def signals(
    *, session: Session, long_zero_months: int = 3, min_usage: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """Houses with usage but no residents, and occupied houses with long-zero usage; each
    house is judged on its own latest months (billing cycles differ between accounts)."""
    min_usage = min_usage or {"gas": 5, "power": 30}
    occupied, found = _occupied(session), []
    for utility in UTILITIES:
        rows = session.execute(
            select(UtilityUsage.house_code, UtilityUsage.month, func.sum(UtilityUsage.amount))
            .where(UtilityUsage.utility == utility, UtilityUsage.house_code.is_not(None))
            .group_by(UtilityUsage.house_code, UtilityUsage.month)
        ).all()
        usage: dict[str, dict[str, float]] = {}
        for house, month, amount in rows:
            usage.setdefault(house, {})[month] = float(amount)
        for house, by_month in sorted(usage.items()):
            months = sorted(by_month, reverse=True)[:long_zero_months]
            latest = by_month[months[0]]
            if house not in occupied and latest >= min_usage.get(utility, 0):
                found.append(
                    {
                        "signal": "usage_without_residents",
                        "utility": utility,
                        "house_code": house,
                        "month": months[0],
                        "amount": latest,
                    }
                )
            elif (
                house in occupied
                and len(months) == long_zero_months
                and all(by_month[m] == 0 for m in months)
            ):
                found.append(
                    {
                        "signal": "long_zero_usage",
                        "utility": utility,
                        "house_code": house,
                        "months": sorted(months),
                    }
                )
    return found
