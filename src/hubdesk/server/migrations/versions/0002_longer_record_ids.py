"""Room for "tool:version" ids in the change log and the audit log.

Revision ID: 0002
Revises: 0001

A screening tool definition's change is logged as "<tool id>:<version>", longer than a record
UUID; PostgreSQL refused such a row (SQLite does not check lengths).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_log") as batch:
        batch.alter_column("record_id", type_=sa.String(120), existing_nullable=False)
    with op.batch_alter_table("hub_audit") as batch:
        batch.alter_column("record_id", type_=sa.String(120), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("hub_audit") as batch:
        batch.alter_column("record_id", type_=sa.String(80), existing_nullable=True)
    with op.batch_alter_table("change_log") as batch:
        batch.alter_column("record_id", type_=sa.String(36), existing_nullable=False)
