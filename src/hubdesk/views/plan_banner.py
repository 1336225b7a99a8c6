"""What the editor says above the form about the open version: what state it is in, what
typing into it will do, and a team lead's note — which stands out by a strong frame and by
its words, never by colour alone."""

from __future__ import annotations

from html import escape

from hubdesk.models import PlanVersion
from hubdesk.models.plans import PlanVersionStatus
from hubdesk.timeutil import format_date
from hubdesk.views.plan_reading import LoadedPlan
from hubdesk.views.plan_words import decision_words, note_heading, started_from

#: The banner's style while it carries a team lead's note.
STAND_OUT = "QLabel { border: 3px solid #9a4a00; border-radius: 4px; padding: 8px; }"


def _note_html(heading: str, note: str, advice: str) -> str:
    note_html = escape(note).replace("\n", "<br>")
    text = f"<b>{escape(heading)}:</b><p style='font-size:large'><b>“{note_html}”</b></p>"
    return text + (f"<p>{advice}</p>" if advice else "")


def _waiting_html(shown: PlanVersion) -> str:
    number = shown.number
    sent = f"sent by {shown.submitted_by or 'you'}"
    if shown.submitted_at is not None:
        sent += f" on {format_date(shown.submitted_at)}"
    return (
        f"<b>Version {number} is waiting for a team lead's decision</b> ({escape(sent)}). "
        f"Changing anything below starts version {number + 1} as a draft; version {number} "
        "stays as it was sent. The draft can be sent once the decision is made."
    )


def banner_for(plan: LoadedPlan, shown: PlanVersion, *, pinned: bool) -> tuple[str, bool]:
    """The banner's rich text, and whether it is a team lead's note that must stand out.

    ``pinned``: an earlier version opened to read, not the newest.
    """
    number = shown.number
    if pinned:
        return (
            f"You are reading version {number} as it was. It cannot be changed; the newest "
            f"is version {plan.newest.number}.",
            False,
        )
    if shown.status is PlanVersionStatus.SUBMITTED:
        return _waiting_html(shown), False
    if shown.status is PlanVersionStatus.DRAFT:
        base = started_from(shown, plan.versions)
        if base is not None and base.decision_note:
            return _note_html(note_heading(base), base.decision_note, ""), True
        waiting = next((v for v in plan.versions if v.status is PlanVersionStatus.SUBMITTED), None)
        if waiting is not None:
            return (
                f"<b>Version {waiting.number} is still waiting for a team lead's decision.</b> "
                f"This draft is saved as you type; it can be sent once version {waiting.number} "
                "is decided.",
                False,
            )
        return escape(plan.words.draft_hint), False
    advice = (
        f"Changing anything below starts version {number + 1} as a draft; version "
        f"{number} stays as it was."
    )
    decision = decision_words(shown)
    if shown.decision_note:
        return _note_html(decision, shown.decision_note, advice), True
    return (f"<b>{escape(decision)}.</b> " if decision else "") + advice, False
