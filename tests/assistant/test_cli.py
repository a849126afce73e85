"""The ``civicgrid assistant`` commands: eval JSON and predictions, add/ask/remove."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicgrid.cli.main import app

runner = CliRunner()

CORPUS = [
    ("P1", "占道经营先劝导，劝导无效的上报街道执法队处理。", "执法队"),
    ("P2", "夜间施工噪声扰民的，查验夜间施工许可，报生态环境部门。", "生态环境局"),
    ("P3", "垃圾分类：厨余垃圾沥干水分后投放到绿色桶。", "城管办"),
    ("P4", "井盖缺失或破损的，设置警示并上报水务部门更换。", "水务局"),
    ("P5", "楼道堆物影响消防通道的，通知物业清理并上报消防部门。", "消防救援站"),
    ("P6", "违章停车占用消防通道的，拍照上报交警处理。", "交警大队"),
]
QUESTIONS = [
    ("占道经营劝导无效怎么办", "P1", "执法队"),
    ("晚上工地施工太吵", "P2", "生态环境局"),
    ("井盖坏了找谁", "P4", "水务局"),
]


def _write(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def eval_files(tmp_path: Path) -> tuple[Path, Path]:
    corpus = _write(tmp_path / "corpus.csv", ["doc_id", "text", "unit"], CORPUS)
    questions = _write(tmp_path / "questions.csv", ["question", "gold_doc_id", "unit"], QUESTIONS)
    return corpus, questions


def test_eval_json_is_one_object_with_the_three_figures(eval_files: tuple[Path, Path]) -> None:
    corpus, questions = eval_files

    result = runner.invoke(
        app, ["assistant", "eval", "--corpus", str(corpus), "--questions", str(questions), "--json"]
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"recall_at_1", "recall_at_5", "mrr"} <= set(data)
    assert data["questions"] == 3 and data["corpus_documents"] == 6
    assert data["recall_at_1"] >= 2 / 3 and 0 <= data["mrr"] <= 1
    assert data["unit_accuracy"] is not None


def test_eval_writes_predictions_row_and_top5(
    eval_files: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, questions = eval_files
    out = tmp_path / "pred.csv"

    result = runner.invoke(
        app,
        [
            "assistant",
            "eval",
            "--corpus",
            str(corpus),
            "--questions",
            str(questions),
            "--predictions",
            str(out),
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["row", "top5"]
    assert [r["row"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["top5"].split()[0] == "P1"
    assert all(len(r["top5"].split()) <= 5 for r in rows)


def test_eval_column_flags_read_chinese_headers(tmp_path: Path) -> None:
    corpus = _write(tmp_path / "c.csv", ["编号", "正文内容"], [row[:2] for row in CORPUS])
    questions = _write(tmp_path / "q.csv", ["用户问题", "答案编号"], [q[:2] for q in QUESTIONS])

    result = runner.invoke(
        app,
        [
            "assistant",
            "eval",
            "--corpus",
            str(corpus),
            "--questions",
            str(questions),
            "--id-col",
            "编号",
            "--text-col",
            "正文内容",
            "--question-col",
            "用户问题",
            "--gold-col",
            "答案编号",
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["questions"] == 3


def test_eval_missing_column_fails_naming_it(eval_files: tuple[Path, Path]) -> None:
    corpus, questions = eval_files

    result = runner.invoke(
        app,
        [
            "assistant",
            "eval",
            "--corpus",
            str(corpus),
            "--questions",
            str(questions),
            "--text-col",
            "正文",
            "--json",
        ],
    )

    assert result.exit_code != 0
    assert "正文" in json.loads(result.stdout)["error"]


def test_add_ask_remove_round_trip(tmp_path: Path) -> None:
    doc = tmp_path / "handbook.md"
    doc.write_text("# 手册\n第一条 占道经营先劝导，劝导无效的上报执法队。\n", encoding="utf-8")
    index = str(tmp_path / "index")

    added = runner.invoke(app, ["assistant", "add", str(doc), "--index", index, "--json"])
    asked = runner.invoke(
        app, ["assistant", "ask", "占道经营怎么处理", "--index", index, "--no-llm", "--json"]
    )
    removed = runner.invoke(app, ["assistant", "remove", "handbook", "--index", index, "--json"])
    listed = runner.invoke(app, ["assistant", "documents", "--index", index, "--json"])

    assert json.loads(added.stdout)["added"] == [{"doc_id": "handbook", "passages": 1}]
    answer = json.loads(asked.stdout)
    assert answer["found"] and answer["citations"][0]["passage_id"] == "handbook#1"
    assert json.loads(removed.stdout)["documents"] == 0
    assert json.loads(listed.stdout)["documents"] == []


def test_ask_off_topic_answers_no_evidence(tmp_path: Path) -> None:
    doc = tmp_path / "handbook.txt"
    doc.write_text("第一条 占道经营先劝导，劝导无效的上报执法队。\n", encoding="utf-8")
    index = str(tmp_path / "index")
    runner.invoke(app, ["assistant", "add", str(doc), "--index", index])

    result = runner.invoke(
        app, ["assistant", "ask", "火星移民政策", "--index", index, "--no-llm", "--json"]
    )

    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["text"] == "未找到依据" and data["citations"] == []


def test_add_broken_file_fails_naming_it_and_saves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.docx"
    bad.write_bytes(b"not a docx")
    index = tmp_path / "index"

    result = runner.invoke(app, ["assistant", "add", str(bad), "--index", str(index), "--json"])

    assert result.exit_code != 0
    assert "坏文件.docx" in json.loads(result.stdout)["error"]
    assert not (index / "manifest.json").exists()


def test_ask_without_index_fails_with_the_fix(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["assistant", "ask", "占道经营", "--index", str(tmp_path / "none"), "--json"]
    )

    assert result.exit_code != 0
    assert "civicgrid assistant add" in json.loads(result.stdout)["error"]


def test_embed_stored_with_dense_retrieval_off_fails_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from civicgrid.settings import get_settings

    monkeypatch.delenv("CIVICGRID_ASSISTANT_EMBEDDINGS", raising=False)
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["assistant", "embed-stored", "--json"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code != 0
    assert "CIVICGRID_ASSISTANT_EMBEDDINGS=true" in json.loads(result.stdout)["error"]
