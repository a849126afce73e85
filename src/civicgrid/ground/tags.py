"""Key-group tags (重点人群打标): configured rules evaluated over people, vectorised.

A rule is ``{"code", "label", "all": [{"fact", "op", "value"}, ...]}``; it fires for a person
when every condition holds. Facts are columns computed once per evaluation with numpy:
``age``, ``household_size`` (people living in the same house), ``adults_in_household``,
``is_tenant`` (0/1) and ``days_since_arrival``. A fired rule becomes a *proposed* tag holding
the rule and the facts that fired it; it counts only after a person confirms it. Evaluating
again keeps reviewed tags that still fire and withdraws those that no longer do.
"""

from __future__ import annotations

import datetime as dt
import logging
import operator
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.db.core import utcnow
from civicgrid.errors import ValidationFailed
from civicgrid.ground.models import Person, Tag

log = logging.getLogger(__name__)

FACTS = ("age", "household_size", "adults_in_household", "is_tenant", "days_since_arrival")
OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
    "==": operator.eq, "!=": operator.ne,
}
UNKNOWN = -1  # a fact that cannot be computed (no birth date, no arrival date)


def check_rules(rules: list[dict[str, Any]]) -> None:
    """Raise ValidationFailed naming the rule and key of the first malformed rule."""
    for index, rule in enumerate(rules):
        for cond in rule.get("all") or []:
            if cond.get("fact") not in FACTS:
                raise ValidationFailed(f"rule {rule.get('code', index)}: unknown fact "
                                       f"{cond.get('fact')!r}", field="fact",
                                       value=cond.get("fact"), allowed=list(FACTS))
            if cond.get("op") not in OPS:
                raise ValidationFailed(f"rule {rule.get('code', index)}: unknown op",
                                       field="op", value=cond.get("op"), allowed=list(OPS))
        if not rule.get("code") or not rule.get("all"):
            raise ValidationFailed(f"rule {index} needs a code and conditions", field="code",
                                   fix='{"code": ..., "label": ..., "all": [...]}')


def fire(facts: dict[str, np.ndarray], rules: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """For each rule, the boolean mask of people it fires for (unknown facts never match)."""
    check_rules(rules)
    masks = {}
    for rule in rules:
        mask = np.ones(len(next(iter(facts.values()))), dtype=bool)
        for cond in rule["all"]:
            column = facts[cond["fact"]]
            mask &= OPS[cond["op"]](column, cond["value"]) & (column != UNKNOWN)
        masks[rule["code"]] = mask
    return masks


def compute_facts(*, birth_ordinal: np.ndarray, house: np.ndarray, tenant: np.ndarray,
                  arrival_ordinal: np.ndarray, today: dt.date) -> dict[str, np.ndarray]:
    """Fact columns from raw columns: ordinals of dates (0 = unknown), house ids as ints."""
    t = today.toordinal()
    known_birth = birth_ordinal > 0
    age = np.where(known_birth, ((t - birth_ordinal) / 365.2425).astype(np.int64), UNKNOWN)
    _, inverse, counts = np.unique(house, return_inverse=True, return_counts=True)
    adults = np.bincount(inverse, weights=(age >= 18).astype(np.int64)).astype(np.int64)
    days = np.where(arrival_ordinal > 0, t - arrival_ordinal, UNKNOWN)
    return {"age": age, "household_size": counts[inverse], "adults_in_household":
            adults[inverse], "is_tenant": tenant.astype(np.int64), "days_since_arrival": days}


def _load(session: Session, houses: Iterable[str] | None) -> list[Any]:
    query = select(Person.id, Person.house_code, Person.grid_code, Person.birth_date,
                   Person.tenure, Person.arrived_on).where(
        Person.left_on.is_(None), Person.merged_into.is_(None))
    if houses is not None:
        query = query.where(Person.house_code.in_(list(houses)))
    return list(session.execute(query))


def evaluate(*, session: Session, rules: list[dict[str, Any]], today: dt.date | None = None,
             houses: Iterable[str] | None = None) -> dict[str, int]:
    """Evaluate the rules over live people (or those of ``houses``) and sync the tags."""
    today = today or dt.date.today()
    houses = list(houses) if houses is not None else None
    rows = _load(session, houses)
    fired: dict[tuple[int, str], dict[str, Any]] = {}
    if rows:
        codes = {h: i for i, h in enumerate({r.house_code for r in rows})}
        facts = compute_facts(
            birth_ordinal=np.array([r.birth_date.toordinal() if r.birth_date else 0
                                    for r in rows]),
            house=np.array([codes[r.house_code] for r in rows]),
            tenant=np.array([r.tenure == "tenant" for r in rows]),
            arrival_ordinal=np.array([r.arrived_on.toordinal() if r.arrived_on else 0
                                      for r in rows]), today=today)
        for rule in rules:
            mask = fire(facts, [rule])[rule["code"]]
            used = [c["fact"] for c in rule["all"]]
            for i in np.flatnonzero(mask):
                fired[(rows[i].id, rule["code"])] = {
                    "rule": rule, "grid": rows[i].grid_code,
                    "facts": {f: int(facts[f][i]) for f in used}}
    # Tags in scope: everyone's, or those of anyone ever in ``houses`` (people who left or
    # were merged away lose their tags here).
    query = select(Tag).where(Tag.status != "withdrawn")
    if houses is not None:
        query = query.where(Tag.person_id.in_(
            select(Person.id).where(Person.house_code.in_(list(houses)))))
    return _sync_tags(session, fired, list(session.scalars(query)))


def _sync_tags(session: Session, fired: dict[tuple[int, str], dict[str, Any]],
               existing: list[Tag]) -> dict[str, int]:
    counts = {"proposed": 0, "kept": 0, "withdrawn": 0}
    for tag in existing:
        hit = fired.pop((tag.person_id, tag.rule), None)
        if hit is None:
            tag.status, tag.evaluated_at = "withdrawn", utcnow()
            counts["withdrawn"] += 1
        elif hit["facts"] != tag.facts:
            tag.facts, tag.grid_code, tag.evaluated_at = hit["facts"], hit["grid"], utcnow()
            counts["kept"] += 1
        else:
            counts["kept"] += 1
    for (person_id, code), hit in fired.items():
        explanation = {**hit["facts"], "_conditions": hit["rule"]["all"]}
        session.add(Tag(person_id=person_id, rule=code, label=hit["rule"].get("label", code),
                        grid_code=hit["grid"], facts=explanation))
        counts["proposed"] += 1
    session.flush()
    return counts


def review(*, session: Session, tag_id: int, decision: str, reviewer: str) -> Tag:
    """Confirm or reject a proposed tag; only confirmed tags count."""
    if decision not in ("confirmed", "rejected"):
        raise ValidationFailed(f"decision {decision!r} is not known", field="decision",
                               value=decision, allowed=["confirmed", "rejected"])
    tag = session.get(Tag, tag_id)
    if tag is None:
        from civicgrid.errors import NotFound

        raise NotFound(f"tag {tag_id} does not exist", field="tag_id", value=tag_id)
    tag.status, tag.reviewed_by, tag.reviewed_at = decision, reviewer, utcnow()
    session.flush()
    return tag


def counts_per_grid(*, session: Session) -> list[dict[str, Any]]:
    """Confirmed tags per grid and rule (what feeds the workload model)."""
    rows = session.execute(select(Tag.grid_code, Tag.rule, func.count())
                           .where(Tag.status == "confirmed")
                           .group_by(Tag.grid_code, Tag.rule).order_by(Tag.grid_code))
    return [{"grid_code": g, "rule": r, "count": n} for g, r, n in rows]
