"""The optional LLM path of ``suggest`` against a stub chat server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json

from civicgrid.llm.client import ChatClient
from civicgrid.nlp.service import SuggestionModels, suggest
from tests.support.stub_llm import StubLLM

RECEIVED = dt.datetime(2026, 12, 4, 10, 30)
UNSURE = "这个事情请帮忙看看"  # readable, but the generated model cannot be sure of it
EXTRACTION = {"address": "桂庙路12号", "time": None, "people_affected": 3,
              "hazards": [], "summary": "油烟扰民"}


def client(stub: StubLLM, timeout: float = 2.0) -> ChatClient:
    return ChatClient(base_url=stub.url, model="stub", timeout_seconds=timeout)


def reply_for(body: dict) -> str:
    prompt = body["messages"][0]["content"]
    if "可选类别" in prompt:
        return json.dumps({"label": "物业管理", "reason": "涉及小区"}, ensure_ascii=False)
    return json.dumps(EXTRACTION, ensure_ascii=False)


def test_llm_extraction_and_second_opinion_are_recorded(category_model) -> None:
    models = SuggestionModels(category=category_model)
    with StubLLM(reply=reply_for) as stub:
        result = suggest(UNSURE, RECEIVED, models=models, llm=client(stub))
    assert result.category is not None and result.category.needs_triage
    assert result.llm["fallback"] is None
    assert result.llm["extraction"]["people_affected"] == 3
    assert result.llm["second_opinion"]["label"] == "物业管理"


def test_texts_sent_to_the_llm_are_masked(category_model) -> None:
    with StubLLM(reply=reply_for) as stub:
        suggest("电话19900000001，物业不修电梯", RECEIVED, llm=client(stub))
    sent = json.dumps(stub.requests, ensure_ascii=False)
    assert "19900000001" not in sent and "199****0001" in sent


def test_timeout_falls_back_and_records_it(category_model) -> None:
    models = SuggestionModels(category=category_model)
    with StubLLM(reply=reply_for, delay=1.0) as stub:
        result = suggest(UNSURE, RECEIVED, models=models, llm=client(stub, timeout=0.2))
    assert "timed out" in result.llm["fallback"]
    assert result.category is not None and result.category.label in category_model.labels


def test_http_500_falls_back_and_records_it(category_model) -> None:
    with StubLLM(reply=None) as stub:
        result = suggest(UNSURE, RECEIVED, models=SuggestionModels(category=category_model),
                         llm=client(stub))
    assert "HTTP 500" in result.llm["fallback"]


def test_invalid_json_falls_back_and_records_it(category_model) -> None:
    with StubLLM(reply="sure! the category is 物业") as stub:
        result = suggest(UNSURE, RECEIVED, models=SuggestionModels(category=category_model),
                         llm=client(stub))
    assert "not valid JSON" in result.llm["fallback"]
    assert "extraction" not in result.llm


def test_label_outside_the_taxonomy_is_refused(category_model) -> None:
    def reply(body: dict) -> str:
        if "可选类别" in body["messages"][0]["content"]:
            return json.dumps({"label": "外星人入侵"}, ensure_ascii=False)
        return json.dumps(EXTRACTION, ensure_ascii=False)

    with StubLLM(reply=reply) as stub:
        result = suggest(UNSURE, RECEIVED, models=SuggestionModels(category=category_model),
                         llm=client(stub))
    assert "outside the taxonomy" in result.llm["fallback"]


def test_offline_by_default_uses_no_llm(category_model) -> None:
    result = suggest(UNSURE, RECEIVED, models=SuggestionModels(category=category_model))
    assert result.llm == {"used": False, "fallback": None}
