"""A deterministic fictional caseload for `make run`, tests and benchmarks.

Same seed, same caseload (names, texts, ids and the shape of every record); dates are set
relative to today so reviews fall due and episodes look recent. Everything is written through
the services, so demo data obeys the same rules, audit trail and search index as real work.
Data comes from Faker (en_GB) and the texts in demo_text: never real people.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import select

from hubdesk.errors import DomainError
from hubdesk.forms import library
from hubdesk.forms.definition import Answer, QuestionKind
from hubdesk.forms.scoring import guide
from hubdesk.models import VaultMeta, YoungPerson
from hubdesk.models.base import id_source
from hubdesk.models.enums import Level
from hubdesk.models.plans import PlanVersionStatus
from hubdesk.services import demo_text as text
from hubdesk.services.facade import Services
from hubdesk.services.plans import ActionInput

DEMO_PRACTITIONER = "Demo Practitioner"
#: vault_meta key set on a vault that holds demo data (the app can label it as a demo).
META_DEMO = "demo"
SCREENING_TOOL = ("exploitation", 1)

#: Plan histories, so every state is present: each entry is the steps of the latest version.
PLAN_HISTORIES: tuple[tuple[str, ...], ...] = (
    (),
    ("submit",),
    ("submit", "approve"),
    ("submit", "return"),
    ("submit", "approve", "active"),
    ("submit", "approve", "active", "reviewed"),
    ("submit", "approve", "active", "reviewed", "closed"),
    ("submit", "approve", "signed", "active"),
)


class _Seeder:
    def __init__(self, services: Services, seed: int) -> None:
        self.s = services
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.now = services.cases.clock()
        self.today = self.now.date()

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def person(self) -> str:
        rng, fake = self.rng, self.fake
        given = rng.choice(text.ACCENTED_GIVEN) if rng.random() < 0.15 else fake.first_name()
        family = fake.last_name()
        if rng.random() < 0.1:
            family = rng.choice(text.APOSTROPHE_FAMILY)
        age_days = rng.randint(11 * 365, 17 * 365)
        return self.s.cases.add(
            given_name=given,
            family_name=family,
            date_of_birth=self.today - timedelta(days=age_days),
            preferred_name=None,
            gender=rng.choice(["Female", "Male", "Non-binary", "Prefers not to say"]),
            education=rng.choice(
                ["Mainstream school", "Reduced timetable", "Alternative provision", "College"]
            ),
            referral_date=self.today - timedelta(days=rng.randint(20, 400)),
            next_review_date=self.today + timedelta(days=rng.randint(-10, 60)),
            flag_looked_after=rng.random() < 0.3,
            harm_types=rng.sample(
                ["criminal_exploitation", "sexual_exploitation", "county_lines", "online_harm"],
                k=rng.randint(1, 2),
            ),
        )

    def notes(self, pid: str, name: str, place: str) -> None:
        for _ in range(self.rng.randint(3, 7)):
            kind, template = self.rng.choice(text.NOTE_TEMPLATES)
            note = self.s.notes.add(
                pid,
                kind=kind,
                occurred_at=self.ago(self.rng.uniform(1, 120)),
                narrative=template.format(name=name, place=place),
                present=self.rng.choice(["Young person", "Young person and carer", "Carer"]),
            )
            if self.rng.random() < 0.8:
                self.s.notes.finalise(note)
                if self.rng.random() < 0.25:
                    self.s.notes.add_addendum(note, self.rng.choice(text.ADDENDA))

    def screening(self, pid: str) -> None:
        """A screening on the shipped tool: a few indicators answered, the guide computed."""
        tool = library.newest_active(SCREENING_TOOL[0])
        sid = self.s.screenings.start(pid, definition_id=tool.id, definition_version=tool.version)
        indicators = [
            q.id
            for section in tool.sections
            if section.scored
            for q in section.questions
            if q.kind is QuestionKind.INDICATOR and not q.harm and q.show_when is None
        ]
        answers = {
            qid: Answer(
                value=self.rng.choice(["concern", "concern", "evidenced", "absent", "not_known"]),
                source=self.rng.choice(["Young person", "School", "Police", "Carer"]),
                current=self.rng.random() < 0.7,
            )
            for qid in self.rng.sample(indicators, self.rng.randint(0, 9))
        }
        answers |= {
            "about_reason": Answer(text=self.rng.choice(text.SCREENING_REASONS)),
            "about_agencies": Answer(
                values=self.rng.sample(["childrens_social_care", "police", "school", "health"], 2)
            ),
            "about_date": Answer(value=self.ago(self.rng.uniform(1, 60)).date().isoformat()),
        }
        result = guide(tool, answers, age=None)
        level = Level(result.level)
        self.s.screenings.save(
            sid,
            answers={qid: a.model_dump() for qid, a in answers.items()},
            computed_level=level,
            computed_reasons=list(result.reasons),
            computed_score={"score": result.score, "sections": result.section_scores},
        )
        if self.rng.random() < 0.85:
            final = level if self.rng.random() < 0.8 else self.rng.choice(list(Level))
            rationale = None if final == level else "Professional judgement after the visit."
            self.s.screenings.complete(sid, final_level=final, rationale=rationale)

    def plan(self, pid: str, history: tuple[str, ...]) -> None:
        plan = self.s.plans.create(young_person_id=pid)
        content: dict[str, Any] = {
            "what_i_want": self.rng.choice(text.WHAT_I_WANT),
            "what_worries_me": self.rng.choice(text.WORRIES),
            "safe_and_unsafe": {
                area: {"safe": safe, "unsafe": unsafe}
                for area, (safe, unsafe) in text.PLACES.items()
                if self.rng.random() < 0.7
            },
            "people_i_trust": self.fake.first_name() + " (my aunt), my youth worker",
            "what_i_will_do": "Text my code word to my aunt if I feel unsafe.",
            "code_word": self.rng.choice(["pineapple", "blue sky", "tea time", ""]),
            "contacts": [
                {"name": "Hub duty line", "role": "Social care", "phone": "0121 496 0000"}
            ],
            "copies_held_by": ["Young person", "Carer", "School"],
        }
        actions = [
            ActionInput(what, owner, agency, self.today + timedelta(days=self.rng.randint(5, 40)))
            for what, owner, agency in self.rng.sample(text.ACTIONS, k=self.rng.randint(2, 4))
        ]
        review = self.today + timedelta(days=self.rng.randint(20, 90))
        version = self.s.plans.save_draft(
            plan, content=content, review_date=review, actions=actions
        )
        if self.rng.random() < 0.3 and history:
            # An earlier version that was returned, then improved: a real version history.
            # Starting the new draft supersedes the returned version.
            self.s.plans.submit(version)
            self.s.plans.record_decision(
                version, approved=False, decided_by="Demo Team Lead", note="Add the school's part."
            )
            content["what_i_will_do"] += " Go to Ms Patel's office at break if I need to."
            version = self.s.plans.save_draft(plan, content=content)
        for step in history:
            if step == "submit":
                self.s.plans.submit(version)
            elif step in ("approve", "return"):
                self.s.plans.record_decision(
                    version,
                    approved=step == "approve",
                    decided_by="Demo Team Lead",
                    note=None if step == "approve" else "Please add who holds a copy.",
                )
            else:
                self.s.plans.move(version, PlanVersionStatus(step))

    def missing(self, pid: str) -> None:
        for _ in range(self.rng.randint(1, 3)):
            start = self.ago(self.rng.uniform(3, 90))
            episode = self.s.missing.report(
                pid,
                started_at=start,
                reported_by=self.rng.choice(["Carer", "Residential home", "School"]),
                police_risk_grade=self.rng.choice(["low", "medium", "high"]),
            )
            back = start + timedelta(hours=self.rng.uniform(4, 60))
            self.s.missing.record_return(
                episode,
                ended_at=min(back, self.now),
                where_found=self.rng.choice(["Bus station", "A flat in another town", "Home"]),
                out_of_area=self.rng.random() < 0.4,
            )
            if self.rng.random() < 0.7:
                self.s.missing.record_interview(
                    episode,
                    status="held",
                    offered_at=min(back + timedelta(hours=12), self.now),
                    held_at=min(back + timedelta(hours=48), self.now),
                    interviewer="Independent RHI worker",
                    young_person_said="Said they went with friends and lost track of time.",
                )
            else:
                self.s.missing.record_interview(
                    episode, status="declined", attempts=["Phone call, no answer", "Home visit"]
                )

    def extras(self, pid: str) -> None:
        if self.rng.random() < 0.3:
            self.s.work.record_meeting(
                kind="panel",
                held_at=self.ago(self.rng.uniform(1, 30)),
                young_person_id=pid,
                attendees="Hub, police, school, youth service",
                discussion="Reviewed the safety plan and the places linked to the concerns.",
                decisions="Continue at panel; patrols at the linked place for four weeks.",
            )
        if self.rng.random() < 0.15:
            self.s.work.refer_nrm(
                pid,
                referred_on=self.today - timedelta(days=self.rng.randint(5, 60)),
                first_responder="Children's social care",
                exploitation_types=["criminal_exploitation"],
                summary="Referred after a disclosure of being made to carry drugs for others.",
            )
        if self.rng.random() < 0.3:
            self.s.work.add_intervention(
                pid,
                provider="Youth service",
                description="Weekly mentoring sessions",
                started_on=self.today - timedelta(days=30),
            )
        if self.rng.random() < 0.2:
            self.s.work.record_share(
                pid,
                shared_at=self.ago(2),
                what="Safety plan actions for school",
                recipient="Designated safeguarding lead, Northfield Academy",
                why="So school can carry out its actions in the plan.",
                lawful_basis="UK GDPR Art. 6(1)(e) and 9(2)(g); DPA 2018 Sch. 1 para 18",
            )


def seed_demo(services: Services, *, cases: int, seed: int) -> list[str]:
    """Write a fictional caseload into an empty vault, and mark the vault as a demo.

    Refusing a vault that already holds young people keeps fictional children out of a real
    caseload, and keeps a second seeding from colliding with the first one's ids.
    """
    with services.vault.write() as session:
        if session.execute(select(YoungPerson.id).limit(1)).first() is not None:
            raise DomainError(
                "This vault already holds a caseload, so no demo data was added. "
                "Seed a new, empty folder instead."
            )
        session.merge(VaultMeta(key=META_DEMO, value="1"))
    rng_ids = random.Random(seed * 7919 + 1)
    token = id_source.set(lambda: str(uuid.UUID(int=rng_ids.getrandbits(128), version=4)))
    try:
        return _seed(_Seeder(services, seed), cases)
    finally:
        id_source.reset(token)


def _seed(seeder: _Seeder, cases: int) -> list[str]:
    s, rng = seeder.s, seeder.rng
    contexts = []
    for kind, name, place_type in text.CONTEXTS:
        contexts.append(
            (
                name,
                s.contexts.create(
                    kind=kind, name=name, place_type=place_type, area=seeder.fake.city()
                ),
            )
        )
    for index in range(cases):
        pid = seeder.person()
        person = s.cases.case_file(pid).young_person
        linked = rng.sample(contexts, k=rng.randint(1, 3))
        for weight, (_, cid) in enumerate(linked, start=1):
            s.contexts.link(
                pid,
                cid,
                why=rng.choice(text.LINK_WHY),
                reliability=rng.choice(["confirmed", "likely", "possible"]),
                weight=weight,
            )
        seeder.notes(pid, person.preferred_name or person.given_name, linked[0][0])
        seeder.screening(pid)
        seeder.plan(pid, PLAN_HISTORIES[index % len(PLAN_HISTORIES)])
        if rng.random() < 0.4:
            seeder.missing(pid)
        seeder.extras(pid)
    place_plan = s.plans.create(context_id=contexts[0][1])
    s.plans.save_draft(
        place_plan,
        content={"what_worries_me": "Young people are approached here after school."},
        review_date=seeder.today + timedelta(days=28),
        actions=[
            ActionInput("Detached youth work twice a week", "Youth service lead", "Youth service")
        ],
    )
    s.work.record_meeting(
        kind="context_conference",
        held_at=seeder.ago(7),
        context_id=contexts[0][1],
        attendees="Hub, police, transport, council community safety",
        decisions="Better lighting and patrols; a contextual safety plan for the place.",
    )
    return [f"{cases} young people", f"{len(contexts)} contexts", "notes, plans, screenings"]
