"""Files attached to cases (scans of signed plans, on-screen signatures): each named by the
SHA-256 of its bytes, kept in the database in parts of 256 KiB, with which parts each user
has sent.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_hub_blob")),
    )
    op.create_table(
        "hub_blob_chunk",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["hub_blob.sha256"],
            name=op.f("fk_hub_blob_chunk_sha256_hub_blob"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", "index", name=op.f("pk_hub_blob_chunk")),
    )
    op.create_table(
        "hub_blob_sent",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["hub_blob.sha256"],
            name=op.f("fk_hub_blob_sent_sha256_hub_blob"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["hub_user.id"], name=op.f("fk_hub_blob_sent_user_id_hub_user")
        ),
        sa.PrimaryKeyConstraint("sha256", "user_id", "index", name=op.f("pk_hub_blob_sent")),
    )


def downgrade() -> None:
    op.drop_table("hub_blob_sent")
    op.drop_table("hub_blob_chunk")
    op.drop_table("hub_blob")
