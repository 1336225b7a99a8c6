"""Alembic migrations of the vault schema; run on every unlock (see hubdesk.store.schema)."""
