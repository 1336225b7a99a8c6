"""Comparing two versions of a plan from the Safety plan tab: changed rows are marked in words
and the changed words are emphasised, not shown by colour alone."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.services.plan_diff import Change
from hubdesk.services.plans import ActionInput
from hubdesk.views.case_tab import Deps
from hubdesk.views.plan_tab import PlanTab
from hubdesk.views.qt import QFont, Qt
from tests.views.a11y import unnamed_controls

CLICK = Qt.MouseButton.LeftButton


def two_versions(services: Services) -> str:
    """Version 1 approved; version 2 a draft with a changed wish and one action fewer."""
    person = services.cases.add(given_name="Osian", family_name="Bevan")
    plan = services.plans.create(young_person_id=person)
    first = services.plans.save_draft(
        plan,
        content={"what_i_want": "To feel safe on the walk home", "code_word": "tea time"},
        review_date=services.plans.today() + timedelta(days=30),
        actions=[
            ActionInput("Walk home with Osian on Fridays", "Youth worker"),
            ActionInput("Ask the school about the back gate", "Social worker", "Children's"),
        ],
    )
    services.plans.submit(first)
    services.plans.record_decision(first, approved=True, decided_by="A Team Lead")
    services.plans.save_draft(
        plan,
        content={"what_i_want": "To feel safe on the bus home", "code_word": "tea time"},
        actions=[ActionInput("Walk home with Osian on Fridays", "Youth worker")],
    )
    return person


def test_compare_marks_changed_rows_in_words(qtbot: QtBot, deps: Deps, services: Services) -> None:
    person = two_versions(services)
    tab = PlanTab(deps)
    qtbot.addWidget(tab)
    tab.show_case(services.cases.case_file(person))
    tab.show()
    assert tab.versions.count() == 2
    qtbot.mouseClick(tab.compare_button, CLICK)
    dialog = tab.compare_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.left_choice.currentText().startswith("Version 1: Approved")
    assert dialog.right_choice.currentText() == "Version 2 (draft)"
    changes = {(r.key, r.number): r.change for r in dialog.rows}
    assert changes[("what_i_want", None)] is Change.CHANGED
    assert changes[("code_word", None)] is Change.SAME
    assert changes[("actions", 2)] is Change.REMOVED
    text = dialog.table.toPlainText()
    assert "What I want" in text
    assert "Changed" in text
    assert "Removed" in text
    assert dialog.summary.text() == "2 differences: 1 changed, 1 removed."
    assert unnamed_controls(dialog) == []
    assert text.index("What I want") < text.index("What others will do")

    qtbot.mouseClick(dialog.only_changes, CLICK)
    assert {r.change for r in dialog.rows} == {Change.CHANGED, Change.REMOVED}
    assert "Code word" not in dialog.table.toPlainText()

    dialog.left_choice.setFocus()
    qtbot.keyClick(dialog.left_choice, Qt.Key.Key_Down)  # compare version 2 with itself
    assert dialog.left_choice.currentText() == "Version 2 (draft)"
    assert dialog.summary.text() == "These two versions are the same."
    assert dialog.rows == []


def test_changed_words_are_emphasised_not_only_coloured(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = two_versions(services)
    tab = PlanTab(deps)
    qtbot.addWidget(tab)
    tab.show_case(services.cases.case_file(person))
    tab.open_compare()
    dialog = tab.compare_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    row = next(r for r in dialog.rows if r.key == "what_i_want")
    assert [s.text for s in row.right if s.changed] == ["bus"]
    found = dialog.table.document().find("bus")
    assert found.selectedText() == "bus"
    emphasis = found.charFormat()
    assert emphasis.fontUnderline()
    assert emphasis.fontWeight() >= QFont.Weight.Bold.value
    plain = dialog.table.document().find("Osian on Fridays").charFormat()
    assert not plain.fontUnderline()
