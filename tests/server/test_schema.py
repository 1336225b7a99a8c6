"""The hub's migrations make exactly the schema its models describe, on SQLite and on
PostgreSQL, with the triggers that keep the scope's totals (which the models make too), and
`check_schema` refuses a database at another revision in words."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hubdesk.server.db import Database, DatabaseError, check_schema, migrate
from hubdesk.server.tables import ServerBase
from tests.server.test_scope_totals import totals_triggers_of, triggers_of


def test_the_migrations_make_the_models_schema(database_url: str) -> None:
    db = Database(database_url)
    try:
        migrate(db.engine)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, ServerBase.metadata) == []
            assert triggers_of(conn) == totals_triggers_of(conn.dialect.name)
        check_schema(db.engine)
    finally:
        db.dispose()


def test_an_empty_database_is_refused_in_words(database_url: str) -> None:
    db = Database(database_url)
    try:
        with pytest.raises(DatabaseError) as refused:
            check_schema(db.engine)
        assert refused.value.message == (
            "The hub's database has not been set up. Run `hubdesk-server init` first."
        )
    finally:
        db.dispose()
