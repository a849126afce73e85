"""``civicgrid classes …``: mine recurring problem classes, hot issues, effect tests, reports.

All commands work on files, without a database:

* ``classes mine --data FILE --text-col NAME [--time-col NAME] [--json]``
* ``classes hot --data FILE --text-col NAME [--reporter-col …] [--likes-col …] [--json]``
* ``classes evaluate [--data FILE] [--labels FILE] [--json]`` – ARI on tipdm2020c attachment 3
* ``classes effect --before 30,28,33 --after 10,12,9 [--after-last-year …] [--json]``
* ``classes report weekly|monthly|quarterly --input DATA.json --out FILE.docx|.xlsx``

Row numbers are 1-based data rows, header excluded.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import typer

from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.intake.files import Table, TableError, read_table

log = logging.getLogger(__name__)

app = typer.Typer(help="Recurring problem classes (一类事), hot issues and reports.",
                  no_args_is_help=True)

REPO_ROOT = Path(__file__).resolve().parents[3]
ATTACHMENT_3 = (
    REPO_ROOT / ".." / "shared" / "data" / "tipdm2020c" / "attachment3_messages_with_votes.csv"
)
SAMPLE_LABELS = REPO_ROOT / "bench" / "classes_labels" / "attachment3_sample_labels.csv"

DataOption = typer.Option(..., "--data", help="CSV or XLSX file of cases.")
TextOption = typer.Option(..., "--text-col", help="Column holding the request text.")
TimeOption = typer.Option(None, "--time-col", help="Column holding the request time.")
SheetOption = typer.Option(None, "--sheet", help="XLSX sheet name (default: the first).")
MinSizeOption = typer.Option(
    None, "--min-class-size", help="Smallest class (default rows/200, >=5)."
)
EmbeddingsOption = typer.Option(
    False, "--embeddings",
    help="Also use e5 sentence embeddings (slow; cached under the data folder).",
)


def _column(table: Table, name: str | None) -> list[str | None] | None:
    return table.values(name) if name else None


def _load(path: Path, sheet: str | None, as_json: bool) -> Table:
    try:
        return read_table(path, sheet=sheet)
    except TableError as exc:
        fail(str(exc), as_json)


def _run(
    table: Table, *, text_col: str, time_col: str | None, category_col: str | None,
    place_col: str | None, min_size: int | None, previous: Path | None,
    decisions: Path | None, run_name: str, embeddings: bool, as_json: bool,
    fine: bool = False,
) -> Any:
    from civicgrid.insights.lineage import ClassRecord, decision_from_dict
    from civicgrid.insights.mining import MiningSettings
    from civicgrid.insights.service import default_min_class_size, mine_run

    try:
        texts = table.values(text_col)
        times, categories, places = (_column(table, c) for c in (time_col, category_col, place_col))
        register = [ClassRecord.from_dict(c) for c in _read_json(previous, "classes")]
        steps = [decision_from_dict(d) for d in _read_json(decisions, "decisions")]
        if fine:
            # Hot issues are specific recurring events: small leaf classes, no border cases.
            settings = MiningSettings(
                min_cluster_size=min_size or 5, selection="leaf", attach_similarity=None
            )
        else:
            size = min_size or default_min_class_size(len(texts))
            settings = MiningSettings(min_cluster_size=size)
        vectors = _embeddings(texts) if embeddings else None
        return mine_run(
            texts, times=times, categories=categories, places=places, previous=register,
            decisions=steps, run=run_name, settings=settings,
            embeddings=vectors,
        )
    except (TableError, ValueError, KeyError, ImportError, OSError) as exc:
        fail(f"{type(exc).__name__}: {exc}", as_json)


def _read_json(path: Path | None, key: str) -> list[dict[str, Any]]:
    if path is None:
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data.get(key, []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError(f"{path}: expected a list under {key!r}")
    return items


def _embeddings(texts: list[str | None]) -> Any:
    from civicgrid.insights.embeddings import EmbeddingStore
    from civicgrid.settings import get_settings

    store = EmbeddingStore(get_settings().data_dir / "embeddings" / "e5-small.npz")
    progress(f"embeddings: {len(store)} cached; embedding the rest of {len(texts)} texts")
    return store.embed(texts)


def _mine_summary(result: dict[str, Any]) -> str:
    lines = [f"{len(result['classes'])} classes, {len(result['noise'])} one-off rows "
             f"of {result['rows']}"]
    lines += [f"{c['id']}  {c['size']:>5}  {c['label']}" for c in result["classes"]]
    lines += [f"note: {n}" for n in result["notes"]]
    return "\n".join(lines)


@app.command("mine")
def mine(
    data: Path = DataOption,
    text_col: str = TextOption,
    time_col: str | None = TimeOption,
    category_col: str | None = typer.Option(None, "--category-col", help="Category column."),
    place_col: str | None = typer.Option(None, "--place-col", help="Place column."),
    sheet: str | None = SheetOption,
    min_class_size: int | None = MinSizeOption,
    previous: Path | None = typer.Option(None, "--previous", help="Register JSON of the last run."),
    decisions: Path | None = typer.Option(None, "--decisions", help="Staff decisions JSON."),
    register_out: Path | None = typer.Option(None, "--register-out", help="Write the register."),
    run_name: str = typer.Option("", "--run", help="Name of this run, e.g. 2026-11."),
    embeddings: bool = EmbeddingsOption,
    as_json: bool = JsonOption,
) -> None:
    """Group cases into recurring problem classes; one-off cases are listed as noise."""
    table = _load(data, sheet, as_json)
    run = _run(
        table, text_col=text_col, time_col=time_col, category_col=category_col,
        place_col=place_col, min_size=min_class_size, previous=previous, decisions=decisions,
        run_name=run_name, embeddings=embeddings, as_json=as_json,
    )
    if register_out is not None:
        register = {"classes": [c.to_dict() for c in run.reconciliation.classes]}
        register_out.write_text(json.dumps(register, ensure_ascii=False, indent=1), "utf-8")
    emit(run.to_dict(), as_json, _mine_summary)


@app.command("hot")
def hot(
    data: Path = DataOption,
    text_col: str = TextOption,
    time_col: str | None = TimeOption,
    reporter_col: str | None = typer.Option(None, "--reporter-col", help="Reporter id column."),
    place_col: str | None = typer.Option(
        None, "--place-col", help="Place column (else from text)."
    ),
    likes_col: str | None = typer.Option(None, "--likes-col", help="Likes column."),
    dislikes_col: str | None = typer.Option(None, "--dislikes-col", help="Dislikes column."),
    top: int = typer.Option(10, "--top", min=1, help="How many hot issues."),
    sheet: str | None = SheetOption,
    min_class_size: int | None = MinSizeOption,
    as_json: bool = JsonOption,
) -> None:
    """Rank specific recurring problems by heat index (count, reporters, votes, burst, spread).

    Mines finer classes than ``mine`` (HDBSCAN leaf clusters of at least 5 cases, no border
    cases attached), because a hot issue is one estate's or one policy's problem.
    """
    from civicgrid.insights.heat import CaseFacts, place_from_text
    from civicgrid.insights.service import hot_issue_list

    table = _load(data, sheet, as_json)
    run = _run(
        table, text_col=text_col, time_col=time_col, category_col=None, place_col=place_col,
        min_size=min_class_size, previous=None, decisions=None, run_name="",
        embeddings=False, as_json=as_json, fine=True,
    )
    try:
        places = _column(table, place_col) or [place_from_text(t) for t in table.values(text_col)]
        facts = CaseFacts(
            reporters=_column(table, reporter_col), times=_column(table, time_col),
            places=places, likes=_column(table, likes_col), dislikes=_column(table, dislikes_col),
        )
    except TableError as exc:
        fail(str(exc), as_json)
    result = hot_issue_list(run, facts, top=top)
    result["notes"] = run.to_dict()["notes"] + result["notes"]
    emit(result, as_json, _hot_summary)


def _hot_summary(result: dict[str, Any]) -> str:
    lines = []
    for n, issue in enumerate(result["hot_issues"], start=1):
        places = "、".join(p["place"] for p in issue["places"][:3])
        lines.append(f"{n:>2}. [{issue['heat']:5.1f}] {issue['label']} ({issue['size']} 件; "
                     f"{issue['first'] or '?'} – {issue['last'] or '?'}; {places})")
    return "\n".join(lines + [f"note: {n}" for n in result["notes"]])


@app.command("evaluate")
def evaluate(
    data: Path = typer.Option(ATTACHMENT_3, "--data", help="tipdm2020c attachment 3 CSV."),
    labels: Path = typer.Option(SAMPLE_LABELS, "--labels", help="Hand labels (ids, names)."),
    text_col: str = typer.Option("留言主题", "--text-col", help="Text column mined."),
    id_col: str = typer.Option("留言编号", "--id-col", help="Message id column."),
    min_class_size: int | None = MinSizeOption,
    as_json: bool = JsonOption,
) -> None:
    """Adjusted Rand index of mined classes against the hand-labelled sample."""
    from civicgrid.insights.evaluation import read_sample_labels, sample_agreement

    table = _load(data, None, as_json)
    run = _run(
        table, text_col=text_col, time_col=None, category_col=None, place_col=None,
        min_size=min_class_size, previous=None, decisions=None, run_name="evaluation",
        embeddings=False, as_json=as_json,
    )
    try:
        ids = [str(v) for v in table.values(id_col)]
        agreement = sample_agreement(run.clustering, ids, read_sample_labels(labels))
    except (TableError, ValueError, OSError) as exc:
        fail(str(exc), as_json)
    classes = [{k: c[k] for k in ("id", "label", "size")} for c in run.classes()]
    result = {
        "ari": round(agreement.ari, 4), "sample_size": agreement.sample_size,
        "sample_mined_noise": agreement.mined_noise,
        "sample_labelled_one_off": agreement.labelled_one_off, "rows": len(ids),
        "noise": len(run.clustering.noise), "classes": classes,
    }
    emit(result, as_json, lambda r: f"ARI {r['ari']:.2f} on {r['sample_size']} labelled messages; "
         f"{len(r['classes'])} classes, {r['noise']} one-off rows of {r['rows']}")


def _counts(text: str | None, name: str) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise typer.BadParameter(f"{name} must be comma-separated whole counts, got {text!r}")


@app.command("effect")
def effect(
    before: str = typer.Option(..., "--before", help="Cases per period before, e.g. 30,28,33."),
    after: str = typer.Option(..., "--after", help="Cases per period after the ticket."),
    after_last_year: str | None = typer.Option(
        None, "--after-last-year", help="Same periods a year earlier."
    ),
    before_last_year: str | None = typer.Option(
        None, "--before-last-year", help="Before periods a year earlier."
    ),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    as_json: bool = JsonOption,
) -> None:
    """Test whether a class's case rate changed after a governance ticket beyond chance."""
    from civicgrid.insights.effect import governance_effect

    try:
        result = governance_effect(
            _counts(before, "--before") or [], _counts(after, "--after") or [],
            after_last_year=_counts(after_last_year, "--after-last-year"),
            before_last_year=_counts(before_last_year, "--before-last-year"), alpha=alpha,
        )
    except ValueError as exc:
        fail(str(exc), as_json)
    emit(result.to_dict(), as_json, lambda r: r["summary"])


