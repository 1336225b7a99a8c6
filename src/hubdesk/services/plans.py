"""Safety plans and their versions.

Only a draft version is edited. Editing a plan whose newest version is frozen (submitted,
approved, returned, active, …) starts a new draft version copied from it, so what was
submitted stays exactly as it was. A submitted version keeps waiting for the team lead's
decision while the new draft is written; one version of a plan waits at a time, so the draft
can be submitted once the earlier one is decided. A returned version is superseded by the
draft that puts it right: the one started from it, or the one already started while it waited.
Decisions (approve / return) are the team lead's: made on the hub and synced back;
:meth:`PlanService.record_decision` is how a decision lands in the vault. When a version
becomes active, every other live version of the plan is superseded (a draft is not live and
is left alone), so a plan is never active twice over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import Context, PlanAction, PlanVersion, SafetyPlan, YoungPerson
from hubdesk.models.plans import PlanSubject, PlanVersionStatus
from hubdesk.services.base import ServiceBase, optional_text, required_text
from hubdesk.services.conflicts import keep_conflict
from hubdesk.services.plan_content import parse_content
from hubdesk.store import search
from hubdesk.store.outbox import content_of
from hubdesk.sync.merge import three_way

#: Versions that are, or may become, the plan in force; one becoming active supersedes the rest.
LIVE = frozenset(
    {
        PlanVersionStatus.APPROVED,
        PlanVersionStatus.SIGNED,
        PlanVersionStatus.ACTIVE,
        PlanVersionStatus.REVIEWED,
    }
)


@dataclass(frozen=True)
class ActionInput:
    what: str
    owner: str
    agency: str | None = None
    by_when: date | None = None


def index_plan(session: Session, plan: SafetyPlan, version: PlanVersion) -> None:
    content = parse_content(version.content)
    actions = "\n".join(
        f"{a.what} {a.owner} {a.agency or ''}" for a in version.actions if a.deleted_at is None
    )
    search.index(
        session,
        record_id=plan.id,
        record_kind="safety_plan",
        young_person_id=plan.young_person_id,
        body=f"{plan.title}\n{content.text_for_search()}\n{actions}",
    )


def _waiting(plan: SafetyPlan, *, besides: PlanVersion) -> PlanVersion | None:
    """Another version of the plan still waiting for a team lead's decision, if any."""
    return next(
        (
            v
            for v in plan.versions
            if v.id != besides.id and v.status is PlanVersionStatus.SUBMITTED
        ),
        None,
    )


def _draft_from(version: PlanVersion) -> PlanVersion | None:
    """The plan's draft, if it was started from ``version``."""
    latest = version.plan.latest
    if latest is None or latest.status is not PlanVersionStatus.DRAFT:
        return None
    return latest if latest.based_on_id == version.id else None


