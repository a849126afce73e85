"""Entry points for the API and the CLI: import, remove, list and ask over a saved index.

The index is a folder (see :class:`civicgrid.assistant.index.KnowledgeIndex`), by default
``<data_dir>/assistant/index``. Every write loads the folder, changes it and saves it again,
so a database-backed store can later replace these functions without changing callers.
A failed import saves nothing: all files are read before the index is written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from civicgrid.assistant.answering import Answer, ask
from civicgrid.assistant.chunking import DEFAULT_MAX_CHARS
from civicgrid.assistant.documents import Document
from civicgrid.assistant.embeddings import Embedder
from civicgrid.assistant.index import KnowledgeIndex
from civicgrid.assistant.ingest import read_document
from civicgrid.settings import Settings

log = logging.getLogger(__name__)


def default_index_folder(settings: Settings) -> Path:
    """The index folder under the data folder: ``<data_dir>/assistant/index``."""
    return settings.data_dir / "assistant" / "index"


def embedding_cache_folder(settings: Settings) -> Path:
    """Where passage embeddings are cached: ``<data_dir>/assistant/embedding-cache``."""
    return settings.data_dir / "assistant" / "embedding-cache"


def open_index(folder: Path, *, create: bool = False) -> KnowledgeIndex:
    """The saved index in ``folder``; an empty one if ``create`` and the folder has none."""
    if create and not (folder / "manifest.json").is_file():
        return KnowledgeIndex()
    return KnowledgeIndex.load(folder)


def import_files(
    paths: Sequence[Path],
    *,
    folder: Path,
    unit: str | None = None,
    version: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    embedder: Embedder | None = None,
) -> list[tuple[Document, int]]:
    """Read files into the index (replacing same-id documents); (document, passages) each."""
    index = open_index(folder, create=True)
    read = [read_document(p, unit=unit, version=version, max_chars=max_chars) for p in paths]
    for document, passages in read:
        index.add(document, passages)
    if embedder is not None:
        index.embed(embedder)
    index.save(folder)
    log.info("imported %d document(s) into %s", len(read), folder)
    return [(document, len(passages)) for document, passages in read]


def remove_document(doc_id: str, *, folder: Path) -> Document:
    """Remove one document and its passages from the saved index."""
    index = open_index(folder)
    document = index.remove(doc_id)
    index.save(folder)
    return document


def answer_question(
    question: str,
    *,
    folder: Path,
    settings: Settings,
    use_llm: bool = True,
    doc_ids: list[str] | None = None,
    units: list[str] | None = None,
    embedder: Embedder | None = None,
) -> Answer:
    """Answer from the saved index, through the configured LLM when there is one."""
    from civicgrid.llm.client import client_from_settings

    llm = client_from_settings(settings) if use_llm else None
    return ask(question, open_index(folder), llm=llm, doc_ids=doc_ids, units=units,
               embedder=embedder)
