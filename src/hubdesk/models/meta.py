"""Vault-level facts (device id, the practitioner's name, audit head) and the search index map.

Not synced: these describe this vault, not the hub's records.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hubdesk.models.base import Base


class VaultMeta(Base):
    __tablename__ = "vault_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SearchDoc(Base):
    """One row per indexed record; its integer id is the rowid of the FTS5 ``search_fts`` row.

    Kept separate so a record's index entry is found and replaced by primary key instead of
    scanning the full-text table.
    """

    __tablename__ = "search_doc"

    fts_rowid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(36), unique=True)
    record_kind: Mapped[str] = mapped_column(String(40))
    young_person_id: Mapped[str | None] = mapped_column(String(36), index=True, default=None)
