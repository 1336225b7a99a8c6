"""The vault driver's own cursor, for statements over hundreds of rows (or hundreds of
parameters) whose rows SQLAlchemy would handle one by one at a cost greater than the
statement's. Always on a connection already in its transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection


@contextmanager
def driver_cursor(conn: Connection) -> Iterator[Any]:
    """A cursor of the driver itself on this connection, in its transaction."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    finally:
        cursor.close()


def driver_many(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """``sql`` for each of ``rows`` on this connection's driver cursor, in its transaction."""
    with driver_cursor(conn) as cursor:
        cursor.executemany(sql, rows)
