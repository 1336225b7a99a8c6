"""The fields of each kind of record, as every HubDesk must be able to write them back: a
choice (its values), a date, a date and time, a flag, a text, a whole number, or any JSON
value (a list, an object); and those never empty.

The hub refuses a pushed change holding any other value in them, so no device (a newer
HubDesk, or one writing around HubDesk) can send what the others cannot write; the desktop
checks what the hub sends the same way before writing any of it, for a hub newer than
itself. The desktop's models declare the same fields (a test keeps the two equal): a new
choice reaches the hub first, then the laptops. A key that is none of a kind's fields (a
newer HubDesk's new field) is left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any, NamedTuple

DATE, DATETIME, FLAG, TEXT, NUMBER = "date", "datetime", "flag", "text", "number"
ANY = "any JSON value"
#: A field's kind: DATE, DATETIME, FLAG, TEXT, NUMBER, ANY, or the values of a choice.
FieldKind = str | frozenset[str]

_LEVEL = frozenset({"no_identified_concern", "emerging", "moderate", "significant"})
_EVERY_KIND = {"created_at": DATETIME, "deleted_at": DATETIME}

FIELDS: dict[str, dict[str, FieldKind]] = {
    "young_person": {
        "given_name": TEXT,
        "family_name": TEXT,
        "preferred_name": TEXT,
        "date_of_birth": DATE,
        "gender": TEXT,
        "legal_status": TEXT,
        "education": TEXT,
        "status": frozenset({"referred", "open", "closed"}),
        "level": _LEVEL,
        "level_reason": TEXT,
        "harm_types": ANY,
        "allocated_worker": TEXT,
        "team": TEXT,
        "referral_date": DATE,
        "next_review_date": DATE,
        "closed_date": DATE,
        "flag_missing": FLAG,
        "flag_nrm_referral": FLAG,
        "flag_looked_after": FLAG,
        "legal_hold": FLAG,
    },
    "context": {
        "kind": frozenset({"place", "peer_group", "school", "online_space"}),
        "name": TEXT,
        "description": TEXT,
        "place_type": frozenset(
            {
                "public_place",
                "private_address",
                "transport_hub",
                "hotel",
                "shop_or_takeaway",
                "online",
                "other",
            }
        ),
        "area": TEXT,
        "team": TEXT,
    },
    "context_link": {
        "young_person_id": TEXT,
        "context_id": TEXT,
        "why": TEXT,
        "reliability": frozenset({"confirmed", "likely", "possible", "not_known"}),
        "weight": NUMBER,
    },
    "screening": {
        "young_person_id": TEXT,
        "definition_id": TEXT,
        "definition_version": NUMBER,
        "status": frozenset({"draft", "completed"}),
        "answers": ANY,
        "computed_score": ANY,
        "computed_level": _LEVEL,
        "computed_reasons": ANY,
        "final_level": _LEVEL,
        "rationale": TEXT,
        "pathway": TEXT,
        "completed_at": DATETIME,
        "completed_by": TEXT,
        "rescreen_due": DATE,
    },
    "safety_plan": {
        "subject": frozenset({"young_person", "context"}),
        "young_person_id": TEXT,
        "context_id": TEXT,
        "title": TEXT,
    },
    "plan_version": {
        "plan_id": TEXT,
        "number": NUMBER,
        "based_on_id": TEXT,
        "status": frozenset(
            {
                "draft",
                "submitted",
                "approved",
                "returned",
                "signed",
                "active",
                "reviewed",
                "superseded",
                "closed",
            }
        ),
        "content": ANY,
        "review_date": DATE,
        "submitted_at": DATETIME,
        "submitted_by": TEXT,
        "decided_at": DATETIME,
        "decided_by": TEXT,
        "decision_note": TEXT,
    },
    "plan_action": {
        "plan_version_id": TEXT,
        "position": NUMBER,
        "what": TEXT,
        "owner": TEXT,
        "agency": TEXT,
        "by_when": DATE,
    },
    "contact_note": {
        "young_person_id": TEXT,
        "kind": frozenset({"home_visit", "phone", "school", "office", "online", "other"}),
        "occurred_at": DATETIME,
        "present": TEXT,
        "narrative": TEXT,
        "author": TEXT,
        "status": frozenset({"draft", "finalised"}),
        "finalised_at": DATETIME,
    },
    "addendum": {
        "note_id": TEXT,
        "text": TEXT,
        "author": TEXT,
    },
    "missing_episode": {
        "young_person_id": TEXT,
        "started_at": DATETIME,
        "ended_at": DATETIME,
        "reported_by": TEXT,
        "police_risk_grade": frozenset({"no_apparent_risk", "low", "medium", "high", "not_known"}),
        "status": frozenset({"missing", "returned", "closed"}),
        "where_found": TEXT,
        "out_of_area": FLAG,
        "who_with": TEXT,
        "travel_how": TEXT,
        "returned_how": TEXT,
    },
    "return_interview": {
        "episode_id": TEXT,
        "status": frozenset({"offered", "declined", "held", "not_possible"}),
        "offered_at": DATETIME,
        "held_at": DATETIME,
        "interviewer": TEXT,
        "attempts": ANY,
        "push_factors": TEXT,
        "pull_factors": TEXT,
        "young_person_said": TEXT,
        "disclosures": TEXT,
        "links_to_places_and_people": TEXT,
    },
    "meeting": {
        "kind": frozenset({"daily_triage", "panel", "strategy_discussion", "context_conference"}),
        "held_at": DATETIME,
        "young_person_id": TEXT,
        "context_id": TEXT,
        "chair": TEXT,
        "attendees": TEXT,
        "discussion": TEXT,
        "decisions": TEXT,
        "actions": ANY,
    },
    "intervention": {
        "young_person_id": TEXT,
        "provider": TEXT,
        "description": TEXT,
        "started_on": DATE,
        "ended_on": DATE,
        "outcome": TEXT,
    },
    "nrm_referral": {
        "young_person_id": TEXT,
        "referred_on": DATE,
        "first_responder": TEXT,
        "exploitation_types": ANY,
        "summary": TEXT,
        "reasonable_grounds_on": DATE,
        "reasonable_grounds_outcome": TEXT,
        "conclusive_grounds_on": DATE,
        "conclusive_grounds_outcome": TEXT,
    },
    "information_share": {
        "young_person_id": TEXT,
        "shared_at": DATETIME,
        "what": TEXT,
        "recipient": TEXT,
        "why": TEXT,
        "lawful_basis": TEXT,
    },
    "attachment": {
        "young_person_id": TEXT,
        "plan_version_id": TEXT,
        "sha256": TEXT,
        "size": NUMBER,
        "media_type": TEXT,
        "purpose": frozenset({"signed_plan_scan", "signature"}),
        "filename": TEXT,
    },
}
#: The fields of each kind that never hold null (``created_at`` too, for every kind).
NEVER_EMPTY: dict[str, frozenset[str]] = {
    "young_person": frozenset(
        {
            "given_name",
            "family_name",
            "status",
            "harm_types",
            "flag_missing",
            "flag_nrm_referral",
            "flag_looked_after",
            "legal_hold",
        }
    ),
    "context": frozenset({"kind", "name"}),
    "context_link": frozenset({"young_person_id", "context_id", "why", "reliability"}),
    "screening": frozenset(
        {
            "young_person_id",
            "definition_id",
            "definition_version",
            "status",
            "answers",
            "computed_score",
            "computed_reasons",
        }
    ),
    "safety_plan": frozenset({"subject", "title"}),
    "plan_version": frozenset({"plan_id", "number", "status", "content"}),
    "plan_action": frozenset({"plan_version_id", "position", "what", "owner"}),
    "contact_note": frozenset(
        {"young_person_id", "kind", "occurred_at", "present", "narrative", "author", "status"}
    ),
    "addendum": frozenset({"note_id", "text", "author"}),
    "missing_episode": frozenset(
        {"young_person_id", "started_at", "police_risk_grade", "status", "out_of_area"}
    ),
    "return_interview": frozenset({"episode_id", "status", "attempts"}),
    "meeting": frozenset({"kind", "held_at", "attendees", "discussion", "decisions", "actions"}),
    "intervention": frozenset({"young_person_id", "provider", "description"}),
    "nrm_referral": frozenset(
        {"young_person_id", "referred_on", "first_responder", "exploitation_types", "summary"}
    ),
    "information_share": frozenset(
        {"young_person_id", "shared_at", "what", "recipient", "why", "lawful_basis"}
    ),
    "attachment": frozenset(
        {"young_person_id", "sha256", "size", "media_type", "purpose", "filename"}
    ),
}


def unfit_field(kind: str, content: dict[str, Any]) -> str | None:
    """The first field of ``content`` whose value does not fit its kind (``FIELDS``), or is
    null where it never is (``NEVER_EMPTY``); None when all fit, when the kind is not a record
    kind, and for keys not listed (a newer HubDesk's new field is left alone, as the desktop
    leaves it). A field left out is not checked."""
    checks = _CHECKS.get(kind)
    if checks is None:
        return None
    for key in checks.never_empty:
        if key in content and content[key] is None:
            return key
    for key in checks.texts:  # most fields: checked inline, as a page holds thousands
        value = content.get(key)
        if value is not None and not isinstance(value, str):
            return key
    for key, fits in checks.others:
        value = content.get(key)
        if value is not None and not fits(value):
            return key
    return None


def _is_one_of(choices: frozenset[str], value: Any) -> bool:
    return isinstance(value, str) and value in choices


def _parses(parse: Callable[[str], Any], value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _is_flag(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, int) and value in (0, 1))


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SIMPLE: dict[str, Callable[[Any], bool]] = {
    DATE: partial(_parses, date.fromisoformat),
    DATETIME: partial(_parses, datetime.fromisoformat),
    FLAG: _is_flag,
    NUMBER: _is_whole_number,
}


def _check_of(field: FieldKind) -> Callable[[Any], bool]:
    if isinstance(field, frozenset):
        return partial(_is_one_of, field)
    return _SIMPLE[field]


def fields_of(kind: str) -> dict[str, FieldKind]:
    """Every field of a kind (those of every kind included)."""
    return _EVERY_KIND | FIELDS[kind]


def never_empty(kind: str) -> frozenset[str]:
    """The fields of a kind that never hold null (those of every kind included)."""
    return NEVER_EMPTY[kind] | {"created_at"}


class _Checks(NamedTuple):
    never_empty: frozenset[str]
    texts: tuple[str, ...]
    #: The other fields but those taking any JSON value, each with its check.
    others: tuple[tuple[str, Callable[[Any], bool]], ...]


def _checks_of(kind: str) -> _Checks:
    fields = fields_of(kind)
    return _Checks(
        never_empty(kind),
        tuple(key for key, field in fields.items() if field == TEXT),
        tuple((key, _check_of(f)) for key, f in fields.items() if f not in (TEXT, ANY)),
    )


#: Each kind's checks, made once.
_CHECKS = {kind: _checks_of(kind) for kind in FIELDS}
