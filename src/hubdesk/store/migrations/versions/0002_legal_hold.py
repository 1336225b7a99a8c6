"""Legal hold on a young person's records (erasure is refused while it is on).

Revision ID: 0002
Revises: 0001

A plain ADD COLUMN: batch mode would rebuild the table, and dropping a table that other
tables reference fails with foreign keys on (as they always are in the vault).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "young_person",
        sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("young_person", "legal_hold")
