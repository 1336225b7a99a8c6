"""The vault driver's own cursor, for statements over hundreds of rows (or hundreds of
parameters) whose rows SQLAlchemy would handle one by one at a cost greater than the
statement's. Always on a connection already in its transaction."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeAlias

from sqlalchemy.engine import Connection, Result


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


#: A row made by :func:`plain_rows`: a named tuple of its query's columns.
PlainRow: TypeAlias = Any


def plain_rows(result: Result[Any]) -> list[PlainRow]:
    """The rows of ``result`` as named tuples (``row.kind``, ``row[2]``, unpacking: as its
    rows). An attribute of SQLAlchemy's row is looked up on its class first, and the miss
    raised, its message written, and caught, before the row's columns are: about 2,000
    instructions for each, and settling a push of 500 changes read 13,000 (counted under
    callgrind: a tenth of the laptop's work on it)."""
    made = _row_type(tuple(result.keys()))._make
    return [made(row) for row in result]


@cache
def _row_type(names: tuple[str, ...]) -> Any:
    """A named tuple of these columns (made once for each query's columns)."""
    return namedtuple("PlainRow", names, rename=True)
