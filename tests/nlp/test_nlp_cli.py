"""``civicgrid nlp`` and ``civicgrid route`` commands on small generated CSV files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicgrid.cli.main import app
from civicgrid.nlp.generated import generated_requests

runner = CliRunner()


@pytest.fixture(scope="module")
def labelled_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 generated rows; every 10th has an empty category (12 rows)."""
    path = tmp_path_factory.mktemp("data") / "requests.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["诉求内容", "类别", "承办单位"])
        for i, r in enumerate(generated_requests(120, seed=3)):
            writer.writerow([r.text, "" if i % 10 == 3 else r.category, r.unit])
    return path


def invoke(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def trained(labelled_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models") / "category"
    code, _ = invoke("nlp", "train", "--data", labelled_csv, "--text-col", "诉求内容",
                     "--label-col", "类别", "--model-out", folder)
    assert code == 0
    return folder


def test_train_writes_a_versioned_model(trained: Path) -> None:
    card = json.loads((trained / "model.json").read_text(encoding="utf-8"))
    assert card["version"].startswith("cat-") and card["examples"] == 108


def test_eval_json_has_the_required_keys(labelled_csv: Path, trained: Path) -> None:
    code, out = invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                       "--label-col", "类别", "--model", trained, "--json", "--cv", "3")
    result = json.loads(out)
    assert code == 0
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(result)
    assert result["skipped_empty_label"] == 12 and result["scored"] == 108


def test_empty_labels_are_not_a_class(labelled_csv: Path, trained: Path) -> None:
    _, out = invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                    "--label-col", "类别", "--json", "--cv", "3")
    result = json.loads(out)
    assert "" not in result["per_class"] and len(result["per_class"]) == 5


def test_predictions_file_has_one_row_per_scored_row(labelled_csv: Path, trained: Path,
                                                     tmp_path: Path) -> None:
    target = tmp_path / "pred.csv"
    invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "诉求内容", "--label-col", "类别",
           "--model", trained, "--cv", "3", "--predictions", target)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert list(rows[0]) == ["row", "label"]
    assert len(rows) == 108 and "4" not in {r["row"] for r in rows}
    assert {r["row"] for r in rows} >= {"1", "2", "3", "5", "120"}


def test_eval_on_training_file_cross_validates_and_says_so(labelled_csv: Path,
                                                           trained: Path) -> None:
    _, out = invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                    "--label-col", "类别", "--model", trained, "--json")
    assert "cross-validation" in json.loads(out)["method"]


def test_unknown_column_fails_with_the_available_columns(labelled_csv: Path) -> None:
    code, out = invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "内容",
                       "--label-col", "类别", "--json", "--cv", "3")
    assert code != 0 and "诉求内容" in json.loads(out)["error"]


def test_missing_model_fails_with_a_hint(labelled_csv: Path, tmp_path: Path) -> None:
    code, out = invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                       "--label-col", "类别", "--model", tmp_path / "none", "--json")
    assert code != 0 and "nlp train" in json.loads(out)["error"]


def test_route_train_and_eval_print_top1_and_top3(labelled_csv: Path, tmp_path: Path) -> None:
    folder = tmp_path / "routing"
    code, _ = invoke("route", "train", "--data", labelled_csv, "--text-col", "诉求内容",
                     "--unit-col", "承办单位", "--model-out", folder)
    assert code == 0
    code, out = invoke("route", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                       "--unit-col", "承办单位", "--model", folder, "--json", "--cv", "3")
    result = json.loads(out)
    assert code == 0 and 0.0 <= result["top1"] <= result["top3"] <= 1.0
    assert result["units"] == 5 and result["units_seen_once"] == 0


def test_route_eval_human_output_names_top1_and_top3(labelled_csv: Path) -> None:
    code, out = invoke("route", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                       "--unit-col", "承办单位", "--cv", "3")
    assert code == 0 and "top1:" in out and "top3:" in out


def test_unknown_algorithm_is_refused(labelled_csv: Path) -> None:
    code, _ = invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                     "--label-col", "类别", "--cv", "3", "--algorithm", "bert")
    assert code != 0


def test_plain_svm_algorithm_trains_and_evaluates(labelled_csv: Path) -> None:
    code, out = invoke("nlp", "eval", "--data", labelled_csv, "--text-col", "诉求内容",
                       "--label-col", "类别", "--cv", "3", "--algorithm", "svm", "--json")
    assert code == 0 and json.loads(out)["macro_f1"] > 0.5


def test_eval_on_other_rows_scores_the_saved_model(trained: Path, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["诉求内容", "类别"])
        for r in generated_requests(400, seed=99)[-40:]:
            writer.writerow([r.text + "（另一批）", r.category])
    code, out = invoke("nlp", "eval", "--data", path, "--text-col", "诉求内容",
                       "--label-col", "类别", "--model", trained, "--json")
    result = json.loads(out)
    assert code == 0 and result["method"].startswith("saved model")
    assert result["model_version"].startswith("cat-") and result["scored"] == 40
