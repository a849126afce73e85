"""Public entry points of request understanding: ``suggest`` and the models it uses.

:func:`suggest` is what intake calls for every new case::

    models = SuggestionModels.from_folders(category=..., router=..., rules=...)
    result = suggest(text, received_at, models=models, region="南山街道")
    result.category.label, result.category.needs_triage   # 诉求分类 (or triage)
    result.facts.of_kind("address")                        # spans into the original text
    result.unit.unit, result.unit.evidence                 # 承办单位 suggestion
    result.priority                                        # "urgent" / "high" / "normal"

Everything runs offline by default. With an LLM client (``llm=client_from_settings(...)``)
the service also asks for a structured extraction and, when the offline category needs
triage, a second opinion; any LLM failure leaves the offline answer in place and is
recorded in ``Suggestions.llm`` (``{"used": ..., "fallback": "<reason>"}``).

Other public functions: :func:`~civicgrid.nlp.classifier.train_category_model`,
:func:`~civicgrid.nlp.routing.train_unit_router`, :func:`~civicgrid.nlp.facts.extract_facts`
and :func:`~civicgrid.nlp.repeats.find_repeats`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from civicgrid.llm.client import ChatClient, LLMUnavailable
from civicgrid.nlp.address_mentions import AddressFinder
from civicgrid.nlp.classifier import CategoryModel, CategoryPrediction, ModelFolderError, load_model
from civicgrid.nlp.facts import KeyFacts, extract_facts
from civicgrid.nlp.llm_opinion import extract_structured, second_opinion
from civicgrid.nlp.normalise import NormalisedText, normalise
from civicgrid.nlp.routing import RoutingRules, UnitRouter, UnitSuggestion, suggest_unit

log = logging.getLogger(__name__)


@dataclass
class SuggestionModels:
    """The trained models and rules ``suggest`` uses; any of them may be absent."""

    category: CategoryModel | None = None
    router: UnitRouter | None = None
    rules: RoutingRules | None = None

    @classmethod
    def from_folders(
        cls, *, category: Path | None = None, router: Path | None = None,
        rules: RoutingRules | None = None,
    ) -> SuggestionModels:
        """Load the model folders that exist; a missing one is logged and left out."""
        return cls(_load_if_present(category, "category"), _load_if_present(router, "routing"),
                   rules)


def _load_if_present(folder: Path | None, kind: str) -> Any:
    if folder is None:
        return None
    try:
        return load_model(folder, kind)
    except ModelFolderError as exc:
        log.info("no %s model used: %s", kind, exc)
        return None


@dataclass(frozen=True)
class Evidence:
    """Why a suggestion was made: the field, a short text and, if any, its original span."""

    field: str
    text: str
    start: int | None = None
    end: int | None = None


@dataclass
class Suggestions:
    """Everything understood about one request, with evidence for the console."""

    category: CategoryPrediction | None
    facts: KeyFacts
    unit: UnitSuggestion
    priority: str
    evidence: list[Evidence] = field(default_factory=list)
    llm: dict[str, Any] = field(default_factory=lambda: {"used": False, "fallback": None})
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; personal facts appear only masked (``display``)."""
        facts = [
            {"kind": f.kind, "display": f.display, "start": f.start, "end": f.end,
             "detail": f.detail, **({} if f.sensitive else {"value": f.value})}
            for f in self.facts.facts
        ]
        return {
            "category": self.category.as_dict() if self.category else None,
            "facts": facts, "unit": self.unit.as_dict(), "priority": self.priority,
            "evidence": [asdict(e) for e in self.evidence], "llm": self.llm,
            "notes": self.notes, "offsets": "unicode code points of the original text",
        }


def suggest(
    text: str | None,
    received_at: dt.datetime,
    *,
    models: SuggestionModels | None = None,
    region: str | None = None,
    llm: ChatClient | None = None,
    address_finder: AddressFinder | None = None,
    entity_backend: str = "rules",
) -> Suggestions:
    """Category, key facts, unit and priority for one request, with evidence.

    ``address_finder`` is the hook for the address parser (spans in the normalised text);
    ``entity_backend`` is ``rules`` (fast, default) or ``lac`` (extra ``nlp-models``).
    """
    models = models or SuggestionModels()
    body = text or ""
    notes: list[str] = []
    if len(body) > 50_000:
        notes.append(f"text of {len(body)} characters; facts read the first 50,000")
        body = body[:50_000]
    facts = extract_facts(body, received_at, address_finder=address_finder,
                          entity_backend=entity_backend)
    category = _category(models.category, body, notes)
    label = category.label if category and not category.needs_triage else None
    unit = suggest_unit(body, category=label, region=region, rules=models.rules,
                        router=models.router)
    result = Suggestions(category, facts, unit, facts.priority, notes=notes)
    result.evidence = _evidence(result, models.category, normalise(body))
    if llm is not None:
        _ask_llm(llm, body, result, models.category)
    return result


def _category(
    model: CategoryModel | None, text: str, notes: list[str]
) -> CategoryPrediction | None:
    if model is None:
        notes.append("no category model loaded; train one with 'civicgrid nlp train'")
        return None
    return model.predict([text])[0]


def _evidence(
    result: Suggestions, model: CategoryModel | None, norm: NormalisedText
) -> list[Evidence]:
    evidence = [
        Evidence("priority", f"{f.display}（{f.detail.get('phrase')}）", f.start, f.end)
        for f in result.facts.of_kind("hazard")
    ]
    category = result.category
    if model is not None and category is not None and category.label is not None:
        for term in model.engine.explain(norm.text, category.label, k=5):
            position = norm.text.find(term)
            if position >= 0:
                start, end = norm.original_span(position, position + len(term))
                evidence.append(Evidence("category", term, start, end))
    evidence.append(Evidence("unit", result.unit.evidence))
    return evidence


def _ask_llm(
    client: ChatClient, text: str, result: Suggestions, model: CategoryModel | None
) -> None:
    record: dict[str, Any] = {"used": True, "fallback": None}
    try:
        record["extraction"] = extract_structured(client, text)
        category = result.category
        if model is not None and category is not None and category.needs_triage \
                and category.label is not None:
            top = [label for label, _ in category.top3]
            record["second_opinion"] = second_opinion(client, text, model.labels, top)
    except LLMUnavailable as exc:
        record["fallback"] = str(exc)
        log.warning("LLM not used for this request, offline result kept: %s", exc)
    result.llm = record
