"""API shapes of the grids endpoints: what clients send to run, approve and apply."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class AdjustmentIn(BaseModel):
    """Run an adjustment of one street's grids."""

    street_code: str = Field(min_length=1, max_length=32)
    mode: Literal["small", "medium"] = "small"
    tolerance: float = Field(default=0.1, gt=0, lt=1)
    max_moves: int | None = Field(default=None, ge=0, le=10_000)
    seed: int = 20261204


class ApplyIn(BaseModel):
    """When a version (or a plan's new version) takes effect; today when left out."""

    effective_on: dt.date | None = None


class WorkerAssignIn(BaseModel):
    """A grid worker starts serving a grid (their open assignment elsewhere ends)."""

    user_id: int
    grid_code: str = Field(min_length=1, max_length=32)
    since: dt.date | None = None
