"""Evaluation: kappa, agreement, label parsing, and the `audit eval` command's output."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from civicgrid.audit.evaluation import agreement_summary, cohen_kappa
from civicgrid.cli.main import app
from tests.audit.conftest import GOOD_REPLY, REQUEST

BAD_REPLY = "您好！您反映的问题已收悉，已转相关部门调查处理。感谢您对我们工作的支持！"


def test_answering_pass_for_every_reply_scores_kappa_zero():
    labels = [1, 0, 1, 1, 0, 1, 0, 1]
    assert cohen_kappa(labels, [1] * len(labels)) == 0.0


def test_kappa_of_perfect_agreement_is_one():
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0


def test_kappa_matches_a_hand_computed_value():
    # p_o = 0.7; label rate 0.6, predicted rate 0.5 -> p_e = 0.5; kappa = 0.2 / 0.5 = 0.4.
    labels = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    predicted = [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]
    assert cohen_kappa(labels, predicted) == pytest.approx(0.4)


def test_agreement_summary_counts_the_confusion_cells():
    summary = agreement_summary([(1, 1), (1, 0), (0, 0), (0, 1), (1, 1)])
    assert summary["confusion"] == {"label1_pred1": 2, "label1_pred0": 1, "label0_pred1": 1,
                                    "label0_pred0": 1}
    assert summary["agreement"] == 0.6


def write_pairs(path, rows, header=("请求", "答复", "标注")):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_eval(*args):
    return CliRunner().invoke(app, ["audit", "eval", *args])


def test_eval_json_has_scores_faults_agreement_and_kappa(tmp_path):
    data = write_pairs(tmp_path / "pairs.csv", [
        (REQUEST, GOOD_REPLY, "1"), (REQUEST, BAD_REPLY, "0.0"), (REQUEST, GOOD_REPLY, "1.0"),
        (REQUEST, "", "0"),
    ])
    result = run_eval("--data", str(data), "--request-col", "请求", "--reply-col", "答复",
                      "--label-col", "标注", "--json")
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert {"scores", "faults", "agreement", "kappa"} <= set(output)
    assert output["scores"]["verdicts"] == {"pass": 2, "pass_with_notes": 0, "return": 2}
    assert output["faults"]["completeness"] == 2
    assert (output["agreement"], output["kappa"]) == (1.0, 1.0)


def test_eval_without_labels_has_no_kappa(tmp_path):
    data = write_pairs(tmp_path / "pairs.csv", [(REQUEST, GOOD_REPLY, "")])
    result = run_eval("--data", str(data), "--request-col", "请求", "--reply-col", "答复", "--json")
    output = json.loads(result.stdout)
    assert "kappa" not in output and output["rows"] == 1


def test_eval_writes_one_prediction_row_per_data_row(tmp_path):
    data = write_pairs(tmp_path / "pairs.csv", [
        (REQUEST, GOOD_REPLY, "1"), (REQUEST, BAD_REPLY, "0"), (REQUEST, "<p>&nbsp;</p>", "0"),
    ])
    predictions = tmp_path / "out" / "predictions.csv"
    result = run_eval("--data", str(data), "--request-col", "请求", "--reply-col", "答复",
                      "--predictions", str(predictions), "--json")
    assert result.exit_code == 0, result.output
    with predictions.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["row", "verdict"], ["1", "1"], ["2", "0"], ["3", "0"]]


def test_eval_refuses_a_label_that_is_not_zero_or_one(tmp_path):
    data = write_pairs(tmp_path / "pairs.csv", [(REQUEST, GOOD_REPLY, "yes")])
    result = run_eval("--data", str(data), "--request-col", "请求", "--reply-col", "答复",
                      "--label-col", "标注", "--json")
    assert result.exit_code == 1
    assert "data row 1: 'yes' is not a label" in json.loads(result.stdout)["error"]


def test_eval_names_the_available_columns_when_one_is_missing(tmp_path):
    data = write_pairs(tmp_path / "pairs.csv", [(REQUEST, GOOD_REPLY, "1")])
    result = run_eval("--data", str(data), "--request-col", "request", "--reply-col", "答复",
                      "--json")
    assert result.exit_code == 1
    assert "its columns are: 请求, 答复, 标注" in json.loads(result.stdout)["error"]


def test_check_command_prints_one_json_verdict():
    result = CliRunner().invoke(app, ["audit", "check", "--request", REQUEST, "--reply", BAD_REPLY,
                                      "--json"])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert (output["verdict"], output["findings"][0]["code"]) == ("return", "formula_only")


def test_check_command_with_llm_but_no_endpoint_records_the_fallback(monkeypatch):
    from civicgrid.settings import reset_settings

    monkeypatch.delenv("CIVICGRID_LLM_BASE_URL", raising=False)
    reset_settings()
    result = CliRunner().invoke(app, ["audit", "check", "--request", REQUEST, "--reply", GOOD_REPLY,
                                      "--llm", "--json"])
    output = json.loads(result.stdout)
    assert output["llm"]["used"] is False
    assert output["llm"]["fallback"].startswith("no LLM endpoint configured")


def test_eval_with_deadline_column_counts_late_replies(tmp_path):
    data = write_pairs(tmp_path / "pairs.csv", [
        (REQUEST, GOOD_REPLY, "2026-12-04 10:00", "2026-12-08"),
        (REQUEST, GOOD_REPLY, "2026-12-09 10:00", "2026-12-08"),
        (REQUEST, GOOD_REPLY, "not a date", "2026-12-08"),
    ], header=("请求", "答复", "答复时间", "时限"))
    result = run_eval("--data", str(data), "--request-col", "请求", "--reply-col", "答复",
                      "--replied-col", "答复时间", "--deadline-col", "时限", "--json")
    output = json.loads(result.stdout)
    assert output["fault_codes"]["late"] == 1
    assert (output["fault_codes"]["reply_time_unknown"], output["unreadable_dates"]) == (1, 1)
