"""``suggest``: the bundle intake receives for a new case."""

from __future__ import annotations

import datetime as dt

from civicgrid.nlp.routing import RoutingRules
from civicgrid.nlp.service import SuggestionModels, suggest

RECEIVED = dt.datetime(2026, 12, 4, 10, 30)
TEXT = "楼下烧烤店油烟太大😡每天开到凌晨2点，闻到煤气味，地址：南山区桂庙路12号"


def test_category_evidence_spans_point_at_the_original_text(category_model) -> None:
    result = suggest(TEXT, RECEIVED, models=SuggestionModels(category=category_model))
    spans = [e for e in result.evidence if e.field == "category"]
    assert spans and all(TEXT[e.start : e.end] == e.text for e in spans)


def test_hazard_makes_the_suggestion_urgent_with_evidence(category_model) -> None:
    result = suggest(TEXT, RECEIVED, models=SuggestionModels(category=category_model))
    assert result.priority == "urgent"
    assert any(e.field == "priority" and "煤气" in TEXT[e.start : e.end] for e in result.evidence)


def test_rule_routes_the_confident_category(category_model, unit_router) -> None:
    rules = RoutingRules.from_rows([{"category": "噪音油烟扰民", "region": "粤海街道",
                                     "unit": "粤海街道执法队"}])
    models = SuggestionModels(category=category_model, router=unit_router, rules=rules)
    result = suggest(TEXT, RECEIVED, models=models, region="粤海街道")
    assert result.unit.unit == "粤海街道执法队" and result.unit.source == "rule"


def test_without_models_facts_still_come_and_a_note_says_why() -> None:
    result = suggest(TEXT, RECEIVED)
    assert result.category is None and result.notes
    assert result.facts.of_kind("address")


def test_very_long_text_is_cut_and_noted(category_model) -> None:
    result = suggest("物业不修电梯。" * 8000, RECEIVED,
                     models=SuggestionModels(category=category_model))
    assert any("50,000" in note for note in result.notes)
    assert result.category is not None and result.category.label == "物业管理"
