"""The `civicgrid address` commands on a tiny tagged file."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicgrid.cli.main import app

ADDRESSES = [
    [("南", "B-district"), ("山", "I-district"), ("区", "E-district"), ("科", "B-road"),
     ("苑", "I-road"), ("路", "E-road"), ("1", "B-roadno"), ("5", "I-roadno"), ("号", "E-roadno")],
    [("福", "B-district"), ("田", "I-district"), ("区", "E-district"), ("深", "B-road"),
     ("南", "I-road"), ("路", "E-road"), ("8", "B-roadno"), ("号", "E-roadno")],
    [("宝", "B-district"), ("安", "I-district"), ("区", "E-district"), ("新", "B-road"),
     ("安", "I-road"), ("路", "E-road"), ("2", "B-roadno"), ("6", "I-roadno"), ("号", "E-roadno")],
    [("罗", "B-district"), ("湖", "I-district"), ("区", "E-district"), ("东", "B-road"),
     ("门", "I-road"), ("路", "E-road"), ("3", "B-roadno"), ("号", "E-roadno"), ("旁", "S-assist")],
]


@pytest.fixture
def tiny_conll(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.conll"
    blocks = ["\n".join(f"{ch} {tag}" for ch, tag in address) for address in ADDRESSES * 2]
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout


def test_train_then_eval_prints_one_json_object(tiny_conll: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    code, _ = _run(["address", "train", "--conll", str(tiny_conll), "--model-out", str(model)])
    assert code == 0
    code, out = _run(["address", "eval", "--conll", str(tiny_conll), "--model", str(model),
                      "--json"])
    assert code == 0
    result = json.loads(out)
    assert {"precision", "recall", "f1", "per_label"} <= set(result)
    assert {"district", "road", "roadno"} <= set(result["per_label"])
    assert result["f1"] > 0.9


def test_eval_writes_predictions_csv(tiny_conll: Path, tmp_path: Path) -> None:
    model, preds = tmp_path / "model", tmp_path / "out" / "pred.csv"
    _run(["address", "train", "--conll", str(tiny_conll), "--model-out", str(model)])
    code, _ = _run(["address", "eval", "--conll", str(tiny_conll), "--model", str(model),
                    "--predictions", str(preds)])
    assert code == 0
    with preds.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["row"] for r in rows] == [str(i) for i in range(1, 9)]
    assert len(rows[0]["tags"].split(" ")) == len(ADDRESSES[0])


def test_cross_validation_scores_every_address(tiny_conll: Path, tmp_path: Path) -> None:
    preds = tmp_path / "cv.csv"
    code, out = _run(["address", "eval", "--conll", str(tiny_conll), "--cv", "2", "--json",
                      "--workers", "1", "--predictions", str(preds)])
    assert code == 0
    assert json.loads(out)["addresses"] == 8
    assert len(preds.read_text(encoding="utf-8").splitlines()) == 9


def test_eval_without_model_fails_with_a_reason(tiny_conll: Path, tmp_path: Path) -> None:
    code, out = _run(["address", "eval", "--conll", str(tiny_conll), "--model",
                      str(tmp_path / "none"), "--json"])
    assert code != 0
    assert "address train" in json.loads(out)["error"]


def test_bad_cv_value_fails(tiny_conll: Path) -> None:
    code, out = _run(["address", "eval", "--conll", str(tiny_conll), "--cv", "1", "--json"])
    assert code != 0
    assert "--cv" in json.loads(out)["error"]


def test_parse_command_prints_codes() -> None:
    code, out = _run(["address", "parse", "南山区蛇口街道工业一路12号", "--json"])
    assert code == 0
    assert json.loads(out)["street_code"] == "440305005"


def test_convert_command_keeps_gcj_as_is() -> None:
    code, out = _run(["address", "convert", "113.93", "22.52", "--from", "GCJ02", "--to",
                      "gcj-02", "--json"])
    assert code == 0
    assert json.loads(out) == {"lon": 113.93, "lat": 22.52, "crs": "GCJ02"}