@app.command("report")
def report(
    kind: str = typer.Argument(..., help="weekly | monthly | quarterly"),
    input_path: Path = typer.Option(..., "--input", help="Report data JSON (see report_data)."),
    out: Path = typer.Option(..., "--out", help="Output file, .docx or .xlsx."),
    as_json: bool = JsonOption,
) -> None:
    """Write a weekly (每周一议), monthly or quarterly report from a data file."""
    from civicgrid.insights.report_data import ReportDataError
    from civicgrid.insights.reports import write_docx, write_xlsx

    writers = {".docx": write_docx, ".xlsx": write_xlsx}
    if out.suffix.lower() not in writers:
        fail(f"--out must end in .docx or .xlsx, got {out.name!r}", as_json)
    try:
        data = json.loads(input_path.read_text(encoding="utf-8"))
        data["kind"] = kind
        path = writers[out.suffix.lower()](data, out)
    except (OSError, ValueError, ReportDataError) as exc:
        fail(f"{type(exc).__name__}: {exc}", as_json)
    emit({"out": str(path), "kind": kind}, as_json, lambda r: f"report written: {r['out']}")


@app.command("run")
def run(
    month: str = typer.Option(None, "--month", help="YYYY-MM (default: month of the newest case)."),
    months: int = typer.Option(12, "--months", help="Months of cases mined, ending with --month."),
    min_size: int = MinSizeOption,
    as_json: bool = JsonOption,
) -> None:
    """Monthly class-mining run over the cases in the database (ids stay stable)."""
    from civicgrid.db.runtime import open_database
    from civicgrid.errors import CivicGridError
    from civicgrid.insights.register import run_month
    from civicgrid.settings import get_settings

    db = open_database(get_settings())
    try:
        with db.sessions() as session:
            result = run_month(session=session, month=month, months=months,
                               min_class_size=min_size)
            session.commit()
    except CivicGridError as exc:
        fail(f"{exc.message} ({exc.field}={exc.value!r})", as_json)
    finally:
        db.engine.dispose()
    emit(result, as_json, _run_summary)


def _run_summary(result: dict[str, Any]) -> str:
    lines = [f"run {result['month']}: {result['cases']} cases, {result['class_count']} classes, "
             f"{result['classed']} cases classed"]
    lines += [f"  {c['id']}  {c['size']:>5}  {c['label']}" for c in result.get("classes", [])[:20]]
    lines += [f"note: {n}" for n in result["notes"]]
    return "\n".join(lines)
