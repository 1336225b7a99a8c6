"""My Safety Plan editor and the case view's "Safety plan" tab, driven like a practitioner:
typing, clicking and shortcuts; the vault is checked afterwards through the services."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.models.plans import PlanVersionStatus
from hubdesk.services import Services
from hubdesk.services.plan_diff import live_actions
from hubdesk.services.plans import ActionInput
from hubdesk.settings import load_settings
from hubdesk.timeutil import format_date
from hubdesk.views.case_tab import Deps
from hubdesk.views.main_window import MainWindow
from hubdesk.views.plan_editor import PlanEditor
from hubdesk.views.plan_reading import load_plan
from hubdesk.views.plan_tab import PlanTab
from hubdesk.views.qt import (
    QApplication,
    QFont,
    QLabel,
    Qt,
    QWidget,
)
from tests.views.a11y import activate, mnemonic_clashes, unnamed_controls

CLICK = Qt.MouseButton.LeftButton


def young_person(services: Services) -> str:
    return services.cases.add(given_name="Ffion", family_name="Pritchard")


def versions(services: Services, person: str) -> list[Any]:
    return services.cases.case_file(person).plans[0].versions


def content(services: Services, person: str) -> dict[str, Any]:
    return dict(versions(services, person)[-1].content)


def open_editor(qtbot: QtBot, deps: Deps, plan_id: str) -> PlanEditor:
    editor = PlanEditor(deps)
    qtbot.addWidget(editor)
    editor.open_plan(plan_id)
    editor.resize(1000, 640)
    editor.show()
    editor.activateWindow()  # keyboard focus, as on a practitioner's screen
    qtbot.waitUntil(editor.isActiveWindow, timeout=3000)
    return editor


def later(services: Services, days: int = 30) -> str:
    return format_date(services.plans.today() + timedelta(days=days))


def submitted_plan(services: Services, person: str) -> str:
    """A plan whose version 1 waits for a team lead's decision."""
    plan = services.plans.create(young_person_id=person)
    version = services.plans.save_draft(
        plan,
        content={"what_i_want": "To feel safe at the bus station"},
        review_date=services.plans.today() + timedelta(days=40),
        actions=[ActionInput("Meet after school on Thursdays", "Youth worker", "Youth service")],
    )
    services.plans.submit(version)
    return plan


def approved_plan(services: Services, person: str) -> str:
    plan = submitted_plan(services, person)
    version = versions(services, person)[0].id
    services.plans.record_decision(version, approved=True, decided_by="A Team Lead")
    return plan


def test_typing_lands_in_the_vault_within_the_autosave_delay(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, services.plans.create(young_person_id=person))
    assert editor.version_line.text() == "<b>Version 1 (draft)</b>"
    qtbot.keyClicks(editor.form.texts["what_i_want"], "To go back to football on Saturdays")
    qtbot.waitUntil(
        lambda: (
            content(services, person).get("what_i_want") == "To go back to football on Saturdays"
        ),
        timeout=3000,
    )
    qtbot.waitUntil(lambda: editor.save_line.text().startswith("Saved at"), timeout=3000)
    assert len(versions(services, person)) == 1


def test_submit_without_an_action_or_review_date_says_why(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, services.plans.create(young_person_id=person))
    qtbot.keyClicks(editor.form.texts["what_worries_me"], "People I owe money to")
    with qtbot.assertNotEmitted(editor.plan_state_changed):
        qtbot.mouseClick(editor.submit_button, CLICK)
        qtbot.waitUntil(lambda: "cannot be submitted" in editor.submit_message.text(), timeout=3000)
    assert editor.submit_message.text() == (
        "This plan cannot be submitted yet: it needs at least one action saying who will do "
        "what and a review date."
    )
    assert versions(services, person)[-1].status is PlanVersionStatus.DRAFT
    assert content(services, person)["what_worries_me"] == "People I owe money to"
    assert not editor.form.texts["what_i_want"].isReadOnly()


