"""The demo handbook: short 网格员工作手册 excerpts shipped inside the package.

The Markdown files in ``handbook/`` were written for the CivicGrid demo; they are fictional
examples, not Nanshan's official documents, and say so in their first lines and in the
document titles stored here (``（演示）``). Each has 第X条 articles with the unit responsible
(``责任单位：…``), so answers show article numbers and suggest a unit.
:func:`ensure_demo_handbook` loads the files that are not in the knowledge base yet; the demo
setup (:func:`civicgrid.demo.setup.prepare_demo`) calls it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from civicgrid.assistant import store
from civicgrid.assistant.embeddings import Embedder
from civicgrid.assistant.models import KnowledgeDocument

log = logging.getLogger(__name__)

HANDBOOK = Path(__file__).with_name("handbook")
DEMO_MARK = "（演示）"
_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)
_MAIN_UNIT = re.compile(r"^主责单位[:：]\s*(\S+)\s*$", re.MULTILINE)


def handbook_files() -> list[Path]:
    """The handbook's Markdown files, in their numbered order."""
    return sorted(HANDBOOK.glob("*.md"))


def ensure_demo_handbook(session: Session, embedder: Embedder | None = None) -> dict[str, int]:
    """Load every handbook file not stored yet (by file name); not committed.

    A handbook document an administrator deleted counts as stored: it stays deleted. With an
    ``embedder``, the new documents' passages and any stored without a vector are embedded.
    """
    present = set(
        session.scalars(select(KnowledgeDocument.source).where(KnowledgeDocument.demo.is_(True)))
    )
    added = 0
    for path in handbook_files():
        if path.name in present:
            continue
        text = path.read_text(encoding="utf-8")
        title = _TITLE.search(text)
        unit = _MAIN_UNIT.search(text)
        store.add_document(
            session=session,
            upload=store.Upload(path.name, path.read_bytes()),
            title=(title.group(1) if title else path.stem) + DEMO_MARK,
            unit=unit.group(1) if unit else None,
            demo=True,
            embedder=embedder,
        )
        added += 1
    if embedder is not None:
        store.embed_stored(session=session, embedder=embedder)
    log.info("demo handbook: %d document(s) added, %d present", added, len(present))
    return {"handbook_added": added, "handbook_present": len(present)}


def load_demo_handbook(
    sessions: sessionmaker[Session], embedder: Embedder | None = None
) -> dict[str, int]:
    """Load the demo handbook in its own committed transaction (used by the demo setup)."""
    with sessions() as session:
        report = ensure_demo_handbook(session, embedder)
        session.commit()
    return report
