"""Applied mutations remember what they changed.

Revision ID: 0004
Revises: 0003

A replayed mutation id is answered with its first result only when it comes from the same
device for the same record; otherwise it is refused, so one device cannot read another's
results (or lose its own change) by reusing an id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applied_mutation") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("record_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applied_mutation") as batch:
        batch.drop_column("record_id")
        batch.drop_column("kind")
