"""``driver.plain_rows``: a query's rows as named tuples, read as SQLAlchemy's rows are read
(by column name, by position, unpacked), for the sync's hot loops."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from hubdesk.store.driver import plain_rows


def test_plain_rows_read_as_the_rows_they_replace() -> None:
    engine = create_engine("sqlite://")
    query = text(
        "SELECT 1 AS seq, 'note' AS kind, NULL AS content UNION ALL SELECT 2, 'plan', '{}'"
    )
    with engine.connect() as conn:
        theirs = conn.execute(query).all()
        ours = plain_rows(conn.execute(query))
        none = plain_rows(conn.execute(text("SELECT 1 AS seq WHERE 0")))
    engine.dispose()
    assert [tuple(row) for row in ours] == [tuple(row) for row in theirs]
    for mine, row in zip(ours, theirs, strict=True):
        assert (mine.seq, mine.kind, mine.content) == (row.seq, row.kind, row.content)
        assert mine[1] == row[1]
        seq, kind, content = mine
        assert (seq, kind, content) == tuple(row)
    assert none == []