def test_with_an_action_and_a_review_date_submit_works_and_says_what_typing_will_do(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, services.plans.create(young_person_id=person))
    qtbot.mouseClick(editor.form.action_rows.add_button, CLICK)
    qtbot.keyClicks(QApplication.focusWidget(), "Walk to the bus stop with Ffion")
    assert editor.form.action_rows.field(0, "what").text() == "Walk to the bus stop with Ffion"
    qtbot.keyClicks(editor.form.action_rows.field(0, "owner"), "Youth worker")
    qtbot.keyClicks(editor.form.review_date, later(services))
    with qtbot.waitSignal(editor.plan_state_changed, timeout=3000):
        qtbot.mouseClick(editor.submit_button, CLICK)
    latest = versions(services, person)[-1]
    assert latest.status is PlanVersionStatus.SUBMITTED
    assert [a.what for a in live_actions(latest)] == ["Walk to the bus stop with Ffion"]
    assert editor.submit_message.text() == "Sent for a team lead's decision."
    assert "Version 1 is waiting for a team lead's decision" in editor.banner.text()
    assert "starts version 2 as a draft" in editor.banner.text()
    assert not editor.submit_button.isEnabled()  # nothing new to send yet
    assert not editor.form.texts["what_i_want"].isReadOnly()
    assert editor.form.action_rows.add_button.isEnabled()


def test_typing_into_a_waiting_plan_starts_version_2_and_leaves_version_1_waiting(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, submitted_plan(services, person))
    [sent] = versions(services, person)
    assert editor.version_line.text().startswith("<b>Version 1: Waiting for a team lead")
    banner = editor.banner.text()
    assert "Version 1 is waiting for a team lead's decision" in banner
    assert "starts version 2 as a draft; version 1 stays as it was sent" in banner
    assert editor.banner.isVisibleTo(editor)
    with qtbot.waitSignal(editor.plan_state_changed, timeout=3000):
        qtbot.keyClicks(editor.form.texts["what_i_will_do"], "Text my aunt")
    first, second = versions(services, person)
    assert (first.id, first.status, first.version) == (
        sent.id,
        PlanVersionStatus.SUBMITTED,
        sent.version,
    )
    assert first.content == sent.content
    assert "what_i_will_do" not in first.content or not first.content["what_i_will_do"]
    assert [a.what for a in live_actions(first)] == ["Meet after school on Thursdays"]
    assert (second.status, second.based_on_id) == (PlanVersionStatus.DRAFT, first.id)
    assert second.content["what_i_will_do"] == "Text my aunt"
    assert second.content["what_i_want"] == "To feel safe at the bus station"
    assert [a.what for a in live_actions(second)] == ["Meet after school on Thursdays"]
    assert editor.version_line.text() == "<b>Version 2 (draft), started from version 1</b>"
    assert "Version 1 is still waiting for a team lead's decision" in editor.banner.text()
    qtbot.keyClicks(editor.form.texts["what_i_will_do"], " after school")
    assert editor.flush()
    assert [v.status for v in versions(services, person)] == [
        PlanVersionStatus.SUBMITTED,
        PlanVersionStatus.DRAFT,
    ]
    assert content(services, person)["what_i_will_do"] == "Text my aunt after school"


def test_sending_version_2_while_version_1_waits_says_why_not(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, submitted_plan(services, person))
    with qtbot.waitSignal(editor.plan_state_changed, timeout=3000):  # version 2 started
        qtbot.keyClicks(editor.form.copies, "Ffion, her aunt")
    assert len(versions(services, person)) == 2
    assert editor.submit_button.isEnabled()
    with qtbot.assertNotEmitted(editor.plan_state_changed):
        qtbot.mouseClick(editor.submit_button, CLICK)
        qtbot.waitUntil(lambda: "still waiting" in editor.submit_message.text(), timeout=3000)
    assert editor.submit_message.text() == (
        "Version 1 is still waiting for a team lead's decision; send this version once that "
        "one is decided."
    )
    assert [v.status for v in versions(services, person)] == [
        PlanVersionStatus.SUBMITTED,
        PlanVersionStatus.DRAFT,
    ]
    assert not editor.form.copies.isReadOnly()  # the draft can still be written


