"""Sync state: each outbox row's base sequence, the hub's copy of each synced record (the base
of a three-way merge), and conflicts kept until a person resolves them.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("base_seq", sa.Integer(), nullable=True))
    op.create_table(
        "sync_base",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name=op.f("pk_sync_base")),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("young_person_id", sa.String(length=36), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("base", sa.JSON(), nullable=True),
        sa.Column("mine", sa.JSON(), nullable=False),
        sa.Column("theirs", sa.JSON(), nullable=False),
        sa.Column("mine_deleted", sa.Boolean(), nullable=False),
        sa.Column("theirs_deleted", sa.Boolean(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    with op.batch_alter_table("sync_conflict") as batch:
        batch.create_index(batch.f("ix_sync_conflict_record_id"), ["record_id"], unique=False)
        batch.create_index(
            batch.f("ix_sync_conflict_young_person_id"), ["young_person_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("sync_conflict")
    op.drop_table("sync_base")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("base_seq")
