"""A device's scope is read from two covering indexes, never from the records themselves.

Revision ID: 0007
Revises: 0006

The summary and a pull choosing its page need only a record's kind, id, sequence and
tombstone, found by whose case it is (or, for a context or contextual plan, which team's).
Each index holds those columns after the one it is looked up by, so neither reads a
record's content; they replace the single-column indexes on young_person_id and team_id,
which they also serve.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCOPE = ["kind", "id", "seq", "deleted"]


def upgrade() -> None:
    op.create_index("ix_hub_record_case_scope", "hub_record", ["young_person_id", *SCOPE])
    op.create_index(
        "ix_hub_record_team_scope", "hub_record", ["team_id", "young_person_id", *SCOPE]
    )
    op.drop_index("ix_hub_record_young_person_id", table_name="hub_record")
    op.drop_index("ix_hub_record_team_id", table_name="hub_record")


def downgrade() -> None:
    op.create_index("ix_hub_record_team_id", "hub_record", ["team_id"])
    op.create_index("ix_hub_record_young_person_id", "hub_record", ["young_person_id"])
    op.drop_index("ix_hub_record_team_scope", table_name="hub_record")
    op.drop_index("ix_hub_record_case_scope", table_name="hub_record")
