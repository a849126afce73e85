"""The assistant's endpoints under ``/api/assistant`` and its pages (南小格).

Staff with ``assistant.use`` (every staff role) ask questions, give feedback on their answers
and list the documents; administrators (``assistant.manage``) upload, replace and delete
documents and read the question log. Uploads are multipart forms (``file``, optional
``title`` and ``unit``). Pages: ``/console/assistant`` (chat in the console),
``/console/knowledge`` (document management) and ``/grid/assistant`` (the grid worker's
phone page).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse

from civicgrid.assistant import questions, store
from civicgrid.assistant.embeddings import embedder_from_settings
from civicgrid.assistant.models import KnowledgeDocument
from civicgrid.assistant.schemas import AskIn, FeedbackIn
from civicgrid.cases.workflow import Actor
from civicgrid.web.deps import DbSession, requires

api = APIRouter(prefix="/api/assistant", tags=["assistant"])
pages = APIRouter(include_in_schema=False)
Asker = Annotated[Actor, Depends(requires("assistant.use"))]
Manager = Annotated[Actor, Depends(requires("assistant.manage"))]
# Uploads are read up to one byte past the limit: enough for store to refuse them by size.
_READ_LIMIT = store.MAX_UPLOAD_BYTES + 1


@api.post("/ask")
def ask(body: AskIn, request: Request, session: DbSession, actor: Asker) -> dict[str, Any]:
    """Answer a question with citations from the knowledge base; the answer is logged."""
    filters = questions.Filters(document_ids=body.document_ids, units=body.units)
    answer = questions.ask_logged(
        session=session,
        settings=request.app.state.settings,
        question=body.question,
        user_id=actor.id,
        filters=filters,
    )
    session.commit()
    return answer


@api.post("/questions/{question_id}/feedback")
def feedback(
    question_id: int, body: FeedbackIn, session: DbSession, actor: Asker
) -> dict[str, Any]:
    """Mark an answer useful or not useful."""
    row = questions.record_feedback(
        session=session,
        question_id=question_id,
        user_id=actor.id,
        is_admin=actor.role == "admin",
        useful=body.useful,
        note=body.note,
    )
    session.commit()
    return questions.question_record(row)


@api.get("/questions")
def question_log(
    session: DbSession,
    _actor: Manager,
    useful: bool | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    """The question log, newest first (administrators)."""
    rows = questions.question_log(session=session, limit=limit, offset=offset, useful=useful)
    names = questions.asker_names(session=session, rows=rows)
    return [
        {**questions.question_record(row), "user_name": names.get(row.user_id or 0)} for row in rows
    ]


@api.get("/documents")
def list_documents(session: DbSession, _actor: Asker) -> list[dict[str, Any]]:
    """The knowledge base's documents."""
    return [_document(row) for row in store.list_documents(session=session)]


@api.get("/documents/{document_id}")
def read_document(document_id: int, session: DbSession, _actor: Asker) -> dict[str, Any]:
    """One document with its passages."""
    row = store.get_document(session=session, document_id=document_id)
    passages = [
        {
            "passage_id": p.key,
            "heading_path": p.heading_path,
            "article": p.article,
            "unit": p.unit,
            "text": p.text,
            "version": p.version,
        }
        for p in store.passages_of(session=session, document_id=row.id)
    ]
    return {**_document(row), "passages": passages}


@api.post("/documents", status_code=201)
async def upload_document(
    request: Request,
    session: DbSession,
    actor: Manager,
    file: UploadFile = File(...),
    title: str | None = Form(None),
    unit: str | None = Form(None),
) -> dict[str, Any]:
    """Add a document (Markdown, TXT, DOCX, PDF, or a CSV/XLSX Q&A sheet)."""
    upload = store.Upload(file.filename or "", await file.read(_READ_LIMIT))
    row = store.add_document(
        session=session,
        upload=upload,
        title=title,
        unit=_blank_none(unit),
        uploaded_by=actor.id,
        embedder=embedder_from_settings(request.app.state.settings),
    )
    session.commit()
    return _document(row)


@api.put("/documents/{document_id}")
async def replace_document(
    document_id: int,
    request: Request,
    session: DbSession,
    actor: Manager,
    file: UploadFile = File(...),
    title: str | None = Form(None),
    unit: str | None = Form(None),
) -> dict[str, Any]:
    """Replace a document with a new version of its file."""
    upload = store.Upload(file.filename or "", await file.read(_READ_LIMIT))
    row = store.replace_document(
        session=session,
        document_id=document_id,
        upload=upload,
        title=title,
        unit=_blank_none(unit),
        uploaded_by=actor.id,
        embedder=embedder_from_settings(request.app.state.settings),
    )
    session.commit()
    return _document(row)


@api.delete("/documents/{document_id}")
def delete_document(document_id: int, session: DbSession, _actor: Manager) -> dict[str, Any]:
    """Delete a document: its passages leave every answer."""
    row = store.delete_document(session=session, document_id=document_id)
    session.commit()
    return _document(row)


def _blank_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _document(row: KnowledgeDocument) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "source": row.source,
        "kind": row.kind,
        "version": row.version,
        "unit": row.unit,
        "demo": row.demo,
        "status": row.status,
        "passage_count": row.passage_count,
        "uploaded_by": row.uploaded_by,
        "uploaded_at": row.uploaded_at,
    }


@pages.get("/console/assistant", response_class=HTMLResponse)
def assistant_page(request: Request) -> HTMLResponse:
    from civicgrid.web.pages import templates

    return templates.TemplateResponse(request, "assistant.html", {"title": "南小格"})


@pages.get("/console/knowledge", response_class=HTMLResponse)
def knowledge_page(request: Request) -> HTMLResponse:
    from civicgrid.web.pages import templates

    return templates.TemplateResponse(request, "knowledge.html", {"title": "知识库管理"})


@pages.get("/grid/assistant", response_class=HTMLResponse)
def grid_assistant_page(request: Request) -> HTMLResponse:
    from civicgrid.web.pages import templates

    return templates.TemplateResponse(request, "grid_assistant.html", {"title": "南小格"})


router = APIRouter()
router.include_router(api)
router.include_router(pages)
