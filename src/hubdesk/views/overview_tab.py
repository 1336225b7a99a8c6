"""The case overview: key facts, the current level and why, flags, contexts, the next review
and the actions still open on the plan in force — what a practitioner checks before a visit."""

from __future__ import annotations

from datetime import date
from html import escape

from hubdesk.models import PlanAction, PlanVersion
from hubdesk.models.plans import PlanVersionStatus
from hubdesk.services.cases import CaseFile
from hubdesk.services.plans import LIVE
from hubdesk.timeutil import format_date, words
from hubdesk.views.case_tab import CaseTab, Deps
from hubdesk.views.qt import QLabel, QScrollArea, Qt, QVBoxLayout
from hubdesk.views.widgets import named


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def due_words(due: date | None, today: date) -> str:
    """A date with its state in words (never colour alone): "01/11/2026 (overdue)"."""
    if due is None:
        return "not set"
    if due < today:
        return f"{format_date(due)} (overdue)"
    if (due - today).days <= 14:
        return f"{format_date(due)} (due soon)"
    return format_date(due)


def plan_in_force(case: CaseFile) -> PlanVersion | None:
    """The young person's plan version in force: active first, then the newest approved."""
    versions = [v for p in case.plans if p.young_person_id for v in p.versions]
    for wanted in (PlanVersionStatus.ACTIVE, *LIVE):
        found = [v for v in versions if v.status is wanted]
        if found:
            return max(found, key=lambda v: v.number)
    return None


def rescreen_words(case: CaseFile, today: date) -> str:
    """When the next screening is due: 3 months after the last completed one, or now when the
    young person has gone missing since (DOMAIN.md)."""
    done = [s for s in case.screenings if s.completed_at is not None]
    if not done:
        return "no screening completed yet"
    last = max(done, key=lambda s: s.completed_at or s.created_at)
    assert last.completed_at is not None
    since = [e for e in case.episodes if e.started_at > last.completed_at]
    if since:
        first = min(e.started_at for e in since)
        return f"now: missing on {format_date(first)}, after the last screening"
    return due_words(last.rescreen_due, today)


def _facts(case: CaseFile, today: date) -> list[tuple[str, str]]:
    p = case.young_person
    born = (
        f"{format_date(p.date_of_birth)} (age {age_on(p.date_of_birth, today)})"
        if p.date_of_birth
        else "not recorded"
    )
    harms = ", ".join(words(h) for h in p.harm_types) or "none recorded"
    return [
        ("Date of birth", born),
        ("Case", words(p.status)),
        ("Referred", format_date(p.referral_date) or "not recorded"),
        ("Allocated worker", p.allocated_worker or "not allocated"),
        ("Team", p.team or "not recorded"),
        ("Legal status", p.legal_status or "not recorded"),
        ("Education", p.education or "not recorded"),
        ("Concerns about", harms),
        ("Next review", due_words(p.next_review_date, today)),
        ("Next screening due", rescreen_words(case, today)),
    ]


def _action_line(action: PlanAction, today: date) -> str:
    agency = f", {action.agency}" if action.agency else ""
    by = f" — by {due_words(action.by_when, today)}" if action.by_when else ""
    return f"{escape(action.what)} ({escape(action.owner)}{escape(agency)}){by}"


def overview_html(case: CaseFile, today: date) -> str:
    p = case.young_person
    level = (
        f"<b>{words(p.level)}</b> — {escape(p.level_reason or 'no reason recorded')}"
        if p.level
        else "Not screened yet"
    )
    flags = [
        label
        for on, label in (
            (p.flag_missing, "Missing now"),
            (p.flag_nrm_referral, "NRM referral"),
            (p.flag_looked_after, "Looked after"),
            (p.legal_hold, "Legal hold on records"),
        )
        if on
    ]
    facts = "".join(
        f"<tr><th align='left'>{name}</th><td>{escape(value)}</td></tr>"
        for name, value in _facts(case, today)
    )
    contexts = (
        "".join(
            f"<li>{escape(link.context.name)} ({words(link.context.kind).lower()}; "
            f"{words(link.reliability).lower()})</li>"
            for link in case.context_links
        )
        or "<li>None linked yet</li>"
    )
    version = plan_in_force(case)
    if version is None:
        actions = "<li>No approved plan yet</li>"
    else:
        live = [a for a in version.actions if a.deleted_at is None]
        actions = "".join(f"<li>{_action_line(a, today)}</li>" for a in live) or "<li>None</li>"
    return (
        f"<h3>Current level</h3><p>{level}</p>"
        f"<h3>Flags</h3><p>{escape(', '.join(flags)) or 'None'}</p>"
        f"<h3>Key facts</h3><table cellspacing='4'>{facts}</table>"
        f"<h3>Places and groups</h3><ul>{contexts}</ul>"
        f"<h3>Open actions on the plan in force</h3><ul>{actions}</ul>"
    )


class OverviewTab(CaseTab):
    title = "Overview"

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.text = named(QLabel(), "Case overview")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        scroll = named(QScrollArea(), "Case overview")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.text)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)

    def show_case(self, case: CaseFile) -> None:
        self.text.setText(overview_html(case, self.deps.services.cases.today()))
