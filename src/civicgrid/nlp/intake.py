"""Understanding wired into intake: every new live case gets its suggestions.

On a case's ``create`` event (live cases only; imported history is classified in bulk
after its import with :func:`classify_backlog`), :func:`on_case_created` runs
:func:`civicgrid.nlp.service.suggest` with the installation's trained models, maps the
predicted category and unit onto the pack, looks for repeats among the last seven days'
cases, raises the priority on hazard signals, and stores everything on
``Case.suggestions`` with the model versions. The dispatcher accepts or corrects the
category in the console (:func:`record_category_decision`); corrections are events and
become training data for the next ``civicgrid nlp retrain``.

Models live in ``<data_dir>/models/category`` and ``<data_dir>/models/routing``. With no
model trained yet, suggestions still carry the key facts, hazards and routing rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from civicgrid.cases import service as cases
from civicgrid.cases.events import CaseHappening, subscribe
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow import Actor
from civicgrid.jurisdiction import service as jurisdiction
from civicgrid.jurisdiction.models import Category
from civicgrid.nlp.repeats import RequestSketch, find_repeats
from civicgrid.nlp.service import SuggestionModels, suggest
from civicgrid.settings import Settings, settings_of

log = logging.getLogger(__name__)

PRIORITY_RAISE = {"high": "urgent", "urgent": "critical"}
_RANK = {"normal": 0, "urgent": 1, "critical": 2}
_models: dict[str, tuple[float, SuggestionModels]] = {}


def model_folders(settings: Settings) -> tuple[Path, Path]:
    """Where the category model and the unit router of this installation live."""
    base = settings.data_dir / "models"
    return base / "category", base / "routing"


def installed_models(settings: Settings) -> SuggestionModels:
    """The trained models, reloaded when a newer one is saved."""
    category, routing = model_folders(settings)
    stamp = max((p.stat().st_mtime for p in category.glob("*") if p.is_file()), default=0.0)
    stamp += max((p.stat().st_mtime for p in routing.glob("*") if p.is_file()), default=0.0)
    key = str(settings.data_dir.resolve())
    cached = _models.get(key)
    if cached is None or cached[0] != stamp:
        cached = (stamp, SuggestionModels.from_folders(category=category, router=routing))
        _models[key] = cached
    return cached[1]


def _reporter_hash(phone: str | None) -> str | None:
    return hashlib.sha256(phone.encode()).hexdigest()[:16] if phone else None


def _repeats(session: Session, case: Case) -> list[dict[str, Any]]:
    """Cases of the last seven days at the same place or from the same reporter that look
    like the same matter. Only those two kinds can be repeats, so only they are read."""
    same = [
        column == value
        for column, value in (
            (Case.location_text, case.location_text),
            (Case.grid_code, case.grid_code),
            (Case.reporter_phone, case.reporter_phone),
        )
        if value
    ]
    if not same:
        return []
    since = case.received_at - dt.timedelta(days=7)
    rows = session.execute(
        select(
            Case.number,
            Case.text,
            Case.received_at,
            Case.location_text,
            Case.grid_code,
            Case.reporter_phone,
            Case.category_code,
        )
        .where(Case.received_at >= since, Case.id != case.id, Case.status != "merged", or_(*same))
        .order_by(Case.id.desc())
        .limit(200)
    ).all()

    def sketch(number, text, received_at, location, grid, phone, category):  # noqa: ANN001, ANN202
        return RequestSketch(
            key=number,
            text=text,
            received_at=received_at,
            place_key=location or grid,
            reporter_hash=_reporter_hash(phone),
            category=category,
        )

    new = sketch(
        case.number,
        case.text,
        case.received_at,
        case.location_text,
        case.grid_code,
        case.reporter_phone,
        case.category_code,
    )
    found = find_repeats(new, [sketch(*row) for row in rows])
    return [
        {"number": r.key, "similarity": r.similarity, "reason": r.reason, "rule": r.rule}
        for r in found[:5]
    ]


def suggestions_for(session: Session, case: Case, settings: Settings) -> dict[str, Any]:
    """Category, facts, unit, priority and possible repeats for one case, as stored."""
    from civicgrid.llm.client import client_from_settings

    models = installed_models(settings)
    result = suggest(
        case.text,
        case.received_at,
        models=models,
        region=case.street_code,
        llm=client_from_settings(settings),
    )
    data = result.as_dict()
    units, categories = jurisdiction.names(session)
    label = data["category"]["label"] if data["category"] else None
    data["category_code"] = label if label in categories else None
    data["category_name"] = categories.get(label or "")
    routed = jurisdiction.route(
        session=session,
        category_code=case.category_code or data["category_code"],
        region_code=case.grid_code or case.street_code,
    )
    unit = routed or data["unit"].get("unit")
    data["unit_code"] = unit if unit in units else None
    data["unit_name"] = units.get(unit or "")
    data["unit_source"] = "routing rules" if routed else data["unit"].get("source")
    data["repeats"] = _repeats(session, case)
    data["triage"] = bool(data["category"] is None or data["category"].get("needs_triage"))
    data["generated_models"] = models.category is None
    return data


@subscribe(kinds={"create"}, live_only=True)
def on_case_created(session: Session, happening: CaseHappening) -> None:
    """Attach suggestions to each new live case and raise its priority on hazards."""
    if not happening.live or happening.event.kind != "create":
        return
    case = happening.case
    settings = settings_of(session)
    if not settings.intake_suggestions:
        return
    data = suggestions_for(session, case, settings)
    case.suggestions = data
    raised = PRIORITY_RAISE.get(data["priority"])
    if raised and _RANK[raised] > _RANK.get(case.priority, 0):
        cases.record_event(
            session=session,
            case=case,
            kind="priority_raised",
            payload={
                "from": case.priority,
                "to": raised,
                "hazards": [f["display"] for f in data["facts"] if f["kind"] == "hazard"],
            },
        )
        case.priority = raised
    session.flush()


def record_category_decision(
    *, session: Session, case: Case, actor: Actor, category_code: str
) -> CaseEvent | None:
    """The dispatcher accepts or corrects the category; the decision is training data."""
    suggested = (case.suggestions or {}).get("category_code")
    model = ((case.suggestions or {}).get("category") or {}).get("model_version")
    case.category_code = category_code
    return cases.record_event(
        session=session,
        case=case,
        kind="categorised",
        actor=actor,
        payload={
            "suggested": suggested,
            "chosen": category_code,
            "accepted": suggested == category_code,
            "model_version": model,
        },
    )


def training_rows(session: Session, *, limit: int = 200_000) -> tuple[list[str], list[str]]:
    """(texts, category codes) of cases whose category a person set or confirmed, plus
    categorised imported and generated history: the data for the next training run."""
    rows = session.execute(
        select(Case.text, Case.category_code)
        .where(Case.category_code.is_not(None))
        .order_by(Case.id.desc())
        .limit(limit)
    ).all()
    leaf = set(session.scalars(select(Category.code).where(Category.level == 3)))
    pairs = [(text, code) for text, code in rows if code in leaf]
    return [t for t, _ in pairs], [c for _, c in pairs]


def unit_rows(session: Session, *, limit: int = 200_000) -> tuple[list[str], list[str]]:
    """(texts, lead units) of dispatched cases: the router's training data."""
    rows = session.execute(
        select(Case.text, Case.lead_unit)
        .where(Case.lead_unit.is_not(None))
        .order_by(Case.id.desc())
        .limit(limit)
    ).all()
    return [t for t, _ in rows], [u for _, u in rows]


