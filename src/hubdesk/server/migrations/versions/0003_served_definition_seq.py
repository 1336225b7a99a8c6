"""Served screening tools carry the change sequence of their last publication.

Revision ID: 0003
Revises: 0002

So devices pull new and withdrawn tool versions in the same change feed as records.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("served_definition") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.create_index(batch.f("ix_served_definition_seq"), ["seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("served_definition") as batch:
        batch.drop_index(batch.f("ix_served_definition_seq"))
        batch.drop_column("seq")
