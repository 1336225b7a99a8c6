"""A conflict's first result is kept without the copy of the record it carried.

Revision ID: 0010
Revises: 0009

A replayed conflict is answered with the record as it is then, never with the copy its
first answer carried (``sync._replayed``), so that copy, kept in ``applied_mutation`` for
ever, was personal data kept for nothing, and out of reach of a deletion (a tombstone keeps
no content). New results are kept without it (``sync._KEPT``); here it is taken out of the
results kept before. Only the results that hold one (a conflict's, an object) are
rewritten. The copies are gone: the downgrade has nothing to put back, and the code before
this revision reads a result without its copy as one whose copy was none.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: (PostgreSQL keeps the column as json: the key is taken out as jsonb and cast back.)
_WITHOUT_COPIES = {
    "postgresql": (
        "UPDATE applied_mutation SET result = (result::jsonb - 'server_copy')::json "
        "WHERE json_typeof(result -> 'server_copy') = 'object'"
    ),
    "sqlite": (
        "UPDATE applied_mutation SET result = json_remove(result, '$.server_copy') "
        "WHERE json_type(result, '$.server_copy') = 'object'"
    ),
}


def upgrade() -> None:
    connection = op.get_bind()
    connection.exec_driver_sql(_WITHOUT_COPIES[connection.dialect.name])


def downgrade() -> None:
    """Nothing to put back (see above)."""