def retrain(session: Session, settings: Settings, *, min_rows: int = 50) -> dict[str, Any]:
    """Train the category model and the router from the cases in the database and save
    them in the data folder; says how many rows each used."""
    from collections import Counter

    from civicgrid.nlp.classifier import train_category_model
    from civicgrid.nlp.routing import train_unit_router

    category_dir, routing_dir = model_folders(settings)
    report: dict[str, Any] = {}
    for name, (texts, labels), folder, trainer in (
        ("category", training_rows(session), category_dir, train_category_model),
        ("routing", unit_rows(session), routing_dir, train_unit_router),
    ):
        counts = Counter(labels)
        keep = [i for i, label in enumerate(labels) if counts[label] >= 3]
        if len(keep) < min_rows or len({labels[i] for i in keep}) < 2:
            report[name] = {
                "trained": False,
                "rows": len(keep),
                "reason": f"fewer than {min_rows} usable rows or one class",
            }
            continue
        model = trainer([texts[i] for i in keep], [labels[i] for i in keep])
        model.save(folder)
        report[name] = {
            "trained": True,
            "rows": len(keep),
            "classes": len({labels[i] for i in keep}),
            "version": model.version,
            "folder": str(folder),
        }
    _models.clear()
    return report


def classify_backlog(session: Session, settings: Settings, *, limit: int = 5000) -> int:
    """Suggestions for open cases waiting for dispatch that have none (imported history
    after its import has committed, or the demo stream); returns how many got them."""
    query = select(Case).where(Case.status == "received", Case.suggestions.is_(None)).limit(limit)
    done = 0
    for case in session.scalars(query):
        case.suggestions = suggestions_for(session, case, settings)
        done += 1
    session.flush()
    return done
