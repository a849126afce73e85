"""``civicgrid classes mine``: JSON shape, 1-based rows and agreement on planted classes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from civicgrid.cli.main import app
from civicgrid.insights.synthetic import GeneratedCase

runner = CliRunner()


def _mine(*args: str) -> dict:
    result = runner.invoke(app, ["classes", "mine", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def mined(planted_csv: Path) -> dict:
    """``classes mine --json`` on the planted CSV, run once for this module."""
    return _mine("--data", str(planted_csv), "--text-col", "内容", "--time-col", "时间",
                 "--min-class-size", "5")


def test_mine_json_has_classes_with_id_label_size_rows_and_noise(mined: dict) -> None:
    out = mined
    assert set(out) >= {"classes", "noise"}
    first = out["classes"][0]
    assert set(first) >= {"id", "label", "size", "rows"}
    assert first["size"] == len(first["rows"])
    assert first["id"].startswith("C")
    assert first["first"] <= first["last"]


def test_mine_rows_are_one_based_and_cover_every_row_once(mined: dict) -> None:
    out = mined
    rows = [r for c in out["classes"] for r in c["rows"]] + out["noise"]
    assert sorted(rows) == list(range(1, 181))


def test_mine_recovers_planted_classes(mined: dict, planted_cases: list[GeneratedCase]) -> None:
    out = mined
    mined = {r - 1: c["id"] for c in out["classes"] for r in c["rows"]}
    predicted = [mined.get(i, f"noise{i}") for i in range(len(planted_cases))]
    truth = [f"p{c.planted}" if c.planted >= 0 else f"one{i}" for i, c in enumerate(planted_cases)]
    assert adjusted_rand_score(truth, predicted) > 0.5


def test_mine_labels_are_chinese_words_without_boilerplate(mined: dict) -> None:
    out = mined
    labels = " ".join(c["label"] for c in out["classes"])
    assert "搅拌站" in labels or "噪音" in labels
    for word in ("您好", "领导", "谢谢", "请问"):
        assert word not in labels


def test_mine_unknown_column_fails_naming_the_columns(planted_csv: Path) -> None:
    result = runner.invoke(app, ["classes", "mine", "--data", str(planted_csv),
                                 "--text-col", "详情", "--json"])
    assert result.exit_code != 0
    assert "内容" in result.stdout


def test_mine_all_boilerplate_text_gives_noise_and_a_note(tmp_path: Path) -> None:
    path = tmp_path / "greetings.csv"
    path.write_text("内容\n" + "\n".join(["尊敬的领导您好，谢谢！", "您好，请问"] * 6), "utf-8")
    out = _mine("--data", str(path), "--text-col", "内容")
    assert out["classes"] == []
    assert out["noise"] == list(range(1, 13))
    assert any("boilerplate" in note for note in out["notes"])


def test_mine_reads_xlsx(tmp_path: Path, planted_cases: list[GeneratedCase]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["内容"])
    for case in planted_cases[:60]:
        sheet.append([case.text])
    path = tmp_path / "cases.xlsx"
    book.save(path)
    out = _mine("--data", str(path), "--text-col", "内容", "--min-class-size", "5")
    assert sum(c["size"] for c in out["classes"]) + len(out["noise"]) == 60


def test_register_and_staff_rename_carry_over_between_command_runs(
    planted_csv: Path, tmp_path: Path
) -> None:
    register = tmp_path / "register.json"
    first = _mine("--data", str(planted_csv), "--text-col", "内容", "--min-class-size", "5",
                  "--register-out", str(register), "--run", "2026-10")
    target = first["classes"][0]["id"]
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps({"decisions": [
        {"kind": "rename", "class_id": target, "label": "工作人员命名的类"}]}), "utf-8")
    second = _mine("--data", str(planted_csv), "--text-col", "内容", "--min-class-size", "5",
                   "--previous", str(register), "--decisions", str(decisions), "--run", "2026-11")
    renamed = next(c for c in second["classes"] if c["id"] == target)
    assert renamed["label"] == "工作人员命名的类"
    assert {c["id"] for c in second["classes"]} == {c["id"] for c in first["classes"]}
