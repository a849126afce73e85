"""Request bodies of the assistant's API (answers are plain mappings, see questions.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AskIn(BaseModel):
    """A question, optionally limited to some documents (ids) or units (names)."""

    question: str = Field(max_length=4000)
    document_ids: list[int] | None = Field(default=None, max_length=50)
    units: list[str] | None = Field(default=None, max_length=50)


class FeedbackIn(BaseModel):
    """Whether an answer was useful, with an optional note."""

    useful: bool
    note: str | None = Field(default=None, max_length=500)
