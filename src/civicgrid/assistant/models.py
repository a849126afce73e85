"""The knowledge assistant's tables: documents, their passages, and the question log.

* ``assistant_documents``: one row per document the district uploaded (title, the source
  file's name, version, unit, who uploaded it and when, status, passage count). Replacing a
  document keeps its id, raises its version and swaps all its passages in one transaction.
* ``assistant_passages``: the passages retrieval searches and answers cite, each with its
  document's source file and version, heading path, article number and unit. Passages live
  in the database rather than in an index folder so that an upload, a replacement or a
  deletion is one transaction (a failing document leaves nothing half-written) and every web
  worker sees the same knowledge; see :mod:`civicgrid.assistant.store` for the in-memory
  search index built from these rows. With dense retrieval on, each passage row also
  stores its embedding (the model's name and a float32 matrix, one row per window of the
  passage, in NumPy's ``.npy`` format), computed once when the document is uploaded.
* ``assistant_questions``: every question asked, the answer text, the cited passages (their
  keys, document ids and versions, as they were when cited), the mode (``llm``, ``offline``,
  ``abstain``, ``refused``), the LLM model used or the reason the answer fell back, who asked
  and when, and the asker's feedback (useful or not, with an optional note).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicgrid.db.core import Base, UTCDateTime, utcnow


class KnowledgeDocument(Base):
    """A document of the knowledge base at its current version."""

    __tablename__ = "assistant_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_sha: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(100), index=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    passage_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnowledgePassage(Base):
    """One searchable passage of a document; ``key`` is the id answers cite (``7#3``)."""

    __tablename__ = "assistant_passages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("assistant_documents.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    heading_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    article: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(32))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    embedding_model: Mapped[str | None] = mapped_column(String(100))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class AssistantQuestion(Base):
    """A question asked of the assistant, its answer, and the asker's feedback."""

    __tablename__ = "assistant_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    found: Mapped[bool] = mapped_column(Boolean, default=False)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    suggested_unit: Mapped[str | None] = mapped_column(String(100))
    llm_model: Mapped[str | None] = mapped_column(String(100))
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    injection: Mapped[list[str]] = mapped_column(JSON, default=list)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    useful: Mapped[bool | None] = mapped_column(Boolean)
    feedback_note: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
