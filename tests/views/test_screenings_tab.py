"""The Screenings section: start a screening on the newest tool, go back to the list, open a
completed one read-only as it was filled, and return to it after a lock."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.services.demo import seed_demo
from hubdesk.views.case_tab import Deps
from hubdesk.views.qt import Qt
from hubdesk.views.screenings_tab import ScreeningsTab
from tests.views.a11y import unnamed_controls


def _tab(qtbot: QtBot, deps: Deps) -> ScreeningsTab:
    tab = ScreeningsTab(deps)
    qtbot.addWidget(tab)
    tab.resize(1000, 640)
    tab.show()
    return tab


def test_start_a_screening_then_back_to_the_list(qtbot: QtBot, deps: Deps) -> None:
    pid = deps.services.cases.add(given_name="Osian", family_name="Rees")
    tab = _tab(qtbot, deps)
    tab.show_case(deps.services.cases.case_file(pid))
    assert tab.summary.text() == "No screenings recorded yet."
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab.form is not None
    assert tab.pages.currentIndex() == 1
    assert unnamed_controls(tab) == []
    tab.back_to_list()
    assert tab.form is None
    assert tab.pages.currentIndex() == 0


def test_a_completed_screening_opens_read_only_and_the_place_comes_back(
    qtbot: QtBot, deps: Deps, services: Services
) -> None:
    seed_demo(services, cases=6, seed=5)
    case = next(
        services.cases.case_file(p.id)
        for p in services.cases.caseload()
        if any(s.is_frozen() for s in services.cases.case_file(p.id).screenings)
    )
    done = next(s for s in case.screenings if s.is_frozen())
    tab = _tab(qtbot, deps)
    tab.show_case(case)
    assert tab.table.select_id(done.id)
    tab.open_selected()
    assert tab.form is not None
    state = tab.view_state()
    assert state["screening_id"] == done.id

    again = _tab(qtbot, deps)
    again.show_case(case)
    again.restore_view_state(state)
    assert again.form is not None
    assert again.form.screening_id == done.id
    assert unnamed_controls(again) == []
