"""Asking the knowledge base from the platform, and the question log with its feedback.

:func:`ask_logged` answers a staff member's question from the database's knowledge (see
:mod:`civicgrid.assistant.store`) with :func:`civicgrid.assistant.answering.ask`: through the
configured LLM (``llm_base_url`` etc.) when there is one, otherwise offline. An LLM that fails
(HTTP error, timeout, invalid JSON, citations it was not given) gives the offline answer, and
the reason is shown with the answer and kept in the log. Every question is logged with its
answer, the passages cited (key, document, version, as cited), the suggested unit, the LLM
model used or why none was, and who asked; the asker (or an administrator) then marks the
answer useful or not useful, with an optional note.

:func:`start_warm_up` does at server start, in a background thread, what the first question
would otherwise pay for: loading jieba's dictionary (3-8 s on the 2-core machine), building
the search index from the stored passages, and loading the e5 model when dense retrieval is on.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from civicgrid.assistant import tokenizer
from civicgrid.assistant.answering import Answer, Citation, ask
from civicgrid.assistant.embeddings import embedder_from_settings
from civicgrid.assistant.index import KnowledgeIndex
from civicgrid.assistant.models import AssistantQuestion
from civicgrid.assistant.store import knowledge_index
from civicgrid.db.core import utcnow
from civicgrid.errors import NotFound, PermissionDenied
from civicgrid.jurisdiction.models import Unit
from civicgrid.settings import Settings

log = logging.getLogger(__name__)

NO_LLM = "no LLM configured (offline answer)"
NOT_ASKED = "the LLM was not asked: no passage supports an answer"
SNIPPET_CHARS = 160
MAX_NOTE_CHARS = 500


@dataclass(frozen=True)
class Filters:
    """Which documents (by id) and units (by name) an answer may draw from; None = all."""

    document_ids: list[int] | None = None
    units: list[str] | None = None


def ask_logged(
    *,
    session: Session,
    settings: Settings,
    question: str,
    user_id: int | None,
    filters: Filters | None = None,
) -> dict[str, Any]:
    """Answer ``question`` with citations, log it, and return the answer for the API."""
    from civicgrid.llm.client import client_from_settings

    filters = filters or Filters()
    embedder = embedder_from_settings(settings)
    index = knowledge_index(session=session, embedder=embedder)
    llm = client_from_settings(settings)
    doc_ids = [str(i) for i in filters.document_ids] if filters.document_ids else None
    units = _unit_names(session, filters.units) if filters.units else None
    answer = ask(
        question,
        index,
        llm=llm,
        doc_ids=doc_ids,
        units=units,
        embedder=embedder if index.has_embeddings else None,
    )
    citations = [_citation(index, c) for c in answer.citations]
    unit = _unit(session, answer)
    row = AssistantQuestion(
        question=answer.question,
        answer=answer.text,
        mode=answer.mode,
        found=answer.found,
        citations=[_logged(c) for c in citations],
        suggested_unit=unit and unit["name"],
        llm_model=llm.model if llm is not None and answer.mode == "llm" else None,
        fallback_reason=_fallback_reason(answer, llm is not None),
        injection=answer.injection,
        filters=_filters_record(filters),
        user_id=user_id,
        asked_at=utcnow(),
    )
    session.add(row)
    session.flush()
    log.info("question %s answered (%s, %d citations)", row.id, answer.mode, len(citations))
    return {
        **question_record(row),
        "citations": citations,
        "suggested_unit": unit,
        "fallback_kind": _fallback_kind(row.fallback_reason),
    }


def start_warm_up(sessions: sessionmaker[Session], settings: Settings) -> threading.Thread:
    """Warm the assistant up in a daemon thread (start-up does not wait); returns the thread."""
    thread = threading.Thread(
        target=warm_up, args=(sessions, settings), name="assistant-warm-up", daemon=True
    )
    thread.start()
    return thread


def warm_up(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Load jieba, build the search index (BM25 matrices included) and the embedder.

    Failures are only logged: the first question then pays for what did not load.
    """
    started = time.perf_counter()
    try:
        import civicgrid.llm.client  # noqa: F401  (imported by the first question otherwise)

        tokenizer.words("网格员巡查发现占道经营")
        embedder = embedder_from_settings(settings)
        with sessions() as session:
            index = knowledge_index(session=session, embedder=embedder)
        # The first search builds the BM25 matrices (and embeds a question, loading e5).
        index.search("网格员巡查", embedder=embedder if index.has_embeddings else None)
    except Exception:
        log.warning("assistant warm-up failed; the first question will pay for it", exc_info=True)
        return
    log.info(
        "assistant warmed up in %.1f s (%d passages, dense %s)",
        time.perf_counter() - started,
        len(index.passages),
        index.has_embeddings,
    )


