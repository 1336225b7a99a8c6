"""The fields of each kind of record whose values every HubDesk must be able to write back:
a choice (its values), a date, a date and time, or a flag. Texts and numbers are not among
them: any value can be stored there.

The hub refuses a pushed change holding any other value in them, so no device (a newer
HubDesk, or one writing around HubDesk) can send what the others cannot write; the desktop
checks what the hub sends the same way before writing any of it, for a hub newer than
itself. The desktop's models declare the same fields (a test keeps the two equal): a new
choice reaches the hub first, then the laptops."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

DATE, DATETIME, FLAG = "date", "datetime", "flag"
#: A field's kind: DATE, DATETIME, FLAG, or the values of a choice.
FieldKind = str | frozenset[str]

_LEVEL = frozenset({"no_identified_concern", "emerging", "moderate", "significant"})
_EVERY_KIND = {"created_at": DATETIME, "deleted_at": DATETIME}

FIELDS: dict[str, dict[str, FieldKind]] = {
    "young_person": {
        "date_of_birth": DATE,
        "status": frozenset({"referred", "open", "closed"}),
        "level": _LEVEL,
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
        "place_type": frozenset(
            {
                "public_place",
                "transport_hub",
                "shop_or_takeaway",
                "hotel",
                "private_address",
                "online",
                "other",
            }
        ),
    },
    "context_link": {"reliability": frozenset({"confirmed", "likely", "possible", "not_known"})},
    "screening": {
        "status": frozenset({"draft", "completed"}),
        "computed_level": _LEVEL,
        "final_level": _LEVEL,
        "completed_at": DATETIME,
        "rescreen_due": DATE,
    },
    "safety_plan": {"subject": frozenset({"young_person", "context"})},
    "plan_version": {
        "status": frozenset(
            {
                "draft",
                "submitted",
                "returned",
                "approved",
                "signed",
                "active",
                "reviewed",
                "superseded",
                "closed",
            }
        ),
        "review_date": DATE,
        "submitted_at": DATETIME,
        "decided_at": DATETIME,
    },
    "plan_action": {"by_when": DATE},
    "contact_note": {
        "kind": frozenset({"home_visit", "office", "phone", "online", "school", "other"}),
        "occurred_at": DATETIME,
        "status": frozenset({"draft", "finalised"}),
        "finalised_at": DATETIME,
    },
    "addendum": {},
    "missing_episode": {
        "started_at": DATETIME,
        "ended_at": DATETIME,
        "police_risk_grade": frozenset({"high", "medium", "low", "no_apparent_risk", "not_known"}),
        "status": frozenset({"missing", "returned", "closed"}),
        "out_of_area": FLAG,
    },
    "return_interview": {
        "status": frozenset({"offered", "held", "declined", "not_possible"}),
        "offered_at": DATETIME,
        "held_at": DATETIME,
    },
    "meeting": {
        "kind": frozenset({"daily_triage", "strategy_discussion", "panel", "context_conference"}),
        "held_at": DATETIME,
    },
    "intervention": {"started_on": DATE, "ended_on": DATE},
    "nrm_referral": {
        "referred_on": DATE,
        "reasonable_grounds_on": DATE,
        "conclusive_grounds_on": DATE,
    },
    "information_share": {"shared_at": DATETIME},
    "attachment": {"purpose": frozenset({"signed_plan_scan", "signature"})},
}


def unfit_field(kind: str, content: dict[str, Any]) -> str | None:
    """The first field of ``content`` whose value does not fit its kind (``FIELDS``); None
    when all fit, when the kind is not a record kind, and for keys not listed (a newer
    HubDesk's new field is left alone, as the desktop leaves it)."""
    for key, fits in _CHECKS.get(kind, ()):
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


def _check_of(field: FieldKind) -> Callable[[Any], bool]:
    if isinstance(field, frozenset):
        return partial(_is_one_of, field)
    if field == DATE:
        return partial(_parses, date.fromisoformat)
    if field == DATETIME:
        return partial(_parses, datetime.fromisoformat)
    assert field == FLAG, field
    return _is_flag


def fields_of(kind: str) -> dict[str, FieldKind]:
    """Every checked field of a kind (those of every kind included)."""
    return _EVERY_KIND | FIELDS[kind]


#: Each kind's checks, made once.
_CHECKS = {
    kind: tuple((key, _check_of(field)) for key, field in fields_of(kind).items())
    for kind in FIELDS
}
