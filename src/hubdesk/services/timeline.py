"""A young person's chronology: every recorded event in date order, from one case file.

Pure (no vault access, no Qt): built from a :class:`CaseFile` already read, so the timeline
tab and, later, exports share one list. Events with a date but no time (a referral, a review)
sort at the start of their day and are shown without a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from hubdesk.models import PlanVersion
from hubdesk.models.plans import PlanVersionStatus
from hubdesk.services.cases import CaseFile
from hubdesk.services.plans import LIVE
from hubdesk.timeutil import LONDON, as_utc, format_date, format_datetime, words


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime  # aware; a date-only event is midnight in Europe/London
    has_time: bool
    what: str  # "Contact note", "Safety plan", …
    summary: str  # one line, in words
    record_id: str

    @property
    def when_text(self) -> str:
        return format_datetime(self.when) if self.has_time else format_date(self.when.date())


def _on_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


class _Builder:
    def __init__(self) -> None:
        self.events: list[TimelineEvent] = []

    def at(self, when: datetime | None, what: str, summary: str, record_id: str) -> None:
        if when is not None:
            self.events.append(TimelineEvent(as_utc(when), True, what, summary, record_id))

    def on(self, day: date | None, what: str, summary: str, record_id: str) -> None:
        if day is not None:
            self.events.append(TimelineEvent(_on_day(day), False, what, summary, record_id))


def build_timeline(case: CaseFile) -> list[TimelineEvent]:
    b = _Builder()
    person = case.young_person
    b.on(person.referral_date, "Referral", "Referred to the hub", person.id)
    b.on(person.closed_date, "Case closed", "The case was closed", person.id)
    for link in case.context_links:
        context = link.context
        b.at(
            link.created_at,
            "Context",
            f"Linked to {words(context.kind).lower()} {context.name} "
            f"({words(link.reliability).lower()})",
            link.id,
        )
    for s in case.screenings:
        b.at(s.created_at, "Screening", "Screening started", s.id)
        level = words(s.final_level).lower() if s.final_level else "no level"
        b.at(s.completed_at, "Screening", f"Screening completed: {level}", s.id)
    _plans(b, case)
    for note in case.notes:
        state = "finalised" if note.is_frozen() else "draft"
        b.at(
            note.occurred_at,
            "Contact note",
            f"{words(note.kind)}, written by {note.author} ({state})",
            note.id,
        )
        for addendum in note.addenda:
            b.at(addendum.created_at, "Addendum", f"Addendum by {addendum.author}", addendum.id)
    for e in case.episodes:
        grade = words(e.police_risk_grade).lower()
        b.at(e.started_at, "Missing episode", f"Reported missing (police risk: {grade})", e.id)
        b.at(e.ended_at, "Missing episode", "Came back", e.id)
    for i in case.interviews:
        b.at(i.held_at, "Return interview", f"Return interview held by {i.interviewer}", i.id)
    for m in case.meetings:
        b.at(m.held_at, "Meeting", words(m.kind), m.id)
    for iv in case.interventions:
        b.on(iv.started_on, "Intervention", f"{iv.provider} started", iv.id)
        b.on(iv.ended_on, "Intervention", f"{iv.provider} ended", iv.id)
    for n in case.nrm_referrals:
        b.on(n.referred_on, "NRM referral", f"Referred by {n.first_responder}", n.id)
        b.on(n.reasonable_grounds_on, "NRM referral", "Reasonable grounds decision", n.id)
        b.on(n.conclusive_grounds_on, "NRM referral", "Conclusive grounds decision", n.id)
    for share in case.information_shares:
        b.at(share.shared_at, "Information shared", f"Shared with {share.recipient}", share.id)
    return sorted(b.events, key=lambda e: (e.when, e.has_time))


def _plans(b: _Builder, case: CaseFile) -> None:
    for plan in case.plans:
        for v in plan.versions:
            name = f"{plan.title}, version {v.number}"
            b.at(v.created_at, "Safety plan", f"{name} started", v.id)
            b.at(v.submitted_at, "Safety plan", f"{name} sent for approval", v.id)
            b.at(v.decided_at, "Safety plan", f"{name} {_decision(v)} by {v.decided_by}", v.id)


def _decision(version: PlanVersion) -> str:
    """What the team lead decided, as far as the version's status still tells."""
    if version.status is PlanVersionStatus.RETURNED:
        return "returned"
    if version.status in LIVE or version.status is PlanVersionStatus.CLOSED:
        return "approved"
    return "decision recorded"  # superseded since: approved or returned before
