"""Bring a vault's schema up to date with Alembic, inside the caller's transaction."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


class NewerSchemaError(Exception):
    """The vault's schema revision is not one this code knows: a newer HubDesk wrote it."""

    def __init__(self, revisions: tuple[str, ...]) -> None:
        super().__init__(f"unknown schema revision(s): {', '.join(revisions)}")
        self.revisions = revisions


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Run pending migrations; a no-op (one query) when the vault is already at head.

    Raises :class:`NewerSchemaError`, having written nothing, when the vault is at a revision
    this code does not have, instead of letting Alembic fail with its own error.
    """
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    if current == (head_revision(),):
        return
    unknown = tuple(rev for rev in current if rev not in known_revisions())
    if unknown:
        raise NewerSchemaError(unknown)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