def test_editing_an_approved_plan_starts_version_2_and_keeps_version_1(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, approved_plan(services, person))
    assert editor.version_line.text().startswith("<b>Version 1: Approved")
    assert "starts version 2 as a draft" in editor.banner.text()
    with qtbot.waitSignal(editor.plan_state_changed, timeout=3000):
        qtbot.keyClicks(editor.form.texts["what_i_will_do"], "Text my aunt")
    first, second = versions(services, person)
    assert first.status is PlanVersionStatus.APPROVED
    assert "what_i_will_do" not in first.content or not first.content["what_i_will_do"]
    assert second.status is PlanVersionStatus.DRAFT
    assert second.content["what_i_will_do"] == "Text my aunt"
    assert second.content["what_i_want"] == "To feel safe at the bus station"
    assert [a.what for a in live_actions(second)] == ["Meet after school on Thursdays"]
    assert editor.version_line.text() == "<b>Version 2 (draft), started from version 1</b>"


def test_a_returned_plan_shows_the_team_leads_note(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    version = services.plans.save_draft(
        plan,
        review_date=services.plans.today() + timedelta(days=9),
        actions=[ActionInput("Weekly check-in", "Social worker")],
    )
    services.plans.submit(version)
    services.plans.record_decision(
        version, approved=False, decided_by="A Team Lead", note="Add who holds a copy."
    )
    editor = open_editor(qtbot, deps, plan)
    assert "Returned by A Team Lead" in editor.banner.text()
    assert "Add who holds a copy." in editor.banner.text()
    qtbot.keyClicks(editor.form.copies, "Ffion, her aunt")
    qtbot.waitUntil(lambda: len(versions(services, person)) == 2, timeout=3000)
    qtbot.waitUntil(lambda: "note on version 1" in editor.banner.text(), timeout=3000)
    assert "Add who holds a copy." in editor.banner.text()  # still in view while put right


def test_a_contextual_plan_has_the_context_headings_and_no_code_word(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    context = services.contexts.create(kind="place", name="Riverside retail park")
    plan = services.plans.create(context_id=context)
    editor = open_editor(qtbot, deps, plan)
    shown = " ".join(label.text() for label in editor.form.findChildren(QLabel))
    assert "What we want for this place" in shown
    assert "What worries us here" in shown
    assert "What I want" not in shown
    assert "Homes nearby" in shown
    assert editor.form.texts["what_i_want"].accessibleName() == "What we want for this place"
    assert not editor.form.code_word.isVisibleTo(editor)
    qtbot.keyClicks(editor.form.texts["what_i_will_do"], "Security staff at the back gate")
    qtbot.waitUntil(lambda: editor.save_line.text().startswith("Saved at"), timeout=3000)
    saved = load_plan(services, plan).newest.content
    assert saved["what_i_will_do"] == "Security staff at the back gate"
    assert saved["code_word"] == ""


def test_large_type_scales_the_text_and_is_kept_in_the_settings(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    editor = open_editor(qtbot, deps, services.plans.create(young_person_id=young_person(services)))
    box = editor.form.texts["what_i_want"]
    normal = box.font().pointSizeF()
    box.setFocus()
    qtbot.keyClick(
        box, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert editor.large_type.on
    assert box.font().pointSizeF() == pytest.approx(normal * 1.6)
    assert load_settings()[0].large_type is True
    qtbot.mouseClick(editor.large_type.button, CLICK)
    assert box.font().pointSizeF() == pytest.approx(normal)
    assert load_settings()[0].large_type is False


def test_view_state_puts_focus_and_cursor_back_without_keeping_text(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    plan = services.plans.create(young_person_id=young_person(services))
    editor = open_editor(qtbot, deps, plan)
    box = editor.form.texts["what_worries_me"]
    qtbot.mouseClick(box.viewport(), CLICK)
    assert QApplication.focusWidget() is box
    qtbot.keyClicks(box, "Older lads at the park")
    for _ in range(4):
        qtbot.keyClick(box, Qt.Key.Key_Left)
    state = editor.view_state()
    assert editor.flush()
    assert "lads" not in repr(state)
    assert state["field"] == "plan:what_worries_me"
    editor.close()

    again = open_editor(qtbot, deps, plan)  # as after an idle lock rebuilt the window
    again.restore_view_state(state)
    restored = again.form.texts["what_worries_me"]
    assert QApplication.focusWidget() is restored
    assert restored.textCursor().position() == len("Older lads at the ")


def test_a_past_review_date_is_refused_in_words_and_the_rest_is_saved(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, services.plans.create(young_person_id=person))
    qtbot.keyClicks(editor.form.review_date, "01/01/2020")
    qtbot.keyClicks(editor.form.texts["what_i_want"], "To see my sister")
    qtbot.waitUntil(
        lambda: content(services, person).get("what_i_want") == "To see my sister", timeout=3000
    )
    assert "01/01/2020 has passed" in editor.form.review_note.text()
    assert versions(services, person)[-1].review_date is None
    assert editor.flush()  # the refused date is in the vault, as a draft
    assert editor.unsaved() == [editor.form.review_note.text()]  # but not in the plan
    editor.form.review_date.clear()
    qtbot.keyClicks(editor.form.review_date, later(services, 10))
    qtbot.waitUntil(
        lambda: (
            versions(services, person)[-1].review_date
            == services.plans.today() + timedelta(days=10)
        ),
        timeout=3000,
    )
    assert editor.form.review_note.text() == ""


def test_a_half_typed_action_is_kept_as_a_draft_and_comes_back_where_it_was(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    services.plans.save_draft(plan, actions=[ActionInput("Weekly check-in", "Social worker")])
    editor = open_editor(qtbot, deps, plan)
    rows = editor.form.action_rows
    qtbot.mouseClick(rows.add_button, CLICK)
    qtbot.keyClicks(rows.field(1, "what"), "Help Ffion join the boxing club")
    qtbot.keyClicks(rows.field(1, "by_when"), later(services, 14))
    assert rows.note(1) == (
        "Kept as a draft until it says both what will happen and who will do it."
    )
    qtbot.mouseClick(rows.remove_button(0), CLICK)  # the half action moves up to the top
    qtbot.mouseClick(rows.add_button, CLICK)
    qtbot.keyClicks(rows.field(1, "what"), "Weekly check-in")
    qtbot.keyClicks(rows.field(1, "owner"), "Social worker")
    assert editor.flush()  # the half action is in the vault, as a draft
    assert [a.what for a in live_actions(versions(services, person)[-1])] == ["Weekly check-in"]
    assert "boxing club" in services.drafts.load(f"plan_actions:{plan}")
    editor.close()

    again = open_editor(qtbot, deps, plan)  # as after closing HubDesk and opening it again
    rows = again.form.action_rows
    assert rows.texts() == [
        {
            "what": "Help Ffion join the boxing club",
            "owner": "",
            "agency": "",
            "by_when": later(services, 14),
        },
        {"what": "Weekly check-in", "owner": "Social worker", "agency": "", "by_when": ""},
    ]
    assert rows.note(0).startswith("Kept as a draft")
    qtbot.keyClicks(rows.field(0, "owner"), "Youth worker")
    assert rows.note(0) == ""
    qtbot.waitUntil(lambda: services.drafts.load(f"plan_actions:{plan}") == "", timeout=3000)
    saved = live_actions(versions(services, person)[-1])
    assert [(a.what, a.owner) for a in saved] == [
        ("Help Ffion join the boxing club", "Youth worker"),
        ("Weekly check-in", "Social worker"),
    ]
    assert saved[0].by_when == services.plans.today() + timedelta(days=14)
    assert again.flush()


def test_a_half_typed_action_neither_starts_a_version_nor_is_submitted(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = approved_plan(services, person)
    editor = open_editor(qtbot, deps, plan)
    rows = editor.form.action_rows
    qtbot.mouseClick(rows.add_button, CLICK)
    qtbot.keyClicks(rows.field(1, "owner"), "School nurse")
    assert editor.flush()
    assert services.drafts.load(f"plan_actions:{plan}") != ""
    assert [v.status for v in versions(services, person)] == [PlanVersionStatus.APPROVED]
    qtbot.keyClicks(editor.form.copies, "Ffion")
    qtbot.waitUntil(lambda: len(versions(services, person)) == 2, timeout=3000)
    qtbot.mouseClick(editor.submit_button, CLICK)
    assert editor.submit_message.text() == (
        "This plan cannot be submitted yet: Action 2 needs what will happen and who will do it."
    )
    assert versions(services, person)[-1].status is PlanVersionStatus.DRAFT


def test_clearing_the_review_date_clears_it_in_the_vault(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    services.plans.save_draft(plan, review_date=services.plans.today() + timedelta(days=21))
    editor = open_editor(qtbot, deps, plan)
    field = editor.form.review_date
    assert field.text() == later(services, 21)
    qtbot.mouseClick(field, CLICK)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    assert field.text() == ""
    qtbot.waitUntil(lambda: versions(services, person)[-1].review_date is None, timeout=3000)
    assert editor.form.review_note.text() == ""
    assert editor.flush()


def test_an_unreadable_action_date_is_said_and_the_rest_of_the_action_saved(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    editor = open_editor(qtbot, deps, services.plans.create(young_person_id=person))
    rows = editor.form.action_rows
    qtbot.mouseClick(rows.add_button, CLICK)
    qtbot.keyClicks(rows.field(0, "what"), "Meet at the library")
    qtbot.keyClicks(rows.field(0, "owner"), "Youth worker")
    qtbot.keyClicks(rows.field(0, "by_when"), "31/02/2027")
    assert rows.note(0) == "There is no 31/02/2027 in the calendar; check the day and month."
    assert editor.flush()  # the typed date is kept as a draft
    assert editor.unsaved() == [
        "Action 1's date is not saved yet: There is no 31/02/2027 in the calendar; "
        "check the day and month."
    ]
    saved = live_actions(versions(services, person)[-1])
    assert [(a.what, a.by_when) for a in saved] == [("Meet at the library", None)]


def test_with_doubled_text_nothing_is_squeezed_or_clipped(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = approved_plan(services, person)
    services.plans.save_draft(
        plan, content={"contacts": [{"name": "Hub duty line", "phone": "0121 496 0000"}]}
    )
    editor = open_editor(qtbot, deps, plan)
    form = editor.form
    assert not form.action_rows.stacked
    assert not form.areas.names_above
    doubled = QFont(editor.font())
    doubled.setPointSizeF(doubled.pointSizeF() * 2)
    editor.setFont(doubled)  # as with the application's text at 200 %
    qtbot.waitUntil(lambda: form.action_rows.stacked and form.contact_rows.stacked, timeout=3000)
    fields = [form.action_rows.field(0, key) for key in ("what", "owner", "agency")]
    fields += [form.contact_rows.field(0, key) for key in ("name", "role", "phone")]
    fields += list(form.areas.boxes.values())

    def roomy() -> bool:
        """Every field at least ten characters wide, and no sideways scrolling."""
        least = 10 * form.fontMetrics().averageCharWidth()
        return editor.scroller.horizontalScrollBar().maximum() == 0 and all(
            field.width() >= least for field in fields
        )

    for width in (1000, 560):  # a laptop window, then a narrow one
        editor.resize(width, 640)
        qtbot.waitUntil(roomy, timeout=3000)
    assert form.areas.names_above
    editor.resize(1000, 640)
    editor.setFont(QFont())
    qtbot.waitUntil(lambda: not form.action_rows.stacked, timeout=3000)
    assert not form.areas.names_above


def test_the_tab_starts_my_safety_plan_and_keeps_typing_when_the_case_is_shown_again(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    tab = PlanTab(deps)
    qtbot.addWidget(tab)
    tab.show_case(services.cases.case_file(person))
    tab.show()
    assert tab.title == "Safety plan"
    assert "no safety plan for Ffion Pritchard" in tab.start_text.text()
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        qtbot.mouseClick(tab.start_button, CLICK)
    plans = services.cases.case_file(person).plans
    assert [p.title for p in plans] == ["My Safety Plan"]
    assert tab.editor.plan_id == plans[0].id
    box = tab.editor.form.texts["what_i_want"]
    qtbot.keyClicks(box, "To feel safe")
    tab.show_case(services.cases.case_file(person))  # another tab changed something
    qtbot.keyClicks(box, " at home")
    assert box.text == "To feel safe at home"
    assert tab.flush()
    assert content(services, person)["what_i_want"] == "To feel safe at home"
    assert tab.versions.count() == 1
    assert not tab.compare_button.isEnabled()


def test_the_tab_reports_a_submit_and_lists_the_new_state(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    services.plans.save_draft(
        plan,
        review_date=services.plans.today() + timedelta(days=20),
        actions=[ActionInput("Weekly check-in", "Social worker")],
    )
    tab = PlanTab(deps)
    qtbot.addWidget(tab)
    tab.show_case(services.cases.case_file(person))
    tab.show()
    with qtbot.waitSignal(tab.record_changed, timeout=3000):
        qtbot.mouseClick(tab.editor.submit_button, CLICK)
    assert tab.versions.item(0).text().startswith("Version 1: Waiting for a team lead's decision")
    assert "starts version 2 as a draft" in tab.editor.banner.text()
    with qtbot.waitSignal(tab.record_changed, timeout=3000):  # the new draft is listed
        qtbot.keyClicks(tab.editor.form.texts["what_i_want"], "To feel safe at home")
    listed = [tab.versions.item(n).text() for n in range(tab.versions.count())]
    assert listed[0] == "Version 2 (draft) (open)"
    assert listed[1].startswith("Version 1: Waiting for a team lead's decision")


def test_every_control_on_the_tab_has_a_name_and_takes_focus(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    approved_plan(services, person)
    tab = PlanTab(deps)
    qtbot.addWidget(tab)
    tab.show_case(services.cases.case_file(person))
    tab.show()
    qtbot.mouseClick(tab.editor.form.contact_rows.add_button, CLICK)
    assert unnamed_controls(tab) == []
    assert tab.editor.form.action_rows.field(0, "owner").accessibleName() == (
        "Action 1: who will do it"
    )


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("01/01/2020", "Not saved: 01/01/2020 has passed."),
        ("31/02/2027", "Not saved yet: There is no 31/02/2027 in the calendar"),
    ],
)
def test_a_review_date_not_saved_yet_comes_back_after_a_lock_and_goes_once_put_right(
    qtbot: QtBot, deps: Deps, services: Services, typed: str, said: str
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    editor = open_editor(qtbot, deps, plan)
    qtbot.keyClicks(editor.form.review_date, typed)
    assert editor.form.review_note.text().startswith(said)
    assert editor.flush()  # everything typed is in the vault: the date as a draft
    assert json.loads(services.drafts.load(f"plan_actions:{plan}")) == {"review_date_text": typed}
    assert versions(services, person)[-1].review_date is None
    editor.close()

    again = open_editor(qtbot, deps, plan)  # as after an idle lock rebuilt the window
    assert again.form.review_date.text() == typed
    assert again.form.review_note.text().startswith(said)
    assert again.flush()
    assert len(versions(services, person)) == 1  # opening wrote nothing
    field = again.form.review_date
    qtbot.mouseClick(field, CLICK)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, later(services, 10))
    qtbot.waitUntil(lambda: services.drafts.load(f"plan_actions:{plan}") == "", timeout=3000)
    assert versions(services, person)[-1].review_date == services.plans.today() + timedelta(days=10)
    assert again.form.review_note.text() == ""
    assert again.unsaved() == []


def test_an_unreadable_action_date_comes_back_after_moving_to_another_young_person(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    other = services.cases.add(given_name="Osian", family_name="Reece")
    services.plans.create(young_person_id=other)
    tab = PlanTab(deps)
    qtbot.addWidget(tab)
    tab.show_case(services.cases.case_file(person))
    tab.show()
    rows = tab.editor.form.action_rows
    qtbot.mouseClick(rows.add_button, CLICK)
    qtbot.keyClicks(rows.field(0, "what"), "Meet at the library")
    qtbot.keyClicks(rows.field(0, "owner"), "Youth worker")
    qtbot.keyClicks(rows.field(0, "by_when"), "31/02/2027")

    tab.show_case(services.cases.case_file(other))
    assert tab.editor.form.action_rows.texts() == []
    tab.show_case(services.cases.case_file(person))
    rows = tab.editor.form.action_rows
    assert rows.texts() == [
        {
            "what": "Meet at the library",
            "owner": "Youth worker",
            "agency": "",
            "by_when": "31/02/2027",
        }
    ]
    assert rows.note(0) == "There is no 31/02/2027 in the calendar; check the day and month."
    field = rows.field(0, "by_when")
    qtbot.mouseClick(field, CLICK)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, later(services, 7))
    qtbot.waitUntil(lambda: services.drafts.load(f"plan_actions:{plan}") == "", timeout=3000)
    [action] = live_actions(versions(services, person)[-1])
    assert action.by_when == services.plans.today() + timedelta(days=7)


def test_a_draft_kept_before_dates_were_kept_is_still_read(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    services.plans.save_draft(plan, actions=[ActionInput("Weekly check-in", "Social worker")])
    key = f"plan_actions:{plan}"
    old = [{"position": 0, "what": "", "owner": "School nurse", "agency": "", "by_when": ""}]
    services.drafts.save(key, json.dumps(old))
    editor = open_editor(qtbot, deps, plan)
    rows = editor.form.action_rows
    assert [row["owner"] for row in rows.texts()] == ["School nurse", "Social worker"]
    qtbot.keyClicks(rows.field(0, "by_when"), "31/02/2027")
    assert editor.flush()
    assert json.loads(services.drafts.load(key)) == {
        "actions": [{**old[0], "by_when": "31/02/2027"}]
    }


def test_a_kept_action_date_goes_back_only_on_the_same_action(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    plan = services.plans.create(young_person_id=person)
    services.plans.save_draft(plan, actions=[ActionInput("Weekly check-in", "Social worker")])
    kept = {"action_dates": {"0": {"what": "Meet at the library", "by_when": "31/02/2027"}}}
    services.drafts.save(f"plan_actions:{plan}", json.dumps(kept))
    editor = open_editor(qtbot, deps, plan)
    assert editor.form.action_rows.field(0, "by_when").text() == ""


def test_view_state_finds_the_field_when_hubdesk_is_not_the_active_window(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    plan = services.plans.create(young_person_id=young_person(services))
    editor = open_editor(qtbot, deps, plan)
    box = editor.form.texts["what_i_will_do"]
    qtbot.mouseClick(box.viewport(), CLICK)
    qtbot.keyClicks(box, "Ring my aunt")
    qtbot.keyClick(box, Qt.Key.Key_Home)
    qtbot.keyClick(box, Qt.Key.Key_Right)
    elsewhere = QWidget()  # another program in front, as when the idle lock comes
    qtbot.addWidget(elsewhere)
    activate(qtbot, elsewhere)
    assert QApplication.focusWidget() is not box
    state = editor.view_state()
    assert (state.get("field"), state.get("cursor")) == ("plan:what_i_will_do", 1)
    assert editor.flush()
    editor.close()

    again = PlanEditor(deps)  # the rebuilt window, shown while the other is still in front
    qtbot.addWidget(again)
    again.open_plan(plan)
    again.show()
    again.restore_view_state(state)
    restored = again.form.texts["what_i_will_do"]
    assert again.window().focusWidget() is restored
    assert restored.textCursor().position() == 1
    activate(qtbot, again)
    assert QApplication.focusWidget() is restored


def test_add_who_to_contact_has_its_own_alt_key_beside_the_caseload_filters(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    services.plans.create(young_person_id=person)
    window = MainWindow(deps, "Test Practitioner")
    qtbot.addWidget(window)
    window.resize(1200, 760)
    activate(qtbot, window)
    qtbot.keyClicks(window.caseload.search, "Ffion")  # a filter: "Clear filters" shows
    assert window.caseload.clear_button.isVisibleTo(window)
    window.caseload.select_case(person)
    window.case_view.show_case(person)
    plans = window.case_view.tab_of(PlanTab)
    assert isinstance(plans, PlanTab)
    window.case_view.tabs.setCurrentWidget(plans)
    assert mnemonic_clashes(window) == {}
    plans.editor.form.texts["what_i_want"].setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(plans.editor.form.contact_rows) == 1, timeout=3000)  # pressed
    assert QApplication.focusWidget() is plans.editor.form.contact_rows.field(0, "name")
    assert window.caseload.search.text() == "Ffion"  # the filters were not cleared


def test_large_type_follows_the_settings_in_an_open_editor_without_saving_them(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    person = young_person(services)
    services.plans.create(young_person_id=person)
    tab = PlanTab(deps)
    qtbot.addWidget(tab)
    tab.show_case(services.cases.case_file(person))
    tab.show()
    box = tab.editor.form.texts["what_i_want"]
    normal = box.font().pointSizeF()
    deps.settings.large_type = True  # File → Settings changes the shared settings in place
    tab.settings_changed()
    assert tab.editor.large_type.on
    assert box.font().pointSizeF() == pytest.approx(normal * 1.6)
    assert load_settings()[0].large_type is False  # saved by the settings dialog, not here
    deps.settings.large_type = False
    tab.settings_changed()
    assert not tab.editor.large_type.on
    assert box.font().pointSizeF() == pytest.approx(normal)
