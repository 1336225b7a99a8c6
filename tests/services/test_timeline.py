"""The chronology lists every recorded event of one young person in date order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.services.timeline import build_timeline


def test_the_timeline_holds_every_event_in_date_order(services: Services) -> None:
    pid = services.cases.add(
        given_name="Ffion", family_name="Hughes", referral_date=date(2026, 9, 1)
    )
    other = services.cases.add(given_name="Tomos", family_name="Hughes")
    services.notes.add(other, kind="phone", occurred_at=datetime(2026, 9, 5, tzinfo=UTC))
    note = services.notes.add(
        pid,
        kind="home_visit",
        occurred_at=datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
        narrative="Talked.",
    )
    services.notes.finalise(note)
    services.notes.add_addendum(note, "The visit was at the grandparents' flat.")
    episode = services.missing.report(pid, started_at=datetime(2026, 9, 20, 22, tzinfo=UTC))
    services.missing.record_return(episode, ended_at=datetime(2026, 9, 21, 9, tzinfo=UTC))
    plan = services.plans.create(young_person_id=pid)
    version = services.plans.save_draft(
        plan,
        review_date=services.plans.today().replace(year=2027),
        actions=[ActionInput("Weekly check-in", "Youth worker")],
    )
    services.plans.submit(version)
    services.plans.record_decision(version, approved=False, decided_by="A Lead", note="Add dates")

    events = build_timeline(services.cases.case_file(pid))

    lines = [(e.when_text, e.what, e.summary) for e in events]
    assert lines[0] == ("01/09/2026", "Referral", "Referred to the hub")
    assert (
        "20/09/2026 23:00",
        "Missing episode",
        "Reported missing (police risk: not known)",
    ) in lines
    assert (
        "03/10/2026 16:30",
        "Contact note",
        "Home visit, written by Test Practitioner (finalised)",
    ) in lines
    assert any(e.what == "Addendum" for e in events)
    assert lines[-1][2] == "My Safety Plan, version 1 returned by A Lead"
    assert [e.when for e in events] == sorted(e.when for e in events)
    assert not any("Tomos" in s or "05/09/2026" in w for w, _, s in lines)
