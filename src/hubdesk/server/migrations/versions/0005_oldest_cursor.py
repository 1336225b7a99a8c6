"""The organisation remembers how far back deletions are kept.

Revision ID: 0005
Revises: 0004

`hubdesk-server admin purge-tombstones` removes old tombstones and records here the highest
sequence it removed; a pull from a cursor below it is told to fetch everything again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(
            sa.Column("oldest_cursor", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("oldest_cursor")
