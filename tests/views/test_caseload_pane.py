"""The caseload pane, driven by keyboard and mouse like a practitioner would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.models.enums import Level
from hubdesk.services import Services
from hubdesk.views.case_tab import Deps
from hubdesk.views.caseload_model import ID_ROLE, LEVEL, MATCHED_IN, NAME, NEXT_REVIEW
from hubdesk.views.caseload_pane import CaseloadPane
from hubdesk.views.qt import (
    QComboBox,
    QLineEdit,
    Qt,
    QWidget,
)
from tests.views.a11y import unnamed_controls

#: The pane's "today" (reviews are judged against it), pinned so the test never depends on
#: the date it runs.
TODAY = date(2026, 11, 20)
CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


@pytest.fixture
def people(services: Services) -> dict[str, str]:
    """Four young people, each with one thing to filter by."""
    add = services.cases.add
    ann = add(
        given_name="Ann",
        family_name="Ashworth",
        next_review_date=TODAY - timedelta(days=3),
        flag_looked_after=True,
    )
    services.cases.set_level(ann, Level.SIGNIFICANT, "Found in a flat in another town.")
    ben = add(given_name="Ben", family_name="Brook", next_review_date=TODAY + timedelta(days=5))
    services.cases.set_level(ben, Level.EMERGING, "New phone nobody can account for.")
    services.missing.report(ben, started_at=datetime.now(UTC) - timedelta(hours=2))
    cai = add(given_name="Cai", family_name="Cole", next_review_date=TODAY + timedelta(days=40))
    services.work.refer_nrm(
        cai,
        referred_on=services.cases.today(),
        first_responder="Children's social care",
        exploitation_types=["criminal_exploitation"],
        summary="Made to carry drugs for others.",
    )
    dee = add(given_name="Dee", family_name="Dunn")
    services.cases.close(dee, "Moved to another authority.")
    return {"ann": ann, "ben": ben, "cai": cai, "dee": dee}


def make_pane(qtbot: QtBot, deps: Deps, width: int = 1000) -> CaseloadPane:
    pane = CaseloadPane(deps, today=lambda: TODAY)
    qtbot.addWidget(pane)
    pane.resize(width, 640)
    pane.show()
    qtbot.waitExposed(pane)
    pane.activateWindow()
    qtbot.waitUntil(pane.isActiveWindow, timeout=3000)
    return pane


def shown(pane: CaseloadPane) -> list[str]:
    model = pane.model
    return [model.data(model.index(r, NAME), ID_ROLE) for r in range(model.rowCount())]


def cell(pane: CaseloadPane, young_person_id: str, column: int) -> str:
    row = pane.model.row_of(young_person_id)
    assert row is not None
    return str(pane.model.data(pane.model.index(row, column)))


def choose(qtbot: QtBot, pane: QWidget, mnemonic: Qt.Key, text: str) -> None:
    """Alt+mnemonic to the combo box, then Home and the Down arrow to the choice."""
    qtbot.keyClick(pane, mnemonic, ALT)
    combo = pane.focusWidget()
    assert isinstance(combo, QComboBox)
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def test_each_filter_narrows_the_list(qtbot: QtBot, deps: Deps, people: dict[str, str]) -> None:
    pane = make_pane(qtbot, deps)
    ann, ben, cai, dee = people.values()
    assert sorted(shown(pane)) == sorted([ann, ben, cai])
    assert pane.count.text() == "3 young people · 3 shown"

    choose(qtbot, pane, Qt.Key.Key_L, "Significant")
    assert shown(pane) == [ann]
    assert pane.count.text() == "3 young people · 1 shown"
    choose(qtbot, pane, Qt.Key.Key_L, "Not screened")
    assert shown(pane) == [cai]
    choose(qtbot, pane, Qt.Key.Key_L, "Any level")

    choose(qtbot, pane, Qt.Key.Key_V, "Overdue")
    assert shown(pane) == [ann]
    choose(qtbot, pane, Qt.Key.Key_V, "Due within 14 days")
    assert shown(pane) == [ben]
    choose(qtbot, pane, Qt.Key.Key_V, "Any review date")

    choose(qtbot, pane, Qt.Key.Key_G, "Missing")
    assert shown(pane) == [ben]
    choose(qtbot, pane, Qt.Key.Key_G, "NRM referral")
    assert shown(pane) == [cai]
    choose(qtbot, pane, Qt.Key.Key_G, "Looked after")
    assert shown(pane) == [ann]
    choose(qtbot, pane, Qt.Key.Key_G, "Any flag")

    choose(qtbot, pane, Qt.Key.Key_T, "Closed")  # closed cases are read from the vault now
    assert shown(pane) == [dee]
    assert pane.count.text() == "1 young person · 1 shown"
    choose(qtbot, pane, Qt.Key.Key_T, "All")
    assert sorted(shown(pane)) == sorted([ann, ben, cai, dee])
    assert cell(pane, dee, 4) == "Closed"

    pane.clear_button.click()
    assert pane.status_combo.currentText() == "Open and referred"
    assert sorted(shown(pane)) == sorted([ann, ben, cai])
    assert pane.clear_button.isHidden()


def test_names_are_found_as_you_type_without_accents_or_apostrophes(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    zoe = services.cases.add(given_name="Zoë", family_name="Hall")
    neill = services.cases.add(given_name="Aled", family_name="O'Neill")
    services.cases.add(given_name="Bryn", family_name="Ellis")
    pane = make_pane(qtbot, deps)
    qtbot.keyClick(pane, Qt.Key.Key_F, CTRL)
    assert pane.focusWidget() is pane.search
    qtbot.keyClicks(pane.search, "zoe")
    assert shown(pane) == [zoe]  # at once: names need no trip to the index
    assert cell(pane, zoe, MATCHED_IN) == "name"
    qtbot.keyClick(pane.search, Qt.Key.Key_Escape)
    assert pane.search.text() == ""
    assert len(shown(pane)) == 3
    assert pane.table.isColumnHidden(MATCHED_IN)
    qtbot.keyClicks(pane.search, "oneill")
    assert shown(pane) == [neill]


def test_a_word_in_a_contact_note_shows_who_and_where_but_never_the_note(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    ann = services.cases.add(given_name="Ann", family_name="Ashworth")
    services.cases.add(given_name="Ben", family_name="Brook")
    services.notes.add(
        ann,
        kind="home_visit",
        occurred_at=datetime.now(UTC) - timedelta(hours=1),
        narrative="Carer reported new trainers that nobody can account for.",
    )
    pane = make_pane(qtbot, deps)
    qtbot.keyClick(pane, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(pane.search, "trainers")
    assert shown(pane) == []  # no name matches; the notes are searched a moment later
    qtbot.waitUntil(lambda: shown(pane) == [ann], timeout=3000)
    assert cell(pane, ann, MATCHED_IN) == "contact note"
    assert not pane.table.isColumnHidden(MATCHED_IN)
    texts = [cell(pane, ann, column) for column in range(pane.model.columnCount())]
    assert not any("account" in text or "Carer" in text for text in texts)
    pane.search.clear()
    assert len(shown(pane)) == 2


@pytest.mark.parametrize("odd", ['"', "*", "AND (", "NEAR(", "a:b -"])
def test_odd_search_text_is_no_match_not_an_error(
    qtbot: QtBot, deps: Deps, services: Services, odd: str
) -> None:
    services.cases.add(given_name="Ann", family_name="Ashworth")
    pane = make_pane(qtbot, deps)
    qtbot.keyClicks(pane.search, odd)
    qtbot.waitUntil(lambda: pane.case_filter.matches_for == odd, timeout=3000)
    assert pane.case_filter.text_matches == {}
    assert pane.problem.isHidden()


def test_ctrl_f_typing_and_arrow_keys_choose_a_case_and_enter_opens_it(
    qtbot: QtBot, deps: Deps, people: dict[str, str]
) -> None:
    pane = make_pane(qtbot, deps)
    qtbot.keyClick(pane, Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(pane.search, "b")
    assert shown(pane) == [people["ben"]]
    pane.search.clear()
    first, second = shown(pane)[:2]
    with qtbot.waitSignal(pane.case_chosen, timeout=2000) as chosen:
        qtbot.keyClick(pane.search, Qt.Key.Key_Down)
    assert chosen.args == [first]
    assert pane.focusWidget() is pane.table
    with qtbot.waitSignal(pane.case_chosen, timeout=2000) as chosen:
        qtbot.keyClick(pane.table, Qt.Key.Key_Down)
    assert chosen.args == [second]
    with qtbot.waitSignal(pane.open_requested, timeout=2000) as opened:
        qtbot.keyClick(pane.table, Qt.Key.Key_Return)
    assert opened.args == [second]


def test_the_sort_combo_sorts_by_level_severity_in_step_with_the_headings(
    qtbot: QtBot, deps: Deps, people: dict[str, str]
) -> None:
    pane = make_pane(qtbot, deps)
    choose(qtbot, pane, Qt.Key.Key_O, "Level")
    assert pane.order_button.text() == "Order: most concern first"
    levels = [cell(pane, pid, LEVEL) for pid in shown(pane)]
    assert levels == ["Significant", "Emerging", "Not screened"]
    pane.order_button.setFocus()
    qtbot.keyClick(pane.order_button, Qt.Key.Key_Space)
    assert pane.order_button.text() == "Order: least concern first"
    assert cell(pane, shown(pane)[0], LEVEL) == "Not screened"

    header = pane.table.horizontalHeader()
    point = header.viewport().rect().center()
    point.setX(header.sectionViewportPosition(NEXT_REVIEW) + header.sectionSize(NEXT_REVIEW) // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert pane.sort_combo.currentText() == "Next review"
    assert header.sortIndicatorSection() == NEXT_REVIEW


def test_overdue_and_due_soon_reviews_are_said_in_words(
    qtbot: QtBot, deps: Deps, people: dict[str, str]
) -> None:
    pane = make_pane(qtbot, deps)
    assert cell(pane, people["ann"], NEXT_REVIEW) == "17/11/2026 — overdue"
    assert cell(pane, people["ben"], NEXT_REVIEW) == "25/11/2026 — due soon"
    assert cell(pane, people["cai"], NEXT_REVIEW) == "30/12/2026"


def test_a_narrow_pane_puts_the_whole_row_in_the_name_cell(
    qtbot: QtBot, deps: Deps, people: dict[str, str]
) -> None:
    pane = make_pane(qtbot, deps, width=420)
    assert pane.table.isColumnHidden(NEXT_REVIEW)
    assert cell(pane, people["ann"], NAME) == (
        "Ann Ashworth\nSignificant · review 17/11/2026 — overdue · Looked after"
    )
    pane.resize(1000, 640)
    qtbot.waitUntil(lambda: not pane.table.isColumnHidden(NEXT_REVIEW), timeout=2000)
    assert cell(pane, people["ann"], NAME) == "Ann Ashworth"


def test_reload_keeps_the_filters_the_search_and_the_chosen_case(
    qtbot: QtBot, deps: Deps, services: Services, people: dict[str, str]
) -> None:
    pane = make_pane(qtbot, deps)
    with qtbot.assertNotEmitted(pane.case_chosen):
        assert pane.select_case(people["cai"])
    qtbot.keyClicks(pane.search, "c")
    services.cases.update(people["cai"], next_review_date=TODAY - timedelta(days=1))
    services.cases.add(given_name="Cora", family_name="Reid")
    pane.reload()
    assert len(shown(pane)) == 2
    assert pane.search.text() == "c"
    assert cell(pane, people["cai"], NEXT_REVIEW) == "19/11/2026 — overdue"
    current = pane.table.currentIndex()
    assert pane.model.data(current, ID_ROLE) == people["cai"]


def test_a_new_young_person_by_keyboard_only_is_added_and_chosen(
    qtbot: QtBot, deps: Deps, services: Services, people: dict[str, str]
) -> None:
    pane = make_pane(qtbot, deps)
    choose(qtbot, pane, Qt.Key.Key_L, "Significant")  # would hide the new young person
    qtbot.keyClick(pane, Qt.Key.Key_N, CTRL)
    dialog = pane.new_case_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert isinstance(dialog.focusWidget(), QLineEdit)
    qtbot.keyClicks(dialog.focusWidget(), "Nia")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.focusWidget(), "O'Donnell")
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # no preferred name
    qtbot.keyClicks(dialog.focusWidget(), "14/03/2012")
    with qtbot.waitSignal(pane.case_chosen, timeout=5000) as chosen:
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    new_id = chosen.args[0]
    person = services.cases.case_file(new_id).young_person
    assert (person.given_name, person.family_name) == ("Nia", "O'Donnell")
    assert person.date_of_birth == date(2012, 3, 14)
    assert pane.chosen_id == new_id
    assert pane.model.data(pane.table.currentIndex(), ID_ROLE) == new_id
    assert pane.level_combo.currentText() == "Any level"
    qtbot.waitUntil(lambda: pane.new_case_dialog is None, timeout=2000)


def test_every_control_is_named_and_reachable(
    qtbot: QtBot, deps: Deps, people: dict[str, str]
) -> None:
    pane = make_pane(qtbot, deps)
    qtbot.keyClicks(pane.search, "a")
    assert unnamed_controls(pane) == []
