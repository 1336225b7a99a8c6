"""The SQLCipher engine under SQLAlchemy 2.

Design points (each a known pitfall):
- ``sqlcipher3`` is the DB-API module (``module=``), so its errors are wrapped like sqlite's.
- A ``QueuePool`` whose ``creator`` keys every new connection. SQLAlchemy's default
  ``SingletonThreadPool`` for SQLite has caused use-after-free crashes with sqlcipher3.
- The raw 256-bit key (``x'…'``) skips SQLCipher's own PBKDF2: Argon2id already did the work.
- SQLCipher's logging is off (it writes to stderr otherwise); temporary storage stays in
  memory (SQLCipher does not encrypt temp files); WAL with ``synchronous=FULL`` so an
  acknowledged commit survives power loss; foreign keys on; ``secure_delete`` so erased
  records leave nothing behind in free pages.
- The driver's implicit transactions are replaced by explicit ``BEGIN`` (``BEGIN IMMEDIATE``
  for write sessions) so reads see one snapshot and writers queue instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from hubdesk.errors import VaultError

#: Pragmas set on every connection, after the key. Shared with the plain-SQLite baseline of
#: ``bench/store.py`` so the comparison is like for like.
CONNECTION_PRAGMAS: tuple[str, ...] = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA temp_store = MEMORY",
    # Freed pages are zeroed, so erased records cannot be recovered even with the key.
    "PRAGMA secure_delete = ON",
    "PRAGMA busy_timeout = 10000",
    # Pinned rather than left to how each SQLite build was compiled (8 MiB).
    "PRAGMA cache_size = -8000",
)

WRITE_OPTION = "hubdesk_write"


def apply_pragmas(dbapi_conn: Any) -> None:
    cursor = dbapi_conn.cursor()
    try:
        for pragma in CONNECTION_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def sqlcipher_creator(db_path: Path, key: bytearray) -> Callable[[], Any]:
    """A connection factory that keys each new connection from the (wipeable) key buffer."""

    def connect() -> Any:
        if not any(key):
            raise RuntimeError("The vault is locked: its key has been dropped.")
        conn = sqlcipher3.connect(str(db_path), check_same_thread=False, isolation_level=None)
        try:
            cursor = conn.cursor()
            try:
                # Never trust a driver that may be linked to plain SQLite: there PRAGMA key is
                # silently ignored and the vault would be written in clear (Signal #5097).
                if not cursor.execute("PRAGMA cipher_version").fetchone():
                    raise VaultError(
                        "This installation's database driver cannot encrypt, so HubDesk will "
                        "not open or create a vault with it. Reinstall HubDesk."
                    )
                cursor.execute("PRAGMA cipher_log_level = NONE")
                cursor.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            finally:
                cursor.close()
            apply_pragmas(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    return connect


def install_transaction_events(engine: Engine) -> None:
    """Explicit transactions: BEGIN for reads, BEGIN IMMEDIATE for write sessions."""

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def build_engine(creator: Callable[[], Any], module: Any) -> Engine:
    engine = create_engine(
        "sqlite+pysqlite://",
        module=module,
        creator=creator,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        # Statement errors must never carry what a practitioner typed into a message or log.
        hide_parameters=True,
    )
    install_transaction_events(engine)
    return engine


def make_vault_engine(db_path: Path, key: bytearray) -> Engine:
    return build_engine(sqlcipher_creator(db_path, key), sqlcipher3)
