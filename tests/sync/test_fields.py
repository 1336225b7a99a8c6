"""The fields every HubDesk must be able to write back (``sync.fields``): the hub refuses a
change that does not fit them; the desktop's models declare exactly the same."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text

from hubdesk.models import RECORD_KINDS
from hubdesk.models.base import EnumText, UTCDateTime
from hubdesk.store.outbox import NOT_CONTENT
from hubdesk.sync.fields import (
    ANY,
    DATE,
    DATETIME,
    FIELDS,
    FLAG,
    NUMBER,
    TEXT,
    FieldKind,
    fields_of,
    never_empty,
    unfit_field,
)
from hubdesk.sync.protocol import RECORD_KINDS as WIRE_KINDS


def declared(kind: str) -> dict[str, FieldKind]:
    """What the desktop's model of ``kind`` stores in each field."""
    found: dict[str, FieldKind] = {}
    for column in RECORD_KINDS[kind].__table__.columns:
        if column.key in NOT_CONTENT or column.key == "id":
            continue
        if isinstance(column.type, EnumText):
            found[column.key] = column.type.choices
        elif isinstance(column.type, UTCDateTime | DateTime):
            found[column.key] = DATETIME
        elif isinstance(column.type, Date):
            found[column.key] = DATE
        elif isinstance(column.type, Boolean):
            found[column.key] = FLAG
        elif isinstance(column.type, JSON):
            found[column.key] = ANY
        elif isinstance(column.type, Integer):
            found[column.key] = NUMBER
        else:
            assert isinstance(column.type, String | Text), (kind, column.key)
            found[column.key] = TEXT
    return found


def declared_never_empty(kind: str) -> frozenset[str]:
    columns = RECORD_KINDS[kind].__table__.columns
    return frozenset(c.key for c in columns if c.key in declared(kind) and not c.nullable)


@pytest.mark.parametrize("kind", WIRE_KINDS)
def test_the_desktops_models_declare_the_same_fields(kind: str) -> None:
    assert fields_of(kind) == declared(kind)


@pytest.mark.parametrize("kind", WIRE_KINDS)
def test_the_same_fields_are_never_empty(kind: str) -> None:
    assert never_empty(kind) == declared_never_empty(kind)


def test_every_kind_has_its_fields() -> None:
    assert sorted(FIELDS) == sorted(WIRE_KINDS)


@pytest.mark.parametrize(
    ("kind", "content", "unfit"),
    [
        ("young_person", {"level": "significant", "date_of_birth": "2010-05-14"}, None),
        ("young_person", {"level": "extreme"}, "level"),
        ("young_person", {"level": "Significant"}, "level"),  # values are exact
        ("young_person", {"level": None, "closed_date": None}, None),  # may be empty
        ("young_person", {"status": None}, "status"),  # never is
        ("young_person", {"given_name": None}, "given_name"),
        ("young_person", {"harm_types": None}, "harm_types"),
        ("young_person", {"created_at": None}, "created_at"),
        ("young_person", {"given_name": {"first": "Jo"}}, "given_name"),  # text, not an object
        ("young_person", {"given_name": ["Jo"]}, "given_name"),
        ("young_person", {"given_name": 7}, "given_name"),
        ("young_person", {"harm_types": ["online"], "preferred_name": "Jo"}, None),
        ("young_person", {"family_name": "Lloyd"}, None),  # the rest left out: not checked
        ("plan_action", {"position": 2}, None),
        ("plan_action", {"position": "2"}, "position"),
        ("plan_action", {"position": 2.5}, "position"),
        ("plan_action", {"position": True}, "position"),
        ("young_person", {"date_of_birth": "14th May 2010"}, "date_of_birth"),
        ("young_person", {"date_of_birth": 20100514}, "date_of_birth"),
        ("young_person", {"flag_missing": True, "legal_hold": 0}, None),
        ("young_person", {"flag_missing": "yes"}, "flag_missing"),
        ("young_person", {"flag_missing": 2}, "flag_missing"),
        ("contact_note", {"occurred_at": "2026-11-27T10:00:00+00:00"}, None),
        ("contact_note", {"occurred_at": "yesterday"}, "occurred_at"),
        ("contact_note", {"created_at": "2026-11-27T10:00:00+00:00", "mood": "x"}, None),
        ("meeting", {"kind": "panel", "actions": ["anything", 1]}, None),  # any JSON value
        ("meeting", {"actions": {"any": "object"}}, None),
        ("screening_definition", {"status": "anything"}, None),  # not a record kind
    ],
)
def test_a_value_fits_its_field_or_is_named(
    kind: str, content: dict[str, Any], unfit: str | None
) -> None:
    assert unfit_field(kind, content) == unfit
