"""Reading documents into the knowledge base: Markdown, TXT, DOCX, PDF and Q&A sheets.

:func:`read_document` picks a reader by the file's suffix and returns the
:class:`~civicgrid.assistant.documents.Document` with its passages:

* ``.md``/``.markdown``: ``#`` lines are headings, every other line a paragraph;
* ``.txt``: UTF-8 (with or without BOM), else GB18030; one paragraph per line;
* ``.docx`` (python-docx): Word heading styles (``Heading 2``, ``标题 2``) are headings,
  then paragraphs and table rows in order;
* ``.pdf`` (pypdf): the text layer, page by page; wrapped lines are joined back into
  paragraphs. A scanned PDF without a text layer is refused (it needs OCR first);
* ``.csv``/``.xlsx`` Q&A sheets (via :func:`civicgrid.intake.files.read_table`): one passage
  per row, the question as its heading, the answer as its text, and the handling unit when
  a unit column (处理单位, 责任单位, unit) is present.

Any file that cannot be read raises :class:`DocumentParseError` naming the file, what went
wrong and what to do. Document text is data: nothing in it is ever followed as an
instruction (see :mod:`civicgrid.assistant.answering`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

from civicgrid.assistant.chunking import DEFAULT_MAX_CHARS, Block, chunk_text, passages_from_blocks
from civicgrid.assistant.documents import (
    Document,
    DocumentParseError,
    Passage,
    content_version,
)
from civicgrid.intake.files import TableError, read_table

log = logging.getLogger(__name__)

QUESTION_COLUMNS = ("question", "问题", "用户问题", "问", "标题")
ANSWER_COLUMNS = ("answer", "答案", "回答", "答复", "正文内容", "知识库答案", "text", "内容", "答")
UNIT_COLUMNS = ("unit", "处理单位", "责任单位", "承办单位", "单位")
ID_COLUMNS = ("id", "qa_id", "doc_id", "编号", "序号")

SUFFIX_KINDS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".docx": "docx",
    ".pdf": "pdf",
    ".csv": "qa",
    ".tsv": "qa",
    ".xlsx": "qa",
}
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_WORD_HEADING = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
_ENDS_PARAGRAPH = re.compile(r"[。！？：；!?:;]\s*$")
_STARTS_NUMBERED = re.compile(
    r"^\s*(第[一二三四五六七八九十百千零〇0-9]+[编章节条]|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十0-9]+[)）])"
)


def read_document(
    path: str | Path,
    *,
    doc_id: str | None = None,
    version: str | None = None,
    unit: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> tuple[Document, list[Passage]]:
    """Read one file into a document and its passages; the id defaults to the file's stem."""
    path = Path(path)
    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is None:
        raise DocumentParseError(
            f"{path.name}: the suffix {path.suffix or '(none)'!r} is not read; use one of "
            + ", ".join(sorted(SUFFIX_KINDS))
        )
    if not path.is_file():
        raise DocumentParseError(f"{path}: no such file; check the path")
    raw = path.read_bytes()
    document = Document(
        doc_id=doc_id or path.stem,
        title=path.stem,
        source=path.name,
        version=version or content_version(raw),
        kind=kind,
        unit=unit,
    )
    if kind == "qa":
        passages = _qa_passages(path, document, max_chars)
    else:
        passages = passages_from_blocks(document, _blocks(path, kind, raw), max_chars)
    if not passages:
        raise DocumentParseError(
            f"{path.name}: no text found in the {kind} file; if it is a scan, run OCR first"
        )
    log.info("read document %s: %d passages", document.doc_id, len(passages))
    return document, passages


