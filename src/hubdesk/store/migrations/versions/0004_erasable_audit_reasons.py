"""Erasable audit reasons and secure deletes in the search index.

Revision ID: 0004
Revises: 0003

- ``audit_event.reason_digest``: the chain covers a digest of a typed reason, so erasure can
  remove the text without breaking the chain (see hubdesk.models.audit).
- FTS5 ``secure-delete``: without it a deleted entry's words stay in the index's segments after
  the row is gone. Needs SQLite 3.42+; the vault's SQLCipher always has it, and the plain-SQLite
  baseline of ``bench/store.py`` may not, so it is only switched on where available.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _sqlite_version() -> tuple[int, ...]:
    version = op.get_bind().exec_driver_sql("SELECT sqlite_version()").scalar_one()
    return tuple(int(part) for part in str(version).split("."))


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("reason_digest", sa.String(64), nullable=True))
    if _sqlite_version() >= (3, 42):
        op.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('secure-delete', 1)")
        # Entries deleted before this point may still sit in old segments: merge them away.
        op.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


def downgrade() -> None:
    if _sqlite_version() >= (3, 42):
        op.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('secure-delete', 0)")
    op.drop_column("audit_event", "reason_digest")
