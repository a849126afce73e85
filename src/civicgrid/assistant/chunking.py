"""Cutting a document's text into passages that keep their headings and article numbers.

Readers (see :mod:`civicgrid.assistant.ingest`) turn a file into :class:`Block` objects: a
paragraph of text, or a heading with its level. :func:`passages_from_blocks` walks them and
keeps the state a reader of a Chinese regulation keeps in mind:

* the heading path: explicit headings (Markdown ``#``, Word ``标题 1``), 第X编/章/节 lines
  and short numbered lines such as ``一、总则`` or ``（二）申请条件``;
* the article: ``第十二条`` starts an article that runs until the next one or the next
  heading; long numbered paragraphs (``一、…``, ``（一）…``) outside articles are items.

Each heading, article or item starts a new section. A section longer than ``max_chars`` is
cut between sentences, at 。！？ (and ``!?`` or a line end); a sentence longer than
``max_chars`` on its own is cut at ；, then ，, then hard at ``max_chars``. No passage is
ever longer than ``max_chars`` (trap RAG-01: a splitter that knew only English full stops
left a 3,000-character Chinese paragraph as one chunk).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from civicgrid.assistant.documents import Document, Passage

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 500
MIN_MAX_CHARS = 20

_NUM = "一二三四五六七八九十百千零〇两0-9０-９"
_PART = re.compile(rf"^\s*(第[{_NUM}]+[编章节])\s*(.*)$")
_ARTICLE = re.compile(rf"^\s*(第[{_NUM}]+条)\s*(.*)$", re.DOTALL)
# Outline numbers, outermost first: 一、 ; （一） ; 1. / 1、 ; （1）.
_OUTLINE = (
    re.compile(r"^\s*([一二三四五六七八九十百]+[、.．])\s*(.*)$", re.DOTALL),
    re.compile(r"^\s*([（(][一二三四五六七八九十百]+[)）])\s*(.*)$", re.DOTALL),
    re.compile(r"^\s*([0-9０-９]{1,3}(?:[、．]|\.(?![0-9])))\s*(.*)$", re.DOTALL),
    re.compile(r"^\s*([（(][0-9０-９]{1,3}[)）])\s*(.*)$", re.DOTALL),
)
_PART_LEVEL = {"编": 10, "章": 11, "节": 12}
_OUTLINE_LEVEL = 13
_SENTENCE_END = re.compile(r"(?<=[。！？!?])[”’」』）)\"']*|\n")
_SHORT_HEADING = 40


@dataclass(frozen=True)
class Block:
    """A paragraph of a document, or a heading when ``level`` is set (1 = outermost)."""

    text: str
    level: int | None = None


@dataclass
class _Section:
    heading_path: tuple[str, ...]
    article: str | None
    lines: list[str]


class _Walker:
    """Walks blocks in order, keeping headings, the article and the outline numbers."""

    def __init__(self) -> None:
        self.headings: list[tuple[int, str]] = []
        self.article: str | None = None
        self.in_legal_article = False
        self.outline: dict[int, str] = {}
        self.sections: list[_Section] = []

    def feed(self, block: Block) -> None:
        text = block.text.strip()
        if not text:
            return
        if block.level is not None:
            self._push_heading(block.level, text)
            return
        part = _PART.match(text)
        if part and _looks_like_heading(text):
            self._push_heading(_PART_LEVEL[part.group(1)[-1]], text)
            return
        article = _ARTICLE.match(text)
        if article:
            self._start(article.group(1), legal=True)
            self._add(text)
            return
        self._feed_outline(text)

    def _feed_outline(self, text: str) -> None:
        for depth, pattern in enumerate(_OUTLINE):
            match = pattern.match(text)
            if not match:
                continue
            if self.in_legal_article:
                break
            if _looks_like_heading(text) and depth < 2:
                self._push_heading(_OUTLINE_LEVEL + depth, text)
                return
            if depth < 2:
                self._drop_headings_from(_OUTLINE_LEVEL + depth)
                self.outline = {k: v for k, v in self.outline.items() if k < depth}
                self.outline[depth] = match.group(1)
                self._start("".join(self.outline[k] for k in sorted(self.outline)), legal=False)
            break
        self._add(text)

    def _drop_headings_from(self, level: int) -> None:
        self.headings = [(lvl, t) for lvl, t in self.headings if lvl < level]

    def _push_heading(self, level: int, text: str) -> None:
        self._drop_headings_from(level)
        self.headings.append((level, " ".join(text.split())))
        self.article, self.in_legal_article, self.outline = None, False, {}
        self.sections.append(_Section(self._path(), None, []))

    def _start(self, article: str, *, legal: bool) -> None:
        self.article, self.in_legal_article = article, legal
        self.sections.append(_Section(self._path(), article, []))

    def _add(self, text: str) -> None:
        if not self.sections:
            self.sections.append(_Section(self._path(), self.article, []))
        self.sections[-1].lines.append(text)

    def _path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.headings)


def _looks_like_heading(text: str) -> bool:
    return len(text) <= _SHORT_HEADING and "\n" not in text and not re.search(r"[。！？；;]", text)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, each keeping its closing 。！？ (and closing quotes)."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end > start:
            pieces.append(text[start:end])
        start = end
    if start < len(text):
        pieces.append(text[start:])
    return [piece for piece in pieces if piece.strip()]


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    """A sentence longer than ``max_chars`` cut at ；, then ，, then every ``max_chars``."""
    for marks in ("；;", "，,、 "):
        parts = re.split(rf"(?<=[{marks}])", sentence)
        if len(parts) > 1 and all(len(part) <= max_chars for part in parts):
            return _pack(parts, max_chars)
    return [sentence[i : i + max_chars] for i in range(0, len(sentence), max_chars)]


def _pack(pieces: Iterable[str], max_chars: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if len(current) + len(piece) <= max_chars:
            current += piece
            continue
        if current.strip():
            chunks.append(current)
        current = piece
    if current.strip():
        chunks.append(current)
    return chunks


def chunk_text(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """``text`` cut into chunks of at most ``max_chars``, between sentences where possible."""
    if max_chars < MIN_MAX_CHARS:
        raise ValueError(
            f"max_chars={max_chars} is too small; use at least {MIN_MAX_CHARS} characters"
        )
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if len(sentence) > max_chars:
            pieces.extend(_cut_long(sentence, max_chars))
        else:
            pieces.append(sentence)
    return [chunk.strip() for chunk in _pack(pieces, max_chars) if chunk.strip()]


def passages_from_blocks(
    document: Document, blocks: Iterable[Block], max_chars: int = DEFAULT_MAX_CHARS
) -> list[Passage]:
    """The passages of ``document`` cut from its blocks, numbered ``{doc_id}#1`` onwards."""
    walker = _Walker()
    for block in blocks:
        walker.feed(block)
    passages: list[Passage] = []
    for section in walker.sections:
        for chunk in chunk_text("\n".join(section.lines), max_chars):
            position = len(passages) + 1
            passages.append(
                Passage(
                    passage_id=f"{document.doc_id}#{position}",
                    doc_id=document.doc_id,
                    text=chunk,
                    heading_path=section.heading_path,
                    article=section.article,
                    source=document.source,
                    version=document.version,
                    unit=document.unit,
                    position=position,
                )
            )
    return passages
