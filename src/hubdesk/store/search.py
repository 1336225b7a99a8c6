"""Full-text search (FTS5) over notes, addenda and plans, inside the encrypted database.

The index is kept in step by the services in the same transaction as the record it covers.
``search_doc`` maps a record id to the FTS rowid so replacing an entry is a key lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from hubdesk.models.meta import SearchDoc

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Doc:
    record_id: str
    record_kind: str
    young_person_id: str | None
    body: str


def index_many(session: Session, docs: list[Doc]) -> None:
    """:func:`index` for many records in a few statements (sync writes pages of them)."""
    if not docs:
        return
    conn = session.connection()
    known = _rowids(conn, [d.record_id for d in docs])
    # The full-text rows are plain values: straight to the driver, many at a time.
    if known:
        conn.exec_driver_sql(
            "DELETE FROM search_fts WHERE rowid = ?", [(r,) for r in known.values()]
        )
    new = [d for d in docs if d.record_id not in known]
    if new:
        table = cast(Table, SearchDoc.__table__)
        made = conn.execute(
            insert(table).returning(table.c.record_id, table.c.fts_rowid),
            [
                {
                    "record_id": d.record_id,
                    "record_kind": d.record_kind,
                    "young_person_id": d.young_person_id,
                }
                for d in new
            ],
        )
        known.update({record_id: rowid for record_id, rowid in made})
    conn.exec_driver_sql(
        "INSERT INTO search_fts(rowid, body) VALUES (?, ?)",
        [(known[d.record_id], d.body) for d in docs],
    )


def _rowids(conn: Connection, record_ids: list[str]) -> dict[str, int]:
    found = conn.execute(
        select(SearchDoc.record_id, SearchDoc.fts_rowid).where(SearchDoc.record_id.in_(record_ids))
    )
    return {record_id: rowid for record_id, rowid in found}


def index(
    session: Session, *, record_id: str, record_kind: str, young_person_id: str | None, body: str
) -> None:
    """Index one record's text, replacing what was indexed for it before."""
    index_many(session, [Doc(record_id, record_kind, young_person_id, body)])


def unindex(session: Session, record_id: str) -> None:
    doc = session.execute(
        select(SearchDoc).where(SearchDoc.record_id == record_id)
    ).scalar_one_or_none()
    if doc is not None:
        session.execute(text("DELETE FROM search_fts WHERE rowid = :r"), {"r": doc.fts_rowid})
        session.delete(doc)


def to_match_query(user_text: str) -> str | None:
    """Turn what someone typed into a safe FTS5 query: every word must appear, the last one
    as a prefix (search as you type). FTS5 syntax characters are never passed through."""
    words = _TOKEN.findall(user_text)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


@dataclass(frozen=True)
class Hit:
    record_id: str
    record_kind: str
    young_person_id: str | None
    snippet: str


#: Only the newest this-many matches are ranked by relevance. Ranking computes bm25 for every
#: match, so a word in most of 80,000 notes cost ~60 ms; newest-first is also what a
#: practitioner searching their caseload usually wants.
RANK_WINDOW = 2000


def query(session: Session, user_text: str, limit: int = 50) -> list[Hit]:
    match = to_match_query(user_text)
    if match is None:
        return []
    cut = session.execute(
        text(
            "SELECT rowid FROM search_fts WHERE search_fts MATCH :q "
            "ORDER BY rowid DESC LIMIT 1 OFFSET :w"
        ),
        {"q": match, "w": RANK_WINDOW - 1},
    ).scalar_one_or_none()
    rows = session.execute(
        text(
            "SELECT d.record_id, d.record_kind, d.young_person_id, "
            "snippet(search_fts, 0, '[', ']', '…', 12) "
            "FROM search_fts JOIN search_doc AS d ON d.fts_rowid = search_fts.rowid "
            "WHERE search_fts MATCH :q AND search_fts.rowid >= :cut ORDER BY rank LIMIT :n"
        ),
        {"q": match, "n": limit, "cut": cut or 0},
    )
    return [Hit(r[0], r[1], r[2], r[3]) for r in rows]
