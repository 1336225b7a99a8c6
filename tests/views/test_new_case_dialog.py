"""The new-young-person dialog: typed by keyboard, refused in words, written on the write
thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.views.new_case_dialog import NewCaseDialog, parse_birth_date
from hubdesk.views.qt import QLineEdit, Qt, is_alive
from hubdesk.views.tasks import Tasks

TODAY = date(2026, 11, 20)


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    tasks = Tasks()
    yield tasks
    tasks.wait_idle()


def open_dialog(
    qtbot: QtBot, services: Services, tasks: Tasks, today: date = TODAY
) -> NewCaseDialog:
    dialog = NewCaseDialog(services, tasks, lambda: today)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def type_in(qtbot: QtBot, dialog: NewCaseDialog, *entries: str) -> None:
    """Type each entry into the focused field and Tab on, as far as the last."""
    for number, text in enumerate(entries):
        field = dialog.focusWidget()
        assert isinstance(field, QLineEdit)
        qtbot.keyClicks(field, text)
        if number < len(entries) - 1:
            qtbot.keyClick(field, Qt.Key.Key_Tab)


def press_enter(qtbot: QtBot, dialog: NewCaseDialog) -> None:
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)


def test_a_future_date_of_birth_is_refused_in_words_beside_the_field(
    qtbot: QtBot, services: Services, tasks: Tasks
) -> None:
    dialog = open_dialog(qtbot, services, tasks)
    type_in(qtbot, dialog, "Nia", "Powell", "", "21/11/2026")
    press_enter(qtbot, dialog)
    assert dialog.birth.problem.text() == (
        "The date of birth is in the future (today is 20/11/2026); check it."
    )
    assert dialog.birth.problem.isVisible()
    assert dialog.focusWidget() is dialog.birth.edit
    assert dialog.isVisible()
    assert services.cases.caseload() == []


def test_empty_names_and_impossible_dates_are_refused_in_words(
    qtbot: QtBot, services: Services, tasks: Tasks
) -> None:
    dialog = open_dialog(qtbot, services, tasks)
    type_in(qtbot, dialog, "", "", "", "31/02/2012")
    press_enter(qtbot, dialog)
    assert dialog.given.problem.text() == "Write their first name."
    assert dialog.family.problem.text() == "Write their family name."
    assert "There is no 31/02/2012" in dialog.birth.problem.text()
    assert dialog.given.edit.accessibleDescription() == "Write their first name."
    assert dialog.focusWidget() is dialog.given.edit
    assert services.cases.caseload() == []


def test_names_and_a_date_of_birth_add_the_young_person(
    qtbot: QtBot, services: Services, tasks: Tasks
) -> None:
    dialog = open_dialog(qtbot, services, tasks)
    type_in(qtbot, dialog, "Rhiannon", "Price", "Rhi", "02/09/2011")
    with qtbot.waitSignal(dialog.created, timeout=5000) as created:
        press_enter(qtbot, dialog)
    person = services.cases.case_file(created.args[0]).young_person
    assert (person.given_name, person.family_name, person.preferred_name) == (
        "Rhiannon",
        "Price",
        "Rhi",
    )
    assert person.date_of_birth == date(2011, 9, 2)
    assert not dialog.isVisible()


def test_a_refusal_from_the_vault_lands_beside_its_field(
    qtbot: QtBot, services: Services, tasks: Tasks
) -> None:
    # The dialog thinks it is 2099; the service, on today's clock, refuses a 2090 birth.
    dialog = open_dialog(qtbot, services, tasks, today=date(2099, 1, 1))
    type_in(qtbot, dialog, "Nia", "Powell", "", "01/01/2090")
    press_enter(qtbot, dialog)
    qtbot.waitUntil(lambda: bool(dialog.birth.problem.text()), timeout=5000)
    assert "future" in dialog.birth.problem.text()
    assert dialog.buttons.isEnabled()
    assert dialog.isVisible()
    assert services.cases.caseload() == []


def test_cancel_adds_nobody(qtbot: QtBot, services: Services, tasks: Tasks) -> None:
    dialog = open_dialog(qtbot, services, tasks)
    type_in(qtbot, dialog, "Nia", "Powell")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert services.cases.caseload() == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("", None), (" 2/9/2011 ", date(2011, 9, 2)), ("02.09.2011", date(2011, 9, 2))],
)
def test_dates_of_birth_are_read_day_first(typed: str, expected: date | None) -> None:
    assert parse_birth_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["2011-09-02", "02/09/11", "next week", "32/01/2011"])
def test_other_dates_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=r"DD/MM/YYYY|no 32/01/2011"):
        parse_birth_date(typed, TODAY)


# -- kept over an idle lock ----------------------------------------------------------------------


def draft_key(services: Services) -> str:
    return f"new_case:{services.vault.device_id}"


def test_names_typed_are_kept_over_a_lock_and_brought_back(
    qtbot: QtBot, services: Services, tasks: Tasks
) -> None:
    dialog = open_dialog(qtbot, services, tasks)
    assert not dialog.brought_back.isVisible()
    type_in(qtbot, dialog, "Rhiannon", "Price", "Rhi", "02/09/2011")
    dialog.keep_and_close()
    assert not dialog.isVisible()
    assert services.cases.caseload() == []
    assert json.loads(services.drafts.load(draft_key(services))) == {
        "given": "Rhiannon",
        "family": "Price",
        "preferred": "Rhi",
        "birth": "02/09/2011",
    }

    again = open_dialog(qtbot, services, tasks)
    assert [f.edit.text() for f in again.fields] == ["Rhiannon", "Price", "Rhi", "02/09/2011"]
    assert again.brought_back.isVisible()
    assert again.brought_back.text() == "Brought back what you had typed before HubDesk locked."
    with qtbot.waitSignal(again.created, timeout=5000) as created:
        press_enter(qtbot, again)
    person = services.cases.case_file(created.args[0]).young_person
    assert (person.given_name, person.preferred_name) == ("Rhiannon", "Rhi")
    assert services.drafts.load(draft_key(services)) == ""


def test_nothing_typed_keeps_nothing(qtbot: QtBot, services: Services, tasks: Tasks) -> None:
    dialog = open_dialog(qtbot, services, tasks)
    type_in(qtbot, dialog, "  ")
    dialog.keep_and_close()
    assert not dialog.isVisible()
    assert services.drafts.load(draft_key(services)) == ""
    assert not open_dialog(qtbot, services, tasks).brought_back.isVisible()


def test_cancel_discards_what_was_brought_back(
    qtbot: QtBot, services: Services, tasks: Tasks
) -> None:
    services.drafts.save(draft_key(services), json.dumps({"given": "Nia", "family": "Powell"}))
    dialog = open_dialog(qtbot, services, tasks)
    assert dialog.given.edit.text() == "Nia"
    assert dialog.focusWidget() is dialog.preferred.edit  # typing goes on where it stopped
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: services.drafts.load(draft_key(services)) == "", timeout=3000)
    assert services.cases.caseload() == []


def test_a_lock_while_adding_keeps_no_draft_and_adds_once(
    qtbot: QtBot, services: Services, tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    tasks.write(lambda: release.wait(5), lambda _: None, lambda _: None)
    wait_idle = tasks.wait_idle
    monkeypatch.setattr(tasks, "wait_idle", lambda *a: (release.set(), wait_idle(*a))[1])
    dialog = open_dialog(qtbot, services, tasks)
    type_in(qtbot, dialog, "Nia", "Powell")
    with qtbot.assertNotEmitted(dialog.created, wait=50):
        press_enter(qtbot, dialog)  # the add waits behind the blocked write
        dialog.keep_and_close()  # releases it, then keeps (nothing: the add came first)
    assert [p.given_name for p in services.cases.caseload()] == ["Nia"]
    assert services.drafts.load(draft_key(services)) == ""


@pytest.mark.parametrize(
    ("today", "birth", "added"),
    [(TODAY, "02/09/2011", ["Nia"]), (date(2099, 1, 1), "01/01/2090", [])],
    ids=["added", "refused"],
)
def test_a_result_arriving_after_the_dialog_was_deleted_is_dropped_quietly(
    qtbot: QtBot, services: Services, tasks: Tasks, today: date, birth: str, added: list[str]
) -> None:
    release = threading.Event()
    tasks.write(lambda: release.wait(5), lambda _: None, lambda _: None)
    dialog = NewCaseDialog(services, tasks, lambda: today)
    dialog.show()
    qtbot.waitExposed(dialog)
    type_in(qtbot, dialog, "Nia", "Powell", "", birth)
    press_enter(qtbot, dialog)
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not is_alive(dialog), timeout=3000)
    release.set()
    assert tasks.wait_idle()
    qtbot.wait(50)  # the result is delivered to a deleted dialog: nothing raises
    assert [p.given_name for p in services.cases.caseload()] == added
