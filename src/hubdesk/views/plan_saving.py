"""What the plan editor writes, and only what changed since the vault last had it.

Typed text the plan cannot take yet is kept in the vault as a draft (services.drafts, under
``plan_actions:<plan id>``), written in the same autosave as the plan, as one JSON object:

- ``actions``: each action row without both "what" and "who" (the service needs both), with
  its position among the rows and its texts;
- ``review_date_text``: a review date that has passed or cannot be read ("01/01/2020");
- ``action_dates``: for a complete action whose "by when" cannot be read ("31/02/2027"), the
  typed text by the row's position, with the action's "what" so it goes back on the same one.

The plan is saved without them (a bad date is left out and said beside its field), and opening
the plan puts them back where they were, so an idle lock (which rebuilds the window) or moving
to another young person and back loses nothing. Once a field is valid it is saved in the plan
and the same write drops it from the draft, after the plan save succeeded, so it is never in
neither. A draft written before dates were kept (a JSON list of rows) is still read.

Only the parts that changed are written: a half-typed action alone does not start a new
version of an approved plan, since the plan itself has not changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.views.plan_fields import parse_date
from hubdesk.views.plan_form import ACTION_COLUMNS, PlanForm, action_note

#: An incomplete action row: its position among the rows (from 0) and its texts by column key.
HeldRow = tuple[int, dict[str, str]]


def draft_key(plan_id: str) -> str:
    return f"plan_actions:{plan_id}"


def _unreadable(text: str) -> bool:
    try:
        parse_date(text)
    except ValueError:
        return True
    return False


@dataclass(frozen=True)
class Kept:
    """What the draft holds: typed text the plan cannot take yet."""

    #: Incomplete action rows, in position order.
    rows: list[HeldRow] = field(default_factory=list)
    #: A review date typed but not saved (passed, or unreadable); "" when there is none.
    review_date_text: str = ""
    #: By row position: the action's "what" and its unreadable "by when" as typed.
    action_dates: dict[int, tuple[str, str]] = field(default_factory=dict)


def kept_text(rows: Sequence[dict[str, str]], review_text: str, review_saved: bool) -> str:
    """The draft as JSON (see the module's docstring); empty when nothing needs keeping.
    ``rows`` are the action rows' texts in order; ``review_saved`` says whether the typed
    review date (blank counts) is the one the plan takes."""
    data: dict[str, Any] = {}
    held = [{"position": n, **row} for n, row in enumerate(rows) if action_note(row)]
    if held:
        data["actions"] = held
    if review_text and not review_saved:
        data["review_date_text"] = review_text
    dates = {
        str(n): {"what": row["what"], "by_when": row["by_when"]}
        for n, row in enumerate(rows)
        if row["what"] and row["owner"] and _unreadable(row["by_when"])
    }
    if dates:
        data["action_dates"] = dates
    return json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""


def read_kept(text: str) -> Kept:
    """What :func:`kept_text` wrote, or a list of rows as written before dates were kept;
    anything unreadable is skipped."""
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        return Kept()
    if isinstance(data, list):
        data = {"actions": data}
    if not isinstance(data, dict):
        return Kept()
    rows: list[HeldRow] = []
    items = data.get("actions")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("position"), int):
            values = {c.key: str(item.get(c.key) or "") for c in ACTION_COLUMNS}
            rows.append((item["position"], values))
    review = data.get("review_date_text")
    dates: dict[int, tuple[str, str]] = {}
    stored = data.get("action_dates")
    for position, item in stored.items() if isinstance(stored, dict) else []:
        if position.isdigit() and isinstance(item, dict):
            dates[int(position)] = (str(item.get("what") or ""), str(item.get("by_when") or ""))
    return Kept(
        rows=sorted(rows, key=lambda row: row[0]),
        review_date_text=review if isinstance(review, str) else "",
        action_dates=dates,
    )


def put_back(form: PlanForm, kept: Kept) -> None:
    """Put the kept dates into a form already filled with the version and the kept rows. A
    date goes back only on the same action, still without a date in the vault."""
    if kept.review_date_text:
        form.review_date.setText(kept.review_date_text)
    rows = form.action_rows
    for position, (what, by_when) in kept.action_dates.items():
        if position >= len(rows):
            continue
        texts = rows.texts()[position]
        if texts["what"] == what and not texts["by_when"]:
            rows.field(position, "by_when").setText(by_when)


@dataclass(frozen=True)
class Typed:
    """What the form holds, shaped as the vault keeps it."""

    content: dict[str, Any]
    #: None: leave the review date as it is (blank, unreadable or past: see ``clear_review``).
    review: date | None
    #: The field is blank: the plan has no review date.
    clear_review: bool
    actions: list[ActionInput]
    #: :func:`kept_text`: what the draft holds.
    kept: str

    def plan_part(self) -> tuple[Any, ...]:
        return self.content, self.review, self.clear_review, self.actions


def typed_now(form: PlanForm, *, with_code_word: bool, today: date) -> Typed:
    review = form.review_date.value()
    if review is not None and review < today:
        review = None  # said beside the field and kept in the draft; the rest is saved
    review_text = form.review_date.text().strip()
    return Typed(
        content=form.content(with_code_word),
        review=review,
        clear_review=not review_text,
        actions=form.complete_actions(),
        kept=kept_text(form.action_rows.texts(), review_text, review is not None),
    )


def write_for(
    services: Services, plan_id: str, now: Typed, before: Typed | None
) -> Callable[[], str | None] | None:
    """The write that brings the vault from ``before`` (None: not known) to ``now``, or None
    when nothing changed. It returns the draft version's id when the plan was saved."""
    plan_changed = before is None or now.plan_part() != before.plan_part()
    actions = now.actions if before is None or now.actions != before.actions else None
    kept_changed = before is None or now.kept != before.kept
    if not plan_changed and not kept_changed:
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
                based_on=before.content if before is not None else None,
            )
        if kept_changed:
            drafts.save(key, now.kept)  # empty: nothing left to keep, the draft goes
        return version

    return write
