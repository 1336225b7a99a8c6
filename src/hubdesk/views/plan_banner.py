"""What the editor says above the form about the open version: what state it is in, what
typing into it will do, and a team lead's note — which stands out by a strong frame and by
its words, never by colour alone."""

from __future__ import annotations

from html import escape

from hubdesk.models import PlanVersion
from hubdesk.models.plans import PlanVersionStatus
from hubdesk.views.plan_reading import LoadedPlan
from hubdesk.views.plan_words import decision_words, note_heading, started_from

#: The banner's style while it carries a team lead's note.
STAND_OUT = "QLabel { border: 3px solid #9a4a00; border-radius: 4px; padding: 8px; }"


def _note_html(heading: str, note: str, advice: str) -> str:
    note_html = escape(note).replace("\n", "<br>")
    text = f"<b>{escape(heading)}:</b><p style='font-size:large'><b>“{note_html}”</b></p>"
    return text + (f"<p>{advice}</p>" if advice else "")


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
        who = escape(shown.submitted_by or "you")
        return (
            f"<b>Waiting for a team lead's decision</b> (sent by {who}). It cannot be "
            "changed while it waits; once it is approved or returned, changing it starts a "
            "new version.",
            False,
        )
    if shown.status is PlanVersionStatus.DRAFT:
        base = started_from(shown, plan.versions)
        if base is not None and base.decision_note:
            return _note_html(note_heading(base), base.decision_note, ""), True
        return escape(plan.words.draft_hint), False
    advice = (
        f"Changing anything below starts version {number + 1} as a draft; version "
        f"{number} stays as it was."
    )
    decision = decision_words(shown)
    if shown.decision_note:
        return _note_html(decision, shown.decision_note, advice), True
    return (f"<b>{escape(decision)}.</b> " if decision else "") + advice, False
