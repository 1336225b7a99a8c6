"""Conflicts on the desktop, made for real by two laptops and the hub on loopback: counted in
the status bar and on the young person's case; a plan chosen section by section (written
again here), another record field by field, a removal kept or not; each choice saved through
``services.conflicts.resolve`` and reaching the other laptop at the next sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pytestqt.qtbot import QtBot

from hubdesk.models import ContextLink
from hubdesk.views.conflict_screen import ConflictScreen
from hubdesk.views.main_window import MainWindow
from hubdesk.views.qt import Qt
from tests.views.a11y import mnemonic_clashes, unnamed_controls
from tests.views.conftest_sync import Device

OpenWindow = Callable[[Device], MainWindow]


def _synced_window(qtbot: QtBot, device: Device, person: str, window_on: OpenWindow) -> MainWindow:
    """The window on ``person``'s case, after a sync from the window."""
    window = window_on(device)
    window.caseload.reload()
    window.caseload.select_case(person)
    window.case_view.show_case(person)
    with qtbot.waitSignal(window.sync.worker.synced, timeout=5000):
        window.sync.sync_now()
    return window


def _screen(window: MainWindow) -> ConflictScreen:
    screen = window.sync.conflict_screen
    assert screen is not None
    assert screen.isVisible()
    return screen


def test_a_plan_edited_on_two_laptops_is_chosen_section_by_section(
    qtbot: QtBot, amy: Device, lead: Device, window_on: OpenWindow
) -> None:
    person = amy.s.cases.add(given_name="Sam", family_name="Okafor")
    plan = amy.s.plans.create(young_person_id=person)
    version = amy.s.plans.save_draft(plan, content={"what_worries_me": "Older boys at the shop"})
    amy.sync()
    lead.sync()
    amy.s.plans.save_draft(plan, content={"what_worries_me": "Being asked to carry things"})
    lead.s.plans.save_draft(plan, content={"what_worries_me": "Going to the shop alone"})
    lead.sync()

    window = _synced_window(qtbot, amy, person, window_on)
    assert window.hub.conflicts.isVisibleTo(window)
    assert window.hub.conflicts.text() == "1 conflict to choose"
    badge = window.case_view.conflict_badge
    assert badge.isVisibleTo(window)
    assert badge.text() == "1 sync conflict to choose"

    qtbot.mouseClick(badge, Qt.MouseButton.LeftButton)
    screen = _screen(window)
    assert screen.young_person_id == person
    panel = screen.panel
    assert panel is not None
    [section] = panel.fields
    assert section.title() == "What worries me"
    assert not screen.save.isEnabled()  # nothing is kept without a choice
    assert screen.message.text() == "Choose for every part that differs (0 of 1 done)."

    section.edit.click()
    assert unnamed_controls(screen) == []
    assert mnemonic_clashes(screen) == {}
    assert section.editor.isVisibleTo(screen)
    assert section.editor.toPlainText() == "Being asked to carry things"  # starts from mine
    assert section.says.text().startswith("What you write below is kept")
    both = "Being asked to carry things; going to the shop alone"
    section.editor.setPlainText(both)
    assert screen.save.isEnabled()
    with qtbot.waitSignal(screen.resolved, timeout=3000):
        screen.save.click()
    assert screen.message.text() == (
        "Saved. Your choice goes to the hub at the next sync. Nothing left to choose."
    )
    assert amy.s.conflicts.count_open() == 0
    assert not badge.isVisibleTo(window)
    assert not window.hub.conflicts.isVisibleTo(window)

    with qtbot.waitSignal(window.sync.worker.synced, timeout=5000):
        window.sync.sync_now()
    lead.sync()
    assert lead.records("plan_version")[version]["content"]["what_worries_me"] == both


def test_another_record_is_chosen_field_by_field(
    qtbot: QtBot, amy: Device, lead: Device, window_on: OpenWindow
) -> None:
    person = amy.s.cases.add(given_name="Alex", family_name="Moss")
    amy.sync()
    lead.sync()
    amy.s.cases.update(person, preferred_name="Lexi", date_of_birth=date(2011, 3, 4))
    lead.s.cases.update(person, preferred_name="Al", date_of_birth=date(2011, 4, 3))
    lead.sync()

    window = _synced_window(qtbot, amy, person, window_on)
    qtbot.mouseClick(window.hub.conflicts, Qt.MouseButton.LeftButton)
    screen = _screen(window)
    assert screen.young_person_id is None  # every conflict, from the status bar
    panel = screen.panel
    assert panel is not None
    fields = {f.title(): f for f in panel.fields}
    assert set(fields) == {"Preferred name", "Date of birth"}
    born = fields["Date of birth"]
    shown = (born.mine_text.accessibleDescription(), born.theirs_text.accessibleDescription())
    assert shown == ("04/03/2011", "03/04/2011")
    assert not born.edit.isVisibleTo(screen)  # a date is taken whole from one side
    assert fields["Preferred name"].edit.isVisibleTo(screen)

    fields["Preferred name"].use_theirs.click()
    assert screen.message.text() == "Choose for every part that differs (1 of 2 done)."
    with qtbot.waitSignal(window.sync.worker.synced, timeout=5000):
        window.sync.sync_now()  # a sync ending meanwhile keeps the choice made
    assert screen.panel is panel
    assert fields["Preferred name"].use_theirs.isChecked()
    assert fields["Preferred name"].use_theirs.text() == "✓ Keep the hub's"
    born.use_mine.click()
    with qtbot.waitSignal(screen.resolved, timeout=3000):
        screen.save.click()
    record = amy.records("young_person")[person]
    assert (record["preferred_name"], record["date_of_birth"]) == ("Al", "2011-03-04")


def test_a_removal_against_an_edit_is_kept_or_not_as_chosen(
    qtbot: QtBot, amy: Device, lead: Device, window_on: OpenWindow
) -> None:
    person = amy.s.cases.add(given_name="Kai", family_name="Lund")
    place = amy.s.contexts.create(kind="place", name="Station underpass")
    link = amy.s.contexts.link(person, place, why="Seen there after school")
    amy.sync()
    lead.sync()
    lead.s.contexts.unlink(link, "Moved away from the area")
    lead.sync()
    with amy.vault.write() as session:
        found = session.get(ContextLink, link)
        assert found is not None
        found.why = "Seen there most evenings with older youths"

    window = _synced_window(qtbot, amy, person, window_on)
    window.sync.open_conflicts(person)
    screen = _screen(window)
    panel = screen.panel
    assert panel is not None
    assert panel.removal is not None
    assert panel.fields == []
    removal = panel.removal
    assert removal.keep_record.accessibleDescription() == (
        "It comes back here and on the hub, with the changes you made here."
    )
    assert screen.message.text() == "Choose: keep it removed, or keep the record."
    assert unnamed_controls(screen) == []
    removal.keep_record.click()
    with qtbot.waitSignal(screen.resolved, timeout=3000):
        screen.save.click()

    with qtbot.waitSignal(window.sync.worker.synced, timeout=5000):
        window.sync.sync_now()
    lead.sync()
    assert lead.records("context_link")[link]["why"] == (
        "Seen there most evenings with older youths"
    )
