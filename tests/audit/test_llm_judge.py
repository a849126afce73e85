"""The optional LLM judge against a stub chat server on 127.0.0.1 (real HTTP, no mocks)."""

from __future__ import annotations

import json

from civicgrid.audit import audit
from civicgrid.llm.client import ChatClient
from tests.audit.conftest import GOOD_REPLY, REQUEST, REQUEST_TITLE
from tests.support.stub_llm import StubLLM

BAD_REPLY = "您好！您反映的问题已收悉，已转相关部门调查处理。感谢您对我们工作的支持！"


def client_for(stub: StubLLM, timeout: float = 5.0) -> ChatClient:
    return ChatClient(base_url=stub.url, model="stub", timeout_seconds=timeout)


def answer(verdict: str, reasons: list[str], rewrite: str = "") -> str:
    return json.dumps({"verdict": verdict, "reasons": reasons, "rewrite": rewrite},
                      ensure_ascii=False)


def test_valid_llm_answer_is_recorded_beside_the_offline_verdict():
    with StubLLM(reply=answer("pass", ["答复完整"])) as stub:
        verdict = audit(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, llm=client_for(stub))
    assert verdict.llm.used and verdict.llm.verdict == "pass"
    assert verdict.verdict == "pass"


def test_llm_return_on_an_offline_pass_adds_a_note_not_a_return():
    with StubLLM(reply=answer("return", ["未说明油烟净化器的检测结果"])) as stub:
        verdict = audit(REQUEST, GOOD_REPLY, title=REQUEST_TITLE, llm=client_for(stub))
    assert verdict.verdict == "pass_with_notes"
    assert verdict.reasons == ["[llm_judge] LLM 复核意见：未说明油烟净化器的检测结果"]


def test_llm_pass_never_clears_an_offline_return():
    with StubLLM(reply=answer("pass", [])) as stub:
        verdict = audit(REQUEST, BAD_REPLY, title=REQUEST_TITLE, llm=client_for(stub))
    assert (verdict.verdict, verdict.llm.verdict) == ("return", "pass")


def test_llm_rewrite_is_used_when_asked_for():
    with StubLLM(reply=answer("return", ["没有处理结果"], "您好！经查……")) as stub:
        verdict = audit(REQUEST, BAD_REPLY, llm=client_for(stub), rewrite=True)
    assert verdict.rewrite == "您好！经查……"


def test_request_sent_to_the_llm_is_redacted():
    request = REQUEST + "我的电话13800000000。"
    with StubLLM(reply=answer("pass", [])) as stub:
        audit(request, GOOD_REPLY, llm=client_for(stub))
        sent = stub.requests[0]["messages"][1]["content"]
    assert "13800000000" not in sent and "138****0000" in sent


def test_llm_timeout_falls_back_to_the_offline_verdict():
    with StubLLM(reply=answer("return", ["x"]), delay=1.0) as stub:
        verdict = audit(REQUEST, GOOD_REPLY, llm=client_for(stub, timeout=0.2))
    assert (verdict.verdict, verdict.llm.used) == ("pass", False)
    assert verdict.llm.fallback.startswith("timed out after 0.2 s")


def test_llm_http_500_falls_back_and_records_why():
    with StubLLM(reply=None) as stub:
        verdict = audit(REQUEST, BAD_REPLY, llm=client_for(stub), rewrite=True)
    assert verdict.llm.fallback.endswith("answered HTTP 500")
    assert verdict.rewrite.startswith("请按以下意见修改答复：\n1. 写明承办单位调查核实的情况")


def test_llm_invalid_json_falls_back():
    with StubLLM(reply="我认为答复可以通过") as stub:
        verdict = audit(REQUEST, GOOD_REPLY, llm=client_for(stub))
    assert verdict.llm.fallback == "the model's answer is not valid JSON"


def test_llm_verdict_outside_the_allowed_three_falls_back():
    with StubLLM(reply=answer("maybe", [])) as stub:
        verdict = audit(REQUEST, GOOD_REPLY, llm=client_for(stub))
    assert "'maybe' is not one of" in verdict.llm.fallback


def test_rewrite_without_llm_gives_the_offline_corrections():
    verdict = audit(REQUEST, BAD_REPLY, rewrite=True)
    assert verdict.llm.fallback == "no LLM endpoint configured"
    assert "写明承办单位调查核实的情况" in verdict.rewrite
