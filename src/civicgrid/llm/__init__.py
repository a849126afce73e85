"""Optional large-language-model client (any OpenAI-compatible chat endpoint)."""

from civicgrid.llm.client import ChatClient, LLMUnavailable, client_from_settings

__all__ = ["ChatClient", "LLMUnavailable", "client_from_settings"]
