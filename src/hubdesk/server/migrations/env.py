"""Alembic environment for the hub's database: the caller passes an open connection."""

from __future__ import annotations

from alembic import context

from hubdesk.server.tables import ServerBase

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=ServerBase.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
