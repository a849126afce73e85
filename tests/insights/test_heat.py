"""Heat index and the hot-issue list."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from civicgrid.cli.main import app
from civicgrid.insights.heat import (
    NO_PLACE,
    CaseFacts,
    ClassMembers,
    hot_issues,
    parse_time,
    place_from_text,
)


def _facts(n: int) -> CaseFacts:
    return CaseFacts(
        reporters=[f"u{i % 7}" for i in range(n)],
        times=[f"2026-11-{1 + i % 28:02d} 10:00:00" for i in range(n)],
        places=["丽发新城" if i % 2 else None for i in range(n)],
        likes=[i % 3 for i in range(n)],
    )


def test_bigger_class_with_more_reporters_is_hotter() -> None:
    classes = [ClassMembers("C0001", "小", range(0, 3)), ClassMembers("C0002", "大", range(3, 40))]
    issues, notes = hot_issues(classes, _facts(40))
    assert [i.id for i in issues] == ["C0002", "C0001"]
    assert issues[0].heat == 100.0 and 0 <= issues[1].heat < 100
    assert "engagement" in notes[0]


def test_hot_issue_reports_span_places_and_cases() -> None:
    issues, _ = hot_issues([ClassMembers("C0001", "x", range(10))], _facts(10))
    issue = issues[0]
    assert issue.first == "2026-11-01 10:00:00" and issue.span_days == 9
    assert dict(issue.places)["丽发新城"] == 5
    assert issue.to_dict()["cases"][0] >= 1


def test_cases_without_place_are_counted_and_noted() -> None:
    issues, _ = hot_issues([ClassMembers("C0001", "x", range(10))], _facts(10))
    assert dict(issues[0].places)[NO_PLACE] == 5
    assert any("no place" in n for n in issues[0].notes)


def test_missing_components_are_left_out_of_the_weights() -> None:
    classes = [ClassMembers("C0001", "a", [0, 1]), ClassMembers("C0002", "b", [2])]
    _, notes = hot_issues(classes, CaseFacts())
    assert notes == ["heat components used: volume"]


def test_no_classes_gives_a_note_not_an_error() -> None:
    issues, notes = hot_issues([], CaseFacts())
    assert issues == [] and "no classes" in notes[0]


def test_parse_time_reads_board_formats() -> None:
    assert parse_time("2019/2/28 11:25:05") == dt.datetime(2019, 2, 28, 11, 25, 5)
    assert parse_time("2019年2月8日") == dt.datetime(2019, 2, 8)
    assert parse_time("昨天") is None


def test_place_from_text_finds_estate_after_boilerplate() -> None:
    assert place_from_text("投诉A2区丽发新城附近建搅拌站噪音扰民") == "丽发新城"
    assert place_from_text("A3区道路问题") == "A3区"


def test_hot_command_ranks_planted_classes(planted_csv: Path) -> None:
    result = CliRunner().invoke(app, [
        "classes", "hot", "--data", str(planted_csv), "--text-col", "内容", "--time-col", "时间",
        "--reporter-col", "用户", "--place-col", "地点", "--likes-col", "点赞数", "--top", "3",
        "--min-class-size", "5", "--json",
    ])
    assert result.exit_code == 0, result.output
    hot = json.loads(result.stdout)["hot_issues"]
    assert len(hot) == 3
    assert hot[0]["heat"] >= hot[1]["heat"] >= hot[2]["heat"]
