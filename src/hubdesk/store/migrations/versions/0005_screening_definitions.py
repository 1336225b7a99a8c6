"""Screening tool definitions kept in the vault.

Revision ID: 0005
Revises: 0004

Every definition the vault has seen, word for word, so a screening always re-renders with the
tool version it was filled with, even after HubDesk stops shipping that version. Screenings
started before this revision name shipped definitions, which are stored at the next unlock.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_definition",
        sa.Column("definition_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("definition_id", "version", name=op.f("pk_screening_definition")),
    )


def downgrade() -> None:
    op.drop_table("screening_definition")
