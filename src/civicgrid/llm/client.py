"""A small client for OpenAI-compatible chat endpoints (Qwen, DeepSeek, vLLM, Ollama...).

CivicGrid never needs an LLM: every caller has an offline path and uses this client only as
a second opinion or a better writer. Therefore every failure (no endpoint configured,
timeout, HTTP error, output that is not the JSON asked for) raises :class:`LLMUnavailable`
with the reason, and the caller falls back and records that it did.

Usage::

    client = client_from_settings(get_settings())
    if client is not None:
        try:
            data = client.chat_json(messages, schema={"type": "object", ...})
        except LLMUnavailable as exc:
            ...  # offline path, keep str(exc) as the fallback reason
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from civicgrid.settings import Settings

log = logging.getLogger(__name__)


class LLMUnavailable(RuntimeError):
    """The LLM could not give a usable answer; the message says why."""


@dataclass(frozen=True)
class ChatClient:
    """Talks to ``{base_url}/chat/completions`` with a bearer key."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_seconds: float = 20.0

    def chat(self, messages: list[dict[str, str]], *, json_mode: bool = False) -> str:
        """Send a chat and return the assistant's text."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0}
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            response = httpx.post(url, json=body, headers=headers, timeout=self.timeout_seconds)
        except httpx.TimeoutException:
            raise LLMUnavailable(f"timed out after {self.timeout_seconds} s at {url}") from None
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"could not reach {url}: {exc.__class__.__name__}") from None
        if response.status_code != 200:
            raise LLMUnavailable(f"{url} answered HTTP {response.status_code}")
        try:
            return response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMUnavailable("the endpoint's answer is not an OpenAI chat completion") from None

    def chat_json(
        self, messages: list[dict[str, str]], *, required: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Send a chat that must answer one JSON object holding at least ``required`` keys."""
        text = self.chat(messages, json_mode=True).strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
        try:
            data = json.loads(text)
        except ValueError:
            raise LLMUnavailable("the model's answer is not valid JSON") from None
        if not isinstance(data, dict):
            raise LLMUnavailable("the model's answer is JSON but not an object")
        missing = [key for key in required if key not in data]
        if missing:
            raise LLMUnavailable(f"the model's answer lacks the keys {missing}")
        return data


def client_from_settings(settings: Settings) -> ChatClient | None:
    """The configured client, or None when no endpoint is set (offline mode)."""
    if not settings.llm_base_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return ChatClient(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=key,
        timeout_seconds=settings.llm_timeout_seconds,
    )
