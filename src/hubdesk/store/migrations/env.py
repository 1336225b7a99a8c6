"""Alembic environment for the vault: always given an open, keyed connection by the caller."""

from __future__ import annotations

from alembic import context

from hubdesk.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
