"""Fixtures of the insights tests: a small CSV of GENERATED cases with planted classes."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicgrid.insights.synthetic import GeneratedCase, generate_cases, write_cases_csv


@pytest.fixture(scope="session")
def planted_cases() -> list[GeneratedCase]:
    """8 planted classes of 20 cases and 20 one-offs."""
    return generate_cases(per_class=20, one_offs=20, seed=7)


@pytest.fixture(scope="session")
def planted_csv(
    tmp_path_factory: pytest.TempPathFactory, planted_cases: list[GeneratedCase]
) -> Path:
    """The planted cases as a CSV with columns 内容, 时间, 用户, 地点, 点赞数."""
    path = tmp_path_factory.mktemp("planted") / "cases.csv"
    write_cases_csv(planted_cases, str(path))
    return path
