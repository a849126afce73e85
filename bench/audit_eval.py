"""Evaluate the reply audit on the real pairs in ../shared/data and print the figures.

    PYTHONPATH=src python bench/audit_eval.py            # markdown for bench/results.md
    PYTHONPATH=src python bench/audit_eval.py --json     # the raw summaries

For each source it runs the same evaluation as ``civicgrid audit eval`` twice: on the full
file (score distribution, faults) and on the 100 hand-checked pairs, whose ids and labels
are joined from bench/audit_labels/*.csv to the real file in memory (agreement and Cohen's
kappa of the completeness + relevance verdict against the labels). No text is written.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from civicgrid.audit import audit
from civicgrid.audit.evaluation import Columns, evaluate_table
from civicgrid.audit.statistics import AuditRecord, unit_month_statistics
from civicgrid.intake.files import Table, read_table

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
LABELS = ROOT / "bench" / "audit_labels"

SOURCES: dict[str, dict[str, Any]] = {
    "tipdm2020c attachment 4": {
        "file": "tipdm2020c/attachment4_messages_with_replies.csv",
        "labels": "tipdm_att4_sample.csv",
        "id": "留言编号",
        "columns": Columns(request="留言详情", reply="答复意见", label=None, title="留言主题",
                           received="留言时间", replied="答复时间"),
    },
    "shangluo-mayor-mailbox": {
        "file": "shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv",
        "labels": "shangluo_sample.csv",
        "id": "mail_id",
        "columns": Columns(request="query", reply="reply", label=None, title="title",
                           received="query_date", replied="reply_date"),
    },
}


def labelled(table: Table, label_file: Path, id_column: str) -> Table:
    """The rows of ``table`` whose id is in the label file, with a ``label`` column added."""
    with label_file.open(encoding="utf-8") as handle:
        labels = {row[id_column]: row["label"] for row in csv.DictReader(handle)}
    ids = table.values(id_column)
    rows = [row + [labels[i]] for row, i in zip(table.rows, ids, strict=True) if i in labels]
    return Table(columns=table.columns + ["label"], rows=rows, encoding=table.encoding)


def run() -> dict[str, dict[str, Any]]:
    results = {}
    for name, source in SOURCES.items():
        table = read_table(DATA / source["file"])
        columns: Columns = source["columns"]
        full = evaluate_table(table, columns).summary
        sample_columns = Columns(**{**columns.__dict__, "label": "label"})
        sample = evaluate_table(labelled(table, LABELS / source["labels"], source["id"]),
                                sample_columns).summary
        results[name] = {"full": full, "sample": sample}
    return results


def shangluo_units(top: int = 5) -> list[str]:
    """Markdown rows: the unit-months of the Shangluo file with the most replies audited."""
    records = []
    for row in read_table(DATA / SOURCES["shangluo-mayor-mailbox"]["file"]).records():
        if not row["reply_agency"] or not row["reply_date"]:
            continue
        verdict = audit(row["query"], row["reply"], title=row["title"])
        records.append(AuditRecord.from_verdict(verdict, unit=row["reply_agency"],
                                                audited_at=row["reply_date"]))
    busiest = sorted(unit_month_statistics(records), key=lambda r: (-r.audited, r.month))[:top]
    lines = ["| unit | month | audited | returned | top faults |",
             "| --- | --- | ---: | ---: | --- |"]
    for r in busiest:
        faults = ", ".join(f"{name} {n}" for name, n in r.top_faults)
        lines.append(f"| {r.unit} | {r.month} | {r.audited} | {r.returned} | {faults} |")
    return lines


def markdown(results: dict[str, dict[str, Any]]) -> str:
    lines = ["| set | rows | mean score | median | pass | pass with notes | return |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, result in results.items():
        s = result["full"]["scores"]
        v = s["verdicts"]
        lines.append(f"| {name} | {s['count']} | {s['mean']} | {s['median']} | {v['pass']} | "
                     f"{v['pass_with_notes']} | {v['return']} |")
    lines += ["", "Score histogram (rows per bin):", "",
              "| set | " + " | ".join(next(iter(results.values()))["full"]["scores"]["histogram"])
              + " |", "| --- |" + " ---: |" * 10]
    for name, result in results.items():
        hist = result["full"]["scores"]["histogram"]
        lines.append(f"| {name} | " + " | ".join(str(n) for n in hist.values()) + " |")
    lines += ["", "Rows with at least one finding, per check (full sets):", "",
              "| set | " + " | ".join(next(iter(results.values()))["full"]["faults"]) + " |",
              "| --- |" + " ---: |" * 6]
    for name, result in results.items():
        lines.append(f"| {name} | " + " | ".join(str(n) for n in result["full"]["faults"].values())
                     + " |")
    lines += ["", "Most frequent finding codes (full sets):", ""]
    for name, result in results.items():
        top = list(result["full"]["fault_codes"].items())[:10]
        lines.append(f"- {name}: " + ", ".join(f"{code} {n}" for code, n in top))
    lines += ["", "Hand-checked samples (completeness + relevance verdict vs label):", "",
              "| sample | labelled | label 1 | agreement | kappa | l1/p1 | l1/p0 | l0/p1 | l0/p0 |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, result in results.items():
        s = result["sample"]
        c = s["confusion"]
        ones = c["label1_pred1"] + c["label1_pred0"]
        lines.append(f"| {name} | {s['labelled']} | {ones} | {s['agreement']} | {s['kappa']} | "
                     f"{c['label1_pred1']} | {c['label1_pred0']} | {c['label0_pred1']} | "
                     f"{c['label0_pred0']} |")
    lines += ["", "Statistics helper on Shangluo (reply_agency as the unit, reply_date as the "
              "month), the busiest unit-months:", ""] + shangluo_units()
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if not DATA.is_dir():
        sys.exit(f"real data not found at {DATA}")
    results = run()
    if "--json" in argv:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(markdown(results))


if __name__ == "__main__":
    main(sys.argv[1:])