def document_from_text(
    doc_id: str,
    text: str,
    *,
    title: str | None = None,
    source: str = "",
    unit: str | None = None,
    version: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> tuple[Document, list[Passage]]:
    """A document and its passages from plain text already in memory (one line, one block)."""
    document = Document(
        doc_id=doc_id,
        title=title or doc_id,
        source=source or doc_id,
        version=version or content_version(text),
        kind="text",
        unit=unit,
    )
    blocks = [Block(line) for line in text.splitlines()]
    return document, passages_from_blocks(document, blocks, max_chars)


def _blocks(path: Path, kind: str, raw: bytes) -> list[Block]:
    try:
        if kind == "markdown":
            return list(_markdown_blocks(_decode(path, raw)))
        if kind == "text":
            return [Block(line) for line in _decode(path, raw).splitlines()]
        if kind == "docx":
            return list(_docx_blocks(path))
        return list(_pdf_blocks(path))
    except DocumentParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes one clear error
        raise DocumentParseError(
            f"{path.name}: cannot be read as {kind.upper()} ({exc.__class__.__name__}: {exc}); "
            "open it in its editor and save it again, or convert it to .docx or .txt"
        ) from exc


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentParseError(
        f"{path.name}: the text is neither UTF-8 nor GB18030; save it as UTF-8 and import again"
    )


def _markdown_blocks(text: str) -> Iterator[Block]:
    """``#`` lines are headings; every other line is a block (Chinese text is not wrapped)."""
    for line in text.splitlines():
        heading = _MD_HEADING.match(line)
        if heading:
            yield Block(heading.group(2), level=len(heading.group(1)))
            continue
        stripped = re.sub(r"^\s*(?:[-*+]|>)\s+", "", line).strip()
        if stripped and not stripped.startswith("```"):
            yield Block(stripped)


def _docx_blocks(path: Path) -> Iterator[Block]:
    import docx

    document = docx.Document(str(path))
    for item in document.iter_inner_content():
        if isinstance(item, docx.table.Table):
            for row in item.rows:
                cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
                if cells:
                    yield Block(" | ".join(dict.fromkeys(cells)))
            continue
        style = item.style.name if item.style is not None else ""
        heading = _WORD_HEADING.match(style.strip())
        if style.strip().lower() == "title":
            yield Block(item.text, level=1)
        elif heading:
            yield Block(item.text, level=int(heading.group(1)))
        else:
            yield Block(item.text)


def _pdf_blocks(path: Path) -> Iterator[Block]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise DocumentParseError(
            f"{path.name}: reading PDF needs the pypdf package; install the assistant extra: "
            "pip install 'civicgrid[assistant]'"
        ) from None

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentParseError(
                f"{path.name}: the PDF is encrypted; save an unprotected copy and import that"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        raise DocumentParseError(
            f"{path.name}: not a readable PDF ({exc}); export it again from its source program"
        ) from exc
    yield from _join_wrapped_lines("\n".join(pages).splitlines())


def _join_wrapped_lines(lines: list[str]) -> Iterator[Block]:
    """PDF text comes as visual lines; join them into paragraphs at sentence ends."""
    paragraph = ""
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if paragraph and (_ENDS_PARAGRAPH.search(paragraph) or _STARTS_NUMBERED.match(line)):
            yield Block(paragraph)
            paragraph = ""
        if paragraph and len(paragraph) <= 20 and not _ENDS_PARAGRAPH.search(paragraph):
            # A short line without a full stop is a heading, not a wrapped line.
            yield Block(paragraph)
            paragraph = ""
        paragraph += line
    if paragraph:
        yield Block(paragraph)


def _find_column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {column.strip().lower(): column for column in columns}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def _qa_passages(path: Path, document: Document, max_chars: int) -> list[Passage]:
    try:
        table = read_table(path)
    except TableError as exc:
        raise DocumentParseError(f"{path.name}: {exc}") from exc
    question = _find_column(table.columns, QUESTION_COLUMNS)
    answer = _find_column(table.columns, ANSWER_COLUMNS)
    if question is None or answer is None:
        raise DocumentParseError(
            f"{path.name}: a Q&A sheet needs a question column (one of {QUESTION_COLUMNS}) and "
            f"an answer column (one of {ANSWER_COLUMNS}); its columns are {table.columns}"
        )
    unit = _find_column(table.columns, UNIT_COLUMNS)
    passages: list[Passage] = []
    for row_number, record in enumerate(table.records(), start=1):
        asked, told = (record.get(question) or "").strip(), (record.get(answer) or "").strip()
        if not told:
            continue
        row_unit = (record.get(unit) or None) if unit else document.unit
        for chunk in chunk_text(told, max_chars):
            position = len(passages) + 1
            passages.append(
                Passage(
                    passage_id=f"{document.doc_id}#{position}",
                    doc_id=document.doc_id,
                    text=chunk,
                    heading_path=(asked,) if asked else (),
                    article=f"第{row_number}行",
                    source=document.source,
                    version=document.version,
                    unit=row_unit,
                    position=position,
                    extra={"row": str(row_number)},
                )
            )
    return passages
