"""The knowledge base's records: documents, their passages, and the errors of this package.

A :class:`Document` is one imported file (or one table of questions and answers) at one
version; its :class:`Passage` objects are the pieces retrieval returns and answers cite. Both
are plain dataclasses with string ids so that the lead's database tables can store them as
they are (``to_dict``/``from_dict`` give JSON-ready mappings).

Passage ids are ``{doc_id}#{n}`` with ``n`` counting from 1 in reading order, so a citation
stays readable ("规范#12") and re-importing a document replaces all of its passages.

Exceptions::

    AssistantError                 base of every error raised here
     ├── DocumentParseError        a file that cannot be read; names the file and the fix
     ├── UnknownDocumentError      an id that is not in the index
     └── IndexFormatError          a saved index folder that is missing or damaged
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


class AssistantError(Exception):
    """Base class of the knowledge assistant's errors."""


class DocumentParseError(AssistantError):
    """A document that could not be read; the message names it and says what to do."""


class UnknownDocumentError(AssistantError, KeyError):
    """A document id that the index does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown document"


class IndexFormatError(AssistantError):
    """A saved index folder that is missing, incomplete or of another format version."""


@dataclass(frozen=True)
class Document:
    """One source document at one version."""

    doc_id: str
    title: str
    source: str
    version: str
    kind: str
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The document as a JSON-ready mapping."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """A document from :meth:`to_dict`'s mapping."""
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Passage:
    """A piece of a document small enough to retrieve, cite and show.

    ``heading_path`` lists the headings above the passage, outermost first (章, 节, Markdown
    ``#`` levels, short numbered headings such as ``一、总则``); ``article`` is the article or
    item number the passage sits in (``第十二条``, ``二、（一）``), or None.
    """

    passage_id: str
    doc_id: str
    text: str
    heading_path: tuple[str, ...] = ()
    article: str | None = None
    source: str = ""
    version: str = ""
    unit: str | None = None
    position: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A short human citation: title path and article, e.g. ``总则 › 第三条``."""
        parts = list(self.heading_path)
        if self.article:
            parts.append(self.article)
        return " › ".join(parts) if parts else self.doc_id

    def to_dict(self) -> dict[str, Any]:
        """The passage as a JSON-ready mapping."""
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        """A passage from :meth:`to_dict`'s mapping."""
        values = {key: data.get(key) for key in cls.__dataclass_fields__ if key in data}
        values["heading_path"] = tuple(data.get("heading_path") or ())
        values["extra"] = dict(data.get("extra") or {})
        return cls(**values)


def content_version(content: bytes | str) -> str:
    """A short version tag derived from a document's content (first 12 hex of SHA-1)."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha1(raw).hexdigest()[:12]
