"""Each record keeps its hash beside it, and the scope indexes hold it too.

Revision ID: 0008
Revises: 0007

The check's digest of a kind is now the sum of its live records' hashes
(``protocol.record_hash(id, seq)``), so the hub's database answers the summary in one
aggregate read from the two scope indexes, rather than the hub reading every record in
scope and hashing them one by one. The hashes of the records already here are made in
Python (SHA-256), a batch at a time, then the column is made NOT NULL (with no default: a
write that leaves it out fails); the scope indexes are made again with it as their last
column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hubdesk.sync.protocol import record_hash

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: Records hashed and written per statement while the existing ones are filled in.
BATCH = 5000
SCOPE = ["kind", "id", "seq", "deleted"]
RECORDS = sa.table(
    "hub_record",
    sa.column("kind", sa.String),
    sa.column("id", sa.String),
    sa.column("seq", sa.BigInteger),
    sa.column("sync_hash", sa.BigInteger),
)


def upgrade() -> None:
    # Dropped first: SQLite copies the table to make the column NOT NULL, with its indexes.
    _drop_scope_indexes()
    op.add_column("hub_record", sa.Column("sync_hash", sa.BigInteger(), nullable=True))
    _fill_in_hashes()
    with op.batch_alter_table("hub_record") as batch:
        batch.alter_column("sync_hash", existing_type=sa.BigInteger(), nullable=False)
    _create_scope_indexes([*SCOPE, "sync_hash"])


def downgrade() -> None:
    _drop_scope_indexes()
    with op.batch_alter_table("hub_record") as batch:
        batch.drop_column("sync_hash")
    _create_scope_indexes(SCOPE)


def _fill_in_hashes() -> None:
    """Every record's hash, in primary key order, ``BATCH`` records at a time (each batch
    found from where the last ended, through the primary key, on both databases)."""
    connection = op.get_bind()
    update = (
        sa.update(RECORDS)
        .where(RECORDS.c.kind == sa.bindparam("key_kind"), RECORDS.c.id == sa.bindparam("key_id"))
        .values(sync_hash=sa.bindparam("hash"))
    )
    key = sa.tuple_(RECORDS.c.kind, RECORDS.c.id)
    first = (
        sa.select(RECORDS.c.kind, RECORDS.c.id, RECORDS.c.seq)
        .order_by(RECORDS.c.kind, RECORDS.c.id)
        .limit(BATCH)
    )
    rows = connection.execute(first).all()
    while rows:
        connection.execute(
            update,
            [
                {"key_kind": kind, "key_id": record_id, "hash": record_hash(record_id, seq)}
                for kind, record_id, seq in rows
            ],
        )
        last = sa.tuple_(sa.literal(rows[-1].kind), sa.literal(rows[-1].id))
        rows = connection.execute(first.where(key > last)).all()


def _drop_scope_indexes() -> None:
    op.drop_index("ix_hub_record_team_scope", table_name="hub_record")
    op.drop_index("ix_hub_record_case_scope", table_name="hub_record")


def _create_scope_indexes(columns: list[str]) -> None:
    op.create_index("ix_hub_record_case_scope", "hub_record", ["young_person_id", *columns])
    op.create_index(
        "ix_hub_record_team_scope", "hub_record", ["team_id", "young_person_id", *columns]
    )
