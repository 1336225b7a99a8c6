"""Young people (cases): add, update, set level, close, list the caseload, open one case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hubdesk.errors import DomainError
from hubdesk.models import (
    ContactNote,
    ContextLink,
    InformationShare,
    Intervention,
    Meeting,
    MissingEpisode,
    NRMReferral,
    PlanVersion,
    ReturnInterview,
    SafetyPlan,
    Screening,
    YoungPerson,
)
from hubdesk.models.enums import CaseStatus, HarmType, Level
from hubdesk.services.base import ServiceBase, choice, optional_text, required_text
from hubdesk.services.search import index_person

#: Fields a practitioner may change with :meth:`CaseService.update`.
EDITABLE = frozenset(
    {
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "gender",
        "legal_status",
        "education",
        "allocated_worker",
        "team",
        "referral_date",
        "next_review_date",
        "flag_looked_after",
        "harm_types",
    }
)


@dataclass
class CaseFile:
    """Everything recorded about one young person, loaded in one read transaction."""

    young_person: YoungPerson
    context_links: list[ContextLink] = field(default_factory=list)
    screenings: list[Screening] = field(default_factory=list)
    plans: list[SafetyPlan] = field(default_factory=list)
    notes: list[ContactNote] = field(default_factory=list)
    episodes: list[MissingEpisode] = field(default_factory=list)
    interviews: list[ReturnInterview] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    nrm_referrals: list[NRMReferral] = field(default_factory=list)
    information_shares: list[InformationShare] = field(default_factory=list)


@dataclass(frozen=True)
class CaseSummary:
    """What the caseload list shows of one young person, read without building full records
    (a 2,000-case caseload reads in a fraction of the time)."""

    id: str
    given_name: str
    family_name: str
    preferred_name: str | None
    status: CaseStatus
    level: Level | None
    next_review_date: date | None
    flag_missing: bool
    flag_nrm_referral: bool
    flag_looked_after: bool

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"


_SUMMARY_COLUMNS = tuple(getattr(YoungPerson, name) for name in CaseSummary.__dataclass_fields__)


def _check_dob(value: date | None, today: date) -> None:
    if value is not None and value > today:
        raise DomainError("The date of birth is in the future; check it and try again.")


def _check_harm_types(values: list[Any]) -> list[str]:
    try:
        return [HarmType(v).value for v in values]
    except ValueError as exc:
        raise DomainError(f"Unknown type of harm: {exc.args[0].split(' ')[0]}.") from None


class CaseService(ServiceBase):
    def add(
        self,
        *,
        given_name: str,
        family_name: str,
        date_of_birth: date | None = None,
        **details: Any,
    ) -> str:
        today = self.today()
        _check_dob(date_of_birth, today)
        unknown = set(details) - EDITABLE
        if unknown:
            raise DomainError(
                f"Unknown detail(s) for a young person: {', '.join(sorted(unknown))}."
            )
        if "harm_types" in details:
            details["harm_types"] = _check_harm_types(details["harm_types"])
        with self.write() as session:
            person = YoungPerson(
                given_name=required_text(given_name, "the young person's first name"),
                family_name=required_text(family_name, "the young person's family name"),
                date_of_birth=date_of_birth,
                allocated_worker=details.pop("allocated_worker", None) or self.actor.name,
                referral_date=details.pop("referral_date", None) or today,
                **details,
            )
            session.add(person)
            session.flush()
            index_person(session, person)
            self.audit(session, "create", person)
            return person.id

    def update(self, young_person_id: str, **changes: Any) -> None:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise DomainError(
                f"These details cannot be changed here: {', '.join(sorted(unknown))}."
            )
        if "date_of_birth" in changes:
            _check_dob(changes["date_of_birth"], self.today())
        if "harm_types" in changes:
            changes["harm_types"] = _check_harm_types(changes["harm_types"])
        for name in ("given_name", "family_name"):
            if name in changes:
                changes[name] = required_text(changes[name], f"the {name.replace('_', ' ')}")
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            for key, value in changes.items():
                setattr(person, key, optional_text(value) if isinstance(value, str) else value)
            index_person(session, person)
            self.audit(session, "update", person)

    def set_level(self, young_person_id: str, level: Level, reason: str) -> None:
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            person.level = choice(Level, level, "level")
            person.level_reason = required_text(reason, "why this level was chosen")
            self.audit(session, "update", person)

    def close(self, young_person_id: str, reason: str) -> None:
        with self.write() as session:
            person = self.get(session, YoungPerson, young_person_id)
            if person.status is CaseStatus.CLOSED:
                raise DomainError("This case is closed already.")
            person.status = CaseStatus.CLOSED
            person.closed_date = self.today()
            self.audit(session, "close", person, required_text(reason, "why the case is closing"))

    def caseload(self, include_closed: bool = False) -> list[YoungPerson]:
        with self.read() as session:
            query = select(YoungPerson).where(YoungPerson.deleted_at.is_(None))
            if not include_closed:
                query = query.where(YoungPerson.status != CaseStatus.CLOSED)
            query = query.order_by(YoungPerson.family_name, YoungPerson.given_name)
            return list(session.execute(query).scalars())

    def caseload_summary(self, include_closed: bool = False) -> list[CaseSummary]:
        """:meth:`caseload` as plain summaries, for the caseload list."""
        with self.read() as session:
            query = select(*_SUMMARY_COLUMNS).where(YoungPerson.deleted_at.is_(None))
            if not include_closed:
                query = query.where(YoungPerson.status != CaseStatus.CLOSED)
            query = query.order_by(YoungPerson.family_name, YoungPerson.given_name)
            return [CaseSummary(*row) for row in session.execute(query)]

    def case_file(self, young_person_id: str) -> CaseFile:
        with self.read() as session:
            return load_case_file(session, self.get(session, YoungPerson, young_person_id))


def _live(session: Session, cls: Any, *where: Any, options: tuple[Any, ...] = ()) -> list[Any]:
    query = select(cls).where(cls.deleted_at.is_(None), *where).options(*options)
    return list(session.execute(query).scalars())


def load_case_file(session: Session, person: YoungPerson) -> CaseFile:
    pid = person.id
    episodes = _live(session, MissingEpisode, MissingEpisode.young_person_id == pid)
    episode_ids = [e.id for e in episodes]
    return CaseFile(
        young_person=person,
        context_links=_live(
            session,
            ContextLink,
            ContextLink.young_person_id == pid,
            options=(selectinload(ContextLink.context),),
        ),
        screenings=_live(session, Screening, Screening.young_person_id == pid),
        plans=_live(
            session,
            SafetyPlan,
            SafetyPlan.young_person_id == pid,
            options=(selectinload(SafetyPlan.versions).selectinload(PlanVersion.actions),),
        ),
        notes=_live(
            session,
            ContactNote,
            ContactNote.young_person_id == pid,
            options=(selectinload(ContactNote.addenda),),
        ),
        episodes=episodes,
        interviews=_live(session, ReturnInterview, ReturnInterview.episode_id.in_(episode_ids))
        if episode_ids
        else [],
        meetings=_live(session, Meeting, Meeting.young_person_id == pid),
        interventions=_live(session, Intervention, Intervention.young_person_id == pid),
        nrm_referrals=_live(session, NRMReferral, NRMReferral.young_person_id == pid),
        information_shares=_live(
            session, InformationShare, InformationShare.young_person_id == pid
        ),
    )


__all__ = ["CaseFile", "CaseService", "CaseSummary", "load_case_file"]