class PlanService(ServiceBase):
    def create(
        self,
        *,
        young_person_id: str | None = None,
        context_id: str | None = None,
        title: str | None = None,
    ) -> str:
        if (young_person_id is None) == (context_id is None):
            raise DomainError("A safety plan is for one young person or for one context.")
        with self.write() as session:
            if young_person_id is not None:
                self.get(session, YoungPerson, young_person_id)
                subject = PlanSubject.YOUNG_PERSON
                default_title = "My Safety Plan"
            else:
                assert context_id is not None
                context = self.get(session, Context, context_id)
                subject = PlanSubject.CONTEXT
                default_title = f"Contextual safety plan: {context.name}"
            plan = SafetyPlan(
                subject=subject,
                young_person_id=young_person_id,
                context_id=context_id,
                title=optional_text(title) or default_title,
            )
            session.add(plan)
            session.flush()
            version = PlanVersion(plan_id=plan.id, number=1, content={})
            session.add(version)
            self.audit(session, "create", plan)
            self.audit(session, "create", version)
            return plan.id

    def _draft(self, session: Session, plan: SafetyPlan) -> PlanVersion:
        """The plan's draft version, starting a new one from the newest if that is frozen."""
        latest = plan.latest
        assert latest is not None
        if not latest.is_frozen():
            return latest
        # A submitted version is copied too; it stays submitted, waiting for the decision.
        draft = PlanVersion(
            plan_id=plan.id,
            number=latest.number + 1,
            based_on_id=latest.id,
            content=dict(latest.content),
            review_date=latest.review_date,
        )
        session.add(draft)
        session.flush()
        for action in latest.actions:
            if action.deleted_at is None:
                session.add(
                    PlanAction(
                        plan_version_id=draft.id,
                        position=action.position,
                        what=action.what,
                        owner=action.owner,
                        agency=action.agency,
                        by_when=action.by_when,
                    )
                )
        # A returned version is put right in the new draft, which takes its place.
        supersede = latest.status is PlanVersionStatus.RETURNED
        if supersede:
            latest.move_to(PlanVersionStatus.SUPERSEDED)
        session.flush()
        session.refresh(plan, ["versions"])
        self.audit(session, "create", draft)
        if supersede:
            self.audit(session, str(PlanVersionStatus.SUPERSEDED.value), latest)
        return draft

    def save_draft(
        self,
        plan_id: str,
        *,
        content: dict[str, Any] | None = None,
        review_date: date | None = None,
        clear_review_date: bool = False,
        actions: list[ActionInput] | None = None,
        based_on: dict[str, Any] | None = None,
    ) -> str:
        """Save changes to the plan's draft (starting one if needed); returns the version id.

        ``None`` leaves a part as it is; ``clear_review_date`` removes the review date.
        ``based_on`` is the content the editor started from: when the draft has changed since
        (a sync brought the hub's change while it was open), the two are merged section by
        section instead of the editor's copy overwriting the hub's, and a section both
        changed is kept as a conflict (the hub's words stand until the practitioner chooses).
        """
        parsed = parse_content(content) if content is not None else None
        if clear_review_date and review_date is not None:
            raise DomainError("Give a review date or clear it, not both.")
        if review_date is not None and review_date < self.today():
            raise DomainError("The review date is in the past; choose a date from today on.")
        with self.write() as session:
            plan = self.get(session, SafetyPlan, plan_id)
            draft = self._draft(session, plan)
            if parsed is not None:
                draft.content = self._merged(session, plan, draft, parsed.model_dump(), based_on)
            if review_date is not None or clear_review_date:
                draft.review_date = review_date
            if actions is not None:
                for old in draft.actions:
                    if old.deleted_at is None:
                        old.deleted_at = self.clock()
                for position, item in enumerate(actions):
                    session.add(
                        PlanAction(
                            plan_version_id=draft.id,
                            position=position,
                            what=required_text(item.what, "what the action is"),
                            owner=required_text(item.owner, "who owns the action"),
                            agency=optional_text(item.agency),
                            by_when=item.by_when,
                        )
                    )
                session.flush()
                session.refresh(draft, ["actions"])
            index_plan(session, plan, draft)
            self.audit(session, "update", draft)
            return draft.id

    def _merged(
        self,
        session: Session,
        plan: SafetyPlan,
        draft: PlanVersion,
        typed: dict[str, Any],
        based_on: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if based_on is None:
            return typed
        # Both in the stored shape (a new draft holds {}; the editor sends every section).
        current = parse_content(draft.content or {}).model_dump()
        base = parse_content(based_on).model_dump()
        if current == base:
            return typed
        merge = three_way({"content": base}, {"content": typed}, {"content": current})
        if merge.contested:
            record = content_of(draft)
            keep_conflict(
                session,
                kind="plan_version",
                record_id=draft.id,
                young_person_id=plan.young_person_id,
                at=self.clock(),
                base={**record, "content": base},
                mine={**record, "content": typed},
                theirs=record,
                fields=list(merge.contested),
                reason="This plan was changed on the hub while it was open here.",
            )
            self.audit(session, "sync-conflict", draft)
        return dict(merge.content.get("content", {}))

    def plan(self, plan_id: str) -> SafetyPlan:
        """One plan with its versions (oldest first) and their actions, read in one go."""
        with self.read() as session:
            plan = session.execute(
                select(SafetyPlan)
                .where(SafetyPlan.id == plan_id, SafetyPlan.deleted_at.is_(None))
                .options(selectinload(SafetyPlan.versions).selectinload(PlanVersion.actions))
            ).scalar_one_or_none()
            if plan is None:
                raise NotFoundError("That safety plan is not in this vault.")
            return plan

    def for_context(self, context_id: str) -> str | None:
        """The id of the context's safety plan (the newest, if there were ever two), or None."""
        with self.read() as session:
            self.get(session, Context, context_id)
            return session.execute(
                select(SafetyPlan.id)
                .where(SafetyPlan.context_id == context_id, SafetyPlan.deleted_at.is_(None))
                .order_by(SafetyPlan.created_at.desc())
                .limit(1)
            ).scalar_one_or_none()

    def submit(self, version_id: str) -> None:
        with self.write() as session:
            version = self.get(session, PlanVersion, version_id)
            if version.status is PlanVersionStatus.DRAFT:
                waiting = _waiting(version.plan, besides=version)
                if waiting is not None:
                    raise DomainError(
                        f"Version {waiting.number} is still waiting for a team lead's "
                        "decision; send this version once that one is decided."
                    )
            version.submit(self.actor.name, self.clock())
            self.audit(session, "submit", version)

    def record_decision(
        self, version_id: str, *, approved: bool, decided_by: str, note: str | None = None
    ) -> None:
        with self.write() as session:
            version = self.get(session, PlanVersion, version_id)
            if not approved and not (note or "").strip():
                raise DomainError("Say why the plan is being returned, so it can be put right.")
            version.move_to(PlanVersionStatus.APPROVED if approved else PlanVersionStatus.RETURNED)
            version.decided_at = self.clock()
            version.decided_by = decided_by
            version.decision_note = optional_text(note)
            self.audit(session, "approve" if approved else "return", version)
            if not approved and _draft_from(version) is not None:
                # Started while this version waited: the draft already puts it right.
                version.move_to(PlanVersionStatus.SUPERSEDED)
                self.audit(session, str(PlanVersionStatus.SUPERSEDED.value), version)

    def move(self, version_id: str, target: PlanVersionStatus) -> None:
        """Later lifecycle steps: signed, active, reviewed, superseded, closed."""
        decided = (
            PlanVersionStatus.SUBMITTED,
            PlanVersionStatus.APPROVED,
            PlanVersionStatus.RETURNED,
        )
        if target in decided:
            raise DomainError("Use submit or the team lead's decision for this step.")
        with self.write() as session:
            version = self.get(session, PlanVersion, version_id)
            version.move_to(target)
            if target is PlanVersionStatus.ACTIVE:
                self._supersede_others(session, version)
            self.audit(session, str(target.value), version)

    def _supersede_others(self, session: Session, active: PlanVersion) -> None:
        """The plan's other live versions give way to the one that has become active."""
        for other in active.plan.versions:
            if other.id != active.id and other.status in LIVE:
                other.move_to(PlanVersionStatus.SUPERSEDED)
                self.audit(session, str(PlanVersionStatus.SUPERSEDED.value), other)
