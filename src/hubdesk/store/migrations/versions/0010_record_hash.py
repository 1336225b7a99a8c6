"""Each synced record's hash for sync's check, kept beside its hub sequence and in its sync
index.

Revision ID: 0010
Revises: 0009

The check compares, per kind, the count and a digest of the live records the hub has in this
device's scope. The digest was a SHA-256 over every record's line, sorted: each sync read all
of them out (10,000 records: 11 ms on the laptop, 15 ms on the hub). It is now the sum of a
hash of each record at its hub sequence (``protocol.record_hash``), which each side keeps
beside the record, so the database adds them up from the sync index in one aggregate.

The hashes of records already synced are worked out here, in Python (SQLite has no SHA-256):
this copy of ``protocol.record_hash`` is frozen with the migration, as migrations are.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: As in 0009: each synced table and the column through which its records belong to a case.
CASE_LINKS: dict[str, str | None] = {
    "young_person": None,
    "context": None,
    "context_link": "young_person_id",
    "screening": "young_person_id",
    "safety_plan": "young_person_id",
    "plan_version": "plan_id",
    "plan_action": "plan_version_id",
    "contact_note": "young_person_id",
    "addendum": "note_id",
    "missing_episode": "young_person_id",
    "return_interview": "episode_id",
    "meeting": "young_person_id",
    "intervention": "young_person_id",
    "nrm_referral": "young_person_id",
    "information_share": "young_person_id",
    "attachment": "young_person_id",
}
BATCH = 1000


def record_hash(record_id: str, seq: int) -> int:
    digest = hashlib.sha256(f"{record_id}:{seq}".encode()).digest()
    return int.from_bytes(digest[:5], "big")


def _index(table: str, link: str | None, with_hash: bool) -> None:
    columns = ["id", "server_seq", "deleted_at", *([link] if link else [])]
    op.create_index(
        f"ix_{table}_synced",
        table,
        [*columns, *(["sync_hash"] if with_hash else [])],
        unique=False,
        sqlite_where=sa.text("server_seq IS NOT NULL"),
    )


def upgrade() -> None:
    conn = op.get_bind()
    for table, link in CASE_LINKS.items():
        op.add_column(table, sa.Column("sync_hash", sa.Integer(), nullable=True))
        rows = conn.execute(
            sa.text(f"SELECT id, server_seq FROM {table} WHERE server_seq IS NOT NULL")
        ).all()
        update = sa.text(f"UPDATE {table} SET sync_hash = :hash WHERE id = :id")
        for start in range(0, len(rows), BATCH):
            conn.execute(
                update,
                [
                    {"id": rid, "hash": record_hash(rid, seq)}
                    for rid, seq in rows[start : start + BATCH]
                ],
            )
        op.drop_index(f"ix_{table}_synced", table_name=table)
        _index(table, link, with_hash=True)


def downgrade() -> None:
    for table, link in reversed(CASE_LINKS.items()):
        op.drop_index(f"ix_{table}_synced", table_name=table)
        _index(table, link, with_hash=False)
        # SQLite's own DROP COLUMN (3.35+): a batch copy of the table would break the
        # foreign keys of the records that point at it.
        op.execute(f"ALTER TABLE {table} DROP COLUMN sync_hash")
