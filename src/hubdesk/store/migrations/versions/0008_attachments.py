"""Files attached to a case: the synced ``attachment`` record (metadata), the files' bytes
(``attachment_blob``, one row per file) and the parts of files still arriving from the hub
(``attachment_chunk``), all inside the encrypted database.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("plan_version_id", sa.String(length=36), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_attachment_young_person_id_young_person"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_version.id"],
            name=op.f("fk_attachment_plan_version_id_plan_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment") as batch:
        batch.create_index(
            batch.f("ix_attachment_young_person_id"), ["young_person_id"], unique=False
        )
        batch.create_index(
            batch.f("ix_attachment_plan_version_id"), ["plan_version_id"], unique=False
        )
        batch.create_index(batch.f("ix_attachment_sha256"), ["sha256"], unique=False)
    op.create_table(
        "attachment_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_attachment_blob")),
    )
    op.create_table(
        "attachment_chunk",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "index", name=op.f("pk_attachment_chunk")),
    )


def downgrade() -> None:
    op.drop_table("attachment_chunk")
    op.drop_table("attachment_blob")
    with op.batch_alter_table("attachment") as batch:
        batch.drop_index(batch.f("ix_attachment_sha256"))
        batch.drop_index(batch.f("ix_attachment_plan_version_id"))
        batch.drop_index(batch.f("ix_attachment_young_person_id"))
    op.drop_table("attachment")
