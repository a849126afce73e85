"""Imports every package's tables so that one metadata describes the whole database.

Alembic reads :data:`metadata` from here; a new domain package adds its models module to
the list below and then generates a migration.
"""

from __future__ import annotations

import civicgrid.accounts.models
import civicgrid.addresses.models
import civicgrid.assistant.models
import civicgrid.cases.models
import civicgrid.grids.models
import civicgrid.ground.models
import civicgrid.insights.models
import civicgrid.intake.models
import civicgrid.jurisdiction.models
import civicgrid.notifications.models  # noqa: F401
import civicgrid.risk.models  # noqa: F401
from civicgrid.db.core import Base

metadata = Base.metadata
