"""Every heading and status the plan screens show, in one table so the wording is reviewable.

My Safety Plan is written in the young person's own voice ("What I want"); a contextual safety
plan is about a place, peer group, school or online space, so the same fields read as "we"
and "here". ``{where}`` in a context heading becomes "this place", "this group", …
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hubdesk.models.enums import ContextKind
from hubdesk.models.plans import PlanSubject, PlanVersion, PlanVersionStatus
from hubdesk.services.plan_diff import DiffRow
from hubdesk.timeutil import format_date

#: The grid's rows for a young person (keys from services.plan_content.AREAS); a contextual
#: plan words them in its own HEADINGS entry.
AREA_LABELS: dict[str, str] = {
    "home": "At home",
    "school": "At school or college",
    "travel": "Travelling",
    "online": "Online",
    "day": "In the day",
    "night": "At night",
}


@dataclass(frozen=True)
class Headings:
    own_words: str
    what_i_want: str
    what_worries_me: str
    safe_and_unsafe: str
    safe: str
    unsafe: str
    people_i_trust: str
    what_i_will_do: str
    #: None: this kind of plan has no code word.
    code_word: str | None
    #: Said above a new draft.
    draft_hint: str
    #: The rows of the safe / unsafe grid (keys from services.plan_content.AREAS).
    areas: dict[str, str] = field(default_factory=lambda: dict(AREA_LABELS))
    others: str = "What others will do"
    actions: str = "Actions: who will do what, and by when"
    contacts: str = "Who to contact"
    copies_held_by: str = "Who has a copy"
    review_date: str = "Review date"


HEADINGS: dict[PlanSubject, Headings] = {
    PlanSubject.YOUNG_PERSON: Headings(
        own_words="In my own words",
        what_i_want="What I want",
        what_worries_me="What worries me",
        safe_and_unsafe="Places and times I feel safe or unsafe",
        safe="I feel safe",
        unsafe="I feel unsafe",
        people_i_trust="People I trust",
        what_i_will_do="What I will do",
        code_word="A code word (only if I want one)",
        draft_hint="Write it with the young person, in their own words. Everything typed is "
        "saved as you go.",
    ),
    PlanSubject.CONTEXT: Headings(
        own_words="What we know about {where}",
        what_i_want="What we want for {where}",
        what_worries_me="What worries us here",
        safe_and_unsafe="When and where it feels safer or less safe",
        safe="Feels safer",
        unsafe="Feels less safe",
        people_i_trust="People and services who can help",
        what_i_will_do="What will change here",
        code_word=None,
        areas={
            "home": "Homes nearby",
            "school": "Schools or colleges nearby",
            "travel": "Getting there and away",
            "online": "Online",
            "day": "In the day",
            "night": "At night",
        },
        draft_hint="Write it with the people who know {where}: what worries them, and what "
        "will change. Everything typed is saved as you go.",
    ),
}

WHERE: dict[ContextKind | None, str] = {
    ContextKind.PLACE: "this place",
    ContextKind.PEER_GROUP: "this group",
    ContextKind.SCHOOL: "this school",
    ContextKind.ONLINE_SPACE: "this online space",
    None: "this place or group",
}

STATUS_WORDS: dict[PlanVersionStatus, str] = {
    PlanVersionStatus.DRAFT: "Draft",
    PlanVersionStatus.SUBMITTED: "Waiting for a team lead's decision",
    PlanVersionStatus.APPROVED: "Approved",
    PlanVersionStatus.RETURNED: "Returned",
    PlanVersionStatus.SIGNED: "Signed",
    PlanVersionStatus.ACTIVE: "Active",
    PlanVersionStatus.REVIEWED: "Reviewed",
    PlanVersionStatus.SUPERSEDED: "Replaced by a later version",
    PlanVersionStatus.CLOSED: "Closed",
}


def headings_for(subject: PlanSubject, kind: ContextKind | None = None) -> Headings:
    table = HEADINGS[subject]
    where = WHERE[kind]
    return replace(
        table,
        own_words=table.own_words.format(where=where),
        what_i_want=table.what_i_want.format(where=where),
        draft_hint=table.draft_hint.format(where=where),
    )


def version_words(version: PlanVersion) -> str:
    """ "Version 2 (draft)", "Version 1: Approved 03/12/2026", "Version 3: Waiting for a team
    lead's decision (sent 04/12/2026)"."""
    if version.status is PlanVersionStatus.DRAFT:
        return f"Version {version.number} (draft)"
    text = f"Version {version.number}: {STATUS_WORDS[version.status]}"
    if version.status is PlanVersionStatus.SUBMITTED and version.submitted_at:
        return f"{text} (sent {format_date(version.submitted_at)})"
    if version.status in _DECIDED and version.decided_at:
        return f"{text} {format_date(version.decided_at)}"
    return text


_DECIDED = frozenset({PlanVersionStatus.APPROVED, PlanVersionStatus.RETURNED})


def row_label(row: DiffRow, words: Headings) -> str:
    """The name of a compared field, in the plan's own headings."""
    if row.key.startswith("safe_and_unsafe."):
        _, area, side = row.key.split(".")
        return f"{words.areas[area]}: {words.safe if side == 'safe' else words.unsafe}"
    if row.key == "actions":
        return f"Action {row.number}"
    if row.key == "contacts":
        return f"Contact {row.number}"
    label = getattr(words, row.key)
    return str(label) if label else "Code word"


def started_from(version: PlanVersion, versions: list[PlanVersion]) -> PlanVersion | None:
    return next((v for v in versions if v.id == version.based_on_id), None)


def heading_line(version: PlanVersion, versions: list[PlanVersion]) -> str:
    """The editor's "which version is this": "Version 2 (draft), started from version 1"."""
    if version.status is not PlanVersionStatus.DRAFT:
        return version_words(version)
    base = started_from(version, versions)
    text = f"Version {version.number} (draft)"
    return f"{text}, started from version {base.number}" if base else text


def decision_words(version: PlanVersion) -> str:
    """'Returned by A Team Lead on 03/12/2026' (empty before a decision); the note itself is
    ``version.decision_note``."""
    if version.decided_at is None:
        return ""
    verb = {
        PlanVersionStatus.RETURNED: "Returned",
        PlanVersionStatus.SUPERSEDED: "Decided",  # the status no longer says which way
    }.get(version.status, "Approved")
    return f"{verb} by {version.decided_by or 'a team lead'} on {format_date(version.decided_at)}"


def note_heading(version: PlanVersion) -> str:
    """Above an earlier version's note, kept in view while the draft puts it right."""
    who = version.decided_by or "a team lead"
    return (
        f"The team lead's note on version {version.number} ({who}, "
        f"{format_date(version.decided_at)})"
    )