def _fallback_kind(reason: str | None) -> str | None:
    """``no_llm``, ``llm_failed`` or ``not_asked`` for pages to word in Chinese; None if used."""
    if reason is None:
        return None
    return {NO_LLM: "no_llm", NOT_ASKED: "not_asked"}.get(reason, "llm_failed")


def _unit_names(session: Session, units: list[str]) -> list[str]:
    """Unit filters as the names passages carry: a pack code (``CGJ``) becomes its name."""
    names = dict(session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(units))).all())
    return [names.get(unit, unit) for unit in units]


def _fallback_reason(answer: Answer, llm_configured: bool) -> str | None:
    if answer.mode == "llm":
        return None
    if not llm_configured:
        return NO_LLM
    if answer.fallback_reason:
        return f"LLM failed, offline answer given: {answer.fallback_reason}"
    return NOT_ASKED if answer.mode == "abstain" else None


def _citation(index: KnowledgeIndex, citation: Citation) -> dict[str, Any]:
    passage = index.passage(citation.passage_id)
    document = index.documents.get(citation.doc_id)
    text = citation.passage_text
    return {
        "passage_id": citation.passage_id,
        "document_id": int(citation.doc_id),
        "document_title": document.title if document else citation.source,
        "source": citation.source,
        "version": citation.version,
        "heading_path": list(passage.heading_path) if passage else [],
        "article": citation.article,
        "label": citation.label,
        "quote": citation.quote,
        "snippet": text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…",
        "score": citation.score,
        "unit": passage.unit if passage else None,
    }


def _logged(citation: dict[str, Any]) -> dict[str, Any]:
    keep = ("passage_id", "document_id", "document_title", "version", "article", "score")
    return {key: citation[key] for key in keep}


def _unit(session: Session, answer: Answer) -> dict[str, Any] | None:
    """The suggested unit, with its code when the district pack knows the name."""
    if answer.unit is None or not answer.found:
        return None
    name = answer.unit.unit
    code = session.scalar(select(Unit.code).where((Unit.name == name) | (Unit.code == name)))
    return {"name": name, "code": code, "share": round(answer.unit.share, 3)}


def _filters_record(filters: Filters) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if filters.document_ids:
        record["document_ids"] = list(filters.document_ids)
    if filters.units:
        record["units"] = list(filters.units)
    return record


def record_feedback(
    *,
    session: Session,
    question_id: int,
    user_id: int,
    is_admin: bool,
    useful: bool,
    note: str | None = None,
) -> AssistantQuestion:
    """Mark an answer useful or not useful (the asker, or an administrator)."""
    row = session.get(AssistantQuestion, question_id)
    if row is None:
        raise NotFound(
            f"question {question_id} is not in the assistant's log",
            field="question_id",
            value=question_id,
            fix="use the id returned by POST /api/assistant/ask",
        )
    if row.user_id != user_id and not is_admin:
        raise PermissionDenied(
            f"question {question_id} was asked by another user",
            field="question_id",
            value=question_id,
            fix="give feedback on your own answers only",
        )
    row.useful = useful
    row.feedback_note = (note or "").strip()[:MAX_NOTE_CHARS] or None
    row.feedback_at = utcnow()
    return row


def question_log(
    *, session: Session, limit: int = 100, offset: int = 0, useful: bool | None = None
) -> list[AssistantQuestion]:
    """Logged questions, newest first, optionally only those marked useful / not useful."""
    query = select(AssistantQuestion)
    if useful is not None:
        query = query.where(AssistantQuestion.useful.is_(useful))
    query = query.order_by(AssistantQuestion.id.desc()).offset(offset).limit(limit)
    return list(session.scalars(query))


def asker_names(*, session: Session, rows: list[AssistantQuestion]) -> dict[int, str]:
    """Display names of the staff who asked ``rows``' questions, by user id."""
    from civicgrid.accounts.models import User

    ids = {row.user_id for row in rows if row.user_id is not None}
    if not ids:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(ids))
    return {user_id: name for user_id, name in session.execute(query)}


def question_record(row: AssistantQuestion) -> dict[str, Any]:
    """A logged question as a JSON-ready mapping."""
    return {
        "id": row.id,
        "question": row.question,
        "answer": row.answer,
        "mode": row.mode,
        "found": row.found,
        "citations": row.citations,
        "suggested_unit": row.suggested_unit,
        "llm_model": row.llm_model,
        "fallback_reason": row.fallback_reason,
        "injection_flagged": bool(row.injection),
        "user_id": row.user_id,
        "asked_at": row.asked_at,
        "useful": row.useful,
        "feedback_note": row.feedback_note,
        "feedback_at": row.feedback_at,
    }
