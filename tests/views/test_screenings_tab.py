"""The Screenings section: start a screening on the newest tool, go back to the list, open a
completed one read-only as it was filled, and return to it after a lock."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from hubdesk.forms import library
from hubdesk.models.enums import Level
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


def test_an_old_screening_opens_with_the_tool_version_it_was_filled_with(
    qtbot: QtBot, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = library.find("exploitation", 1)
    assert v1 is not None
    renamed = v1.sections[0].model_copy(update={"title": "About this screening (revised)"})
    v2 = v1.model_copy(update={"version": 2, "sections": [renamed, *v1.sections[1:]]})
    pid = deps.services.cases.add(given_name="Osian", family_name="Rees")
    old = deps.services.screenings.start(pid, definition_id="exploitation", definition_version=1)
    deps.services.screenings.complete(old, final_level=Level.EMERGING, rationale="First look.")
    monkeypatch.setattr(library, "shipped", lambda: (v1, v2))  # a revised tool arrives

    tab = _tab(qtbot, deps)
    tab.show_case(deps.services.cases.case_file(pid))
    assert tab.open_screening(old)
    assert tab.form is not None
    assert tab.form.definition == v1  # read exactly as it was filled
    tab.back_to_list()
    tab.start_new()
    assert tab.form is not None
    assert tab.form.definition == v2  # new screenings use the newest active version
