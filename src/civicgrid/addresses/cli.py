"""``civicgrid address …``: parse addresses, train and score the address tagger, convert datums.

* ``parse TEXT`` prints the parsed levels, codes, flags and confidence;
* ``train --conll FILE [--model-out DIR]`` trains the CRF tagger on a tagged file;
* ``eval --conll FILE [--model DIR] [--cv K] [--json] [--predictions FILE]`` scores a model
  on a tagged file, or cross-validates on it, at entity level;
* ``convert LON LAT --from CRS --to CRS`` converts one coordinate.

None of them needs a database.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import typer

from civicgrid.addresses import crf
from civicgrid.addresses.conll import (
    ConllError,
    TaggedAddress,
    read_conll,
    score,
    write_predictions,
)
from civicgrid.addresses.datums import Point, convert
from civicgrid.addresses.parser import parse as parse_address
from civicgrid.cli.output import JsonOption, emit, fail, progress
from civicgrid.settings import get_settings

log = logging.getLogger(__name__)

app = typer.Typer(help="Addresses: parser, address tagger (CRF), coordinate datums.",
                  no_args_is_help=True)

MODEL_NAME = "address-crf"


def _default_model_dir() -> Path:
    return get_settings().data_dir / "models" / MODEL_NAME


@app.command("parse")
def parse_command(text: str = typer.Argument(..., help="An address or a request text."),
                  as_json: bool = JsonOption) -> None:
    """Parse one address into standard levels with codes, flags and a confidence."""
    result = parse_address(text).as_dict()

    def human(r: dict[str, object]) -> str:
        keys = ("province", "city", "district", "street", "community", "road", "road_number",
                "poi", "building", "unit", "floor", "room", "remainder")
        lines = [f"{k}: {r[k]}" for k in keys if r.get(k)]
        lines.append(f"level: {r['level']}  confidence: {r['confidence']}  flags: {r['flags']}")
        return "\n".join(lines)

    emit(result, as_json, human)


@app.command("train")
def train_command(
    conll: Path = typer.Option(..., "--conll", help="Tagged file: 'token TAG' per line."),
    model_out: Path | None = typer.Option(None, "--model-out",
                                          help="Model folder [<data>/models/address-crf]."),
    max_iterations: int = typer.Option(80, "--max-iterations", help="L-BFGS iteration cap."),
    as_json: bool = JsonOption,
) -> None:
    """Train the CRF address tagger on a BIOES or BIO tagged file."""
    addresses = _read(conll, as_json)
    target = model_out or _default_model_dir()
    started = time.perf_counter()
    crf.train(addresses, target, crf.CrfSettings(max_iterations=max_iterations))
    result = {"model": str(target), "addresses": len(addresses),
              "train_seconds": round(time.perf_counter() - started, 1)}
    emit(result, as_json, lambda r: f"trained on {r['addresses']} addresses -> {r['model']} "
                                    f"({r['train_seconds']} s)")


@app.command("eval")
def eval_command(
    conll: Path = typer.Option(..., "--conll", help="Tagged file to score on."),
    model: Path | None = typer.Option(
        None, "--model", help="Model folder [<data>/models/address-crf]."
    ),
    cv: int | None = typer.Option(
        None, "--cv", help="Cross-validate with K folds instead (--model is then unused)."
    ),
    predictions: Path | None = typer.Option(None, "--predictions",
                                            help="Write a CSV with columns row, tags."),
    max_iterations: int = typer.Option(80, "--max-iterations", help="L-BFGS cap (with --cv)."),
    workers: int = typer.Option(2, "--workers", help="Folds trained at once (with --cv)."),
    as_json: bool = JsonOption,
) -> None:
    """Entity-level precision, recall and F1 (micro) of the tagger on a tagged file."""
    addresses = _read(conll, as_json)
    started = time.perf_counter()
    if cv is not None:
        if cv < 2 or cv > len(addresses):
            fail(f"--cv {cv}: needs 2 <= K <= {len(addresses)} (the number of addresses)",
                 as_json)
        settings = crf.CrfSettings(max_iterations=max_iterations)
        progress(f"cross-validating {len(addresses)} addresses with {cv} folds")
        with tempfile.TemporaryDirectory(prefix="civicgrid-cv-") as work:
            result = crf.cross_validate(addresses, cv, Path(work), settings, workers=workers)
        scored, predicted = result.score, result.predictions
    else:
        try:
            tagger = crf.load(model or _default_model_dir())
        except crf.ModelError as exc:
            fail(str(exc), as_json)
        predicted = tagger.tag_many([a.tokens for a in addresses])
        scored = score([a.tags for a in addresses], predicted)
    if predictions is not None:
        write_predictions(predictions, predicted)
    out = scored.as_dict() | {"cv": cv, "seconds": round(time.perf_counter() - started, 1)}

    def human(r: dict[str, object]) -> str:
        return (f"{r['addresses']} addresses: precision {r['precision']:.4f} "
                f"recall {r['recall']:.4f} F1 {r['f1']:.4f}")

    emit(out, as_json, human)


@app.command("convert")
def convert_command(
    lon: float = typer.Argument(..., help="Longitude in degrees."),
    lat: float = typer.Argument(..., help="Latitude in degrees."),
    source: str = typer.Option(..., "--from", help="WGS84, CGCS2000, GCJ02 or BD09."),
    target: str = typer.Option(..., "--to", help="WGS84, CGCS2000, GCJ02 or BD09."),
    as_json: bool = JsonOption,
) -> None:
    """Convert one coordinate between datums (iterative inverse, < 0.01 m)."""
    try:
        point = convert(Point(lon, lat, source), target)
    except ValueError as exc:
        fail(str(exc), as_json)
    out = {"lon": point.lon, "lat": point.lat, "crs": point.crs.value}
    emit(out, as_json, lambda r: f"{r['lon']:.7f} {r['lat']:.7f} {r['crs']}")


def _read(path: Path, as_json: bool) -> list[TaggedAddress]:
    try:
        return read_conll(path)
    except ConllError as exc:
        fail(str(exc), as_json)


base_app = typer.Typer(help="The standard address base in the database: generate, import.",
                       no_args_is_help=True)
app.add_typer(base_app, name="base")


def _base_sessions():
    from civicgrid.db.runtime import open_database
    from civicgrid.settings import get_settings

    return open_database(get_settings()).sessions


@base_app.command("generate")
def base_generate_command(as_json: bool = JsonOption) -> None:
    """Lay the generated demo base (labelled generated) inside the grids in force, once."""
    from civicgrid.addresses.base import generate_demo_base

    with _base_sessions()() as session:
        report = generate_demo_base(session)
        session.commit()
    emit(report, as_json)


@base_app.command("import")
def base_import_command(file: Path, sheet: str | None = typer.Option(None),
                        as_json: bool = JsonOption) -> None:
    """Import buildings and houses from CSV, XLSX or GeoJSON; bad rows are reported."""
    import json

    from civicgrid.addresses.base import import_geojson, import_table
    from civicgrid.intake.files import TableError

    with _base_sessions()() as session:
        try:
            if file.suffix.lower() in {".geojson", ".json"}:
                report = import_geojson(session, json.loads(file.read_text("utf-8-sig")))
            else:
                report = import_table(session, file, sheet=sheet)
        except (OSError, ValueError, TableError) as exc:
            fail(f"cannot import {file}: {exc}", as_json)
        session.commit()
    emit(report, as_json)


@base_app.command("match")
def base_match_command(
    file: Path,
    column: str = typer.Option("address", help="The column holding the address text."),
    ref_column: str | None = typer.Option(None, "--ref", help="Column with each row's id."),
    review_out: Path | None = typer.Option(None, help="Write the review queue here (CSV)."),
    as_json: bool = JsonOption,
) -> None:
    """Match an outside list (CSV/XLSX) to the base: decisions, review queue, report."""
    import csv

    from civicgrid.addresses.matching import report
    from civicgrid.addresses.placing import base_index
    from civicgrid.intake.files import TableError, read_table

    try:
        table = read_table(file)
        texts = table.values(column)
        refs = table.values(ref_column) if ref_column else None
    except (OSError, TableError) as exc:
        fail(f"cannot read {file}: {exc}", as_json)
    with _base_sessions()() as session:
        index = base_index(session)
        results = [index.match_text(refs[i] if refs else str(i + 1), text or "")
                   for i, text in enumerate(texts)]
    summary = report(results)
    if review_out is not None:
        with review_out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["ref", "house_code", "probability"])
            for item in summary["review_queue"]:
                writer.writerow([item["ref"], item["code"], item["probability"]])
    emit({"total": summary["total"], "decisions": summary["decisions"],
          "review_queue": len(summary["review_queue"])}, as_json)


@base_app.command("gas-link")
def gas_link_command(demo: bool = typer.Option(False, help="Use the generated customer list."),
                     file: Path | None = typer.Option(None, help="CSV/XLSX: customer_ref, "
                                                      "address, usage_m3."),
                     min_usage: float = typer.Option(1.0, help="m³ a month that counts as use."),
                     as_json: bool = JsonOption) -> None:
    """Open verification tasks for houses that use gas but have nobody registered."""
    from civicgrid.addresses.gas import customers_for_check, link_customers
    from civicgrid.errors import CivicGridError
    from civicgrid.intake.files import TableError, read_table

    with _base_sessions()() as session:
        if file is not None:
            try:
                table = read_table(file)
                customers = [dict(zip(table.columns, row, strict=False)) for row in table.rows]
            except (OSError, TableError) as exc:
                fail(f"cannot read {file}: {exc}", as_json)
            source = "file"
        else:
            found = customers_for_check(session, demo=demo)
            if found is None:
                fail("give --file or --demo (no gas usage imported into ground data yet: "
                     "`civicgrid ground usage-import FILE --utility gas`)", as_json)
            customers, source = found
        try:
            report = link_customers(session, customers, min_usage=min_usage)
        except CivicGridError as exc:
            fail(exc.message, as_json)
        session.commit()
    emit({k: v for k, v in report.items() if k != "review_queue"}
         | {"review_queue": len(report["review_queue"]), "generated": source == "generated",
            "source": source}, as_json)
