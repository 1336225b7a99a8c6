"""One safety plan as the plan screens show it: its versions (oldest first, each with its
actions) and the headings it is written under."""

from __future__ import annotations

from dataclasses import dataclass

from hubdesk.models import PlanVersion, SafetyPlan
from hubdesk.models.enums import ContextKind
from hubdesk.models.plans import PlanSubject
from hubdesk.services import Services
from hubdesk.views.plan_words import Headings, headings_for


@dataclass(frozen=True)
class LoadedPlan:
    plan: SafetyPlan
    #: Oldest first, each with its actions loaded (replaced actions included: see
    #: services.plan_diff.live_actions).
    versions: list[PlanVersion]
    words: Headings

    @property
    def newest(self) -> PlanVersion:
        return self.versions[-1]

    def version(self, version_id: str) -> PlanVersion | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def number_of(self, version_id: str | None) -> int | None:
        found = self.version(version_id) if version_id else None
        return found.number if found else None


def load_plan(services: Services, plan_id: str) -> LoadedPlan:
    """The plan as it is in the vault now (a few milliseconds, on the UI thread)."""
    plan = services.plans.plan(plan_id)
    return LoadedPlan(plan, list(plan.versions), headings_of(services, plan))


def headings_of(services: Services, plan: SafetyPlan) -> Headings:
    kind: ContextKind | None = None
    if plan.subject is PlanSubject.CONTEXT:
        kind = next((c.kind for c in services.contexts.all() if c.id == plan.context_id), None)
    return headings_for(plan.subject, kind)
