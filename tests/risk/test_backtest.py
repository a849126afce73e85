"""Backtest: CLI JSON shape, seeded injection, bad rows counted, planted scan cluster found."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from civicgrid.cli.main import app
from civicgrid.risk.backtest import build_matrix, inject_bursts
from civicgrid.risk.events import Events
from civicgrid.risk.scan import ScanSettings, prospective_scan

START = dt.date(2026, 1, 5)


def _write_history(path: Path, *, days: int = 90, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    rows = [["受理时间", "类别", "纬度", "经度"]]
    for day in range(days):
        date = START + dt.timedelta(days=day)
        for cat, rate in (("噪音", 3.0), ("占道", 1.0)):
            for _ in range(rng.poisson(rate)):
                lat = 22.53 + rng.uniform(0, 0.03)
                lon = 113.93 + rng.uniform(0, 0.03)
                rows.append([f"{date.isoformat()} 10:00:00", cat, f"{lat:.5f}", f"{lon:.5f}"])
    rows += [["not a time", "噪音", "22.54", "113.94"], ["2099-01-01 08:00", "噪音", "22.54",
             "113.94"], ["2026-02-01 09:00", "噪音", "0", "0"]]
    rows.append(rows[1])  # an exact duplicate
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _invoke(path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(app, [
        "risk", "backtest", "--data", str(path), "--time-col", "受理时间", "--category-col",
        "类别", "--lat-col", "纬度", "--lon-col", "经度", "--as-of", "2026-12-04", "--json",
        *extra,
    ])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_backtest_json_has_numeric_scores_per_detector(tmp_path: Path) -> None:
    out = _invoke(_write_history(tmp_path / "h.csv"), "--inject", "5", "--seed", "2")
    assert {"ears_c2", "workday_surge", "cusum", "ewma", "stp_scan"} <= set(out["detectors"])
    for scores in out["detectors"].values():
        for key in ("sensitivity", "median_delay_days", "false_alarms_per_month"):
            assert isinstance(scores[key], (int, float)) or scores[key] is None
        assert isinstance(scores["sensitivity"], float)
        assert isinstance(scores["false_alarms_per_month"], float)


def test_backtest_counts_bad_rows(tmp_path: Path) -> None:
    out = _invoke(_write_history(tmp_path / "h.csv"), "--no-scan")
    data = out["data"]
    assert data["unparseable_time"] == 1
    assert data["future_dated"] == 1
    assert data["without_coordinates"] == 1
    assert data["duplicates"] == 1
    assert any("no bursts injected" in note for note in out["not_judged"])


def test_backtest_without_region_or_coordinates_uses_one_region(tmp_path: Path) -> None:
    path = _write_history(tmp_path / "h.csv")
    result = CliRunner().invoke(app, [
        "risk", "backtest", "--data", str(path), "--time-col", "受理时间", "--category-col",
        "类别", "--as-of", "2026-12-04", "--inject", "2", "--json",
    ])
    out = json.loads(result.stdout)
    assert out["data"]["regions"] == 1
    assert any(note.startswith("stp_scan") for note in out["not_judged"])


def test_backtest_names_a_missing_column(tmp_path: Path) -> None:
    path = _write_history(tmp_path / "h.csv")
    result = CliRunner().invoke(app, [
        "risk", "backtest", "--data", str(path), "--time-col", "时间", "--category-col", "类别",
        "--json",
    ])
    assert result.exit_code != 0
    assert "受理时间" in json.loads(result.stdout)["error"]


def _events(n_days: int = 120) -> Events:
    rng = np.random.default_rng(5)
    days, regions, cats = [], [], []
    for d in range(n_days):
        for r in ("A", "B", "C"):
            for _ in range(rng.poisson(2)):
                days.append(START + dt.timedelta(days=d))
                regions.append(r)
                cats.append("噪音")
    return Events(days, regions, cats, {})


def test_injection_is_deterministic_by_seed() -> None:
    matrix = build_matrix(_events())
    first = inject_bursts(matrix, 4, seed=11)
    again = inject_bursts(matrix, 4, seed=11)
    other = inject_bursts(matrix, 4, seed=12)
    assert first[1] == again[1]
    assert np.array_equal(first[0].counts, again[0].counts)
    assert first[1] != other[1]


def test_injected_burst_size_follows_the_series_mean() -> None:
    matrix = build_matrix(_events())
    injected, bursts = inject_bursts(matrix, 3, seed=1)
    for burst in bursts:
        mean = matrix.counts[burst.series].sum() / matrix.n_days
        assert burst.extra == max(5, int(np.ceil(3 * mean)))
        assert 1 <= burst.days <= 3
    assert injected.counts.sum() - matrix.counts.sum() == sum(b.extra for b in bursts)


def test_scan_finds_a_planted_cluster() -> None:
    rng = np.random.default_rng(0)
    side = 15
    xy = np.array([(i % side, i // side) for i in range(side * side)], dtype=float)
    counts = rng.poisson(0.3, size=(side * side, 120))
    planted = [i for i in range(side * side) if abs(xy[i, 0] - 7) <= 1 and abs(xy[i, 1] - 7) <= 1]
    counts[planted, 100] += 3
    settings = ScanSettings(study_days=90)
    clusters = prospective_scan(counts, xy, range(98, 103), settings, seed=3)
    assert [c.end_day for c in clusters] == [100]
    assert set(clusters[0].cells) & set(planted)
    assert clusters[0].p_value <= 0.01


def test_backtest_says_what_it_could_not_judge_on_gaps_and_a_single_case_category() -> None:
    from civicgrid.risk.backtest import run_backtest
    from civicgrid.risk.events import DataReport

    events = _events(200)
    kept = [i for i, d in enumerate(events.days) if not 80 <= (d - START).days < 110]
    days = [events.days[i] for i in kept] + [START + dt.timedelta(days=150)]
    regions = [events.regions[i] for i in kept] + ["A"]
    cats = [events.categories[i] for i in kept] + ["井盖"]
    out = run_backtest(Events(days, regions, cats, {}), DataReport(), inject=3, seed=1)
    notes = " ".join(out["not_judged"])
    assert out["data"]["gap_days"] == 30
    assert "data gaps" in notes
    assert "fewer than 3 cases" in notes
    assert out["detectors"]["workday_surge"]["alerts"] < 10


@pytest.mark.parametrize(
    ("text", "day"),
    [("2016-07-13 15:11:07+00:00", dt.date(2016, 7, 13)), ("2019/2/28 11:25:05",
      dt.date(2019, 2, 28)), ("2026年9月20日 07:00", dt.date(2026, 9, 20)),
     ("2026-09-20T07:00+08:00", dt.date(2026, 9, 20)), ("20261204", dt.date(2026, 12, 4)),
     ("2026-02-30", None), ("昨天", None), ("", None)],
)
def test_parse_day_reads_the_local_date_as_written(text: str, day: dt.date | None) -> None:
    from civicgrid.risk.events import parse_day

    assert parse_day(text) == day


def test_backtest_reads_an_xlsx_history(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["受理时间", "类别", "区域"])
    rng = np.random.default_rng(2)
    for day in range(60):
        for _ in range(rng.poisson(4)):
            sheet.append([(START + dt.timedelta(days=day)).isoformat(), "噪音", "粤海"])
    path = tmp_path / "history.xlsx"
    book.save(path)
    result = CliRunner().invoke(app, [
        "risk", "backtest", "--data", str(path), "--time-col", "受理时间", "--category-col",
        "类别", "--region-col", "区域", "--inject", "2", "--seed", "1", "--json",
    ])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["data"]["series"] == 1
    assert out["injected"] == 2
