"""What the plan editor writes, and only what changed since the vault last had it.

An action needs both "what" and "who" before the plan service takes it. Until then the row is
kept as a draft (services.drafts, under ``plan_actions:<plan id>``): every incomplete row with
its position, as JSON, written in the same autosave as the plan. Opening the plan puts those
rows back where they were; once a row is complete it is saved as a real action, and the same
write drops it from the draft (after the plan save succeeded, so it is never in neither).

Only the parts that changed are written: a half-typed action alone does not start a new
version of an approved plan, since the plan itself has not changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.views.plan_form import ACTION_COLUMNS, PlanForm, action_note

#: An incomplete action row: its position among the rows (from 0) and its texts by column key.
HeldRow = tuple[int, dict[str, str]]


def draft_key(plan_id: str) -> str:
    return f"plan_actions:{plan_id}"


def held_text(rows: Sequence[dict[str, str]]) -> str:
    """The incomplete rows as JSON (each with its ``position``); empty when there are none."""
    held = [{"position": n, **row} for n, row in enumerate(rows) if action_note(row)]
    return json.dumps(held, ensure_ascii=False, sort_keys=True) if held else ""


def read_held(text: str) -> list[HeldRow]:
    """The rows :func:`held_text` wrote, in position order (anything unreadable is skipped)."""
    try:
        data = json.loads(text) if text.strip() else []
    except ValueError:
        return []
    rows: list[HeldRow] = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and isinstance(item.get("position"), int):
            values = {c.key: str(item.get(c.key) or "") for c in ACTION_COLUMNS}
            rows.append((item["position"], values))
    return sorted(rows, key=lambda row: row[0])


@dataclass(frozen=True)
class Typed:
    """What the form holds, shaped as the vault keeps it."""

    content: dict[str, Any]
    #: None: leave the review date as it is (blank, unreadable or past: see ``clear_review``).
    review: date | None
    #: The field is blank: the plan has no review date.
    clear_review: bool
    actions: list[ActionInput]
    #: :func:`held_text` of the action rows.
    held: str

    def plan_part(self) -> tuple[Any, ...]:
        return self.content, self.review, self.clear_review, self.actions


def typed_now(form: PlanForm, *, with_code_word: bool, today: date) -> Typed:
    review = form.review_date.value()
    if review is not None and review < today:
        review = None  # said beside the field; everything else is saved
    return Typed(
        content=form.content(with_code_word),
        review=review,
        clear_review=not form.review_date.text().strip(),
        actions=form.complete_actions(),
        held=held_text(form.action_rows.texts()),
    )


def write_for(
    services: Services, plan_id: str, now: Typed, before: Typed | None
) -> Callable[[], str | None] | None:
    """The write that brings the vault from ``before`` (None: not known) to ``now``, or None
    when nothing changed. It returns the draft version's id when the plan was saved."""
    plan_changed = before is None or now.plan_part() != before.plan_part()
    actions = now.actions if before is None or now.actions != before.actions else None
    held_changed = before is None or now.held != before.held
    if not plan_changed and not held_changed:
        return None
    plans, drafts, key = services.plans, services.drafts, draft_key(plan_id)

    def write() -> str | None:
        version = None
        if plan_changed:
            version = plans.save_draft(
                plan_id,
                content=now.content,
                review_date=now.review,
                clear_review_date=now.clear_review,
                actions=actions,
            )
        if held_changed:
            drafts.save(key, now.held)  # empty: every action is complete, the draft goes
        return version

    return write
