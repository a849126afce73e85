"""ground: sync versions of address-base and grid-worker records, workers' work phones,
match results of utility usage

Revision ID: ground_0002
Revises: ground_0001
Create Date: 2026-12-04 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import civicgrid.db.core

revision = "ground_0002"
down_revision = "ground_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ground_sync_versions",
        sa.Column("record_type", sa.String(length=24), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("captured_at", civicgrid.db.core.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "record_id", name=op.f("pk_ground_sync_versions")),
    )
    op.create_table(
        "ground_worker_contacts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("phone_cipher", sa.Text(), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("updated_at", civicgrid.db.core.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_ground_worker_contacts")),
    )
    with op.batch_alter_table("ground_utility_usage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_decision", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("match_probability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("match_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ground_utility_usage", schema=None) as batch_op:
        batch_op.drop_column("match_reason")
        batch_op.drop_column("match_probability")
        batch_op.drop_column("match_decision")
    op.drop_table("ground_worker_contacts")
    op.drop_table("ground_sync_versions")
