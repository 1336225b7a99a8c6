"""Every interactive control on every screen has an accessible name (screen readers), and can
take keyboard focus."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from hubdesk.services import Services
from hubdesk.settings import Settings
from hubdesk.views.case_tab import Deps
from hubdesk.views.main_window import MainWindow
from hubdesk.views.tasks import Tasks
from hubdesk.views.unlock import UnlockScreen
from tests.views.a11y import mnemonic_clashes, unnamed_controls


def test_the_walk_finds_controls_and_would_catch_a_missing_name(qtbot: QtBot) -> None:
    screen = UnlockScreen("Vault folder: /somewhere")
    qtbot.addWidget(screen)
    screen.show()
    assert unnamed_controls(screen) == []
    screen.button.setAccessibleName("")
    assert unnamed_controls(screen) == ["QPushButton ''"]


def test_the_caseload_screen(qtbot: QtBot, services: Services) -> None:
    services.cases.add(given_name="Siân", family_name="O'Donnell")
    window = MainWindow(Deps(services, Tasks(), Settings()), "Test Practitioner")
    qtbot.addWidget(window)
    window.show()
    assert unnamed_controls(window) == []


def test_every_tab_of_a_case_is_named_and_has_no_alt_key_clashes(
    qtbot: QtBot, services: Services
) -> None:
    from hubdesk.services.demo import seed_demo

    seed_demo(services, cases=3, seed=3)
    window = MainWindow(Deps(services, Tasks(), Settings()), "Test Practitioner")
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    person = services.cases.caseload()[0].id
    window.caseload.select_case(person)
    window.case_view.show_case(person)
    for index in range(window.case_view.tabs.count()):
        window.case_view.tabs.setCurrentIndex(index)
        title = window.case_view.tabs.tabText(index)
        assert (title, unnamed_controls(window)) == (title, [])
        assert (title, mnemonic_clashes(window)) == (title, {})


def test_the_clash_check_would_catch_two_controls_on_one_letter(qtbot: QtBot) -> None:
    screen = UnlockScreen("Vault folder: /somewhere")
    qtbot.addWidget(screen)
    screen.show()
    assert mnemonic_clashes(screen) == {}
    screen.message.setText("&Use another")  # a label without a buddy takes no Alt key
    assert mnemonic_clashes(screen) == {}
    screen.button.setText("&Unlock")
    from hubdesk.views.qt import QPushButton

    other = QPushButton("&Undo", screen)
    other.show()
    assert mnemonic_clashes(screen) == {"u": ["&Unlock", "&Undo"]}
