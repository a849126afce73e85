"""Optional LLM help for request understanding: structured extraction and a second opinion.

The offline models always run first. When an OpenAI-compatible endpoint is configured
(:func:`civicgrid.llm.client.client_from_settings`), :mod:`civicgrid.nlp.service` may ask it

* for a **second opinion** on a category the offline model is unsure of: the model must
  answer ``{"label": <one of the known labels>, "reason": "..."}``;
* for **structured extraction**: ``{"address": str|null, "time": str|null,
  "people_affected": int|null, "hazards": [str], "summary": str}``.

Every failure (timeout, HTTP error, invalid JSON, a label outside the taxonomy, a field of
the wrong type) raises :class:`~civicgrid.llm.client.LLMUnavailable`; the service keeps the
offline answer and records the reason. Texts are sent with phone and ID numbers masked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from civicgrid.llm.client import ChatClient, LLMUnavailable
from civicgrid.privacy.masking import redact_text

log = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 4000

EXTRACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "address": {"type": ["string", "null"]},
        "time": {"type": ["string", "null"]},
        "people_affected": {"type": ["integer", "null"]},
        "hazards": {"type": "array", "items": {"type": "string"}},
        "summary": {"type": "string"},
    },
    "required": ["address", "time", "people_affected", "hazards", "summary"],
}


def second_opinion(
    client: ChatClient, text: str, labels: Sequence[str], offline_top3: Sequence[str]
) -> dict[str, str]:
    """The LLM's category among ``labels`` with its reason; LLMUnavailable on any failure."""
    prompt = (
        "你是区级民生诉求分拨员。请从给定类别中为诉求选择一个最合适的类别，只输出 JSON："
        '{"label": "<类别>", "reason": "<一句话理由>"}。\n'
        f"可选类别：{json.dumps(list(labels), ensure_ascii=False)}\n"
        f"离线模型的前三候选：{json.dumps(list(offline_top3), ensure_ascii=False)}\n"
        f"诉求内容：{redact_text(text[:MAX_PROMPT_CHARS])}"
    )
    data = client.chat_json([{"role": "user", "content": prompt}], required=("label",))
    label = data.get("label")
    if not isinstance(label, str) or label not in labels:
        raise LLMUnavailable(f"the model answered a label outside the taxonomy: {label!r}")
    reason = data.get("reason")
    return {"label": label, "reason": reason if isinstance(reason, str) else ""}


def extract_structured(client: ChatClient, text: str) -> dict[str, Any]:
    """Key facts as the LLM reads them, checked against EXTRACTION_SCHEMA."""
    prompt = (
        "从下面的民生诉求中抽取关键信息，只输出符合此 JSON Schema 的一个对象：\n"
        f"{json.dumps(EXTRACTION_SCHEMA, ensure_ascii=False)}\n"
        f"诉求内容：{redact_text(text[:MAX_PROMPT_CHARS])}"
    )
    data = client.chat_json(
        [{"role": "user", "content": prompt}], required=tuple(EXTRACTION_SCHEMA["required"])
    )
    _check_extraction(data)
    return {key: data[key] for key in EXTRACTION_SCHEMA["required"]}


def _check_extraction(data: dict[str, Any]) -> None:
    checks = {
        "address": lambda v: v is None or isinstance(v, str),
        "time": lambda v: v is None or isinstance(v, str),
        "people_affected": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
        "hazards": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        "summary": lambda v: isinstance(v, str),
    }
    wrong = [key for key, ok in checks.items() if not ok(data.get(key))]
    if wrong:
        raise LLMUnavailable(f"the model's extraction has fields of the wrong type: {wrong}")
