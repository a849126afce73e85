"""Shared test configuration: the repository root and the shared evaluation data."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT / ".." / "shared" / "data").resolve()

sys.path.insert(0, str(ROOT))


@pytest.fixture
def shared_data() -> Path:
    """The real evaluation data folder; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real evaluation data not found at {SHARED_DATA} (see README, 'Data')")
    return SHARED_DATA
