"""knowledge assistant: a stored embedding per passage (dense retrieval)

Revision ID: assistant_0002
Revises: assistant_0001
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assistant_0002"
down_revision = "assistant_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assistant_passages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("embedding_model", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("embedding", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assistant_passages", schema=None) as batch_op:
        batch_op.drop_column("embedding")
        batch_op.drop_column("embedding_model")
